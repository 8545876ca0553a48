"""A cue list's sentence-wide conditions (``also`` within ``window`` sentences, ``first_person``) are worked
out once per list (coach.scoring.matching._allowed) and lists that cannot qualify return before any search:
the matches kept are exactly those a per-match check of every condition keeps."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from coach.rubric.loader import Cues
from coach.scoring.matching import FIRST_PERSON, CompiledCues, Doc, PresenceGate, _allowed, compile_any
from coach.scoring.segment import segment

_SETS = st.frozensets(st.integers(min_value=0, max_value=12), max_size=5)


@settings(max_examples=200, deadline=None)
@given(st.none() | _SETS, st.lists(_SETS, max_size=3), st.integers(min_value=0, max_value=3))
def test_allowed_sentences_are_those_each_condition_admits(
    first_person: frozenset[int] | None, also: list[frozenset[int]], window: int
) -> None:
    allowed = _allowed(first_person, also, window)
    if first_person is None and not also:
        assert allowed is None
        return
    assert allowed is not None
    for index in range(-2, 16):
        expected = (first_person is None or index in first_person) and all(
            any(abs(index - other) <= window for other in group) for group in also
        )
        assert (index in allowed) == expected, (index, first_person, also, window)


_WORDS = ["I", "we", "checked", "the", "logs", "dashboards", "not", "but", "then", "and", "paged", "rolled", "back",
          "my", "team", "alerts", ".", ",", "\n", "so"]


def _naive(cues: CompiledCues, doc: Doc) -> list[tuple[int, int]]:
    """Every match of ``any``, each condition checked for that match alone (the definition)."""
    first_person = doc.sentences_matching(compile_any((FIRST_PERSON,))) if cues.first_person else None
    also = [doc.sentences_matching(group) for group in cues.also]
    out = []
    for start, _ in doc.matches(cues.any):
        index = doc.seg.sentence_index(start)
        if first_person is not None and index not in first_person:
            continue
        if any(all(abs(index - other) > cues.window for other in group) for group in also):
            continue
        if doc.in_same_clause(start, cues.unless):
            continue
        out.append((index, start))
    return out


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(_WORDS), min_size=0, max_size=60),
    st.integers(min_value=0, max_value=2),
    st.booleans(),
    st.sampled_from([[], [["logs"]], [["logs"], ["team"]], [["nothing here"]]]),
)
def test_matches_keep_exactly_the_matches_every_condition_admits(
    words: list[str], window: int, first_person: bool, also: list[list[str]]
) -> None:
    text = " ".join(words)
    cues = CompiledCues.of(Cues.model_validate(
        {"any": ["check", "dashboard", "roll back"], "also": also, "unless": ["not"], "window": window,
         "first_person": first_person}
    ))
    expected = _naive(cues, Doc(segment(text)))
    first = compile_any((FIRST_PERSON,))
    assert first is not None
    gate = PresenceGate.of([*cues.patterns(), first])
    for doc in (Doc(segment(text)), Doc(segment(text), presence=gate)):
        assert cues.matches(doc) == expected
        # one match per sentence is enough to say which sentences qualify
        assert {index for index, _ in cues.matches(doc, per_sentence=True)} == {index for index, _ in expected}
