"""Measure the drill rubrics (exec-update, tech-update, postmortem) against labelled drill messages.

Prints per drill kind: balanced F1 over its criteria (mean of the met and missing classes' F1),
red-flag micro-F1 and Spearman(overall, grade). Targets on unseen messages: balanced F1 ≥ 0.85 and
Spearman ≥ 0.85 per kind. Tune on ``--split tune`` only; ``holdout`` estimates unseen messages.

    python bench/eval_drills.py [PATH] [--split tune|holdout|all] [--misses]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_scorer import f1, spearman  # noqa: E402
from eval_split import select  # noqa: E402

from bench.paths import DRILLS_DEVSET  # noqa: E402
from coach.models import Assessment  # noqa: E402
from coach.rubric.loader import load_rubric  # noqa: E402
from coach.scoring.scorer import score  # noqa: E402

DEFAULT_SET = DRILLS_DEVSET
KINDS = ("exec-update", "tech-update", "postmortem")


def report(kind: str, rows: list[dict[str, object]], misses: bool) -> tuple[float, float, float]:
    rubric = load_rubric(kind)
    scored: list[tuple[dict[str, object], Assessment]] = [(row, score(str(row["text"]), rubric)) for row in rows]
    print(f"\n== {kind}: {len(rows)} messages")
    balanced: list[float] = []
    for criterion in rubric.criteria():
        cid = criterion.id
        truth = [bool(row["labels"][cid]) for row, _ in scored]  # type: ignore[index]
        said = [a.criteria[cid].met for _, a in scored]
        tp = sum(t and s for t, s in zip(truth, said))
        fp = sum(s and not t for t, s in zip(truth, said))
        fn = sum(t and not s for t, s in zip(truth, said))
        tn = len(truth) - tp - fp - fn
        bal = (f1(tp, fp, fn)[2] + f1(tn, fn, fp)[2]) / 2
        balanced.append(bal)
        print(f"  {cid:22} tp {tp:2} fp {fp:2} fn {fn:2} tn {tn:2}  balanced F1 {bal:.2f}")
    tp = fp = fn = 0
    for flag in rubric.red_flags:
        truth = [bool(row["red_flags"][flag.id]) for row, _ in scored]  # type: ignore[index]
        said = [a.red_flags[flag.id].raised for _, a in scored]
        ftp = sum(t and s for t, s in zip(truth, said))
        ffp = sum(s and not t for t, s in zip(truth, said))
        ffn = sum(t and not s for t, s in zip(truth, said))
        print(f"  {flag.id:22} tp {ftp:2} fp {ffp:2} fn {ffn:2}  F1 {f1(ftp, ffp, ffn)[2]:.2f}")
        tp, fp, fn = tp + ftp, fp + ffp, fn + ffn
    bal_mean = sum(balanced) / len(balanced)
    flag_f1 = f1(tp, fp, fn)[2]
    rho = spearman([float(a.overall) for _, a in scored], [float(row["grade"]) for row, _ in scored])  # type: ignore[arg-type]
    print(f"  balanced F1 {bal_mean:.3f}   red-flag F1 {flag_f1:.3f}   Spearman(overall, grade) {rho:.3f}")
    if misses:
        for row, a in scored:
            wrong = [("FN " if t else "FP ") + cid for cid, t in row["labels"].items() if a.criteria[cid].met != t]  # type: ignore[attr-defined]
            wrong += [("FN " if t else "FP ") + fid for fid, t in row["red_flags"].items() if a.red_flags[fid].raised != t]  # type: ignore[attr-defined]
            print(f"    {row['id']} grade {row['grade']} overall {a.overall}: {', '.join(wrong) or 'ok'}")
    return bal_mean, flag_f1, rho


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(DEFAULT_SET))
    parser.add_argument("--split", default="all", choices=("tune", "holdout", "all"))
    parser.add_argument("--misses", action="store_true", help="list every wrong criterion / flag per message")
    args = parser.parse_args()
    rows = [json.loads(line) for line in Path(args.path).read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = select(rows, args.split)
    print(f"{len(rows)} messages ({args.split}) from {args.path}")
    summary = [(kind, *report(kind, [r for r in rows if r["kind"] == kind], args.misses)) for kind in KINDS]
    print("\nkind          balanced F1  red-flag F1  Spearman   (targets: ≥ 0.85, -, ≥ 0.85)")
    for kind, bal, flag_f1, rho in summary:
        print(f"{kind:13} {bal:11.3f}  {flag_f1:11.3f}  {rho:8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
