"""What kind of number a mention is (coach/scoring/quantities.py), for the cases the labelling
guidelines name: a number used as a label is no measure; "over the weekend" is a span of time."""

from __future__ import annotations

import pytest

from coach.rubric.loader import load_rubric
from coach.scoring.matching import Doc
from coach.scoring.quantities import find_quantities
from coach.scoring.scorer import _compiled
from coach.scoring.segment import segment

GATE = _compiled(load_rubric()).gate


def _kinds(text: str) -> list[tuple[str, str]]:
    doc = Doc(segment(text), GATE)
    spans = [(s.start, s.end) for s in doc.seg.sentences]
    found = find_quantities(text, spans, doc.candidates)
    assert found == find_quantities(text, spans), "the gated search must find what the plain one finds"
    return [(text[q.start:q.end], q.kind) for q in found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lesson #3: avoid fixing problems when you are tired.", [("#3", "ignored")]),
        ("PR #1234 cut errors by 40%.", [("#1234", "ignored"), ("40%", "measure")]),
        ("I rewrote it over the weekend.", [("over the weekend", "duration")]),
        ("We fixed it over a long weekend.", [("over a long weekend", "duration")]),
        ("One weekend the disks filled up.", [("One weekend", "clock")]),  # a point in time, not a span
    ],
)
def test_kind_of_each_number(text: str, expected: list[tuple[str, str]]) -> None:
    assert _kinds(text) == expected
