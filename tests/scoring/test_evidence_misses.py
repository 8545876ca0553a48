"""The evidence trainer's miss classification (bench/train_evidence_ranker.py --check): why a first quote missed."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from coach.rubric.loader import load_rubric
from coach.scoring.scorer import detections
from tests.support.depth_stories import GUIDE_FRAUD

pytest.importorskip("sklearn")  # the trainer's own dependencies (numpy, scipy, scikit-learn): bench only
trainer = pytest.importorskip("bench.train_evidence_ranker")


def _quoting(cid: str, start: int, end: int | None = None) -> Any:
    """An assessment where ``cid`` is met and quotes [start, end) first (no quote when ``end`` is None)."""
    evidence = [] if end is None else [SimpleNamespace(start=start, end=end)]
    return SimpleNamespace(criteria={cid: SimpleNamespace(met=True, evidence=evidence)})


def test_each_cause_of_a_missed_first_quote_is_told_apart() -> None:
    _, facts = detections(GUIDE_FRAUD, load_rubric("star-l"))
    seg = facts.seg
    # A criterion whose cues hit at least two sentences and miss at least one: all four causes can occur.
    cid, hits = next((c, sorted(set(h))) for c, h in facts.hits.items() if 2 <= len(set(h)) < len(seg.sentences))
    outside = next(i for i in range(len(seg.sentences)) if i not in hits)
    gold, other = seg.sentences[hits[0]], seg.sentences[hits[1]]
    words = GUIDE_FRAUD[gold.start : gold.end].split()
    quote = " ".join(words[-2:])  # the gold words: the end of the first hit sentence
    row = {"text": GUIDE_FRAUD, "labels": {cid: True}, "evidence": {cid: [quote]}}
    at = GUIDE_FRAUD.index(quote, gold.start)

    def cause(assessment: Any, evidence: dict[str, list[str]] | None = None) -> list[str]:
        causes: list[str] = trainer.miss_causes({**row, "evidence": evidence or row["evidence"]}, assessment)
        return causes

    assert cause(_quoting(cid, gold.start, gold.end)) == ["hit"]
    assert cause(_quoting(cid, gold.start, at)) == ["a_clause"]  # the right sentence, not the gold words
    assert cause(_quoting(cid, other.start, other.end)) == ["b_ranked_low"]
    far = seg.sentences[outside]
    far_quote = GUIDE_FRAUD[far.start : far.end].strip()
    assert cause(_quoting(cid, other.start, other.end), {cid: [far_quote]}) == ["c_no_candidate"]
    assert cause(_quoting(cid, 0)) == ["unquoted"]
    assert trainer.miss_causes({**row, "labels": {cid: False}}, _quoting(cid, gold.start, gold.end)) == []


@pytest.mark.parametrize(
    ("row", "voice"),
    [
        ({"_file": "outside.jsonl", "style": "spoken blog"}, "outside"),
        ({"_file": "train.jsonl", "style": "spoken transcript, no punctuation"}, "spoken"),
        ({"_file": "train.jsonl", "style": "STAR-L headings, one-line empty sections"}, "structured"),
        ({"_file": "train.jsonl", "style": "terse bullet notes"}, "structured"),
        ({"_file": "devset.jsonl"}, "written"),
    ],
)
def test_voices_come_from_the_file_and_the_style_words(row: dict[str, str], voice: str) -> None:
    assert trainer.voice(row) == voice
