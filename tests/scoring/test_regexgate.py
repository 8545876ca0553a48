"""The regex gate (coach/scoring/regexgate.py) must find exactly what ``finditer`` finds, for every pattern."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.rubric.loader import load_rubric
from coach.scoring import quantities
from coach.scoring.matching import Doc, runs_on_lowered
from coach.scoring.quantities import find_quantities
from coach.scoring.regexgate import GateIndex, gated_finditer, starts
from coach.scoring.scorer import _compiled
from coach.scoring.segment import segment
from tests.support import core_stories

RUBRIC = load_rubric()
GATE = _compiled(RUBRIC).gate
PATTERNS = list(GATE.index.patterns)

ODD = ["İ", "ı", "ſ", "K", "ß", "ﬁ", "é", "e\u0301", "\u200b", "\u00a0", "１２", "٣", "€", "£", "$", "%", "—", "’", "😀", "\n"]
WORDS = sorted(
    {w for p in RUBRIC.criteria() for s in p.examples.met + p.examples.missing for w in re.findall(r"\S+", s)}
    | {"I", "i", "we", "the", "The", "a", "one", "two", "hours", "3:15", "2am", "40%", "$5", "v2.3", "-owning",
       "model-owning", "Sam", "SEV-1", "p99", "one week", "that day", "by the next morning", "didn't", "ſo", "İ"}
)
TEXTS = [
    core_stories.STRONG, core_stories.TRANSCRIPT, core_stories.NUMBERS_NOT_OUTCOMES, core_stories.TEAM_CONFLICT,
    core_stories.STRONG.upper(), core_stories.STRONG.replace("i", "İ"), core_stories.TRANSCRIPT.replace("s", "ſ"),
    "", "I", "i.e. we", "İ was paged; ı fixed it. K", "$5 €3 £2 40% 3x", "Sam from data, who was the on-call SRE",
]


def _expected(pattern: re.Pattern[str], doc: Doc) -> list[tuple[int, int]]:
    text = doc._lowered() if runs_on_lowered(pattern) else doc.text
    return [m.span() for m in pattern.finditer(text)]


def _check(text: str) -> None:
    doc = Doc(segment(text), GATE)
    for pattern in PATTERNS:
        assert doc.matches(pattern) == _expected(pattern, Doc(segment(text))), (pattern.pattern[:80], text[:80])
    spans = [(s.start, s.end) for s in doc.seg.sentences]
    assert find_quantities(text, spans, doc.candidates) == find_quantities(text, spans)


@pytest.mark.parametrize("text", TEXTS)
def test_gated_matches_equal_finditer(text: str) -> None:
    _check(text)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(WORDS + ODD + [" ", " ", ". ", ", ", "\n", "-", "'"]), max_size=60))
def test_gated_matches_equal_finditer_on_word_salad(pieces: list[str]) -> None:
    _check(" ".join(pieces))
    _check("".join(pieces))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_gated_matches_equal_finditer_on_any_text(text: str) -> None:
    _check(text)


def test_the_rubric_and_quantity_patterns_are_gated() -> None:
    assert all(GATE.index.gated), "a pattern fell back to a full scan: check coach.scoring.regexgate.starts"
    assert all(id(p) in GATE.slots for p in quantities.GATED_PATTERNS)


@pytest.mark.parametrize(
    "source", [r"^foo", r".x", r"(?:a|)", r"\w+", r"x*", r"\Bfoo", r"(a)?\1", r"[^a]b", r"(?i)\bİstanbul"]
)
def test_patterns_it_cannot_bound_are_not_gated(source: str) -> None:
    assert starts(re.compile(source)) is None


def test_starts_of_a_word_list() -> None:
    found = {(s.literal, s.token_start, s.closed) for s in starts(re.compile(r"\b(?:check(?:ed)?|dash)\b"))}
    assert found == {("check", True, True), ("checked", True, True), ("dash", True, True)}


def test_empty_matches_fall_back_to_finditer() -> None:
    pattern = re.compile(r"\b(?:ab)?")
    assert gated_finditer(pattern, "ab cd", [0]) == [(0, 2)]
    assert gated_finditer(pattern, "ab cd", [0, 3]) is None  # an empty match at 3: finditer decides


def test_an_index_with_an_ungated_pattern_gives_no_candidates_for_it() -> None:
    index = GateIndex([re.compile(r"^x"), re.compile(r"\bfoo\b")], [True, True])
    assert index.gated == [False, True]
    assert index.candidates("foo x foo", "foo x foo") == [[], [0, 6]]


@pytest.mark.parametrize("source", [r"a*", r"\d+", r"ab"])
def test_matches_in_spans_equal_finditer_span_by_span(source: str) -> None:
    # quantities._in_spans replays finditer over many spans at once; an empty match (never from a
    # gated pattern, here at the first position tried) sends the span to finditer
    pattern, text = re.compile(source), "baab 12 ab, xab a"
    spans = [(0, 4), (5, 7), (8, 11), (12, 17)]
    expected = [(i, *m.span()) for i, (s, e) in enumerate(spans) for m in pattern.finditer(text, s, e)]
    assert quantities._in_spans(pattern, text, spans, list(range(len(text)))) == expected
    firsts = [(i, *m.span()) for i, (s, e) in enumerate(spans) if (m := pattern.search(text, s, e))]
    assert quantities._in_spans(pattern, text, spans, list(range(len(text))), first=True) == firsts
