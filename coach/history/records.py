"""One saved practice attempt, as stored in the history and exported (JSONL/CSV) — no I/O here.

A record keeps what progress needs (scores, criteria met and missing, red flags, the story and the
follow-up exchange), not the whole assessment: evidence spans can be recomputed from the story.
Nothing secret belongs in it: the model is kept by name only (never a key, a header or an API base,
which may carry credentials in its URL).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from coach.models import Assessment

Source = Literal["web", "cli"]


def utc_now() -> datetime:
    return datetime.now(UTC)


class DeliveryRecord(BaseModel):
    """Delivery metrics of a spoken answer (absent for typed ones)."""

    duration_s: float = 0.0
    words_per_minute: float | None = None
    fillers: dict[str, int] = Field(default_factory=dict)
    filler_count: int = 0


class ExchangeTurn(BaseModel):
    """One follow-up question, the candidate's answer, and the overall score after it."""

    question: str
    targets: list[str] = Field(default_factory=list)
    answer: str
    overall_after: int


class AttemptRecord(BaseModel):
    id: int = 0  # 0 until saved
    created_at: str = ""  # ISO 8601, UTC; set when saved
    question_id: str | None = None  # the question bank's id; None for a question typed by the user
    question: str
    rubric: str
    story: str
    overall: int
    level: int
    level_label: str
    mode: str
    model: str | None = None
    components: dict[str, int]
    criteria_met: list[str]
    criteria_missing: list[str]
    red_flags: list[str]
    delivery: DeliveryRecord | None = None
    exchange: list[ExchangeTurn] = Field(default_factory=list)
    source: Source = "web"
    my_story: bool = False

    @property
    def final_overall(self) -> int:
        """The score after the last follow-up answer (the first telling's score when none)."""
        return self.exchange[-1].overall_after if self.exchange else self.overall

    @property
    def question_key(self) -> str:
        """What groups attempts at the same question: the bank id, else the question's own text."""
        return self.question_id or self.question

    def summary(self) -> dict[str, object]:
        """The `coach history list --format json` object."""
        return {
            "id": self.id,
            "created_at": self.created_at,
            "question_id": self.question_id,
            "question": self.question,
            "rubric": self.rubric,
            "overall": self.overall,
            "level": self.level,
            "level_label": self.level_label,
            "mode": self.mode,
            "model": self.model,
            "final_overall": self.final_overall,
            "my_story": self.my_story,
            "source": self.source,
        }


def record_from(
    assessment: Assessment,
    *,
    story: str,
    question: str,
    question_id: str | None = None,
    source: Source = "web",
    model: str | None = None,
    delivery: DeliveryRecord | None = None,
    exchange: list[ExchangeTurn] | None = None,
) -> AttemptRecord:
    """An unsaved record of one telling. ``model``: the configured model's name, if the answer's is unset."""
    return AttemptRecord(
        question_id=question_id,
        question=question,
        rubric=assessment.rubric,
        story=story,
        overall=assessment.overall,
        level=assessment.level,
        level_label=assessment.level_label,
        mode=assessment.mode,
        model=assessment.model or model,
        components={cid: c.score for cid, c in assessment.components.items()},
        criteria_met=[cid for cid, c in assessment.criteria.items() if c.met],
        criteria_missing=assessment.missing(),
        red_flags=assessment.raised_flags(),
        delivery=delivery,
        exchange=list(exchange or []),
        source=source,
    )
