"""The presence gate (coach.rubric.linear.Presence): one RE2 Set pass tells which cue lists can match a
story; the lists it rules out are not searched, and scoring gives exactly what it gives without it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from coach.report.render import to_json
from coach.rubric.linear import LinearPattern
from coach.rubric.loader import load_rubric
from coach.scoring import scorer
from coach.scoring.matching import Doc, PresenceGate, compile_any
from coach.scoring.segment import segment
from tests.support import core_stories
from tests.support.cue_texts import LISTS, WORD_SALAD

RUBRIC = load_rubric()
PATTERNS: list[LinearPattern] = [p for p in (compile_any(patterns) for patterns in LISTS) if p is not None]
GATE = PresenceGate.of(PATTERNS)
TEXTS = [core_stories.STRONG, core_stories.TRANSCRIPT, core_stories.TEAM_CONFLICT, core_stories.STRONG.upper(),
         core_stories.STRONG.replace("i", "İ"), core_stories.TRANSCRIPT.replace("s", "ſ"), "", "I", "i.e. we",
         "The feature store and our stores; pricing team and pricing. I checked in, then checked logs with Sam Lee."]


def _check(text: str) -> None:
    plain, gated = Doc(segment(text)), Doc(segment(text), presence=GATE)
    for pattern in PATTERNS:
        lowered = not pattern.flags
        sets = GATE.by_lowered[lowered]
        assert id(pattern) in sets.slots  # every rubric list is in a Set
        found = sets.present(gated._view(lowered)[0])
        assert found is not None
        present, matched = sets.slots[id(pattern)] in found, bool(plain.matches(pattern))
        # A look-around a finder's match fails (checked with ``re``) leaves a list present without a match.
        assert present == matched or (present and pattern.checked), (pattern.pattern[:80], text[:80])
        assert gated.matches(pattern) == plain.matches(pattern)
        assert gated.sentence_matches(pattern) == plain.sentence_matches(pattern)


@pytest.mark.parametrize("text", TEXTS)
def test_a_list_is_present_exactly_when_it_matches(text: str) -> None:
    _check(text)


@settings(max_examples=80, deadline=None)
@given(WORD_SALAD)
def test_a_list_is_present_exactly_when_it_matches_on_word_salad(pieces: list[str]) -> None:
    _check(" ".join(pieces))


def test_scores_are_the_same_with_and_without_the_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    rubric = RUBRIC.model_copy()  # a rubric of its own: compiled afresh, its gate not yet built
    monkeypatch.setattr(scorer, "PRESENCE_AFTER", 10**9)
    without = [to_json(scorer.score(text, rubric)) for text in TEXTS]
    assert all(not isinstance(box, PresenceGate) for box in scorer._compiled(rubric).presence)
    rubric = RUBRIC.model_copy()
    monkeypatch.setattr(scorer, "PRESENCE_AFTER", 1)
    with_gate = [to_json(scorer.score(text, rubric)) for text in TEXTS]
    assert isinstance(scorer._compiled(rubric).presence[0], PresenceGate)
    assert with_gate == without


def test_the_gate_is_built_at_the_third_story_and_an_interrupted_build_is_not_retried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rubric = RUBRIC.model_copy()
    box = scorer._compiled(rubric).presence
    scorer.score("warm-up", rubric)  # coach.deadline's warm-up, then the command line's one story
    scorer.score(core_stories.STRONG, rubric)
    assert box == [2]

    def interrupted(patterns: list[LinearPattern]) -> PresenceGate:
        raise TimeoutError("the story's deadline")

    monkeypatch.setattr(PresenceGate, "of", interrupted)
    with pytest.raises(TimeoutError):
        scorer.score(core_stories.STRONG, rubric)
    monkeypatch.undo()
    scorer.score(core_stories.STRONG, rubric)
    assert box == [scorer._GAVE_UP]  # later stories are scored without it, and not slowed by a retry


def test_an_unknown_answer_from_the_set_skips_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Set whose DFA ran out of memory answers without its sentinel: then every list is searched."""
    gate = PresenceGate.of(PATTERNS)
    for sets in gate.by_lowered.values():
        monkeypatch.setattr(sets, "_set", _Failing())
    text = core_stories.STRONG
    plain, gated = Doc(segment(text)), Doc(segment(text), presence=gate)
    assert any(plain.matches(p) for p in PATTERNS)
    for pattern in PATTERNS:
        assert gated.matches(pattern) == plain.matches(pattern)


class _Failing:
    def Match(self, view: bytes) -> None:  # noqa: N802 - the binding's name
        return None
