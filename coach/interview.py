"""A multi-turn practice interview: answer a follow-up, the answer joins the story, re-score, ask again.

Works offline (rubric follow-ups) or with any :class:`coach.service.Interviewer`. The session is a
plain pydantic model so the web app can keep it in per-user state and tests can inspect it.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from coach.inputs import check_story
from coach.models import Assessment, FollowUp
from coach.rubric import Rubric
from coach.service import Interviewer, evaluate

DEFAULT_MAX_TURNS = 3


class Turn(BaseModel):
    question: FollowUp
    answer: str


class InterviewSession(BaseModel):
    question: str
    story: str
    turns: list[Turn] = Field(default_factory=list)
    max_turns: int = DEFAULT_MAX_TURNS
    assessment: Assessment
    #: The question now waiting for an answer; None when the interview is over.
    pending: FollowUp | None = None
    history: list[int] = Field(default_factory=list, description="overall score after each step")

    @property
    def done(self) -> bool:
        return self.pending is None

    def combined_story(self) -> str:
        return combine(self.story, [turn.answer for turn in self.turns])


def combine(story: str, answers: list[str]) -> str:
    """The story as the interviewer now knows it: the first telling plus each follow-up answer."""
    parts = [story.strip()] + [a.strip() for a in answers if a.strip()]
    return "\n\n".join(parts)


def start_interview(
    story: str,
    rubric: Rubric,
    interviewer: Interviewer | None = None,
    question: str | None = None,
    max_turns: int = DEFAULT_MAX_TURNS,
) -> InterviewSession:
    assessment = evaluate(story, rubric, interviewer, question=question)
    session = InterviewSession(
        question=question or rubric.question,
        story=story,
        max_turns=max_turns,
        assessment=assessment,
        history=[assessment.overall],
    )
    session.pending = _next_question(session)
    return session


def answer_followup(
    session: InterviewSession, answer: str, rubric: Rubric, interviewer: Interviewer | None = None
) -> InterviewSession:
    """Record the answer to the pending question, re-score the combined story, pick the next question."""
    if session.pending is None:
        return session
    check_story(answer, "the answer")
    turns = [*session.turns, Turn(question=session.pending, answer=answer)]
    combined = combine(session.story, [t.answer for t in turns])
    assessment = evaluate(combined, rubric, interviewer, question=session.question)
    updated = session.model_copy(
        update={"turns": turns, "assessment": assessment, "history": [*session.history, assessment.overall]}
    )
    updated.pending = _next_question(updated)
    return updated


def _next_question(session: InterviewSession) -> FollowUp | None:
    """The first follow-up not asked before; none when the story is complete or turns are used up."""
    complete = not session.assessment.missing() and not session.assessment.raised_flags()
    if complete or len(session.turns) >= session.max_turns:
        return None
    asked = {turn.question.question for turn in session.turns}
    asked_targets = {t for turn in session.turns for t in turn.question.targets}
    candidates = [f for f in session.assessment.followups if f.question not in asked]
    fresh = [f for f in candidates if not set(f.targets) <= asked_targets]
    choices = fresh or candidates
    return choices[0] if choices else None
