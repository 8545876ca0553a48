"""The Batch tab in a real headless Chromium: upload a file, see the table and the cohort report,
download the results; bad uploads get a sentence in the page. One app for the module (offline).
"""

from __future__ import annotations

import csv
import html
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coach.interviewer.questions import load_questions
from coach.web.batch_tab import report_frame
from coach.web.practice import PracticeServices
from tests.support.browser_support import ARTIFACTS, new_page, served

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STORY = (
    "Our fraud model in production started blocking good payments and customers were angry. I was the "
    "on-call engineer, so I rolled back the model. The false positive rate fell from 40% to 2% within 20 "
    "minutes. Afterwards we added an alert on the decline rate."
)
IMG = '<img src=x onerror="window.__xss=1">'
SCRIPT = "<script>window.__xss=2</script>"


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    from coach.web import ui

    services = PracticeServices(questions=load_questions())
    with served(ui.build_app(services, extra_tabs=[ui.batch_tab(services)])) as url:
        yield url


@pytest.fixture
def page(browser: Any, app_url: str) -> Iterator[Any]:
    with new_page(browser, app_url) as page:
        page.get_by_role("tab", name="Batch").click()
        yield page


def upload(page: Any, path: Path) -> None:
    clear = page.locator("#batch-upload button[aria-label=Clear]")
    if clear.count():
        clear.click()
    page.locator("#batch-upload input[type=file]").set_input_files(str(path))
    page.locator("#batch-status .coach-status-ok, #batch-status .coach-status-warn, #batch-status .coach-status-error").wait_for()


def test_upload_a_csv_see_table_and_report_download_the_results(page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    src = tmp_path / "cohort.csv"
    with src.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["id", "answer"], [IMG, STORY], ["empty-one", ""], [SCRIPT, "I fixed the model."]])
    upload(page, src)
    expect(page.locator("#batch-status")).to_have_text("Scored 2 of 3 answers from cohort.csv; 1 could not be scored (see the table).")
    table = page.locator("#batch-table")
    expect(table).to_contain_text(IMG)  # the id, as text
    expect(table).to_contain_text(SCRIPT)
    expect(table).to_contain_text("error: id empty-one: the story is empty")
    assert table.locator("img, script").count() == 0

    frame = page.frame_locator("#batch-report-frame")
    expect(frame.locator("h1")).to_have_text("Batch report — cohort.csv")
    expect(frame.locator("svg").first).to_be_visible()  # the charts
    expect(frame.locator("table")).to_contain_text(IMG)
    assert frame.locator("img, script").count() == 0
    assert page.locator("#batch-report-frame").get_attribute("sandbox") == ""  # survived gradio's rendering
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None
    page.screenshot(path=str(ARTIFACTS / "batch-1-scored.png"), full_page=True)

    links = page.locator("#batch-downloads a")
    expect(links).to_have_count(2)
    with page.expect_download() as info:
        page.locator("#batch-downloads tr", has_text="cohort.results").locator("a").click()
    download = info.value
    assert download.suggested_filename == "cohort.results.csv"
    lines = Path(download.path()).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4 and lines[0].startswith("id,error,overall") and IMG.replace('"', '""') in lines[1]


def test_bad_uploads_show_a_sentence_not_a_traceback(page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    binary = tmp_path / "export.csv"
    binary.write_bytes(b"id,answer\n1,\x00\x01\x02\xff\xfe")
    upload(page, binary)
    expect(page.locator("#batch-status .coach-status-error")).to_have_text(
        "export.csv looks like a binary file, not text; save it as UTF-8 text (.csv, .jsonl, .markdown, .md, .ndjson, .tab, .text, .tsv, .txt)."
    )
    no_answer = tmp_path / "survey.csv"
    no_answer.write_text("name,comment\nann,I fixed it\n", encoding="utf-8")
    upload(page, no_answer)
    expect(page.locator("#batch-status .coach-status-error")).to_contain_text("survey.csv: no answer column (looked for answer, story, text, response")
    expect(page.locator("#batch-status")).not_to_contain_text("Traceback")
    assert page.locator("#batch-report-frame").count() == 0
    expect(page.locator("#batch-downloads a")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "batch-2-bad-upload.png"), full_page=True)


def test_the_report_frame_runs_no_script_even_if_the_report_had_one(browser: Any) -> None:
    """The second wall: were the report ever to contain live markup, the sandbox keeps it inert."""
    hostile = (
        "<html><body><h1>report</h1><script>document.documentElement.dataset.ran = 'script'; parent.__xss = 3</script>"
        "<img src=x onerror=\"document.documentElement.dataset.ran = 'img'\"></body></html>"
    )
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(f"<html><body>{report_frame(hostile)}</body></html>")
        frame = page.frame_locator("#batch-report-frame")
        frame.locator("h1").wait_for()
        page.wait_for_timeout(300)
        inner = next(f for f in page.frames if f.url == "about:srcdoc")
        assert inner.evaluate("document.documentElement.dataset.ran") is None
        assert page.evaluate("window.__xss") is None
        assert html.escape("report") in inner.content()
    finally:
        context.close()
