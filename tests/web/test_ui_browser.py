"""The web app in a real headless Chromium (Debian's, driven by playwright): what a person sees.

One app is launched for the module (in process, with a fake transcriber and a fake interviewer
injected through the services); each test gets a fresh browser page, hence a fresh session.
Screenshots of the flow go to artifacts/ui/ (git-ignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.interviewer.questions import load_questions
from coach.web.practice import PracticeServices
from tests.support.browser_support import ARTIFACTS, new_page, served
from tests.support.fakes import FakeInterviewer
from tests.support.speech_audio import write_wav
from tests.support.ui_fakes import (
    FOLLOWUP_ANSWER,
    WEAK_STORY,
    FakeTranscriber,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STORY = WEAK_STORY
FOLLOWUP = FOLLOWUP_ANSWER
SPOKEN = (
    "um so our fraud model started blocking good payments and customers were angry I was the on call engineer "
    "I rolled back the model and the false positive rate went back to 2 percent"
)
IMG = '<img src=x onerror="window.__xss=1">'
SCRIPT = "<script>window.__xss=2</script>"


def fake_services() -> PracticeServices:
    return PracticeServices(
        questions=load_questions(),
        transcribe=FakeTranscriber(text=SPOKEN),
        make_interviewer=lambda settings: FakeInterviewer.web(name=f"fake/{settings.model}"),
        allow_caller_model=True,  # the tests type a model into Settings
    )


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    from coach.web import ui

    with served(ui.build_app(fake_services())) as url:
        yield url


@pytest.fixture
def page(browser, app_url: str):  # type: ignore[no-untyped-def]
    with new_page(browser, app_url) as opened:
        yield opened


def score_of(page) -> int:  # type: ignore[no-untyped-def]
    return int(page.locator("#overall-score").inner_text())


def submit_story(page, story: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("#story textarea").fill(story)
    page.locator("#submit-btn").click()
    page.locator("#overall-score").wait_for()


def test_type_score_see_highlights_answer_followup_try_again(page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.locator("#story textarea").press_sequentially("Our ", delay=20)
    expect(page.locator("#timer-box")).to_have_attribute("data-running", "yes")
    page.wait_for_timeout(1100)
    assert page.locator("#timer-value").inner_text() != "0:00"
    submit_story(page, STORY)
    expect(page.locator("#timer-box")).to_have_attribute("data-running", "no")
    first = score_of(page)
    expect(page.locator("#score-mode")).to_have_text("mode: offline rubric")
    expect(page.locator("#chart .coach-bar-row")).to_have_count(5)
    expect(page.locator("#highlights mark.coach-seg").first).to_be_visible()
    assert page.locator("#highlights mark[data-component='situation']").count() >= 1
    expect(page.locator("#checklist li.coach-criterion")).to_have_count(15)
    expect(page.locator("#chat")).to_contain_text(f"{first}/100")
    page.screenshot(path=str(ARTIFACTS / "1-scored.png"), full_page=True)

    page.locator("#followup-answer textarea").fill(FOLLOWUP)
    page.locator("#answer-btn").click()
    expect(page.locator("#score-delta")).to_be_visible()
    second = score_of(page)
    assert second > first
    expect(page.locator("#score-delta")).to_have_text(f"(+{second - first})")
    expect(page.locator("#chat")).to_contain_text("Click-through went back")
    expect(page.locator("#chat")).to_contain_text(f"{second}/100")
    expect(page.locator("#highlights")).to_contain_text("wrote a runbook")  # the combined story
    page.screenshot(path=str(ARTIFACTS / "2-followup-answered.png"), full_page=True)

    page.locator("#try-again-btn").click()
    expect(page.locator("#story textarea")).to_have_value("")
    expect(page.locator("#timer-value")).to_have_text("0:00")
    submit_story(page, STORY + " " + FOLLOWUP)
    expect(page.locator("#comparison")).to_contain_text("Newly met")
    expect(page.locator("#compare-delta")).to_be_visible()
    assert page.locator("#comparison li.coach-flip-met").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "3-attempts-compared.png"), full_page=True)


def test_upload_audio_shows_an_editable_transcript_then_delivery(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    wav = write_wav(tmp_path / "answer.wav", seconds=1.0)
    page.locator("#audio").get_by_label(re.compile("upload", re.I)).first.click()
    page.locator("#audio input[type=file]").set_input_files(str(wav))
    expect(page.locator("#story textarea")).to_have_value(SPOKEN)
    expect(page.locator("#status")).to_contain_text("Transcribed")
    page.screenshot(path=str(ARTIFACTS / "4-transcribed.png"), full_page=True)
    page.locator("#story textarea").fill(SPOKEN.replace("um so ", ""))  # the transcript is editable
    page.locator("#submit-btn").click()
    expect(page.locator("#delivery-wpm")).to_be_visible()
    expect(page.locator("#delivery-fillers")).to_have_text("3")
    page.screenshot(path=str(ARTIFACTS / "5-delivery.png"), full_page=True)


def test_xss_payload_renders_as_text_and_never_runs(page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    story = f"Our fraud model in production failed {IMG} and {SCRIPT} customers were blocked. I was on call and I rolled it back."
    submit_story(page, story)
    expect(page.locator("#highlights")).to_contain_text(IMG)
    expect(page.locator("#highlights")).to_contain_text(SCRIPT)
    page.locator("#followup-answer textarea").fill(f"Answer with {IMG} inside")
    page.locator("#answer-btn").click()
    expect(page.locator("#chat")).to_contain_text(f"Answer with {IMG} inside")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None
    assert page.locator("#highlights img, #chat img[src='x'], #checklist img, #highlights script").count() == 0
    page.screenshot(path=str(ARTIFACTS / "6-xss-as-text.png"), full_page=True)


def test_llm_mode_check_model_then_questions_and_streamed_coaching(page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Settings").click()
    expect(page.locator("#settings-note")).to_contain_text("Keys are never typed here")
    assert page.locator("input[type=password]").count() == 0
    page.locator("#model").get_by_role("textbox").fill("openai/local-model")
    page.locator("#api-base").get_by_role("textbox").fill("http://127.0.0.1:9/v1")
    page.locator("#check-model-btn").click()
    expect(page.locator("#model-status")).to_contain_text("✓ openai/local-model is reachable")
    page.screenshot(path=str(ARTIFACTS / "7-settings-model-checked.png"), full_page=True)

    page.get_by_role("tab", name="Practice").click()
    submit_story(page, STORY)
    expect(page.locator("#score-mode")).to_have_text("mode: model fake/openai/local-model (score from the rubric)")
    expect(page.locator("#chat")).to_contain_text("[LLM] Tell me more about")
    expect(page.locator("#coaching")).to_contain_text("Lead with the impact, then <b>quantify</b> the result.")
    page.screenshot(path=str(ARTIFACTS / "8-llm-mode.png"), full_page=True)
