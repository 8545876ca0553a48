"""The multi-turn interview, offline and with a fake interviewer (tests/support/fakes.py)."""

from __future__ import annotations

import pytest

from coach.errors import InputError, LLMTimeout
from coach.interviewer.interview import answer_followup, start_interview
from coach.rubric.loader import Rubric, load_rubric
from tests.support.fakes import FakeInterviewer, llm_reply


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return load_rubric("star-l")


def example(rubric: Rubric, criterion_id: str) -> str:
    """The rubric's own example sentence that meets ``criterion_id``."""
    return rubric.criterion(criterion_id).examples.met_texts()[0]


def complete_story(rubric: Rubric, leave_out: tuple[str, ...] = ()) -> str:
    return " ".join(c.examples.met_texts()[0] for c in rubric.criteria() if c.id not in leave_out)


WEAK = (
    "Our fraud model started flagging nearly every transaction after a feature pipeline release. "
    "I was paged at 2 a.m. and I was the on-call engineer. I rolled back the release and the false positives stopped."
)


def test_offline_interview_asks_about_gaps_and_stops_after_max_turns(rubric: Rubric) -> None:
    session = start_interview(WEAK, rubric, max_turns=2)
    assert session.pending is not None and session.pending.source == "rubric"
    first = session.pending
    session = answer_followup(session, example(rubric, first.targets[0]), rubric)
    assert session.turns[0].question == first
    assert session.assessment.criteria[first.targets[0]].met  # the answer joined the story and was re-scored
    assert session.history[1] > session.history[0]
    assert session.pending is not None and session.pending.targets != first.targets
    session = answer_followup(session, example(rubric, session.pending.targets[0]), rubric)
    assert session.done and len(session.turns) == 2 and len(session.history) == 3
    assert answer_followup(session, "one more thing", rubric) is session  # nothing pending: unchanged
    assert WEAK in session.combined_story() and session.turns[1].answer in session.combined_story()


def test_a_complete_story_needs_no_followup(rubric: Rubric) -> None:
    session = start_interview(complete_story(rubric), rubric)
    assert session.done and session.assessment.missing() == []


def test_the_interview_ends_when_the_story_becomes_complete(rubric: Rubric) -> None:
    story = complete_story(rubric, leave_out=("result.duration",))
    session = start_interview(story, rubric, max_turns=5)
    assert session.pending is not None and session.pending.targets == ["result.duration"]
    session = answer_followup(session, example(rubric, "result.duration"), rubric)
    assert session.done and len(session.turns) == 1 and session.assessment.missing() == []


def test_with_an_interviewer_each_turn_asks_it_about_the_combined_story(rubric: Rubric) -> None:
    fake = FakeInterviewer(name="fake/model").queue(
        llm_reply(("How did you find the root cause?", ["action.technical_steps"])),
        llm_reply(("What number showed it was fixed?", ["result.metrics"])),
    )
    session = start_interview(WEAK, rubric, fake, question="Tell me about an outage.")
    assert session.pending is not None and session.pending.source == "llm"
    assert session.pending.question == "How did you find the root cause?"
    assert session.assessment.mode == "llm" and session.assessment.model == "fake/model"
    answer = example(rubric, "action.technical_steps")
    session = answer_followup(session, answer, rubric, fake)
    assert session.pending is not None and session.pending.question == "What number showed it was fixed?"
    assert [call["question"] for call in fake.calls] == ["Tell me about an outage."] * 2
    assert fake.calls[0]["story"] == WEAK
    assert fake.calls[1]["story"] == f"{WEAK}\n\n{answer}"
    assert fake.pending == 0


def test_an_interviewer_failure_mid_interview_falls_back_to_the_rubric(rubric: Rubric) -> None:
    fake = FakeInterviewer().queue(llm_reply(("How did you find it?", ["action.technical_steps"])), LLMTimeout(attempts=3))
    session = start_interview(WEAK, rubric, fake)
    session = answer_followup(session, example(rubric, "action.technical_steps"), rubric, fake)
    assert session.assessment.mode == "offline"
    assert session.assessment.notices == ["The model timed out 3 times; these questions come from the rubric."]
    assert session.pending is not None and session.pending.source == "rubric"
    # The score never depends on the interviewer.
    assert session.history == [start_interview(WEAK, rubric).history[0], session.assessment.overall]


def test_an_empty_answer_is_refused(rubric: Rubric) -> None:
    session = start_interview(WEAK, rubric)
    with pytest.raises(InputError):
        answer_followup(session, "   ", rubric)


def test_the_fake_fails_loudly_when_nothing_is_queued(rubric: Rubric) -> None:
    with pytest.raises(AssertionError, match="no reply is queued"):
        start_interview(WEAK, rubric, FakeInterviewer())
