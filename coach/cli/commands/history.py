"""`coach history list / show / export / delete / path`: the practice history kept by `coach score --save`
and the web app (one SQLite file under COACH_HOME). Exit codes: 0 ok, 1 no such attempt or an
unreadable history file, 2 bad usage."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from coach.errors import HistoryError, UsageError
from coach.history import AttemptRecord, HistoryStore, history_enabled, record_from
from coach.models import Assessment
from coach.textfmt import clip

HELP = "the practice history: list, show, export or delete saved attempts (a SQLite file under COACH_HOME)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="history_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="saved attempts, oldest first")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.add_argument("--question", default=None, help="only attempts at this question (bank id or text)")
    show = sub.add_parser("show", help="one attempt in full: scores, criteria, story, follow-ups")
    show.add_argument("id", type=int)
    show.add_argument("--format", choices=("text", "json"), default="text")
    export = sub.add_parser("export", help="every attempt as CSV or JSONL")
    export.add_argument("--format", choices=("csv", "jsonl"), required=True)
    export.add_argument("--out", default=None, help="write to this file (default: stdout)")
    delete = sub.add_parser("delete", help="delete one attempt, or --all")
    target = delete.add_mutually_exclusive_group(required=True)
    target.add_argument("id", type=int, nargs="?", default=None)
    target.add_argument("--all", action="store_true", help="delete every saved attempt")
    sub.add_parser("path", help="print where the history file is")


def run(args: argparse.Namespace) -> int:
    store = HistoryStore()
    action = args.history_command
    if action == "path":
        print(store.path)
        return 0
    if action == "list":
        return _list(store, args)
    if action == "show":
        record = store.get(args.id)
        if args.format == "json":
            print(json.dumps(record.model_dump(mode="json"), ensure_ascii=False, indent=2))
        else:
            sys.stdout.write(_show_text(record))
        return 0
    if action == "export":
        from coach.history.export import export

        text = export(store.attempts(), args.format)
        if args.out:
            try:
                Path(args.out).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"--out {args.out}: cannot write ({exc.strerror})") from exc
            print(f"exported {store.count()} attempts to {args.out}", file=sys.stderr)
        else:
            sys.stdout.write(text)
        return 0
    if args.all:
        print(f"deleted {store.delete_all()} attempts from {store.path}", file=sys.stderr)
    else:
        store.delete(args.id)
        print(f"deleted attempt {args.id}", file=sys.stderr)
    return 0


def _list(store: HistoryStore, args: argparse.Namespace) -> int:
    records = store.attempts(args.question)
    for aside in store.damaged_copies():
        print(f"coach: note: a damaged history file was kept aside at {aside}; delete it once you no longer need it", file=sys.stderr)
    if args.format == "json":
        print(json.dumps([r.summary() for r in records], ensure_ascii=False, indent=2))
        return 0
    if not records:
        print(f"No attempts saved yet (history file: {store.path}). Save one with: coach score FILE --save")
        return 0
    print(f"{'id':>5}  {'when (UTC)':<16}  {'score':>5}  {'level':<14}  {'mode':<7}  {'rubric':<10}  question")
    for r in records:
        when = r.created_at[:16].replace("T", " ")
        star = " ★" if r.my_story else ""
        score = f"{r.overall}" if r.final_overall == r.overall else f"{r.overall}→{r.final_overall}"
        question = r.question_id or clip(r.question, 50)
        print(f"{r.id:>5}  {when:<16}  {score:>5}  {r.level} {r.level_label:<12}  {r.mode:<7}  {r.rubric:<10}  {question}{star}")
    return 0


def _show_text(r: AttemptRecord) -> str:
    lines = [
        f"attempt {r.id} · {r.created_at} · {r.source}{' · my story' if r.my_story else ''}",
        f"question: {r.question}" + (f" [{r.question_id}]" if r.question_id else ""),
        f"score: {r.overall}/100 — level {r.level} ({r.level_label})   rubric {r.rubric}, mode {r.mode}"
        + (f" ({r.model})" if r.model else ""),
        "  " + "  ".join(f"{cid} {score}" for cid, score in r.components.items()),
        "met: " + (", ".join(r.criteria_met) or "none"),
        "missing: " + (", ".join(r.criteria_missing) or "none"),
        "red flags: " + (", ".join(r.red_flags) or "none"),
    ]
    if r.delivery:
        wpm = "not measured" if r.delivery.words_per_minute is None else f"{r.delivery.words_per_minute:.0f} words/min"
        lines.append(f"delivery: {r.delivery.duration_s:.0f} s, {wpm}, {r.delivery.filler_count} fillers")
    lines += ["", r.story.strip(), ""]
    for turn in r.exchange:
        lines += [f"Q: {turn.question}", f"A: {turn.answer}", f"   → {turn.overall_after}/100", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def save_scored(assessment: Assessment, *, story: str, question_id: str | None, question: str, model: str | None) -> None:
    """`coach score --save`: keep the attempt. The score is already printed; a failure here is a warning."""
    if not history_enabled():
        print("coach: warning: not saved to the history (COACH_HISTORY=off)", file=sys.stderr)
        return
    store = HistoryStore()
    record = record_from(assessment, story=story, question=question, question_id=question_id, source="cli", model=model)
    try:
        saved = store.add(record)
    except HistoryError as exc:
        print(f"coach: warning: the score above was not saved: {exc}", file=sys.stderr)
        return
    print(f"saved as attempt {saved.id} in {store.path} (coach history show {saved.id})", file=sys.stderr)
