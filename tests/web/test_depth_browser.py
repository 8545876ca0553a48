"""The technical-depth and leadership panels in a real headless Chromium (see tests/support/browser_support.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from coach.interviewer.questions import load_questions
from coach.web.practice import PracticeServices
from tests.support.browser_support import ARTIFACTS, new_page, served
from tests.support.fakes import FakeInterviewer
from tests.support.ui_fakes import FakeTranscriber

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCRIPT = "<script>window.__xss=3</script>"
STORY = (
    "I was the on-call engineer when our fraud model's approval rate fell from 80% to 20% at 14:05 and customers "
    "could not pay; we declared a SEV-1. First I went through the git log and ArgoCD and saw a new model version "
    f"went out at 14:02 {SCRIPT}. Then I rolled it back and posted updates to the payments team every 20 minutes. "
    "The approval rate was back to 80% within 15 minutes."
)


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    from coach.web import ui

    services = PracticeServices(
        questions=load_questions(),
        transcribe=FakeTranscriber(text=STORY),
        make_interviewer=lambda settings: FakeInterviewer.web(name=f"fake/{settings.model}"),
    )
    with served(ui.build_app(services)) as url:
        yield url


@pytest.fixture
def page(browser, app_url: str):  # type: ignore[no-untyped-def]
    with new_page(browser, app_url) as opened:
        yield opened


def test_scenario_answer_shows_depth_and_leadership_panels(page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.locator("#question input").click()
    page.get_by_role("option", name="Sudden performance drop").click()
    expect(page.locator("#question-text")).to_contain_text("performance dropped suddenly")
    page.locator("#story textarea").fill(STORY)
    page.locator("#submit-btn").click()
    page.locator("#overall-score").wait_for()

    depth = page.locator("#depth-panel")
    expect(depth).to_contain_text("Sudden performance drop")
    expect(depth.locator("#depth-count")).to_have_text("1/3")
    expect(depth.locator("[data-depth='recent-deploys'][data-met='true']")).to_contain_text("went through the git log")
    expect(depth.locator("[data-depth='recent-deploys']")).to_contain_text(SCRIPT)  # shown as text
    expect(depth.locator("[data-depth='artifact-integrity'][data-met='false']")).to_be_visible()

    leadership = page.locator("#leadership-panel")
    expect(leadership.locator("li.coach-criterion")).to_have_count(4)
    expect(leadership.locator("[data-signal='ownership'][data-met='true']")).to_be_visible()
    expect(leadership.locator("[data-signal='communication'][data-met='true']")).to_contain_text("posted updates")
    expect(leadership.locator("[data-signal='process'][data-met='false']")).to_contain_text("process change")

    assert page.evaluate("window.__xss") is None
    assert page.locator("#depth-panel script, #leadership-panel script").count() == 0
    page.screenshot(path=str(ARTIFACTS / "depth-1-panels.png"), full_page=True)

    page.locator("#try-again-btn").click()
    expect(depth.locator("#depth-count")).to_have_count(0)
    expect(leadership.locator("li")).to_have_count(0)


def test_the_incident_question_shows_leadership_and_asks_for_a_scenario(page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.locator("#story textarea").fill(STORY)
    page.locator("#submit-btn").click()
    page.locator("#overall-score").wait_for()
    expect(page.locator("#depth-panel")).to_contain_text("Pick a scenario question")
    expect(page.locator("#leadership-panel li.coach-criterion")).to_have_count(4)
