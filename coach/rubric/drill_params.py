"""Parameters of the drill detectors (coach.scoring.drill_detectors), as rubric data.

A drill message is judged partly by its form: its length, its order, its vocabulary. Those checks
are generic; what they count and the limits they apply live in the rubric file under ``params``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from coach.rubric.cues import CueList

#: Token shapes a detector can count (defined in coach.scoring.drill_detectors.SHAPES).
Shape = Literal["snake_case", "dotted", "code", "acronym", "number", "clock", "duration", "day", "step", "paren"]


class CueSet(BaseModel):
    """Another way to meet a criterion or raise a flag (``either``): cue lists as in coach.rubric.loader.Cues."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    any: CueList = Field(min_length=1)
    also: list[CueList] = Field(default_factory=list)
    unless: CueList = Field(default_factory=list)


class DrillParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Token shapes the detector looks for (what they mean: coach.scoring.drill_detectors.SHAPES).
    shapes: list[Shape] = Field(default_factory=list)
    #: Words that never count as a shape (case-sensitive for acronyms: "ETA", "UTC", "GPU").
    allow: list[str] = Field(default_factory=list)
    #: ``with_shape``: the shape must start within this many characters after the cue (0: same sentence).
    reach: int = Field(default=0, ge=0)
    #: ``shape_count``: met when the number of shape tokens plus cue matches is within these bounds.
    min_hits: int = Field(default=0, ge=0)
    max_hits: int | None = Field(default=None, ge=0)
    #: ``length``: the most sentences and words the message may have.
    max_sentences: int | None = Field(default=None, ge=1)
    max_words: int | None = Field(default=None, ge=1)
    #: ``order``: criterion ids in the format's order; the elements present must appear in this order.
    sequence: list[str] = Field(default_factory=list)
    #: ``order``: when any element is present, the first one of ``sequence`` must be present and lead.
    lead: bool = False
    #: ``items``: only the section from a heading matching ``section`` up to one matching ``section_end``
    #: (the whole message when no such heading is there).
    section: list[str] = Field(default_factory=list)
    section_end: list[str] = Field(default_factory=list)
    #: ``items``: every item (a line or a ;-separated part of one) found by the cues needs one of these
    #: patterns or a ``shapes`` token in it (an owner, say).
    each_needs: list[str] = Field(default_factory=list)
    #: ``either``: met (raised) when the cues match or any of these cue sets does.
    alternatives: list[CueSet] = Field(default_factory=list)
