"""Reusable test doubles. ``FakeInterviewer`` stands in for coach.llm.LiteLLMInterviewer.

It queues replies (an InterviewerReply, or an exception instance to raise) and records every call,
the way simonw/llm's mock model does. An empty queue is a test bug: it fails loudly instead of
inventing an answer. Thread-safe, so batch tests can share one.

    fake = FakeInterviewer().queue(InterviewerReply(followups=[FollowUp(question="…", source="llm")]))
    fake.queue(LLMTimeout(attempts=3))
    assessment = evaluate(story, rubric, fake)
    assert fake.calls[0]["story"] == story
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from coach.models import Assessment, FollowUp
from coach.rubric import Rubric
from coach.service import InterviewerReply


def llm_reply(*questions: tuple[str, list[str]] | str, feedback: str | None = None) -> InterviewerReply:
    """Shorthand: llm_reply(("How many users?", ["situation.impact"]), "Anything else?")."""
    followups = []
    for item in questions:
        question, targets = (item, []) if isinstance(item, str) else item
        followups.append(FollowUp(question=question, targets=list(targets), source="llm"))
    return InterviewerReply(followups=followups, feedback=feedback)


class FakeInterviewer:
    def __init__(
        self,
        name: str = "fake/model",
        replies: Iterable[InterviewerReply | BaseException] = (),
        feedback: Iterable[str | BaseException] = (),
        reachable: tuple[bool, str] | None = None,
    ) -> None:
        self.name = name
        self._replies: deque[InterviewerReply | BaseException] = deque(replies)
        self._feedback: list[str | BaseException] = list(feedback)
        self._reachable = reachable or (True, f"{name} answered (fake)")
        self._lock = threading.Lock()
        #: One dict per call: {"method", "story", "question", "assessment", "rubric"}.
        self.calls: list[dict[str, Any]] = []

    def queue(self, *replies: InterviewerReply | BaseException) -> FakeInterviewer:
        with self._lock:
            self._replies.extend(replies)
        return self

    @property
    def pending(self) -> int:
        return len(self._replies)

    def ask(self, *, story: str, question: str, assessment: Assessment, rubric: Rubric) -> InterviewerReply:
        with self._lock:
            self.calls.append(
                {"method": "ask", "story": story, "question": question, "assessment": assessment, "rubric": rubric}
            )
            if not self._replies:
                raise AssertionError(f"FakeInterviewer({self.name!r}): ask() called but no reply is queued")
            reply = self._replies.popleft()
        if isinstance(reply, BaseException):
            raise reply
        return reply.model_copy(deep=True)

    def stream_feedback(self, *, story: str, question: str, assessment: Assessment, rubric: Rubric) -> Iterator[str]:
        with self._lock:
            self.calls.append(
                {"method": "stream_feedback", "story": story, "question": question, "assessment": assessment, "rubric": rubric}
            )
        for chunk in self._feedback:
            if isinstance(chunk, BaseException):
                raise chunk
            yield chunk

    def check_reachable(self) -> tuple[bool, str]:
        return self._reachable
