"""Which decisions a scorer change fixed and which it broke, on the rows two dumps share.

    python bench/eval_scorer.py FILES --split all --dump before.json   (on the old code)
    python bench/eval_scorer.py FILES --split all --dump after.json    (on the new code)
    python bench/compare_verdicts.py before.json after.json

Balanced F1 on 40-odd held-out stories moves by a few hundredths from one or two decisions, so a
difference of F1 alone cannot tell a general fix from noise. This counts the decisions (criterion
verdicts and red flags) that turned right and those that turned wrong, per split of bench/eval_split.py,
with the two-sided sign-test p-value of that split: a change that fixes 9 and breaks 8 is noise
however its F1 moved.
"""

from __future__ import annotations

import argparse
import json
import sys
from math import comb
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.eval_split import is_holdout, tune_half  # noqa: E402


def sign_test(fixed: int, broken: int) -> float:
    """Two-sided exact sign test: how often a coin would split ``fixed + broken`` changes at least this unevenly."""
    n = fixed + broken
    if n == 0:
        return 1.0
    tail = sum(comb(n, k) for k in range(min(fixed, broken) + 1)) / 2**n
    return min(1.0, 2 * tail)


def split_of(row_id: str) -> str:
    return "holdout" if is_holdout(row_id) else f"tune-{tune_half(row_id)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--list", action="store_true", help="name every decision that changed")
    args = parser.parse_args()
    before = json.loads(Path(args.before).read_text(encoding="utf-8"))
    after = json.loads(Path(args.after).read_text(encoding="utf-8"))
    counts: dict[str, list[int]] = {}
    changes: list[str] = []
    for row_id in sorted(set(before) & set(after)):
        split = split_of(row_id)
        tally = counts.setdefault(split, [0, 0, 0])
        for decision, was_right in before[row_id].items():
            now_right = after[row_id].get(decision, was_right)
            tally[2] += 1
            if now_right and not was_right:
                tally[0] += 1
                changes.append(f"  fixed  {split:8} {row_id} {decision}")
            elif was_right and not now_right:
                tally[1] += 1
                changes.append(f"  broken {split:8} {row_id} {decision}")
    for split in sorted(counts):
        fixed, broken, total = counts[split]
        print(f"{split:8} fixed {fixed:3}  broken {broken:3}  net {fixed - broken:+4}  of {total:5} decisions"
              f"  sign-test p {sign_test(fixed, broken):.3f}")
    if args.list:
        print("\n".join(changes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
