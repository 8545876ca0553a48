"""Prompt templates (prompts/*.j2, Jinja2 with StrictUndefined) and the messages built from them.

Every prompt is grounded in the assessment: the question, the missing criteria with their
descriptions, criteria met on thin evidence, raised red flags. The story goes in as quoted data
between markers, with an instruction that it is data, not instructions; markers inside the story
are defused so a story cannot close its own quotation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jinja2

from coach.models import Assessment
from coach.resources import data_dir
from coach.rubric.loader import Rubric

STORY_OPEN = "<story>"
STORY_CLOSE = "</story>"
MAX_FOLLOWUPS = 3
_MARKER_RE = re.compile(r"<(/?)\s*story\s*>", re.IGNORECASE)
_QUOTE_WORDS = 12
_MAX_WEAK = 2

Message = dict[str, str]


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("prompts"))),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain text for a model, not HTML
        keep_trailing_newline=False,
        auto_reload=False,  # prompts ship with the package: no two stat() calls per render to re-check them
    )


def render(name: str, **context: Any) -> str:
    """Render prompts/<name>.j2; a missing variable is an error, never a silent blank."""
    return _environment().get_template(f"{name}.j2").render(**context).strip()


@lru_cache(maxsize=16)
def render_static(name: str, **context: Any) -> str:
    """:func:`render` for prompts that depend only on constants (the system prompts): rendered once."""
    return render(name, **context)


def defuse(text: str) -> str:
    """``text`` with any <story>/</story> marker made harmless, so story text cannot escape its quotation."""
    return _MARKER_RE.sub(lambda m: f"‹{m.group(1)}story›", text)


def quote_story(story: str) -> str:
    return defuse(story.strip())


@dataclass(frozen=True)
class Item:
    id: str
    description: str
    quote: str = ""

    @property
    def brief(self) -> str:
        """The description without its list of examples (after " — "): fewer tokens for a small model."""
        head = self.description.split(" — ")[0].strip()
        return head if head.endswith(".") else head + "."


def valid_target_ids(rubric: Rubric) -> list[str]:
    return [c.id for c in rubric.criteria()] + [f.id for f in rubric.red_flags]


def grounding(assessment: Assessment, rubric: Rubric) -> dict[str, Any]:
    """What the prompts say about the story: gaps, thin evidence, red flags, valid ids."""
    missing = [Item(c.id, c.description) for c in rubric.criteria() if not assessment.criteria[c.id].met]
    weak = [
        Item(c.id, c.description, _short(assessment.criteria[c.id].evidence[0].text))
        for c in rubric.criteria()
        if assessment.criteria[c.id].met and len(assessment.criteria[c.id].evidence) == 1
    ][:_MAX_WEAK]
    flags = [
        Item(f.id, f.description, _short(assessment.red_flags[f.id].evidence[0].text) if assessment.red_flags[f.id].evidence else "")
        for f in rubric.red_flags
        if assessment.red_flags[f.id].raised
    ]
    return {"missing": missing, "weak": weak, "flags": flags, "valid_ids": valid_target_ids(rubric)}


def interviewer_messages(*, story: str, question: str, assessment: Assessment, rubric: Rubric) -> list[Message]:
    markers = {"story_open": STORY_OPEN, "story_close": STORY_CLOSE}
    system = render_static("interviewer_system", max_followups=MAX_FOLLOWUPS, **markers)
    user = render(
        "interviewer_user", question=question, story=quote_story(story), **markers, **grounding(assessment, rubric)
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def repair_message(problem: str, rubric: Rubric) -> Message:
    ids = valid_target_ids(rubric)
    return {"role": "user", "content": render("repair", problem=problem, valid_ids=ids, example_id=ids[0])}


def feedback_messages(
    *, story: str, question: str, assessment: Assessment, rubric: Rubric, max_words: int = 180
) -> list[Message]:
    markers = {"story_open": STORY_OPEN, "story_close": STORY_CLOSE}
    system = render_static("feedback_system", max_words=max_words, **markers)
    user = render("feedback_user", question=question, story=quote_story(story), **markers, **grounding(assessment, rubric))
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def _short(text: str) -> str:
    """A quote from the story for the prompt: defused like the story itself, and short."""
    words = defuse(text).split()
    return " ".join(words[:_QUOTE_WORDS]) + ("…" if len(words) > _QUOTE_WORDS else "")
