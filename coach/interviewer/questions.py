"""The question bank (rubrics/questions.yaml): interview questions with hints for the practice app.

A malformed file fails with a :class:`coach.errors.RubricError` naming the file, the field and the
problem — the question bank lives with the rubrics and is data in the same way.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from coach.resources import data_dir
from coach.rubric.yamldata import parse_model, read_text
from coach.scoring.depth import DepthItem, LeadershipSignal, Probe, Probing

QUESTIONS_FILE = "questions.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Hints(_Strict):
    symptoms: list[str] = Field(default_factory=list)
    causes: list[str] = Field(default_factory=list)
    investigation: list[str] = Field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.symptoms or self.causes or self.investigation)


class Question(_Strict):
    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    kind: Literal["incident", "scenario"] = "incident"
    text: str = Field(min_length=1)
    hints: Hints = Field(default_factory=Hints)
    #: The investigation steps an interviewer listens for in this scenario (coach.scoring.depth).
    depth: list[DepthItem] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_depth_ids(self) -> Question:
        _check_unique("depth item", [item.id for item in self.depth])
        return self


class QuestionBank(_Strict):
    questions: list[Question] = Field(min_length=1)
    #: Questions asked even of a complete story, chosen by what it says (coach.scoring.depth).
    probes: list[Probe] = Field(default_factory=list)
    #: The leadership panel: which rubric criteria show ownership, communication, stakeholders, process.
    leadership: list[LeadershipSignal] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> QuestionBank:
        _check_unique("question id", [q.id for q in self.questions])
        _check_unique("probe id", [p.id for p in self.probes])
        return self

    def find(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def probing(self, question_id: str | None = None) -> Probing:
        """The bank's probes, plus the depth items of ``question_id`` when it is a scenario question."""
        question = self.find(question_id) if question_id else None
        if question is None or not question.depth:
            return Probing(probes=self.probes)
        return Probing(question_id=question.id, title=question.title, depth=question.depth, probes=self.probes)

    def get(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        known = ", ".join(q.id for q in self.questions)
        raise KeyError(f"no question {question_id!r} (known: {known})")

    @property
    def default(self) -> Question:
        return self.questions[0]


def _check_unique(what: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for item_id in ids:
        if item_id in seen:
            raise ValueError(f"{what} {item_id!r} is used twice")
        seen.add(item_id)


def default_questions_path() -> Path:
    return data_dir("rubrics") / QUESTIONS_FILE


def load_questions(path: str | Path | None = None) -> QuestionBank:
    """The shipped question bank, or the one at ``path``; RubricError when missing or malformed."""
    return _load_cached(str(Path(path).resolve() if path else default_questions_path()))


@lru_cache(maxsize=8)
def _load_cached(path: str) -> QuestionBank:
    return parse_questions(read_text(Path(path)), path)


def parse_questions(raw: str, source: str = "<questions>") -> QuestionBank:
    return parse_model(raw, source, QuestionBank, "a `questions` list")

