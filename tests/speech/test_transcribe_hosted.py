"""The hosted backend through LiteLLM, with the transcription endpoint mocked by respx (no network)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx

from coach.errors import LLMAuthError, LLMError, LLMRateLimited, LLMTimeout, LLMUnavailable
from coach.speech.transcribe import transcribe_file
from tests.support.speech_audio import speak, write_wav

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

URL = "https://api.openai.com/v1/audio/transcriptions"
FAKE_KEY = "sk-test-DO-NOT-LEAK-0123456789"
SPOKEN = "I was on call when the checkout service failed, and we rolled back the canary within ten minutes."


@pytest.fixture
def audio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    monkeypatch.delenv("COACH_STT_BACKEND", raising=False)
    monkeypatch.delenv("COACH_STT_MODEL", raising=False)
    # Real speech, so the local checks (length, voice activity) pass; the mocked service "hears" it.
    return speak(SPOKEN, tmp_path / "answer.wav")


@pytest.fixture
def api() -> Iterator[respx.Router]:
    with respx.mock(assert_all_called=False) as router:
        yield router


def test_hosted_transcription_posts_the_audio_and_measures_delivery_from_text(
    audio: Path, api: respx.Router
) -> None:
    said = "Um, I was on call, and I think we rolled back the canary within ten minutes, you know."
    route = api.post(URL).mock(return_value=httpx.Response(200, json={"text": said}))

    transcript = transcribe_file(audio, backend="hosted")

    assert route.call_count == 1  # max_retries=0: exactly one call
    request = route.calls[0].request
    assert request.headers["content-type"].startswith("multipart/form-data")
    assert request.headers["authorization"] == f"Bearer {FAKE_KEY}"
    body = request.content
    assert b'name="model"' in body and b"whisper-1" in body and b"p99" in body  # the vocabulary hint went along
    assert b"RIFF" in body  # the WAV itself
    assert transcript.text == said and transcript.backend == "hosted" and transcript.model == "whisper-1"
    assert 4 < transcript.duration_s < 10
    assert transcript.words == [] and transcript.pauses is None
    assert transcript.delivery.timing == "recording"
    # 18 words over the whole recording (no word timestamps from the service)
    assert transcript.words_per_minute == pytest.approx(18 / (transcript.duration_s / 60), abs=0.1)
    assert transcript.fillers == {"um": 1, "you know": 1} and transcript.hedges == {"I think": 1}


def test_a_hosted_model_name_selects_the_hosted_backend(audio: Path, api: respx.Router, monkeypatch: pytest.MonkeyPatch) -> None:
    route = api.post(URL).mock(return_value=httpx.Response(200, json={"text": "We rolled back."}))
    monkeypatch.setenv("COACH_STT_MODEL", "whisper-1")
    assert transcribe_file(audio).backend == "hosted"
    assert route.call_count == 1


def test_bad_audio_is_refused_before_any_call(tmp_path: Path, api: respx.Router, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    route = api.post(URL).mock(return_value=httpx.Response(200, json={"text": "x"}))
    from coach.errors import InputError

    with pytest.raises(InputError, match="silent"):
        transcribe_file(write_wav(tmp_path / "quiet.wav", 3.0, frequency=None), backend="hosted")
    with pytest.raises(InputError, match="no speech detected"):  # a hum: sound, but no voice
        transcribe_file(write_wav(tmp_path / "hum.wav", 3.0), backend="hosted")
    assert route.call_count == 0


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (401, LLMAuthError, "API key is missing or invalid"),
        (403, LLMAuthError, "API key is missing or invalid"),
        (429, LLMRateLimited, "rate-limited"),
        (500, LLMUnavailable, "failed on the server (HTTP 500)"),
        (503, LLMUnavailable, "failed on the server (HTTP 503)"),
    ],
)
def test_hosted_errors_are_one_clear_line_without_the_key(
    audio: Path, api: respx.Router, status: int, error: type[LLMError], words: str
) -> None:
    # Providers echo part of the key in their messages; none of it may reach the user.
    reply = {"error": {"message": f"Incorrect API key provided: {FAKE_KEY}", "type": "invalid_request_error"}}
    route = api.post(URL).mock(return_value=httpx.Response(status, json=reply))
    with pytest.raises(error) as caught:
        transcribe_file(audio, backend="hosted")
    message = str(caught.value)
    assert words in message and "\n" not in message
    assert FAKE_KEY not in message and "sk-" not in message and "0123456789" not in message
    assert route.call_count == 1
    assert caught.value.__cause__ is not None  # the cause is kept for debugging


def test_connection_failure_is_unavailable(audio: Path, api: respx.Router) -> None:
    api.post(URL).mock(side_effect=httpx.ConnectError("connection refused"))
    with pytest.raises(LLMUnavailable, match="could not be reached"):
        transcribe_file(audio, backend="hosted")


def test_the_cli_reports_a_hosted_failure_in_one_line(
    audio: Path, api: respx.Router, capsys: pytest.CaptureFixture[str]
) -> None:
    from coach.cli import main

    api.post(URL).mock(return_value=httpx.Response(401, json={"error": {"message": f"bad key {FAKE_KEY}"}}))
    assert main(["transcribe", str(audio), "--backend", "hosted"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("coach: error: hosted transcription (whisper-1)")
    assert FAKE_KEY not in err


def test_a_hosted_timeout_is_one_clear_line(audio: Path, api: respx.Router) -> None:
    route = api.post(URL).mock(side_effect=httpx.ReadTimeout("read timed out"))
    with pytest.raises(LLMTimeout, match=r"^hosted transcription \(whisper-1\) timed out; .*--backend local$"):
        transcribe_file(audio, backend="hosted")
    assert route.call_count == 1  # not retried


def test_the_openai_clients_own_exceptions_meet_the_choke_point() -> None:
    # litellm.transcription can raise the openai client's exceptions rather than LiteLLM's subclasses.
    import openai

    from coach.interviewer.llm import transcription_error, translate_error

    request = httpx.Request("POST", URL)
    assert isinstance(translate_error(openai.APITimeoutError(request=request)), LLMTimeout)
    connection = translate_error(openai.APIConnectionError(request=request))
    assert isinstance(connection, LLMUnavailable) and connection.detail == "connection failed"
    message = str(transcription_error(openai.APIConnectionError(message=f"boom {FAKE_KEY}", request=request), "whisper-1"))
    assert message.startswith("hosted transcription (whisper-1) could not be reached") and FAKE_KEY not in message
