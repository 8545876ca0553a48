"""The rubric tests itself: each example sentence in rubrics/star-l.yaml, scored alone, behaves as labelled.

`examples.met` sentences meet their criterion (raise their red flag); `examples.missing` ones do not.
"""

from __future__ import annotations

import pytest

from coach.rubric.loader import load_rubric
from coach.scoring.scorer import score

_RUBRIC = load_rubric("star-l")

CRITERION_CASES = [
    pytest.param(c.id, expected, sentence, id=f"{c.id}-{expected}-{i}")
    for c in _RUBRIC.criteria()
    for expected, sentences in (("met", c.examples.met_texts()), ("missing", c.examples.missing))
    for i, sentence in enumerate(sentences)
]
FLAG_CASES = [
    pytest.param(f.id, expected, sentence, id=f"{f.id}-{expected}-{i}")
    for f in _RUBRIC.red_flags
    for expected, sentences in (("raised", f.examples.met_texts()), ("not-raised", f.examples.missing))
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


MARKED_CASES = [
    pytest.param(c.id, text, mark, id=f"{c.id}-marked-{i}")
    for c in [*_RUBRIC.criteria(), *_RUBRIC.red_flags]
    for i, (text, mark) in enumerate(c.examples.marked())
    if mark is not None
]


@pytest.mark.parametrize(("item_id", "sentence", "mark"), MARKED_CASES)
def test_evidence_covers_the_marked_words(item_id: str, sentence: str, mark: tuple[int, int]) -> None:
    assessment = score(sentence, _RUBRIC)
    result = assessment.criteria.get(item_id) or assessment.red_flags[item_id]
    start, end = mark
    assert any(span.start < end and start < span.end for span in result.evidence), (
        f"{item_id}: the evidence {[s.text for s in result.evidence]} misses {sentence[start:end]!r}"
    )


def test_most_criteria_mark_their_evidence() -> None:
    marked = {case.values[0] for case in MARKED_CASES}
    assert len(marked) >= len(_RUBRIC.criteria())
