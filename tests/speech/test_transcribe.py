"""transcribe_file: bad audio refused in one line, backend choice, the real offline model end to end."""

from __future__ import annotations

import random
import threading
from pathlib import Path

import pytest

from coach.errors import InputError, UsageError
from coach.rubric.loader import load_rubric
from coach.scoring.scorer import score
from coach.speech.transcribe import MAX_DURATION_S, load_local_model, probe_duration, resolve_backend, transcribe_file
from tests.support.speech_audio import STORY, speak, word_error_rate, write_streamed_webm, write_wav


def refused(path: Path | str) -> str:
    with pytest.raises(InputError) as caught:
        transcribe_file(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path))
    return message


# --- bad audio: refused before (or instead of) transcribing ------------------------------------

def test_missing_file(tmp_path: Path) -> None:
    assert "no such file" in refused(tmp_path / "nope.wav")


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    assert "empty" in refused(empty)


def test_a_folder_is_not_audio(tmp_path: Path) -> None:
    assert "folder" in refused(tmp_path)


def test_corrupt_bytes_named_wav(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(random.Random(5).randbytes(20_000))
    assert "not a readable audio file" in refused(corrupt)


def test_truncated_wav_header(tmp_path: Path) -> None:
    whole = write_wav(tmp_path / "whole.wav", 3.0).read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole[:30])
    assert "not a readable audio file" in refused(cut)


def test_text_renamed_mp3(tmp_path: Path) -> None:
    fake = tmp_path / "answer.mp3"
    fake.write_text("I was on call when the checkout service failed.\n" * 20)
    assert "not a readable audio file" in refused(fake)


def test_half_a_second_is_too_short(tmp_path: Path) -> None:
    assert "too short (0.5 s" in refused(write_wav(tmp_path / "short.wav", 0.5))


def test_silence_is_no_speech(tmp_path: Path) -> None:
    assert "no speech detected" in refused(write_wav(tmp_path / "silence.wav", 4.0, frequency=None))


@pytest.mark.parametrize("noise", ["tone", "hiss"])
def test_sound_without_a_voice_is_no_speech(tmp_path: Path, noise: str) -> None:
    # Whisper, prompted with jargon, "hears" "Uh, PagerDuty." in a plain tone; the voice check stops it.
    if noise == "tone":
        path = write_wav(tmp_path / "tone.wav", 3.0)
    else:
        import wave

        import numpy as np

        hiss = (np.random.default_rng(0).normal(0, 0.05, 16_000 * 4) * 32767).astype("<i2")
        path = tmp_path / "hiss.wav"
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(16_000)
            out.writeframes(hiss.tobytes())
    assert "no speech detected" in refused(path)


def test_over_fifteen_minutes_is_refused_from_the_header_without_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real 15 min 5 s WAV (16 kHz mono int16 silence, ~29 MB, written in well under a second).
    long_wav = write_wav(tmp_path / "long.wav", MAX_DURATION_S + 5, frequency=None)

    def must_not_decode(*args: object, **kwargs: object) -> None:
        raise AssertionError("a too-long file was decoded before being refused")

    monkeypatch.setattr("faster_whisper.audio.decode_audio", must_not_decode)
    assert "too long (15.1 minutes; the limit is 15)" in refused(long_wav)


def test_a_browser_style_webm_without_a_header_duration_is_measured_from_its_packets(tmp_path: Path) -> None:
    import av

    webm = write_streamed_webm(tmp_path / "recording.webm", 3.0)
    with av.open(str(webm)) as container:
        assert container.duration is None  # the case being tested
    assert probe_duration(webm) == pytest.approx(3.0, abs=0.1)


# --- choosing the backend ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("backend", "model", "env", "expected"),
    [
        (None, None, {}, ("local", "tiny.en")),
        (None, "base.en", {}, ("local", "base.en")),
        (None, "whisper-1", {}, ("hosted", "whisper-1")),
        (None, "groq/whisper-large-v3", {}, ("hosted", "groq/whisper-large-v3")),
        ("hosted", None, {}, ("hosted", "whisper-1")),
        (None, None, {"COACH_STT_BACKEND": "hosted"}, ("hosted", "whisper-1")),
        (None, None, {"COACH_STT_MODEL": "groq/whisper-large-v3"}, ("hosted", "groq/whisper-large-v3")),
        ("local", None, {"COACH_STT_BACKEND": "hosted"}, ("local", "tiny.en")),  # the argument wins
    ],
)
def test_backend_resolution(
    backend: str | None, model: str | None, env: dict[str, str], expected: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COACH_STT_BACKEND", raising=False)
    monkeypatch.delenv("COACH_STT_MODEL", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert resolve_backend(backend, model) == expected


def test_a_local_model_path_is_local(tmp_path: Path) -> None:
    assert resolve_backend(None, str(tmp_path)) == ("local", str(tmp_path))


@pytest.mark.parametrize(("backend", "model"), [("cloud", None), ("hosted", "tiny.en")])
def test_bad_backend_choice_is_a_usage_error(backend: str, model: str | None) -> None:
    with pytest.raises(UsageError):
        resolve_backend(backend, model)


def test_an_unloadable_local_model_is_a_usage_error(tmp_path: Path) -> None:
    from coach.speech.transcribe import load_local_model

    with pytest.raises(UsageError, match="could not be loaded"):
        load_local_model(str(tmp_path))


# --- the real model, no mocks ------------------------------------------------------------------

@pytest.mark.slow
def test_the_model_is_loaded_once_per_process_even_from_threads() -> None:
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(load_local_model())) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 3 and all(m is seen[0] for m in seen) and load_local_model() is seen[0]


@pytest.mark.slow
def test_spoken_story_end_to_end(tmp_path: Path) -> None:
    """espeak-ng speaks a known story; tiny.en transcribes it offline; the scorer grades it."""
    wav = speak(STORY, tmp_path / "story.wav")
    transcript = transcribe_file(wav)

    wer = word_error_rate(STORY, transcript.text)
    assert wer <= 0.25, f"WER {wer:.2f}: {transcript.text!r}"
    assert transcript.backend == "local" and transcript.model == "tiny.en"
    assert 15 < transcript.duration_s < 35
    # Word timings are in order and inside the recording; metrics are consistent with them.
    assert transcript.words and all(w.start <= w.end <= transcript.duration_s + 0.5 for w in transcript.words)
    assert all(a.start <= b.start for a, b in zip(transcript.words, transcript.words[1:]))
    assert transcript.words_per_minute is not None and 120 < transcript.words_per_minute < 200
    assert transcript.delivery.timing == "measured" and transcript.pauses == []
    assert transcript.filler_count == 0 and transcript.fillers == {}  # espeak-ng says no "um"
    assert transcript.delivery.length == "short"  # ~22 s against a 1.5-3 minute target

    rubric = load_rubric("star-l")
    spoken, written = score(transcript.text, rubric), score(STORY, rubric)
    assert spoken.is_story and spoken.on_topic
    for criterion in ("situation.context", "task.role", "result.resolution", "result.duration", "learning.prevention"):
        assert spoken.criteria[criterion].met, criterion
    assert abs(spoken.overall - written.overall) <= 15, (spoken.overall, written.overall)


@pytest.mark.slow
def test_pauses_and_fillers_are_heard(tmp_path: Path) -> None:
    """Real speech with a 3 s silence in the middle, under background hiss: the pause is found where
    it was put (though the model stretches "canary" into the silence), and the spoken "um" is kept."""
    import wave

    import numpy as np

    first = speak("Um, we rolled back the canary.", tmp_path / "a.wav")
    second = speak("Then the error rate went back to normal.", tmp_path / "b.wav")
    joined = tmp_path / "joined.wav"
    with wave.open(str(first)) as a, wave.open(str(second)) as b, wave.open(str(joined), "wb") as out:
        out.setparams(a.getparams())
        frames = a.readframes(a.getnframes()) + b"\x00\x00" * int(3.0 * a.getframerate()) + b.readframes(b.getnframes())
        samples = np.frombuffer(frames, dtype="<i2").astype(np.float64)
        hiss = np.random.default_rng(1).normal(0, 0.01 * 32767, len(samples))  # a quiet room, -40 dBFS
        out.writeframes(np.clip(samples + hiss, -32768, 32767).astype("<i2").tobytes())
    transcript = transcribe_file(joined)
    assert transcript.pauses is not None and len(transcript.pauses) == 1
    pause = transcript.pauses[0]
    assert 2.5 < pause.duration_s < 4.5
    assert transcript.text[: pause.offset].lower().rstrip(".,").endswith("canary")
    assert transcript.fillers.get("um") == 1 and transcript.delivery.filler_occurrences[0].time_s == 0.0
