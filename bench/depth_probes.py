"""Scenario depth and depth probes on the labelled stories (../shared/eval/*.jsonl), offline.

Prints, over every story: how many get no offline follow-up without and with the probe bank; the
follow-up counts of stories the scorer finds complete; follow-ups aimed at a criterion the labeller
says the story meets; the length of an interview answered evasively until the bank is exhausted
(and repeats, which must be 0); and whether a scenario question ever changes the STAR-L result.

    PYTHONPATH=. .venv/bin/python bench/depth_probes.py
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.paths import EVAL_DIR  # noqa: E402
from coach.interviewer.interview import answer_followup, start_interview  # noqa: E402
from coach.interviewer.questions import load_questions  # noqa: E402
from coach.rubric.loader import load_rubric  # noqa: E402
from coach.service import evaluate  # noqa: E402

EVAL = EVAL_DIR
SETS = ("devset.jsonl", "train.jsonl", "outside.jsonl")
SCENARIOS = ("model-degradation", "sudden-drop", "latency-spike", "silent-failure")
EVASIVE = "I would rather not say more about that."


def main() -> int:
    rubric, bank = load_rubric("star-l"), load_questions()
    rows = [json.loads(line) for name in SETS if (EVAL / name).exists() for line in (EVAL / name).open(encoding="utf-8")]
    none_before = none_after = aimed_at_met = followups_total = changed = 0
    aimed_before = total_before = 0
    complete_counts: list[int] = []
    lengths: list[int] = []
    repeats = 0
    for row in rows:
        text = row["text"]
        plain = evaluate(text, rubric)
        probed = evaluate(text, rubric, probing=bank.probing(None))
        none_before += not plain.followups
        none_after += not probed.followups
        gold_met = {cid for cid, met in row["labels"].items() if met}
        followups_total += len(probed.followups)
        total_before += len(plain.followups)
        aimed_before += sum(1 for f in plain.followups if set(f.targets) & gold_met)
        aimed_at_met += sum(1 for f in probed.followups if set(f.targets) & gold_met)
        if not plain.missing() and not plain.raised_flags():
            complete_counts.append(len(probed.followups))
        for qid in SCENARIOS:
            scored = evaluate(text, rubric, probing=bank.probing(qid))
            changed += (scored.overall, scored.criteria) != (plain.overall, plain.criteria)
        session = start_interview(text, rubric, probing=bank.probing("sudden-drop"))
        asked: list[str] = []
        while session.pending is not None and len(asked) < 30:
            asked.append(session.pending.question)
            session = answer_followup(session, EVASIVE, rubric)
        lengths.append(len(asked))
        repeats += len(asked) - len(set(asked))
    n = len(rows)
    print(f"stories: {n} ({', '.join(SETS)})")
    print(f"no offline follow-up: without probes {none_before}/{n}, with probes {none_after}/{n}")
    if complete_counts:
        print(
            f"scorer-complete stories (15/15, no flag): {len(complete_counts)}; follow-ups each "
            f"min {min(complete_counts)} median {statistics.median(complete_counts)} max {max(complete_counts)}"
        )
    print(
        "follow-ups aimed at a criterion the labeller says is met (the scorer's misses): "
        f"without probes {aimed_before}/{total_before}, with probes {aimed_at_met}/{followups_total}"
    )
    print(f"STAR-L result changed by a scenario question: {changed}/{n * len(SCENARIOS)}")
    print(
        f"interview to exhaustion (sudden-drop, evasive answers): turns min {min(lengths)} "
        f"median {statistics.median(lengths)} max {max(lengths)}; repeated questions {repeats}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
