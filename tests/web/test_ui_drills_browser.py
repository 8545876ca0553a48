"""The Drills tab in a real headless Chromium: choose a drill and a brief, write under a live word
budget, see the checklist with quotes, the expected order beside yours and red flags, reveal a model
message, try again and compare; with a (fake) model configured, a rewrite is suggested, never scored.
One app for the module, offline.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from coach.interviewer.prompts import Message
from coach.interviewer.questions import load_questions
from coach.rubric.briefs import load_briefs
from coach.web.practice import PracticeServices
from tests.support.browser_support import ARTIFACTS, new_page, served

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OUT_OF_ORDER = "We are rolling back the bad release now. About 20% of checkouts are failing for customers."
GUIDE = (
    "40% of transactions flagged incorrectly. Root cause identified - upstream data issue. "
    "Fix deploying now, ETA 15 minutes. Next update at 3:30 PM."
)
XSS = '<img src=x onerror="window.__xss=1">'


class FakeRewriter:
    name = "fake/rewriter"

    def complete(self, messages: list[Message]) -> str:
        return f"Customers affected: [number]. {XSS} Next update at [time]."


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    from coach.web import ui

    services = PracticeServices(
        questions=load_questions(), default_model="ollama/fake", make_interviewer=lambda settings: FakeRewriter()  # type: ignore[arg-type,return-value]
    )
    with served(ui.build_app(services, extra_tabs=[ui.drills_tab(services)])) as url:
        yield url


@pytest.fixture
def page(browser: Any, app_url: str) -> Iterator[Any]:
    with new_page(browser, app_url) as page:
        page.get_by_role("tab", name="Drills").click()
        yield page


def write(page: Any, text: str) -> None:
    box = page.locator("#drill-message textarea")
    box.fill("")
    box.press_sequentially(text[:40])  # typed keys: the live counter listens to input events
    box.fill(text)
    box.dispatch_event("input")


def test_score_a_drill_see_order_and_evidence_reveal_try_again_compare(page: Any) -> None:
    from playwright.sync_api import expect

    bank = load_briefs()
    expect(page.locator("#drill-brief-body")).to_have_text(" ".join(bank.briefs[0].brief.split()))
    expect(page.locator("#drill-expected-format")).to_have_text("Business impact → Current status → ETA → Next update time")
    expect(page.locator("#drill-max-words")).to_have_text("75")

    write(page, OUT_OF_ORDER)
    expect(page.locator("#drill-words")).to_have_text("16")  # live, before scoring
    page.locator("#drill-score-btn").click()
    expect(page.locator("#drill-score #overall-score")).to_be_visible()
    expect(page.locator("#drill-order-verdict")).to_contain_text("out of order")
    expect(page.locator("#drill-order-yours li")).to_have_text(["Current status", "Business impact"])
    expect(page.locator("#drill-order-expected li")).to_have_count(4)
    met = page.locator('#drill-checklist li[data-criterion="exec.impact"]')
    expect(met).to_have_attribute("data-met", "true")
    expect(met.locator(".coach-quote")).to_contain_text("About 20% of checkouts are failing")
    expect(page.locator('#drill-checklist li[data-criterion="exec.eta"]')).to_have_attribute("data-met", "false")
    expect(page.locator("#drill-flags")).to_have_text("No red flags.")
    first = int(page.locator("#drill-score #overall-score").inner_text())

    page.locator("#drill-model-btn").click()
    expect(page.locator("#drill-model-text")).to_have_text(" ".join(bank.briefs[0].model.exec_update.split()))

    page.locator("#drill-again-btn").click()
    expect(page.locator("#drill-message textarea")).to_have_value("")
    expect(page.locator("#drill-model-text")).to_have_count(0)
    write(page, GUIDE)
    page.locator("#drill-score-btn").click()
    expect(page.locator("#drill-score #overall-score")).to_have_text("100")
    expect(page.locator("#drill-score #score-delta")).to_have_text(f"(+{100 - first})")
    expect(page.locator("#drill-order-verdict")).to_contain_text("in the format's order")
    expect(page.locator("#drill-compare #compare-delta")).to_have_text(f"(+{100 - first})")
    expect(page.locator("#drill-compare .coach-flip-met")).to_contain_text(["ETA", "Next update time", "Format order"])
    page.screenshot(path=str(ARTIFACTS / "drills-1-compare.png"), full_page=True)


def test_another_drill_and_brief_blame_flag_budget_over_and_rewrite(page: Any) -> None:
    from playwright.sync_api import expect

    bank = load_briefs()
    page.locator("#drill-next-brief").click()
    expect(page.locator("#drill-brief-body")).to_have_text(" ".join(bank.briefs[1].brief.split()))
    page.locator("#drill-kind input").click()
    page.get_by_role("option", name="Technical update (incident drill)").click()
    expect(page.locator("#drill-expected-format")).to_have_text("What we know → What we're investigating → What we need")
    expect(page.locator("#drill-max-words")).to_have_text("90")

    long_text = "fct_orders failing since 04:00. " + "The data team messed up again. " * 20
    write(page, long_text)
    expect(page.locator("#drill-budget-box")).to_have_attribute("data-state", "over")
    page.locator("#drill-score-btn").click()
    expect(page.locator('#drill-flags li[data-flag="flag.blame"]')).to_contain_text("messed up again")
    expect(page.locator('#drill-checklist li[data-criterion="tech.brief"]')).to_have_attribute("data-met", "false")

    write(page, f"{XSS} Working on it.")
    page.locator("#drill-rewrite-btn").click()
    expect(page.locator("#drill-rewrite-text")).to_contain_text("Customers affected: [number].")
    expect(page.locator("#drill-rewrite")).to_contain_text("score comes from the rubric")
    expect(page.locator("#drill-rewrite-text")).to_contain_text(XSS)  # shown as text
    assert page.locator("#drill-rewrite img").count() == 0
    page.wait_for_timeout(200)
    assert page.evaluate("window.__xss") is None
    page.screenshot(path=str(ARTIFACTS / "drills-2-rewrite.png"), full_page=True)
