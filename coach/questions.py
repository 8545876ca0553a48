"""The question bank (rubrics/questions.yaml): interview questions with hints for the practice app.

A malformed file fails with a :class:`coach.errors.RubricError` naming the file, the field and the
problem — the question bank lives with the rubrics and is data in the same way.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from coach.errors import RubricError
from coach.resources import data_dir

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
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RubricError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricError(path, f"cannot be read ({exc})") from exc
    return parse_questions(raw, path)


def parse_questions(raw: str, source: str = "<questions>") -> QuestionBank:
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise RubricError(source, f"{where}invalid YAML: {getattr(exc, 'problem', None) or exc}") from exc
    if not isinstance(data, dict):
        raise RubricError(source, "expected a mapping with a `questions` list")
    try:
        return QuestionBank.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = _field_path(data, error["loc"]) or "(top level)"
        message = error["msg"].removeprefix("Value error, ")
        more = len(exc.errors()) - 1
        if more:
            message += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise RubricError(source, message, field) from exc


def _field_path(data: object, loc: tuple[int | str, ...]) -> str:
    """pydantic's location as a readable path, naming list items by their id: questions[latency-spike].text."""
    parts: list[str] = []
    node: object = data
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            node = node[key]
            item_id = node.get("id") if isinstance(node, dict) else None
            label = f"[{item_id or key}]"
            if parts:
                parts[-1] += label
            else:
                parts.append(label)
            continue
        parts.append(str(key))
        node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts)
