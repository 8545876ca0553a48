"""The Progress tab in a real headless Chromium: three attempts scored on the Practice tab are saved,
then charted, tabulated and compared; a story is marked, an attempt deleted, the history exported."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.history import HistoryStore
from coach.interviewer.questions import load_questions
from coach.web.practice import PracticeServices
from tests.support.browser_support import ARTIFACTS, new_page, served
from tests.support.ui_fakes import FOLLOWUP_ANSWER, WEAK_STORY

pytestmark = [pytest.mark.browser, pytest.mark.slow]

XSS = '<img src=x onerror="window.__xss=1">'
TELLINGS = (WEAK_STORY, WEAK_STORY + " " + FOLLOWUP_ANSWER, WEAK_STORY + f" I wrote a runbook afterwards. {XSS}")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> HistoryStore:
    return HistoryStore(tmp_path_factory.mktemp("progress-home") / "history.db")


@pytest.fixture(scope="module")
def app_url(store: HistoryStore) -> Iterator[str]:
    from coach.web import ui

    with served(ui.build_app(PracticeServices(questions=load_questions(), history=store))) as url:
        yield url


def test_three_attempts_are_charted_compared_marked_deleted_and_exported(browser, app_url: str, store: HistoryStore) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    with new_page(browser, app_url) as page:
        scores = []
        for n, story in enumerate(TELLINGS, 1):
            if n > 1:
                page.locator("#try-again-btn").click()
                expect(page.locator("#story textarea")).to_have_value("")
            page.locator("#story textarea").fill(story)
            page.locator("#submit-btn").click()
            expect(page.locator("#score-level")).to_contain_text(f"Attempt {n}")
            scores.append(int(page.locator("#overall-score").inner_text()))
        assert [r.overall for r in store.attempts()] == scores  # saved from the web, in order

        page.get_by_role("tab", name="Progress").click()
        expect(page.locator("#progress-status")).to_contain_text("3 attempts")
        chart = page.locator("#progress-chart svg#progress-svg")
        expect(chart).to_be_visible()
        expect(chart.locator("circle")).to_have_count(3)
        overall = chart.locator("polyline[data-series='overall']")
        expect(overall).to_have_attribute("data-points", "3")
        assert overall.bounding_box()["width"] > 200  # really drawn across the chart
        expect(chart.locator("polyline[data-series^='component:']")).to_have_count(5)
        expect(page.locator("#progress-missed li.coach-missed").first).to_be_visible()
        expect(page.locator("#progress-table tr[data-attempt]")).to_have_count(3)
        # the last two are compared by default: delta, criteria gained/lost, both texts (escaped)
        delta = scores[2] - scores[1]
        expect(page.locator("#history-delta")).to_have_text(f"({'+' if delta > 0 else ''}{delta})")
        expect(page.locator("#progress-compare")).to_contain_text("Criteria gained")
        expect(page.locator("#compare-text-b")).to_contain_text(XSS)
        assert page.evaluate("window.__xss") is None
        page.screenshot(path=str(ARTIFACTS / "progress-1-chart-and-comparison.png"), full_page=True)

        # any two: attempt 1 against attempt 2
        page.locator("#compare-first input").click()
        page.locator("#compare-first").get_by_role("option", name=re.compile(r"^#1 ·")).click()
        page.locator("#compare-second input").click()
        page.locator("#compare-second").get_by_role("option", name=re.compile(r"^#2 ·")).click()
        page.locator("#compare-btn").click()
        first_delta = scores[1] - scores[0]
        expect(page.locator("#history-delta")).to_have_text(f"(+{first_delta})")
        expect(page.locator("#progress-compare li.coach-flip-met").first).to_be_visible()

        page.locator("#my-story-btn").click()
        expect(page.locator("#progress-status")).to_contain_text("#2 is now in your story bank")
        expect(page.locator("#story-bank li[data-attempt='2']")).to_contain_text("version 1")
        assert store.get(2).my_story

        page.locator("#history-manage").get_by_text("Export or delete everything").click()
        page.locator("#export-btn").click()
        expect(page.locator("#progress-status")).to_contain_text("Exported 3 attempts as CSV")
        expect(page.locator("#export-file")).to_contain_text(".csv")
        page.screenshot(path=str(ARTIFACTS / "progress-2-compared-marked-exported.png"), full_page=True)

    with new_page(browser, app_url) as other:  # another tab sees the same history; delete one there
        other.get_by_role("tab", name="Progress").click()
        expect(other.locator("#progress-table tr[data-attempt]")).to_have_count(3)
        other.locator("#delete-attempt-btn").click()
        expect(other.locator("#progress-status")).to_contain_text("Deleted attempt #3")
        expect(other.locator("#progress-table tr[data-attempt]")).to_have_count(2)
    assert [r.id for r in store.attempts()] == [1, 2]


def test_the_settings_switch_turns_saving_off_for_the_session(browser, app_url: str, store: HistoryStore) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    before = store.count()
    with new_page(browser, app_url) as page:
        page.get_by_role("tab", name="Settings").click()
        switch = page.locator("#save-history input[type=checkbox]")
        expect(switch).to_be_checked()
        expect(page.locator("#save-history")).to_contain_text(str(store.path))
        switch.uncheck()
        page.get_by_role("tab", name="Practice").click()
        page.locator("#story textarea").fill(WEAK_STORY)
        page.locator("#submit-btn").click()
        page.locator("#overall-score").wait_for()
    assert store.count() == before
