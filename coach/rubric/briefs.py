"""The incident briefs bank (rubrics/briefs.yaml): short incident briefs for the communication drills,
each with a model message per drill kind that a coach can reveal after an attempt.

Validated on load like the rubrics: a malformed file fails with a RubricError naming the file, the
field and the problem.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from coach.resources import data_dir
from coach.rubric.yamldata import parse_model, read_text

BRIEFS_FILE = "briefs.yaml"
#: The drill kinds, each the id of its rubric.
DRILLS = ("exec-update", "tech-update", "postmortem")
Scenario = Literal["gradual-degradation", "sudden-drop", "latency-spike", "silent-failure", "non-ml"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelMessages(_Strict):
    """One model message per drill kind (YAML keys are the rubric ids)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    exec_update: str = Field(alias="exec-update", min_length=1)
    tech_update: str = Field(alias="tech-update", min_length=1)
    postmortem: str = Field(min_length=1)

    def for_drill(self, drill: str) -> str:
        return {"exec-update": self.exec_update, "tech-update": self.tech_update, "postmortem": self.postmortem}[drill]


class Brief(_Strict):
    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    scenario: Scenario
    brief: str = Field(min_length=20)
    model: ModelMessages


class BriefBank(_Strict):
    briefs: list[Brief] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> BriefBank:
        seen: set[str] = set()
        for brief in self.briefs:
            if brief.id in seen:
                raise ValueError(f"brief id {brief.id!r} is used twice")
            seen.add(brief.id)
        return self

    def get(self, brief_id: str) -> Brief:
        for brief in self.briefs:
            if brief.id == brief_id:
                return brief
        raise KeyError(f"no brief {brief_id!r} (known: {', '.join(b.id for b in self.briefs)})")


def default_briefs_path() -> Path:
    return data_dir("rubrics") / BRIEFS_FILE


def load_briefs(path: str | Path | None = None) -> BriefBank:
    """The shipped briefs bank, or the one at ``path``; RubricError when missing or malformed."""
    return _load_cached(str(Path(path).resolve() if path else default_briefs_path()))


@lru_cache(maxsize=8)
def _load_cached(path: str) -> BriefBank:
    return parse_briefs(read_text(Path(path)), path)


def parse_briefs(raw: str, source: str = "<briefs>") -> BriefBank:
    return parse_model(raw, source, BriefBank, "a `briefs` list")
