"""Partial model replies, for a caller that wants to show them while the model is still writing.

The web app sets a listener around a scoring call (:func:`listening`); coach.interviewer.llm streams the
interviewer's reply when one is set and reports the text so far. A context variable, so the
listener reaches the model call through evaluate() and the interview without changing their
signatures, and concurrent users (threads) never see each other's text. No heavy imports here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Listener = Callable[[str], None]

_listener: ContextVar[Listener | None] = ContextVar("coach_partial_reply_listener", default=None)
# "question": "… up to the next unescaped quote, or the end of the text so far.
_QUESTION_RE = re.compile(r'"question"\s*:\s*"((?:[^"\\]|\\.)*)("?)')


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Within this block (in this thread or context), streamed replies are reported to ``listener``."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


def current_listener() -> Listener | None:
    return _listener.get()


def partial_questions(text: str) -> list[str]:
    """The follow-up questions readable so far in a reply still being written as JSON."""
    questions = []
    for match in _QUESTION_RE.finditer(text):
        raw, closed = match.group(1), match.group(2)
        raw = raw.rstrip("\\")  # an escape cut in half
        try:
            question = json.loads(f'"{raw}"')
        except ValueError:
            question = raw
        question = " ".join(str(question).split())
        if question:
            questions.append(question if closed else question + "…")
    return questions
