"""Measure the scorer against a labelled evaluation set (default ../shared/eval/devset.jsonl).

Prints, as ../shared/eval/README.md defines them: per-criterion precision / recall / F1 on both
classes ("met" and "missing"), balanced F1, red-flag micro-F1, Spearman(overall, grade) on incident
stories beside Spearman(word count, grade), and the share of levels within ±1 of the grade.

    python bench/eval_scorer.py [PATH] [--misses]

A second, independently written set (a dev set too, not held out) is bench/data/extra-stories.jsonl.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coach.rubric import load_rubric  # noqa: E402
from coach.scorer import score  # noqa: E402

DEFAULT_SET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "devset.jsonl"


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(DEFAULT_SET))
    parser.add_argument("--rubric", default="star-l")
    parser.add_argument("--misses", action="store_true", help="list every wrong criterion / flag per story")
    args = parser.parse_args()

    rubric = load_rubric(args.rubric)
    rows = [json.loads(line) for line in Path(args.path).read_text(encoding="utf-8").splitlines() if line.strip()]
    scored = [(row, score(row["text"], rubric)) for row in rows]
    judged = [(row, a) for row, a in scored if row.get("kind") != "off-topic"]

    print(f"{len(rows)} stories ({len(judged)} judged on criteria) from {args.path}\n")
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
        print(f"{cid:26} {met[0]:6.2f} {met[1]:6.2f} {met[2]:6.2f} | {mis[0]:6.2f} {mis[1]:6.2f} {mis[2]:6.2f} | {bal:6.2f}")
    print(f"\nbalanced F1 (mean over {len(balanced)} criteria): {sum(balanced) / len(balanced):.3f}   target ≥ 0.85")

    tp = fp = fn = 0
    for flag in rubric.red_flags:
        ftp = sum(1 for r, a in scored if r["red_flags"][flag.id] and a.red_flags[flag.id].raised)
        ffp = sum(1 for r, a in scored if not r["red_flags"][flag.id] and a.red_flags[flag.id].raised)
        ffn = sum(1 for r, a in scored if r["red_flags"][flag.id] and not a.red_flags[flag.id].raised)
        print(f"  {flag.id:24} tp {ftp:2}  fp {ffp:2}  fn {ffn:2}  F1 {f1(ftp, ffp, ffn)[2]:.2f}")
        tp, fp, fn = tp + ftp, fp + ffp, fn + ffn
    print(f"red-flag micro-F1: {f1(tp, fp, fn)[2]:.3f}   target ≥ 0.80")

    incidents = [(r, a) for r, a in scored if r.get("kind") == "incident"]
    grades = [float(r["grade"]) for r, _ in incidents]
    rho = spearman([float(a.overall) for _, a in incidents], grades)
    rho_words = spearman([float(a.word_count) for _, a in incidents], grades)
    within = sum(1 for r, a in incidents if abs(a.level - r["grade"]) <= 1) / len(incidents)
    exact = sum(1 for r, a in incidents if a.level == r["grade"]) / len(incidents)
    print(f"\nincident stories: {len(incidents)}")
    print(f"Spearman(overall, grade):    {rho:.3f}   target ≥ 0.88")
    print(f"Spearman(word count, grade): {rho_words:.3f}   (length is not quality)")
    print(f"level within ±1 of grade:    {within:.3f}   target ≥ 0.95   (exact: {exact:.3f})")

    if args.misses:
        print("\nmisses (FP: scorer says met / raised, label says no; FN: the reverse):")
        for row, a in scored:
            wrong = []
            if row.get("kind") != "off-topic":
                for cid, truth in row["labels"].items():
                    if a.criteria[cid].met != truth:
                        wrong.append(("FN " if truth else "FP ") + cid)
            for fid, truth in row["red_flags"].items():
                if a.red_flags[fid].raised != truth:
                    wrong.append(("FN " if truth else "FP ") + fid)
            level_note = f"grade {row['grade']} level {a.level} overall {a.overall}"
            if wrong or abs(a.level - row["grade"]) > 1:
                print(f"  {row['id']} ({row.get('kind')}, {level_note}): {', '.join(wrong)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
