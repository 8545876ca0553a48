"""The rubric tests itself: each example sentence in rubrics/star-l.yaml, scored alone, behaves as labelled.

`examples.met` sentences meet their criterion (raise their red flag); `examples.missing` ones do not.
"""

from __future__ import annotations

import pytest

from coach.rubric import load_rubric
from coach.scorer import score

_RUBRIC = load_rubric("star-l")

CRITERION_CASES = [
    pytest.param(c.id, expected, sentence, id=f"{c.id}-{expected}-{i}")
    for c in _RUBRIC.criteria()
    for expected, sentences in (("met", c.examples.met), ("missing", c.examples.missing))
    for i, sentence in enumerate(sentences)
]
FLAG_CASES = [
    pytest.param(f.id, expected, sentence, id=f"{f.id}-{expected}-{i}")
    for f in _RUBRIC.red_flags
    for expected, sentences in (("raised", f.examples.met), ("not-raised", f.examples.missing))
    for i, sentence in enumerate(sentences)
]


@pytest.mark.parametrize(("criterion_id", "expected", "sentence"), CRITERION_CASES)
def test_criterion_example(criterion_id: str, expected: str, sentence: str) -> None:
    result = score(sentence, _RUBRIC).criteria[criterion_id]
    assert result.met is (expected == "met"), f"{criterion_id} should be {expected} for: {sentence!r}"
    if result.met:
        assert result.evidence, "a met criterion quotes its evidence"
        for span in result.evidence:
            assert sentence[span.start : span.end] == span.text


@pytest.mark.parametrize(("flag_id", "expected", "sentence"), FLAG_CASES)
def test_red_flag_example(flag_id: str, expected: str, sentence: str) -> None:
    result = score(sentence, _RUBRIC).red_flags[flag_id]
    assert result.raised is (expected == "raised"), f"{flag_id} should be {expected} for: {sentence!r}"
    for span in result.evidence:
        assert sentence[span.start : span.end] == span.text


def test_there_are_examples_to_run() -> None:
    assert len(CRITERION_CASES) >= 30 and len(FLAG_CASES) >= 8
