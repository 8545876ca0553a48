"""Fakes for the web app's injected services: a transcriber that records its calls (the interviewer is
tests.support.fakes.FakeInterviewer.web(), the audio tests.support.speech_audio.write_wav), and the stories the UI tests use."""

from __future__ import annotations

import wave
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, Field

from coach.errors import InputError


class FakeTranscript(BaseModel):
    text: str
    duration_s: float
    words_per_minute: float | None  # like coach.speech.transcribe.Transcript: None when no pace was measured
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
