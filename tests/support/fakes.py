"""Reusable test doubles. ``FakeInterviewer`` stands in for coach.interviewer.llm.LiteLLMInterviewer.

It queues replies (an InterviewerReply, or an exception instance to raise) and records every call,
the way simonw/llm's mock model does. An empty queue is a test bug: it fails loudly instead of
inventing an answer (unless it was made to ask about the story's gaps, as ``FakeInterviewer.web()``
is for the web app's tests). Thread-safe, so batch tests can share one.

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
from coach.rubric.loader import Rubric
from coach.service import InterviewerReply


def llm_reply(*questions: tuple[str, list[str]] | str, feedback: str | None = None) -> InterviewerReply:
    """Shorthand: llm_reply(("How many users?", ["situation.impact"]), "Anything else?")."""
    followups = []
    for item in questions:
        question, targets = (item, []) if isinstance(item, str) else item
        followups.append(FollowUp(question=question, targets=list(targets), source="llm"))
    return InterviewerReply(followups=followups, feedback=feedback)


#: What the web tests' interviewer streams as coaching (markup included: it must come out escaped).
WEB_COACHING = ("Lead with ", "the impact, ", "then <b>quantify</b> the result.")


def gap_reply(assessment: Assessment, rubric: Rubric) -> InterviewerReply:
    """What a model would plausibly ask: up to three questions about the criteria the story misses."""
    followups = [
        FollowUp(question=f"[LLM] Tell me more about {rubric.criterion(cid).name.lower()}.", targets=[cid], source="llm")
        for cid in assessment.missing()[:3]
    ]
    return InterviewerReply(followups=followups, feedback="Good structure.")


class FakeInterviewer:
    """Queued replies (or, with ``about_gaps``, :func:`gap_reply` once the queue is empty); ``fail_with``
    makes every ask() raise it. :meth:`web` is the web tests' interviewer."""

    def __init__(
        self,
        name: str = "fake/model",
        replies: Iterable[InterviewerReply | BaseException] = (),
        feedback: Iterable[str | BaseException] = (),
        reachable: tuple[bool, str] | None = None,
        *,
        about_gaps: bool = False,
        fail_with: BaseException | None = None,
    ) -> None:
        self.name = name
        self._replies: deque[InterviewerReply | BaseException] = deque(replies)
        #: The chunks stream_feedback() yields (an exception instance is raised there).
        self.feedback: list[str | BaseException] = list(feedback)
        #: What check_reachable() answers; a test may change it.
        self.reachable = reachable or (True, f"{name} answered (fake)")
        self.about_gaps = about_gaps
        self.fail_with = fail_with
        self._lock = threading.Lock()
        #: One dict per call: {"method", "story", "question", "assessment", "rubric"} ({"method"} for check_reachable).
        self.calls: list[dict[str, Any]] = []

    @classmethod
    def web(cls, name: str = "fake/interviewer-1", fail_with: BaseException | None = None) -> FakeInterviewer:
        """Asks about the story's gaps, streams :data:`WEB_COACHING`, is reachable."""
        return cls(name, feedback=WEB_COACHING, reachable=(True, "answered in 12 ms"), about_gaps=True, fail_with=fail_with)

    @property
    def methods(self) -> list[str]:
        """The methods called, in order: "ask", "stream_feedback", "check_reachable"."""
        return [call["method"] for call in self.calls]

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
            if self.fail_with is not None:
                raise self.fail_with
            if not self._replies:
                if self.about_gaps:
                    return gap_reply(assessment, rubric)
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
        for chunk in self.feedback:
            if isinstance(chunk, BaseException):
                raise chunk
            yield chunk

    def check_reachable(self) -> tuple[bool, str]:
        with self._lock:
            self.calls.append({"method": "check_reachable"})
        return self.reachable
