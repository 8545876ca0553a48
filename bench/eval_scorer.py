"""Measure the scorer against a labelled evaluation set (default ../shared/eval/devset.jsonl).

Prints, as ../shared/eval/README.md defines them: per-criterion precision / recall / F1 on both
classes ("met" and "missing"), balanced F1, red-flag micro-F1, Spearman(overall, grade) on incident
stories beside Spearman(word count, grade), the share of levels within ±1 of the grade, and the
evidence metrics (hit@1, precision, highlight accuracy; bench/evidence_eval.py).

    python bench/eval_scorer.py [PATH ...] [--split all|tune|holdout|tune-a|tune-b] [--misses] [--full] [--dump FILE]

With several files, one summary line per file (and the evidence metrics pooled over them).
``--split holdout`` reads the untouched quarter (bench/eval_split.py): tune on ``tune`` only.

A second, independently written set (a dev set too, not held out) is bench/data/extra-stories.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.eval_split import SPLITS, select  # noqa: E402
from bench.evidence_eval import EvidenceCounts, evidence_counts  # noqa: E402
from bench.paths import DEVSET, REPO_ROOT  # noqa: E402
from coach.models import Assessment  # noqa: E402
from coach.rubric.loader import Rubric, load_rubric  # noqa: E402
from coach.scoring.scorer import score  # noqa: E402

DEFAULT_SET = DEVSET


def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall, F1; a class absent from both truth and prediction counts as perfect."""
    if tp + fp + fn == 0:
        return 1.0, 1.0, 1.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f


def ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(xs: list[float], ys: list[float]) -> float:
    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sx = sum((a - mx) ** 2 for a in rx) ** 0.5
    sy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (sx * sy) if sx and sy else 0.0


def _per_criterion(rubric: Rubric, judged: list[tuple[dict[str, Any], Assessment]], show: bool) -> list[float]:
    """Balanced F1 of each criterion (printed as a table when ``show``)."""
    if show:
        print(f"{'criterion':26} {'met P':>6} {'met R':>6} {'met F1':>6} | {'mis P':>6} {'mis R':>6} {'mis F1':>6} | {'bal F1':>6}")
    balanced: list[float] = []
    for criterion in rubric.criteria():
        cid = criterion.id
        tp = sum(1 for r, a in judged if r["labels"][cid] and a.criteria[cid].met)
        fp = sum(1 for r, a in judged if not r["labels"][cid] and a.criteria[cid].met)
        fn = sum(1 for r, a in judged if r["labels"][cid] and not a.criteria[cid].met)
        tn = len(judged) - tp - fp - fn
        met = f1(tp, fp, fn)
        mis = f1(tn, fn, fp)
        bal = (met[2] + mis[2]) / 2
        balanced.append(bal)
        if show:
            print(f"{cid:26} {met[0]:6.2f} {met[1]:6.2f} {met[2]:6.2f} | {mis[0]:6.2f} {mis[1]:6.2f} {mis[2]:6.2f} | {bal:6.2f}")
    return balanced


def _fmt(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:.3f}"


Decisions = dict[str, tuple[bool, bool]]  # criterion or flag id → (label, scorer)


def _decisions(row: dict[str, Any], a: Assessment) -> tuple[Decisions, Decisions]:
    """The judged criterion verdicts (none for an off-topic story) and the red flags of one story."""
    criteria: Decisions = {}
    if row.get("kind") != "off-topic":
        criteria = {cid: (truth, a.criteria[cid].met) for cid, truth in row["labels"].items()}
    flags = {fid: (truth, a.red_flags[fid].raised) for fid, truth in row["red_flags"].items()}
    return criteria, flags


def _wrong_decisions(scored: list[tuple[dict[str, Any], Assessment]]) -> tuple[int, int]:
    """Wrong criterion verdicts (on judged stories) and wrong red flags: the pooled count a cue change moves."""
    criteria = flags = 0
    for row, a in scored:
        judged, raised = _decisions(row, a)
        criteria += sum(truth != said for truth, said in judged.values())
        flags += sum(truth != said for truth, said in raised.values())
    return criteria, flags


def evaluate(
    rubric: Rubric, rows: list[dict[str, Any]], label: str, show: bool, misses: bool,
    verdicts: dict[str, dict[str, bool]] | None = None,
) -> tuple[EvidenceCounts, tuple[int, int]]:
    """Score ``rows``; print the full report when ``show``, and always one summary line.

    ``verdicts``, when given, is filled with each row's right/wrong per judged decision (for --dump).
    """
    scored = [(row, score(row["text"], rubric)) for row in rows]
    if verdicts is not None:
        for row, a in scored:
            judged, raised = _decisions(row, a)
            verdicts[str(row["id"])] = {key: truth == said for key, (truth, said) in {**judged, **raised}.items()}
    judged = [(row, a) for row, a in scored if row.get("kind") != "off-topic"]
    if show:
        print(f"{len(rows)} stories ({len(judged)} judged on criteria) from {label}\n")
    balanced = _per_criterion(rubric, judged, show)
    bal = sum(balanced) / len(balanced) if judged else None
    if show:
        print(f"\nbalanced F1 (mean over {len(balanced)} criteria): {_fmt(bal)}   target ≥ 0.85")

    tp = fp = fn = 0
    for flag in rubric.red_flags:
        ftp = sum(1 for r, a in scored if r["red_flags"][flag.id] and a.red_flags[flag.id].raised)
        ffp = sum(1 for r, a in scored if not r["red_flags"][flag.id] and a.red_flags[flag.id].raised)
        ffn = sum(1 for r, a in scored if r["red_flags"][flag.id] and not a.red_flags[flag.id].raised)
        if show:
            print(f"  {flag.id:24} tp {ftp:2}  fp {ffp:2}  fn {ffn:2}  F1 {f1(ftp, ffp, ffn)[2]:.2f}")
        tp, fp, fn = tp + ftp, fp + ffp, fn + ffn
    flag_f1 = f1(tp, fp, fn)[2]
    if show:
        print(f"red-flag micro-F1: {flag_f1:.3f}   target ≥ 0.80")

    incidents = [(r, a) for r, a in scored if r.get("kind") == "incident"]
    grades = [float(r["grade"]) for r, _ in incidents]
    rho = spearman([float(a.overall) for _, a in incidents], grades) if incidents else None
    rho_words = spearman([float(a.word_count) for _, a in incidents], grades) if incidents else None
    within = sum(1 for r, a in incidents if abs(a.level - r["grade"]) <= 1) / len(incidents) if incidents else None
    exact = sum(1 for r, a in incidents if a.level == r["grade"]) / len(incidents) if incidents else None
    if show:
        print(f"\nincident stories: {len(incidents)}")
        print(f"Spearman(overall, grade):    {_fmt(rho)}   target ≥ 0.88")
        print(f"Spearman(word count, grade): {_fmt(rho_words)}   (length is not quality)")
        print(f"level within ±1 of grade:    {_fmt(within)}   target ≥ 0.95   (exact: {_fmt(exact)})")

    evidence = EvidenceCounts()
    for row, a in scored:
        evidence.add(evidence_counts(row, a))
    if show:
        print(f"\nevidence hit@1:      {_fmt(evidence.hit_at_1)}   ({evidence.hit}/{evidence.judged})   target ≥ 0.85")
        print(f"evidence precision:  {_fmt(evidence.precision)}   ({evidence.precise}/{evidence.quoted})")
        print(f"highlight accuracy:  {_fmt(evidence.highlight)}   ({evidence.highlighted_right}/{evidence.highlighted})"
              "   target ≥ 0.80")

    if misses:
        print("\nmisses (FP: scorer says met / raised, label says no; FN: the reverse):")
        for row, a in scored:
            judged, raised = _decisions(row, a)
            wrong = [("FN " if truth else "FP ") + key for key, (truth, said) in {**judged, **raised}.items()
                     if truth != said]
            level_note = f"grade {row['grade']} level {a.level} overall {a.overall}"
            if wrong or abs(a.level - row["grade"]) > 1:
                print(f"  {row['id']} ({row.get('kind')}, {level_note}): {', '.join(wrong)}")
    if show:
        print()
    print(
        f"{label:40} n={len(rows):3}  balF1 {_fmt(bal)}  flagF1 {flag_f1:.3f}  rho {_fmt(rho)} (words {_fmt(rho_words)})"
        f"  ±1 {_fmt(within)}  hit@1 {_fmt(evidence.hit_at_1)}  prec {_fmt(evidence.precision)}"
        f"  highlight {_fmt(evidence.highlight)}"
    )
    return evidence, _wrong_decisions(scored)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=[str(DEFAULT_SET)], metavar="PATH")
    parser.add_argument("--rubric", default="star-l")
    parser.add_argument("--split", choices=SPLITS, default="all",
                        help="score every row, the rows tuning may look at, the untouched quarter, or a half of the tune rows (bench/eval_split.py)")
    parser.add_argument("--misses", action="store_true", help="list every wrong criterion / flag per story")
    parser.add_argument("--full", action="store_true", help="the full report for each file, even with several files")
    parser.add_argument("--dump", metavar="FILE", help="write each row's right/wrong decisions as JSON, for"
                        " bench/compare_verdicts.py (which decisions a change fixed and which it broke)")
    args = parser.parse_args()

    rubric = load_rubric(args.rubric)
    show = args.full or len(args.paths) == 1
    pooled = EvidenceCounts()
    wrong_criteria = wrong_flags = 0
    verdicts: dict[str, dict[str, bool]] | None = {} if args.dump else None
    for path in args.paths:
        rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
        rows = select(rows, args.split)
        label = f"{_relative(path)} [{args.split}]"
        evidence, (criteria, flags) = evaluate(rubric, rows, label, show, args.misses, verdicts)
        pooled.add(evidence)
        wrong_criteria, wrong_flags = wrong_criteria + criteria, wrong_flags + flags
    if len(args.paths) > 1:
        print(
            f"{'evidence pooled over the files':40}        hit@1 {_fmt(pooled.hit_at_1)} ({pooled.hit}/{pooled.judged})"
            f"  prec {_fmt(pooled.precision)}  highlight {_fmt(pooled.highlight)}"
            f" ({pooled.highlighted_right}/{pooled.highlighted})"
        )
    print(f"wrong decisions: {wrong_criteria} criterion verdicts, {wrong_flags} red flags")
    if args.dump and verdicts is not None:
        Path(args.dump).write_text(json.dumps(verdicts, sort_keys=True, indent=1) + "\n", encoding="utf-8")
    return 0


def _relative(path: str) -> str:
    """The path as the repo root sees it (never absolute in what we print)."""
    resolved = Path(path).resolve()
    return os.path.relpath(resolved, REPO_ROOT)


if __name__ == "__main__":
    raise SystemExit(main())
