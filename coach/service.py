"""The service layer: ``evaluate(story, rubric, interviewer)`` — score, then ask follow-ups.

The score always comes from the deterministic scorer. An interviewer (an LLM, or a fake in tests)
only adds follow-up questions and coaching prose; when it fails, the rubric's own follow-ups stand
in and a notice says why, in plain words.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from pydantic import BaseModel, Field

from coach.deadline import score_within
from coach.errors import LLMError
from coach.inputs import check_story
from coach.models import Assessment, FollowUp
from coach.rubric.loader import Rubric
from coach.scoring.depth import Probing, assess_depth, bank_followups, merge_followups
from coach.scoring.followups import MAX_FOLLOWUPS, offline_followups


class InterviewerReply(BaseModel):
    followups: list[FollowUp] = Field(default_factory=list)
    feedback: str | None = None


class Interviewer(Protocol):
    """Something that asks follow-up questions about a scored story (coach.interviewer.llm's LiteLLM client, a fake)."""

    #: Shown to the user as the mode that answered, e.g. "ollama/llama3.1".
    name: str

    def ask(self, *, story: str, question: str, assessment: Assessment, rubric: Rubric) -> InterviewerReply: ...


def evaluate(
    story: str,
    rubric: Rubric,
    interviewer: Interviewer | None = None,
    question: str | None = None,
    notices: list[str] | None = None,
    probing: Probing | None = None,
    asked: Iterable[str] = (),
) -> Assessment:
    """Score ``story`` and attach follow-ups; raises InputError for an empty or oversized story, or one
    whose scoring outlasts the deadline (coach.deadline).

    With ``probing`` (coach.scoring.depth), a scenario question's depth is assessed apart from the score, and
    the offline follow-ups go on past the rubric's gaps: missing depth, then probes not yet ``asked``.
    """
    check_story(story)
    assessment = with_notices(score_within(story, rubric), notices or [])
    if probing is not None and probing.depth:
        depth = assess_depth(story, probing.question_id, probing.title, probing.depth)
        assessment = assessment.model_copy(update={"depth": depth})
    return ask_followups(story, rubric, assessment, interviewer, question, probing, asked)


def with_notices(assessment: Assessment, notices: Iterable[str], *, first: bool = False) -> Assessment:
    """A copy of ``assessment`` with ``notices`` added (after its own, or ``first``); it stays as it was."""
    added = list(notices)
    merged = [*added, *assessment.notices] if first else [*assessment.notices, *added]
    return assessment.model_copy(update={"notices": merged})


def with_offline_followups(assessment: Assessment, followups: list[FollowUp], notice: str | None = None) -> Assessment:
    """A copy with the rubric's follow-ups (and, when the model failed, a notice saying why)."""
    return with_notices(assessment, [notice] if notice else []).model_copy(update={"followups": followups})


def ask_followups(
    story: str,
    rubric: Rubric,
    assessment: Assessment,
    interviewer: Interviewer | None = None,
    question: str | None = None,
    probing: Probing | None = None,
    asked: Iterable[str] = (),
) -> Assessment:
    """A copy of a scored story with follow-ups (the second half of evaluate; batch scores elsewhere
    first). ``assessment`` itself is left as it was."""
    offline = offline_followups(assessment, rubric)
    if probing is not None and assessment.is_story:
        offline = merge_followups(offline, bank_followups(story, assessment.depth, probing, asked), MAX_FOLLOWUPS)
    if interviewer is None or not assessment.is_story:
        return with_offline_followups(assessment, offline)
    try:
        reply = interviewer.ask(
            story=story, question=question or rubric.question, assessment=assessment, rubric=rubric
        )
    except LLMError as exc:
        # e.g. "The model timed out 3 times; these questions come from the rubric."
        message = str(exc)
        return with_offline_followups(
            assessment, offline, f"{message[:1].upper()}{message[1:]}; these questions come from the rubric."
        )
    if not reply.followups:
        return with_offline_followups(
            assessment, offline, "The model asked no usable question; these questions come from the rubric."
        )
    return assessment.model_copy(
        update={"followups": reply.followups, "feedback": reply.feedback, "mode": "llm", "model": interviewer.name}
    )
