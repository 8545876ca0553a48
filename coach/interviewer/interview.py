"""A multi-turn practice interview: answer a follow-up, the answer joins the story, re-score, ask again.

Works offline (rubric follow-ups) or with any :class:`coach.service.Interviewer`. The session is a
plain pydantic model so the web app can keep it in per-user state and tests can inspect it.

Questions about the rubric's gaps (or the model's) are asked for up to ``max_turns`` turns; with
``probing`` (coach.scoring.depth) the interviewer then goes on with the bank's questions — missing scenario
depth, then the probes this story calls for — each at most once, until none is left: a strong story
is probed too, as real interviewers probe their best candidates.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from coach.inputs import check_story
from coach.models import Assessment, FollowUp
from coach.rubric.loader import Rubric
from coach.scoring.depth import Probing, bank_followups, is_bank_question
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
    probing: Probing | None = None

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
    probing: Probing | None = None,
) -> InterviewSession:
    assessment = evaluate(story, rubric, interviewer, question=question, probing=probing)
    session = InterviewSession(
        question=question or rubric.question,
        story=story,
        max_turns=max_turns,
        assessment=assessment,
        history=[assessment.overall],
        probing=probing,
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
    asked = [target for turn in turns for target in turn.question.targets]
    assessment = evaluate(combined, rubric, interviewer, question=session.question, probing=session.probing, asked=asked)
    updated = session.model_copy(
        update={"turns": turns, "assessment": assessment, "history": [*session.history, assessment.overall]}
    )
    updated.pending = _next_question(updated)
    return updated


def _next_question(session: InterviewSession) -> FollowUp | None:
    """The first follow-up not asked before; None when nothing is left to ask.

    Gap questions stop after ``max_turns`` of them; bank questions (depth, probes) never repeat a target.
    """
    asked = {turn.question.question for turn in session.turns}
    asked_targets = {t for turn in session.turns for t in turn.question.targets}
    gap_turns = sum(1 for turn in session.turns if not is_bank_question(turn.question))
    candidates = [
        f for f in session.assessment.followups
        if f.question not in asked
        and not (is_bank_question(f) and set(f.targets) & asked_targets)
        and (gap_turns < session.max_turns or is_bank_question(f))
    ]
    if not candidates and session.probing is not None and session.assessment.is_story:
        candidates = bank_followups(
            session.combined_story(), session.assessment.depth, session.probing, asked_targets
        )
    fresh = [f for f in candidates if not set(f.targets) <= asked_targets]
    choices = fresh or candidates
    return choices[0] if choices else None
