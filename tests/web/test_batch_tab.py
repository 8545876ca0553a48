"""The web app's Batch tab handler, called directly: no gradio, no server, no network."""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import pytest

from coach.interviewer.questions import load_questions
from coach.web import batch_tab as batch_web
from coach.web.practice import PracticeServices
from tests.support.fakes import FakeInterviewer

STORY = (
    "Our fraud model in production started blocking good payments and customers were angry. I was the "
    "on-call engineer, so I rolled back the model. The false positive rate fell from 40% to 2% within 20 "
    "minutes. Afterwards we added an alert on the decline rate."
)
XSS_ID = '<img src=x onerror="window.__xss=1">'
XSS_TEXT = '<script>window.__xss=2</script> "quoted" & ${x}'


def services(**overrides: object) -> PracticeServices:
    return PracticeServices(questions=load_questions(), **overrides)  # type: ignore[arg-type]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_a_csv_gives_table_report_and_downloads(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "cohort.csv", [["id", "answer"], [XSS_ID, STORY], ["b", ""], ["c", XSS_TEXT + " " + STORY]])
    result = batch_web.score_batch_upload(services(), str(src), "star-l")
    assert "Scored 2 of 3 answers from cohort.csv; 1 could not be scored" in plain(result.status)
    assert [row[0] for row in result.rows] == [XSS_ID, "b", "c"]
    assert isinstance(result.rows[0][1], int) and result.rows[1][2] == "error" and "story is empty" in str(result.rows[1][3])
    results, report = (Path(f) for f in result.files)
    assert results.name == "cohort.results.csv" and report.name == "cohort.report.html"
    assert len(results.read_text(encoding="utf-8").splitlines()) == 4  # header + one line per row
    assert "<svg" in report.read_text(encoding="utf-8")
    # The report sits in a sandboxed iframe (no allow-scripts); its markup is one escaped attribute.
    frame = result.report
    assert frame.startswith('<iframe id="batch-report-frame"') and ' sandbox="" ' in frame
    assert frame.count("<") == 2 and frame.count('"') == frame.count('="') * 2  # nothing breaks out of srcdoc
    assert "$" not in frame and "{" not in frame  # gradio template syntax neutralised too
    srcdoc = html.unescape(re.search(r'srcdoc="([^"]*)"', frame).group(1))  # type: ignore[union-attr]
    assert "<h1>Batch report — cohort.csv</h1>" in srcdoc
    assert "&lt;img src=x onerror=" in srcdoc and "<img" not in srcdoc  # the id is escaped inside the report


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("answers.pdf", b"%PDF-1.4 answer", "unsupported file type '.pdf'; upload one of .csv"),
        ("answers", b"answer\nI fixed it", "unsupported file type '(no extension)'"),
        ("answers.csv", b"id,answer\n1,\x00\x01\x02\xff binary", "answers.csv looks like a binary file"),
        ("answers.csv", b"", "answers.csv is empty: there are no answers to score."),
        ("answers.txt", b"  \n\n \t\n", "answers.txt is empty"),
        ("answers.csv", b"name,comment\nann,I fixed it\n", "answers.csv: no answer column (looked for answer, story, text, response; columns: name, comment); rename that column to answer"),
        ("answers.md", b"---\n---\n", "answers.md: no answers found in the file."),
    ],
)
def test_bad_uploads_get_one_clear_sentence(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    upload = tmp_path / "gradio-cache-3f2a" / name
    upload.parent.mkdir()
    upload.write_bytes(content)
    result = batch_web.score_batch_upload(services(), str(upload), "star-l")
    message = plain(result.status)
    assert expected in message
    assert str(tmp_path) not in message  # the server's temp folder is not shown
    assert result.rows == [] and result.report == "" and result.files == []
    assert result.values()[3] is None  # no download offered


def test_no_file_chosen() -> None:
    assert "Choose a file first" in plain(batch_web.score_batch_upload(services(), None, "star-l").status)


def test_uploads_over_the_limit_are_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    with big.open("wb") as handle:  # sparse: 21 MB without writing 21 MB
        handle.write(b"id,answer\n1,x\n")
        handle.truncate(21 * 2**20)
    message = plain(batch_web.score_batch_upload(services(), str(big), "star-l").status)
    assert "big.csv is larger than the 20 MB the web page takes (22,020,096 bytes)" in message and "coach batch" in message


def test_just_over_the_limit_does_not_read_as_equal_to_it(tmp_path: Path) -> None:
    big = tmp_path / "edge.csv"
    with big.open("wb") as handle:
        handle.write(b"id,answer\n1,x\n")
        handle.truncate(20 * 2**20 + 1)
    message = plain(batch_web.score_batch_upload(services(), str(big), "star-l").status)
    assert "20.0 MB" not in message and "larger than the 20 MB" in message and "20,971,521 bytes" in message


def test_the_table_is_capped_but_the_counts_cover_every_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_web, "TABLE_ROWS", 3)
    src = tmp_path / "many.jsonl"
    src.write_text("".join(json.dumps({"id": f"r{i}", "answer": STORY}) + "\n" for i in range(5)), encoding="utf-8")
    result = batch_web.score_batch_upload(services(), str(src), "star-l")
    assert len(result.rows) == 3
    assert "Scored 5 of 5 answers" in plain(result.status) and "the first 3" in plain(result.status)


def test_text_with_separators_and_undecodable_bytes_become_error_rows(tmp_path: Path) -> None:
    src = tmp_path / "stories.txt"
    src.write_bytes(STORY.encode() + b"\n---\nOur model failed \xff\xfe and I fixed it.\n---\n" + STORY.encode())
    result = batch_web.score_batch_upload(services(), str(src), "star-l")
    assert [row[2] == "error" for row in result.rows] == [False, True, False]
    assert "UTF-8" in str(result.rows[1][3])


def test_model_followups_use_the_model_configured_at_start(tmp_path: Path) -> None:
    fake = FakeInterviewer.web(name="fake/openai/local")
    svc = services(default_model="openai/local", default_api_base="http://127.0.0.1:9/v1", make_interviewer=lambda s: fake)
    assert batch_web.model_choice(svc) == "openai/local"
    assert batch_web.model_choice(services()) is None
    assert batch_web.model_choice(services(default_model="openai/local", default_offline=True)) is None
    src = write_csv(tmp_path / "c.csv", [["answer"], [STORY], [STORY]])
    result = batch_web.score_batch_upload(svc, str(src), "star-l", batch_web.FOLLOWUPS_MODEL)
    assert fake.methods.count("ask") == 2
    text = Path(result.files[0]).read_text(encoding="utf-8")
    assert text.count(",llm,") == 2 and "[LLM] Tell me more about" in text
    offline = batch_web.score_batch_upload(svc, str(src), "star-l", batch_web.FOLLOWUPS_RUBRIC)
    assert fake.methods.count("ask") == 2 and ",llm," not in Path(offline.files[0]).read_text(encoding="utf-8")


def test_an_unknown_rubric_is_a_message(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "c.csv", [["answer"], [STORY]])
    result = batch_web.score_batch_upload(services(), str(src), "no-such-rubric")
    assert "no-such-rubric" in plain(result.status) and result.rows == []


def test_old_result_folders_are_swept_and_fresh_ones_kept(tmp_path, monkeypatch) -> None:
    import os
    import tempfile

    from coach.web import batch_tab as web

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    old = tmp_path / "coach-batch-old"
    fresh = tmp_path / "coach-batch-fresh"
    other = tmp_path / "not-ours"
    for folder in (old, fresh, other):
        folder.mkdir()
        (folder / "answers.results.csv").write_text("id\n", encoding="utf-8")
    os.utime(old, (1_000, 1_000))
    os.utime(other, (1_000, 1_000))
    assert web.sweep_old_results(max_age_s=3600) == 1
    assert not old.exists() and fresh.exists() and other.exists()
