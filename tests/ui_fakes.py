"""Fakes for the web app's injected services: an interviewer and a transcriber that record their calls."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, Field

from coach.errors import InputError, LLMError
from coach.models import Assessment, FollowUp
from coach.rubric import Rubric
from coach.service import InterviewerReply


class FakeTranscript(BaseModel):
    text: str
    duration_s: float
    words_per_minute: float | None  # like coach.transcribe.Transcript: None when no pace was measured
    fillers: dict[str, int] = Field(default_factory=dict)
    filler_count: int = 0


@dataclass
class FakeTranscriber:
    """Returns ``text`` for any readable WAV file; raises InputError for anything else, like the real one."""

    text: str
    fillers: dict[str, int] = field(default_factory=lambda: {"um": 2, "so yeah": 1})
    calls: list[str] = field(default_factory=list)

    def __call__(self, path: str) -> FakeTranscript:
        self.calls.append(path)
        try:
            with wave.open(path, "rb") as wav:
                duration = wav.getnframes() / float(wav.getframerate())
        except (wave.Error, EOFError, OSError) as exc:
            raise InputError(f"{Path(path).name}: not a readable audio file ({exc})") from exc
        duration = max(duration, 1.0) * 60  # pretend each test second is a minute of speech
        words = len(self.text.split())
        return FakeTranscript(
            text=self.text,
            duration_s=duration,
            words_per_minute=words / (duration / 60),
            fillers=self.fillers,
            filler_count=sum(self.fillers.values()),
        )


@dataclass
class FakeInterviewer:
    """Asks about what the story is missing, streams canned coaching, and records every call."""

    name: str = "fake/interviewer-1"
    reachable: tuple[bool, str] = (True, "answered in 12 ms")
    coaching_chunks: tuple[str, ...] = ("Lead with ", "the impact, ", "then <b>quantify</b> the result.")
    fail_with: LLMError | None = None
    calls: list[str] = field(default_factory=list)

    def ask(self, *, story: str, question: str, assessment: Assessment, rubric: Rubric) -> InterviewerReply:
        self.calls.append("ask")
        if self.fail_with is not None:
            raise self.fail_with
        missing = assessment.missing()
        followups = [
            FollowUp(question=f"[LLM] Tell me more about {rubric.criterion(cid).name.lower()}.", targets=[cid], source="llm")
            for cid in missing[:3]
        ]
        return InterviewerReply(followups=followups, feedback="Good structure.")

    def stream_feedback(self, *, story: str, question: str, assessment: Assessment, rubric: Rubric) -> Iterator[str]:
        self.calls.append("stream_feedback")
        yield from self.coaching_chunks

    def check_reachable(self) -> tuple[bool, str]:
        self.calls.append("check_reachable")
        return self.reachable


def write_wav(path: Path, seconds: float = 1.0, rate: int = 16_000) -> Path:
    """A tiny silent mono 16-bit WAV, made with the standard library."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\x00\x00" * int(seconds * rate))
    return path


#: A weak but real incident answer the UI tests score, and a follow-up answer that adds metrics and learning.
WEAK_STORY = (
    "Our recommendation model in production started returning stale results and customers complained. "
    "I was on call. I checked the feature pipeline and found the daily job had failed. "
    "I restarted it and the results were fine again."
)
FOLLOWUP_ANSWER = (
    "Click-through went back from 1.2% to 3.4% within 2 hours. Afterwards we added an alert on feature "
    "freshness and wrote a runbook for the on-call."
)
