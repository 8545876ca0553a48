"""The word table (coach.scoring.wordtable): plain word lists found by one look-up pass over a story, then
RE2 anchored at each candidate; every search gives exactly what the RE2 search gives without it."""

from __future__ import annotations

from hypothesis import given, settings

from coach.rubric.linear import LinearPattern
from coach.scoring.matching import Doc, PresenceGate, compile_any
from coach.scoring.segment import segment
from coach.scoring.wordtable import spell_keys
from tests.support import core_stories
from tests.support.cue_texts import LISTS, WORD_SALAD

PATTERNS: list[LinearPattern] = [p for p in (compile_any(patterns) for patterns in LISTS) if p is not None]
GATE = PresenceGate.of(PATTERNS)
TABLED = [p for p in PATTERNS if id(p) in GATE.tables[not p.flags].slots]


def _check(text: str) -> None:
    plain, tabled = Doc(segment(text)), Doc(segment(text), presence=GATE)
    for pattern in TABLED:
        assert tabled.first_matches(pattern, 2) == plain.first_matches(pattern, 2), (pattern.pattern[:60], text)
        assert tabled.sentence_matches(pattern) == plain.sentence_matches(pattern), (pattern.pattern[:60], text)
        assert tabled.matches(pattern) == plain.matches(pattern), (pattern.pattern[:60], text)


def test_most_plain_lists_are_in_the_table() -> None:
    plain = [p for p in PATTERNS if p.main is not None and not p.checked and not p.flags]
    assert len(TABLED) >= 20 and len(TABLED) * 5 >= len(plain) * 4


def test_the_table_agrees_with_re2_on_stories() -> None:
    for text in (core_stories.STRONG, core_stories.TRANSCRIPT, core_stories.TEAM_CONFLICT, core_stories.STRONG.upper(),
                 core_stories.STRONG.replace("i", "İ"), "", "sev 2 p1 sev-3 P0 — I’m on-call; we were paged.\x0bok"):
        _check(text)


@settings(max_examples=150, deadline=None)
@given(WORD_SALAD)
def test_the_table_agrees_with_re2_on_word_salad(pieces: list[str]) -> None:
    _check("".join(pieces))


def test_keys_are_whole_words_or_long_prefixes() -> None:
    # "on-call"/"on call" start with the word "on"; "oncall" (no \b after it) with a word opening "onc".
    # "check"/"checked" alone are whole matches (no RE2 call); "on" opens longer ones.
    assert spell_keys(r"\b(?:on[- ]?call|check(?:ed)?\b)", ignorecase=False) == (
        {b"on", b"check", b"checked"}, {b"onc"}, {b"check", b"checked"})
    assert spell_keys(r"\b(?:restor\w*|no\s+\w+|rest\b)", ignorecase=False) == ({b"no", b"rest"}, {b"res"}, set())
    assert spell_keys(r"\bp[0-3]\b", ignorecase=False) == ({b"p0", b"p1", b"p2", b"p3"}, set(), {b"p0", b"p1", b"p2", b"p3"})
    assert spell_keys(r"\bup\w*", ignorecase=False) is None  # "up*": no key that stories' words give
    assert spell_keys(r"\b(?:a|\d+%)", ignorecase=False) is None  # a match may start with a pattern
    assert spell_keys(r"\$\d", ignorecase=False) is None  # not at a word start
    assert spell_keys(r"\bstores?(?! team)", ignorecase=False) is None  # look-arounds stay with RE2
