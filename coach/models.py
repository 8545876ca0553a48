"""The data that flows between layers: a story in, an assessment out.

Field names here are the public JSON contract of DESIGN.md (``coach score --format json``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

Mode = Literal["offline", "llm"]
FollowUpSource = Literal["rubric", "llm"]


class Span(BaseModel):
    """A quote from the story: ``story[start:end] == text`` always holds."""

    model_config = ConfigDict(frozen=True)

    text: str
    start: int
    end: int


class CriterionResult(BaseModel):
    met: bool
    evidence: list[Span] = Field(default_factory=list)
    component: str
    name: str


class ComponentResult(BaseModel):
    score: int = Field(ge=0, le=100)
    name: str
    met: int
    total: int


class RedFlagResult(BaseModel):
    raised: bool
    evidence: list[Span] = Field(default_factory=list)
    name: str


class FollowUp(BaseModel):
    question: str
    targets: list[str] = Field(default_factory=list)
    source: FollowUpSource = "rubric"


class Segment(BaseModel):
    """One sentence or clause of the story, attributed to a STAR-L component (None: no clear one)."""

    start: int
    end: int
    text: str
    component: str | None = None


class DepthItemResult(BaseModel):
    """One investigation step of a scenario question, and the sentences that show it."""

    label: str
    met: bool
    evidence: list[Span] = Field(default_factory=list)


class DepthReport(BaseModel):
    """Technical depth for a scenario question (coach.scoring.depth), reported apart from the STAR-L score."""

    question: str
    title: str
    met: int
    total: int
    items: dict[str, DepthItemResult]


class Assessment(BaseModel):
    rubric: str
    overall: int = Field(ge=0, le=100)
    level: int = Field(ge=1, le=5)
    level_label: str
    components: dict[str, ComponentResult]
    criteria: dict[str, CriterionResult]
    red_flags: dict[str, RedFlagResult]
    followups: list[FollowUp] = Field(default_factory=list)
    mode: Mode = "offline"
    model: str | None = None
    feedback: str | None = None
    notices: list[str] = Field(default_factory=list)
    is_story: bool = True
    on_topic: bool = True
    word_count: int = 0
    segments: list[Segment] = Field(default_factory=list)
    #: Only when the story answered a scenario question; then also in the JSON output.
    depth: DepthReport | None = None

    @model_serializer(mode="wrap")
    def _without_empty_depth(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict) and data.get("depth", 0) is None:
            del data["depth"]  # the JSON contract gains the field only where it means something
        return data

    def missing(self) -> list[str]:
        """Criterion ids not met, in rubric order."""
        return [cid for cid, result in self.criteria.items() if not result.met]

    def raised_flags(self) -> list[str]:
        return [fid for fid, result in self.red_flags.items() if result.raised]
