"""The question bank (rubrics/questions.yaml): interview questions with hints for the practice app.

A malformed file fails with a :class:`coach.errors.RubricError` naming the file, the field and the
problem — the question bank lives with the rubrics and is data in the same way.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from coach.resources import data_dir
from coach.yamldata import parse_model, read_text

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


class QuestionBank(_Strict):
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> QuestionBank:
        seen: set[str] = set()
        for question in self.questions:
            if question.id in seen:
                raise ValueError(f"question id {question.id!r} is used twice")
            seen.add(question.id)
        return self

    def get(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        known = ", ".join(q.id for q in self.questions)
        raise KeyError(f"no question {question_id!r} (known: {known})")

    @property
    def default(self) -> Question:
        return self.questions[0]


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


def question_from_arg(value: str | None) -> tuple[str | None, str | None]:
    """`--question` → (bank id, text): a bank id gives that question's text; anything else is the text itself."""
    if value is None or not value.strip():
        return None, None
    value = value.strip()
    if re.fullmatch(r"[a-z0-9][a-z0-9-]*", value):
        try:
            question = load_questions().get(value)
        except KeyError:
            return None, value
        return question.id, question.text
    return None, value
