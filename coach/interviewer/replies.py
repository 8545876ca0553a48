"""The model's reply → a validated :class:`InterviewerReply`, or a :class:`BadReply` saying what was wrong.

Contract (DESIGN.md): ``{"followups": [{"question": "…", "targets": ["<criterion id>"]}], "feedback": "…"}``.
Tolerated: code fences, prose around the JSON object, raw line breaks inside strings, a target given
as a single string, unknown extra keys. Targets that are not ids of the rubric are dropped (never
invented); at most three follow-ups are kept. Anything else is a failed reply, and the problem is said in words the model
can act on when asked to repair it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator

from coach.interviewer.prompts import MAX_FOLLOWUPS, valid_target_ids
from coach.models import FollowUp
from coach.rubric.loader import Rubric
from coach.service import InterviewerReply

_FENCE_RE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_MAX_QUESTION_CHARS = 600
_MAX_FEEDBACK_CHARS = 4000


class BadReply(ValueError):
    """The reply broke the contract; ``str()`` says how, for the repair prompt."""


class _RawFollowUp(BaseModel):
    question: str = Field(min_length=1)
    targets: list[str] = Field(default_factory=list)

    @field_validator("targets", mode="before")
    @classmethod
    def _one_target_as_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class _RawReply(BaseModel):
    followups: list[_RawFollowUp]
    feedback: str | None = None


def parse_reply(text: str, rubric: Rubric) -> InterviewerReply:
    """Validate one model reply against the contract; raises BadReply with the reason."""
    data = _extract_json(text)
    try:
        raw = _RawReply.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the object"
        raise BadReply(f"the JSON does not have the shape asked for — {where}: {first['msg']}") from exc
    valid = set(valid_target_ids(rubric))
    followups: list[FollowUp] = []
    for item in raw.followups:
        question = " ".join(item.question.split())[:_MAX_QUESTION_CHARS]
        if not question:
            continue
        targets = list(dict.fromkeys(t.strip() for t in item.targets if t.strip() in valid))
        followups.append(FollowUp(question=question, targets=targets, source="llm"))
    if not followups:
        raise BadReply('"followups" holds no question; ask at least one follow-up question')
    feedback = (raw.feedback or "").strip()[:_MAX_FEEDBACK_CHARS] or None
    return InterviewerReply(followups=followups[:MAX_FOLLOWUPS], feedback=feedback)


def _extract_json(text: str) -> Any:
    """The JSON object in ``text``: the whole text, a fenced block, or the outermost {...} in prose."""
    stripped = text.strip()
    if not stripped:
        raise BadReply("the reply was empty")
    candidates = [stripped] + [m.group(1).strip() for m in _FENCE_RE.finditer(stripped)]
    start, end = stripped.find("{"), stripped.rfind("}")
    if 0 <= start < end:
        candidates.append(stripped[start : end + 1])
    for candidate in candidates:
        try:
            # strict=False: a raw line break inside a string (small models write them; llama.cpp's JSON
            # grammar lets them through) is tolerated; questions are re-spaced anyway.
            data = json.loads(candidate, strict=False)
        except ValueError:
            continue
        if isinstance(data, dict):
            return data
    raise BadReply("no JSON object was found in the reply")
