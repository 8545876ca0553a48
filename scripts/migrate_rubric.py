"""Convert a rubric file of the old format into the current one, mechanically and re-runnably.

    python scripts/migrate_rubric.py OLD.yaml > NEW.yaml

What the old engine knew by criterion id now lives in the rubric file, so this script adds it where
the old engine would have applied it (only for ids the rubric has):

* components ``situation`` … ``learning`` get the ``colour`` the web app gave them and the
  ``heading_words`` the scorer recognised ("Lessons learned:" starts the Learning part);
* the ``no_metrics`` / ``no_learning`` detectors become ``absent_measured`` / ``absent`` with the
  ``absent_when_met`` criteria the old engine named;
* the red flags the offline interviewer asked about (lone hero, blame) get ``ask_when_raised``.

With ``--examples-from NEW.yaml`` (an earlier output, edited since), examples marked or added
there are kept, so re-running the script on a tuned old file loses no hand-written example.

Cues are rewritten by coach.rubric.cuelang (words one per line, endings in brackets, raw patterns only
where structure needs one). A file already in the current format passes through unchanged in
meaning. Proof that scoring is unchanged: ``python bench/snapshot_scorer.py compare OLD.yaml NEW.yaml``.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.rubric.cuelang import CueError, compile_words, to_regexes  # noqa: E402
from coach.rubric.regexopt import _flatten, split_alternatives  # noqa: E402
from coach.rubric.yamlwrite import dump_rubric  # noqa: E402

# --- what the old engine hard-coded (coach/web/webview.py, coach/scoring/scorer.py, coach/scoring/detectors.py, followups)
OLD_COLOURS = {"situation": "#2563eb", "task": "#7c3aed", "action": "#059669", "result": "#d97706",
               "learning": "#db2777"}
OLD_HEADINGS = {
    "situation": ["situation", "context", "background"],
    "task": ["task", "role"],
    "action": ["action", "actions", "what i did"],
    "result": ["result", "results", "outcome"],
    "learning": ["learning", "learnings", "lesson", "lessons", "lesson learned", "lessons learned", "takeaway",
                 "takeaways"],
}
OLD_ABSENCE = {
    "no_metrics": ("absent_measured", ["result.metrics", "result.duration"]),
    "no_learning": ("absent", ["learning.prevention", "learning.process"]),
}
OLD_ASKED_FLAGS = ("red_flag.lone_hero", "red_flag.blame")


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    criterion_ids = {c["id"] for comp in data.get("components", []) for c in comp.get("criteria", [])}
    if _is_old(data.get("topic_cues")):
        data["topic_cues"] = convert_cues(data["topic_cues"])
    for item in [c for comp in data.get("components", []) for c in comp.get("criteria", [])] + data.get("red_flags", []):
        if isinstance(item.get("cues"), dict):
            _migrate_cue_lists(item["cues"])
        # a drill's alternative cue sets (params.alternatives) are cue lists too
        for alternative in (item.get("params") or {}).get("alternatives", []):
            if isinstance(alternative, dict):
                _migrate_cue_lists(alternative)
    for component in data.get("components", []):
        cid = component.get("id")
        if cid in OLD_COLOURS and "colour" not in component:
            component["colour"] = OLD_COLOURS[cid]
        if cid in OLD_HEADINGS and "heading_words" not in component:
            component["heading_words"] = list(OLD_HEADINGS[cid])
        _reorder(component, ["id", "name", "weight", "colour", "heading_words", "criteria"])
    for flag in data.get("red_flags", []):
        detector = flag.get("detector")
        if detector in OLD_ABSENCE:
            new_detector, needs = OLD_ABSENCE[detector]
            flag["detector"] = new_detector
            flag.setdefault("absent_when_met", [cid for cid in needs if cid in criterion_ids])
        if flag.get("id") in OLD_ASKED_FLAGS:
            flag.setdefault("ask_when_raised", True)
        _reorder(flag, ["id", "name", "description", "detector", "absent_when_met", "cues", "penalty", "followup",
                        "ask_when_raised", "examples"])
    return data


# --- cues: regular expressions → the cue language ------------------------------------------------

_LITERAL = re.compile(r"[A-Za-z0-9 '’&€£]|\\[-./$+:#%&]|[-/:#%]")
_GROUP_BODY = re.compile(r"[A-Za-z0-9 '’&-]+(?:\|[A-Za-z0-9 '’&-]+)*")


def _group_end(text: str, start: int) -> int:
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "\\":
            continue
        if text[i] == "(" and text[i - 1 : i] != "\\":
            depth += 1
        elif text[i] == ")" and text[i - 1 : i] != "\\":
            depth -= 1
            if depth == 0:
                return i
    return -1


def word_cue(alternative: str) -> str | None:
    """The cue-language spelling of one regex alternative, when it compiles back to exactly it."""
    alternative = alternative.replace("\\b\\b", "\\b")
    if alternative.startswith("\\b\\"):
        return None
    body = alternative[2:] if alternative.startswith("\\b") else alternative
    out: list[str] = []
    i = 0
    while i < len(body):
        rest = body[i:]
        if rest in ("\\b", "\\w*", "\\w*\\b", "\\w+", "\\w+\\b"):
            if rest != "\\b":
                out.append("*" if rest.startswith("\\w*") else "+")
            i = len(body)
            break
        if rest.startswith("(?:"):
            end = _group_end(body, i)
            inner = body[i + 3 : end]
            if end < 0 or not _GROUP_BODY.fullmatch(inner):
                return None
            optional = body[end + 1 : end + 2] == "?"
            out.append(f"({inner})" if optional else f"{{{inner}}}")
            i = end + (2 if optional else 1)
            continue
        if rest.startswith("[") and "]" in rest:
            inner = rest[1 : rest.index("]")]
            if len(inner) < 2 or not all(ch.isalpha() or ch in " -" for ch in inner):
                return None
            optional = rest[len(inner) + 2 : len(inner) + 3] == "?"
            choice = "|".join(inner)
            out.append(f"({choice})" if optional else f"{{{choice}}}")
            i += len(inner) + 2 + optional
            continue
        m = _LITERAL.match(body, i)
        if m is None:
            return None
        char = m.group().lstrip("\\")
        if body[m.end() : m.end() + 1] == "?":
            out.append(f"({char})")
            i = m.end() + 1
        else:
            out.append(char)
            i = m.end()
    else:
        if out and (out[-1][-1:].isalnum() or out[-1].endswith((")", "}"))):
            out.append("…")  # no boundary after it in the original
    cue = "".join(out)
    try:
        back = compile_words(cue)
    except CueError:
        return None
    return cue if _same(back, alternative) else None


def _same(a: str, b: str) -> bool:
    """Equal, or equal but for a ``\\b`` right after ``\\w*`` that follows a letter (always true there)."""
    return a == b or _norm(a) == _norm(b)


_EXCEPTIONS = re.compile(
    r"\\b(?P<behind>(?:\(\?<![A-Za-z ]+\))*)(?P<body>.+?)(?P<ahead>\(\?! \(\?:(?P<words>[^()]*(?:\([^()]*\)[^()]*)*)\)\))?"
)


def _group_cue(alternative: str) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], str] | None:
    """(exceptions, cue) for ``\\b(?<!x )word\\b(?! (?:y|z))``, when it compiles back exactly."""
    m = _EXCEPTIONS.fullmatch(alternative)
    if m is None or not (m.group("behind") or m.group("ahead")):
        return None
    cue = word_cue("\\b" + m.group("body"))
    if cue is None:
        return None
    after = tuple(re.findall(r"\(\?<!([A-Za-z ]+) \)", m.group("behind")))
    before: list[str] = []
    for part in split_alternatives(m.group("words") or ""):
        if not part:
            continue
        word = word_cue("\\b" + part)
        if word is None or not word.endswith("…"):
            return None
        before.append(word[:-1])
    entry = {"words": [cue], "not_after": list(after), "not_before": before}
    try:
        back = to_regexes([{k: v for k, v in entry.items() if v}])
    except CueError:
        return None
    if back != [alternative]:
        return None
    return (after, tuple(before)), cue


def _why(alternative: str) -> str:
    if "(?<![\\w" in alternative and "[Ii]" in alternative:
        return '"I" as a word, then what follows'
    if "(?<" in alternative or "(?!" in alternative or "(?=" in alternative:
        return "an exception that depends on the words around"
    if "\\d" in alternative or re.search(r"\[[^\]]*\d", alternative):
        return "numbers"
    if any(t in alternative for t in ("\\w+", "\\S", "\\s", "[^", "{0,", "\\w ")):
        return "a gap of any words or characters"
    if "-i:" in alternative:
        return "capital letters matter"
    return "structure the word list cannot say"


def convert_cues(patterns: list[str]) -> list[Any]:
    """Old regex cues → cue-language entries; raises when the result would not be the same patterns."""
    flat = _flatten(patterns)
    pieces: list[str] = []
    for top in [alt for pattern in patterns for alt in split_alternatives(pattern)]:
        parts = _flatten([top])
        words = sum(1 for part in parts if word_cue(part) is not None or _group_cue(part) is not None)
        # Mostly words: one line each. Mostly structure: keep the pattern whole, not one copy per word.
        pieces += parts if 2 * words >= len(parts) else [top]
    entries: list[Any] = []
    for alternative in pieces:
        cue = word_cue(alternative)
        if cue is not None:
            entries.append(cue)
            continue
        grouped = _group_cue(alternative)
        if grouped is not None:
            (after, before), cue = grouped
            last = entries[-1] if entries else None
            if isinstance(last, dict) and "words" in last and (tuple(last.get("not_after", [])),
                                                                tuple(last.get("not_before", []))) == (after, before):
                last["words"].append(cue)
            else:
                group: dict[str, Any] = {"words": [cue]}
                if after:
                    group["not_after"] = list(after)
                if before:
                    group["not_before"] = list(before)
                entries.append(group)
            continue
        entries.append({"pattern": alternative, "why": _why(alternative)})
    check = [_norm(a) for a in _flatten(to_regexes(entries))]
    if check != [_norm(a) for a in flat]:
        raise SystemExit("internal error: migrated cues differ from the originals")
    return entries


def _norm(alternative: str) -> str:
    alternative = alternative.replace("\\b\\b", "\\b")
    return re.sub(r"(?<=[A-Za-z0-9)?])\\w([*+])\\b$", r"\\w\1", alternative)


def _migrate_cue_lists(cues: dict[str, Any]) -> None:
    for key in ("any", "late", "unless", "steps"):
        if key in cues and _is_old(cues[key]):
            cues[key] = convert_cues(cues[key])
    if "also" in cues:
        cues["also"] = [convert_cues(group) if _is_old(group) else group for group in cues["also"]]


def _is_old(entries: Any) -> bool:
    """Old lists hold regular expressions; new ones words (a file may be migrated twice)."""
    return isinstance(entries, list) and any(isinstance(e, str) and _looks_regex(e) for e in entries)


def _looks_regex(text: str) -> bool:
    return "\\" in text or "(?" in text or "[" in text


def _reorder(mapping: dict[str, Any], order: list[str]) -> None:
    """Put known keys in a readable order, others after them in their old order."""
    items = list(mapping.items())
    mapping.clear()
    for key in order:
        for k, v in items:
            if k == key:
                mapping[k] = v
    for k, v in items:
        if k not in mapping:
            mapping[k] = v


def header_comments(text: str) -> list[str]:
    """The comment lines that open the file (what they say of regex cues now says the cue language)."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    prose = " ".join(line.lstrip("# ") for line in lines)
    if "regular expressions" not in prose:
        return lines
    prose = re.sub(r"Cues are (?:case-insensitive )?regular expressions", "Cues are words and phrases (see coach/rubric/cuelang.py)",
                   prose)
    return ["# " + line for line in textwrap.wrap(prose, 98)]


def key_comments(text: str) -> dict[str, list[str]]:
    """Comment blocks just above a top-level key (after the header), by key."""
    out: dict[str, list[str]] = {}
    pending: list[str] = []
    started = False
    for line in text.splitlines():
        if line.startswith("#"):
            if started:
                pending.append(line)
            continue
        started = True
        if line and not line[0].isspace() and ":" in line:
            if pending:
                out[line.split(":", 1)[0]] = pending
            pending = []
        elif line.strip():
            pending = []
    return out


def keep_examples(data: dict[str, Any], current: dict[str, Any]) -> None:
    """Carry examples over from an already migrated file: an old example marked there ("[…]") keeps
    its mark, and examples added there are kept after the old ones."""
    def items(d: dict[str, Any]) -> dict[str, dict[str, Any]]:
        found = [c for comp in d.get("components", []) for c in comp.get("criteria", [])] + d.get("red_flags", [])
        return {item["id"]: item for item in found if isinstance(item, dict) and "id" in item}

    kept = items(current)
    for item_id, item in items(data).items():
        there = kept.get(item_id, {}).get("examples") or {}
        examples = item.setdefault("examples", {})
        for key in ("met", "missing"):
            ours = list(examples.get(key, []))
            theirs = list(there.get(key, []))
            plain = {_unmark(t): t for t in theirs}
            merged = [plain.get(t, t) for t in ours]
            merged += [t for t in theirs if _unmark(t) not in ours]
            if merged:
                examples[key] = merged


def _unmark(text: str) -> str:
    return text.replace("[", "", 1).replace("]", "", 1) if text.count("[") == 1 else text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("--examples-from", type=Path, metavar="NEW.yaml",
                        help="keep the marked and added examples of an already migrated file")
    args = parser.parse_args(argv)
    try:
        text = args.old.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        current = yaml.safe_load(args.examples_from.read_text(encoding="utf-8")) if args.examples_from else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        print(f"migrate_rubric: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    if not isinstance(data, dict) or (current is not None and not isinstance(current, dict)):
        print(f"{args.old}: not a rubric (expected a mapping)", file=sys.stderr)
        return 2
    data = migrate(data)
    if current is not None:
        keep_examples(data, current)
    sys.stdout.write(dump_rubric(data, header_comments(text), key_comments(text)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
