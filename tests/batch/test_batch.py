"""`coach batch`: readers, ordered output with error lines, resume, follow-ups with a failing fake model,
reports (XSS escaped), CSV columns, exit codes, and the web helper. Subprocess kill tests: test_batch_kill.py."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from coach.batch.readers import Row, open_input
from coach.batch.report import Cohort, to_html, to_markdown
from coach.batch.runner import Runner, run_batch
from coach.batch.writers import FileSink, LineEncoder, StreamSink, iter_output
from coach.cli import main
from coach.errors import LLMRateLimited, LLMTimeout, LLMUnavailable, UsageError
from coach.inputs import MAX_STORY_CHARS
from coach.models import Assessment, FollowUp
from coach.rubric.loader import Rubric, load_rubric
from coach.service import InterviewerReply
from coach.web.batch_tab import score_upload
from tests.support.core_stories import CHECKOUT_OUTAGE as STORY
from tests.support.core_stories import varied_story as story

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """A model configured in the developer's environment must not reach these tests."""
    monkeypatch.delenv("COACH_MODEL", raising=False)
    monkeypatch.delenv("COACH_API_BASE", raising=False)


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return load_rubric()


def read_jsonl(path: Path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.endswith(b"\n"), "the last line is not whole"
    return [json.loads(line) for line in raw.decode("utf-8").splitlines()]


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",") -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)


# ── readers: each input format ───────────────────────────────────────────────────────────────────


def test_csv_reader_detects_answer_id_and_question_columns(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    write_csv(path, [["ID", "Question", "Response"], ["alice", "Tell me about a failure", STORY], ["bob", "", "x y"]])
    rows = list(open_input(str(path)).rows())
    assert [r.id for r in rows] == ["alice", "bob"]
    assert rows[0].text == STORY and rows[0].question == "Tell me about a failure"
    assert rows[1].question is None


def test_csv_reader_ids_default_to_row_numbers_and_column_flag(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    write_csv(path, [["notes", "my answer"], ["n1", "first"], ["n2", "second"]])
    with pytest.raises(UsageError, match="no answer column"):
        open_input(str(path))
    with pytest.raises(UsageError, match="no column 'nope'"):
        open_input(str(path), column="nope")
    rows = list(open_input(str(path), column="MY ANSWER").rows())
    assert [(r.id, r.text) for r in rows] == [("1", "first"), ("2", "second")]


def test_tsv_reader(tmp_path: Path) -> None:
    path = tmp_path / "a.tsv"
    write_csv(path, [["id", "story"], ["t1", "one, with a comma"], ["t2", "two"]], delimiter="\t")
    assert [(r.id, r.text) for r in open_input(str(path)).rows()] == [("t1", "one, with a comma"), ("t2", "two")]


def test_jsonl_reader_keys_errors_and_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    lines = [
        json.dumps({"id": 7, "Answer": "seven", "question": "q?"}),
        "",
        "{not json",
        json.dumps(["a list"]),
        json.dumps({"story": "no id here"}),
        json.dumps({"id": "x", "other": "no answer"}),
        json.dumps({"id": "y", "text": 42}),
        '{"id": "z", "text": "bad \\ud800 escape"}',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = list(open_input(str(path)).rows())
    assert [r.id for r in rows] == ["7", "3", "4", "5", "x", "y", "z"]
    assert rows[0].text == "seven" and rows[0].question == "q?" and rows[0].error is None
    assert "not valid JSON" in (rows[1].error or "")
    assert "expected a JSON object" in (rows[2].error or "")
    assert rows[3].text == "no id here" and rows[3].error is None
    assert "no answer field" in (rows[4].error or "")
    assert "not a string" in (rows[5].error or "")
    assert "lone surrogate" in (rows[6].error or "")


@pytest.mark.parametrize("suffix", [".txt", ".md"])
def test_text_reader_splits_on_dashes(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"stories{suffix}"
    path.write_text("---\nFirst story.\n\n# heading\n---\n  Second story.\n---\n\n---\nFourth.\n---\n\n", encoding="utf-8")
    rows = list(open_input(str(path)).rows())
    assert [r.id for r in rows] == ["1", "2", "3", "4"]
    assert rows[0].text == "First story.\n\n# heading"
    assert rows[1].text.strip() == "Second story."
    assert rows[2].error and "empty" in rows[2].error  # an empty story between two --- lines is reported
    assert rows[3].text == "Fourth."


def test_folder_reader_ids_are_file_names(tmp_path: Path) -> None:
    (tmp_path / "b.md").write_text("Story B", encoding="utf-8")
    (tmp_path / "a.txt").write_text("Story A", encoding="utf-8")
    (tmp_path / "c.txt").write_bytes(b"\xc3\x28 bad bytes")  # (FF FE would be a UTF-16 byte-order mark)
    (tmp_path / "d.pdf").write_bytes(b"%PDF")
    (tmp_path / ".hidden.txt").write_text("ignored", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    source = open_input(str(tmp_path))
    rows = list(source.rows())
    assert source.count() == 4
    assert [(r.id, r.text, bool(r.error)) for r in rows] == [
        ("a.txt", "Story A", False), ("b.md", "Story B", False), ("c.txt", "", True), ("d.pdf", "", True)
    ]
    assert "not valid UTF-8" in (rows[2].error or "") and "not a .txt or .md" in (rows[3].error or "")


def test_open_input_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        open_input(str(tmp_path / "missing.csv"))
    (tmp_path / "a.xlsx").write_bytes(b"PK")
    with pytest.raises(UsageError, match="unsupported input type"):
        open_input(str(tmp_path / "a.xlsx"))
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    with pytest.raises(UsageError, match="empty"):
        open_input(str(tmp_path / "empty.csv"))


def test_reader_streams_with_flat_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    write_csv(path, [["id", "answer"]] + [[f"r{i}", story(i)] for i in range(20_000)])
    tracemalloc.start()
    try:
        count = sum(1 for _ in open_input(str(path)).rows())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000
    # The file is ~7 MB; holding it would peak far above this. The set of seen ids is the only growth.
    assert peak < 4_000_000, peak


def test_duplicate_ids_become_error_rows(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    write_csv(path, [["id", "answer"], ["a", "one"], ["a", "two"]])
    rows = list(open_input(str(path)).rows())
    assert rows[0].error is None and "duplicate id" in (rows[1].error or "")


# ── the CLI: 5 bad rows among 100 ────────────────────────────────────────────────────────────────


def bad_csv(path: Path) -> dict[int, str]:
    """100 rows, 5 of them bad; returns {1-based row: why}."""
    bad = {
        7: "empty",
        23: "undecodable",
        41: "fields",
        66: "oversized",
        90: "binary",
    }
    out = io.BytesIO()
    out.write(b"id,question,answer\n")
    for i in range(1, 101):
        row_id = f"r{i:03d}".encode()
        kind = bad.get(i)
        if kind == "empty":
            out.write(row_id + b',q,"   "\n')
        elif kind == "undecodable":
            out.write(row_id + b",q,caf\xe9 \xff story\n")
        elif kind == "fields":
            out.write(row_id + b",q,story,extra field\n")
        elif kind == "oversized":
            out.write(row_id + b',q,"' + b"word " * (MAX_STORY_CHARS // 5 + 10) + b'"\n')
        elif kind == "binary":
            out.write(row_id + b',q,"\x00\x01\x02 binary"\n')
        else:
            out.write(row_id + b',q,"' + story(i).encode() + b'"\n')
    path.write_bytes(out.getvalue())
    return bad


def test_five_bad_rows_among_100_are_error_lines_in_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "answers.csv", tmp_path / "out.jsonl"
    bad = bad_csv(src)
    code = main(["batch", str(src), "--out", str(out), "--concurrency", "1"])
    assert code == 1
    records = read_jsonl(out)
    assert [r["id"] for r in records] == [f"r{i:03d}" for i in range(1, 101)]
    errors = {int(r["id"][1:]): r["error"] for r in records if "error" in r}
    assert sorted(errors) == sorted(bad)
    assert "empty" in errors[7]
    assert "UTF-8" in errors[23]
    assert "4 fields, the header has 3" in errors[41]
    assert "too long" in errors[66]
    assert "binary" in errors[90]
    scored = [r for r in records if "error" not in r]
    assert len(scored) == 95
    assert all(list(r)[0] == "id" and r["mode"] == "offline" and r["followups"] for r in scored)
    assert set(scored[0]) >= {"rubric", "overall", "level", "level_label", "components", "criteria", "red_flags", "notices"}
    err = capsys.readouterr().err
    assert "scored 95, errors 5" in err and "most missed:" in err and str(out) in err


def test_stdout_is_the_default_output_and_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "a.jsonl"
    src.write_text("".join(json.dumps({"id": f"s{i}", "answer": story(i)}) + "\n" for i in range(3)), encoding="utf-8")
    assert main(["batch", str(src), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert [json.loads(line)["id"] for line in captured.out.splitlines()] == ["s0", "s1", "s2"]
    assert captured.err == ""


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--column", "nope"], "no column 'nope'"),
        (["--rubric", "no-such-rubric"], "no such rubric"),
        (["--resume"], "--resume needs --out"),
        (["--report", "r.pdf"], "end the name in .html or .md"),
        (["--concurrency", "0"], "at least 1"),
    ],
)
def test_bad_usage_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    src = tmp_path / "a.csv"
    write_csv(src, [["answer"], [STORY]])
    assert main(["batch", str(src), *argv]) == 2
    assert message in capsys.readouterr().err


def test_unreadable_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["batch", str(tmp_path / "missing.csv")]) == 2
    assert "no such file" in capsys.readouterr().err


# ── CSV output ───────────────────────────────────────────────────────────────────────────────────


def test_csv_output_columns_and_cells(tmp_path: Path, rubric: Rubric) -> None:
    src, out = tmp_path / "a.jsonl", tmp_path / "out.csv"
    src.write_text(
        json.dumps({"id": "good\nid", "answer": STORY}) + "\n" + json.dumps({"id": "bad", "answer": ""}) + "\n",
        encoding="utf-8",
    )
    assert main(["batch", str(src), "--out", str(out), "--quiet"]) == 1  # .csv extension picks CSV
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3  # header + one physical line per record (line breaks flattened)
    table = list(csv.DictReader(io.StringIO("\n".join(lines))))
    expected = (
        ["id", "error", "overall", "level", "level_label", "mode"]
        + [f"score.{c.id}" for c in rubric.components]
        + [c.id for c in rubric.criteria()]
        + [f.id for f in rubric.red_flags]
        + ["followups", "notices"]
    )
    assert list(table[0]) == expected
    good, bad = table
    assert good["id"] == "good id" and good["error"] == "" and good["mode"] == "offline"
    assert 0 <= int(good["overall"]) <= 100 and good["level_label"]
    assert {good[c.id] for c in rubric.criteria()} <= {"true", "false"}
    assert good["situation.context"] == "true"
    assert {good[f.id] for f in rubric.red_flags} <= {"true", "false"}
    assert good["followups"].count(" | ") >= 1
    assert bad["id"] == "bad" and "empty" in bad["error"] and bad["overall"] == ""


# ── resume ───────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_resume_cuts_a_partial_line_and_skips_done_ids(tmp_path: Path, fmt: str) -> None:
    src, out = tmp_path / "a.csv", tmp_path / f"out.{fmt}"
    write_csv(src, [["id", "answer"]] + [[f"r{i}", story(i)] for i in range(10)])
    assert main(["batch", str(src), "--out", str(out), "--quiet"]) == 0
    full = out.read_bytes()
    lines = full.splitlines(keepends=True)
    keep = 1 + 4 if fmt == "csv" else 4
    out.write_bytes(b"".join(lines[:keep]) + lines[keep][: len(lines[keep]) // 2])  # killed mid-write
    assert main(["batch", str(src), "--out", str(out), "--quiet", "--resume"]) == 0
    assert out.read_bytes() == full  # same bytes as an uninterrupted run: nothing lost, nothing twice
    # A finished output resumes to no work at all; its report still covers every line.
    report = tmp_path / "report.md"
    assert main(["batch", str(src), "--out", str(out), "--quiet", "--resume", "--report", str(report)]) == 0
    assert out.read_bytes() == full
    assert "Answers: 10, scored: 10, errors: 0" in report.read_text(encoding="utf-8")


def test_resume_refuses_a_foreign_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "a.csv", tmp_path / "out.jsonl"
    write_csv(src, [["answer"], [STORY]])
    out.write_text("hello world\n", encoding="utf-8")
    assert main(["batch", str(src), "--out", str(out), "--resume"]) == 2
    assert "not JSON" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "hello world\n"


def test_interrupt_stops_after_whole_lines(tmp_path: Path, rubric: Rubric) -> None:
    def rows():  # type: ignore[no-untyped-def]
        for i in range(10):
            if i == 6:
                raise KeyboardInterrupt
            yield Row(id=str(i), text=story(i))

    out = tmp_path / "out.jsonl"
    sink = FileSink(str(out), truncate=True)
    runner = Runner(rubric, LineEncoder("jsonl", rubric), chunk_size=1, pool_threshold=1)
    result = run_batch(rows(), runner, sink)
    sink.close()
    assert result.interrupted and result.written == 6
    assert [r["id"] for r in read_jsonl(out)] == [str(i) for i in range(6)]


# ── follow-ups from a (fake) model that fails sometimes ──────────────────────────────────────────


class FlakyInterviewer:
    """A thread-safe fake: fails calls by their number (rate limit / 5xx / timeout), else asks one question."""

    name = "fake/flaky"

    def __init__(self, failures: dict[int, Exception], delay_s: float = 0.0) -> None:
        self.failures = failures
        self.delay_s = delay_s
        self.calls = 0
        self.active = 0
        self.max_active = 0
        self.lock = threading.Lock()

    def ask(self, *, story: str, question: str, assessment: Assessment, rubric: Rubric) -> InterviewerReply:
        with self.lock:
            self.calls += 1
            number = self.calls
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            # Later calls finish sooner: results complete out of order, output must not.
            time.sleep(self.delay_s * (1 + (number * 7) % 5) / 5)
            if number in self.failures:
                raise self.failures[number]
            return InterviewerReply(
                followups=[FollowUp(question=f"What did you measure? ({story[:12]})", targets=["result.metrics"], source="llm")]
            )
        finally:
            with self.lock:
                self.active -= 1


@pytest.mark.parametrize("processes", [1, 2])
def test_flaky_model_every_row_present_labelled_with_notice(tmp_path: Path, rubric: Rubric, processes: int) -> None:
    failures: dict[int, Exception] = {}
    for n in range(1, 41):
        if n % 5 == 0:
            failures[n] = LLMRateLimited("the model was rate-limited (429)", retry_after=1)
        elif n % 7 == 0:
            failures[n] = LLMUnavailable("the model could not be reached (HTTP 500)")
        elif n % 11 == 0:
            failures[n] = LLMTimeout("the model timed out after 30 s")
    fake = FlakyInterviewer(failures, delay_s=0.02)
    rows = [Row(id=f"a{i}", text=story(i)) for i in range(40)] + [Row(id="bad", error="row 41: broken")]
    encoder = LineEncoder("jsonl", rubric)
    runner = Runner(rubric, encoder, interviewer=fake, followups="llm", concurrency=4,
                    processes=processes, pool_threshold=8, chunk_size=4)
    out = io.StringIO()
    result = run_batch(rows, runner, StreamSink(out))
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in records] == [row.id for row in rows]
    assert result.scored == 40 and result.errors == 1 and fake.calls == 40
    assert 1 < fake.max_active <= 4  # concurrent, and bounded
    modes = {r["id"]: r["mode"] for r in records[:-1]}
    offline = [r for r in records[:-1] if r["mode"] == "offline"]
    assert len(offline) == len(failures)
    for record in offline:
        assert record["followups"] and all(f["source"] == "rubric" for f in record["followups"])
        assert any("these questions come from the rubric" in n for n in record["notices"])
    reasons = " ".join(n for r in offline for n in r["notices"])
    assert "rate-limited" in reasons and "HTTP 500" in reasons and "timed out" in reasons
    llm = [r for r in records[:-1] if r["mode"] == "llm"]
    assert all(r["model"] == "fake/flaky" and r["followups"][0]["source"] == "llm" and not r["notices"] for r in llm)
    assert set(modes.values()) == {"llm", "offline"}
    # Each llm row got the question about its own story (threads did not mix rows up).
    for record, row in zip(records[:-1], rows[:-1], strict=True):
        if record["mode"] == "llm":
            assert row.text[:12] in record["followups"][0]["question"]


def test_no_followups_skips_the_model(tmp_path: Path, rubric: Rubric) -> None:
    fake = FlakyInterviewer({})
    out = io.StringIO()
    runner = Runner(rubric, LineEncoder("jsonl", rubric), interviewer=None, followups="none")
    run_batch([Row(id="1", text=STORY)], runner, StreamSink(out))
    record = json.loads(out.getvalue())
    assert record["followups"] == [] and record["mode"] == "offline" and fake.calls == 0


def test_process_pool_output_matches_inline(rubric: Rubric) -> None:
    rows = [Row(id=str(i), text=story(i)) for i in range(50)] + [Row(id="e", text="   ")]
    outputs = []
    for processes in (1, 2):
        out = io.StringIO()
        runner = Runner(rubric, LineEncoder("csv", rubric), processes=processes, pool_threshold=10, chunk_size=3)
        run_batch(rows, runner, StreamSink(out))
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1] and outputs[0].count("\n") == 51


# ── reports ──────────────────────────────────────────────────────────────────────────────────────


def test_html_report_escapes_user_text_and_has_no_external_assets(tmp_path: Path) -> None:
    src, out, report = tmp_path / "a.jsonl", tmp_path / "out.jsonl", tmp_path / "report.html"
    src.write_text(
        json.dumps({"id": XSS, "answer": STORY + " " + XSS}) + "\n"
        + json.dumps({"id": "ok", "answer": f"{XSS} we fixed it"}) + "\n"
        + json.dumps({"id": f"e{XSS}", "answer": ""}) + "\n"
        + '{"id": "broken", "answer": "<b>unterminated\n',
        encoding="utf-8",
    )
    assert main(["batch", str(src), "--out", str(out), "--report", str(report), "--quiet"]) == 1
    page = report.read_text(encoding="utf-8")
    tags = set(re.findall(r"<\s*([a-zA-Z!][a-zA-Z0-9]*)", page))
    assert tags <= {"!DOCTYPE", "html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "div", "b",
                    "svg", "rect", "text", "line", "table", "thead", "tbody", "tr", "th", "td"}, tags
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<svg" in page and "Score distribution" in page and "Red flags" in page and "Levels" in page
    # No external assets: no tag pulls anything in, no CSS import.
    assert re.search(r"<[^>]*\s(src|href)\s*=", page) is None and "@import" not in page and "url(" not in page
    # Every answer is in the table, errors included.
    assert page.count("<tr><td>") == 4
    md = tmp_path / "report.md"
    assert main(["batch", str(src), "--out", str(out), "--report", str(md), "--quiet"]) == 1
    text = md.read_text(encoding="utf-8")
    assert "<script" not in text and "&lt;script&gt;" in text and "## Criteria (most-missed first)" in text


def test_report_statistics_and_rebuilt_from_output(tmp_path: Path, rubric: Rubric) -> None:
    src, out = tmp_path / "a.csv", tmp_path / "out.jsonl"
    write_csv(src, [["id", "answer"], ["1", STORY], ["2", "We fixed it."], ["3", ""]])
    assert main(["batch", str(src), "--out", str(out), "--quiet"]) == 1
    cohort = Cohort(rubric)
    for summary in iter_output(str(out), LineEncoder("jsonl", rubric)):
        cohort.add(summary)
    assert (cohort.scored, cohort.errors, sum(cohort.histogram)) == (2, 1, 2)
    rates = cohort.hit_rates()
    assert [r for _, _, r in rates] == sorted(r for _, _, r in rates)  # most-missed first
    assert rates[-1][2] >= 0.5 and sum(c for _, c in cohort.level_counts()) == 2
    assert cohort.table[2].error and cohort.table[0].overall is not None
    assert "<svg" in to_html(cohort) and "| 1 |" in to_markdown(cohort)


# ── the web helper ───────────────────────────────────────────────────────────────────────────────


def test_score_upload_for_the_web_tab(tmp_path: Path, rubric: Rubric) -> None:
    src = tmp_path / "cohort.csv"
    write_csv(src, [["id", "answer"], [XSS, STORY], ["b", ""]])
    rows, page, results = score_upload(str(src), rubric, out_dir=str(tmp_path))
    assert rows[0][0] == XSS and isinstance(rows[0][1], int) and rows[1][2] == "error"
    assert "<script" not in page and "&lt;script&gt;" in page
    assert Path(results).name == "cohort.results.csv"
    assert len(Path(results).read_text(encoding="utf-8").splitlines()) == 3


# ── progress and summary ─────────────────────────────────────────────────────────────────────────


def test_progress_bar_draws_rate_and_eta_only_when_enabled(rubric: Rubric) -> None:
    from coach.batch.progress import Progress, summary_text

    shown, hidden = io.StringIO(), io.StringIO()
    for stream, enabled in ((shown, True), (hidden, False)):
        progress = Progress(stream, total=4, enabled=enabled)
        progress.skip()
        for _ in range(3):
            progress.advance()
        progress.finish()
    assert hidden.getvalue() == ""
    drawn = shown.getvalue()
    assert "4/4" in drawn and "100%" in drawn and "/s ETA" in drawn and drawn.endswith("\r")
    cohort = Cohort(rubric)
    text = summary_text(cohort, "out.jsonl", 1.0, 0, 0)
    assert "scored 0, errors 0" in text and "output: out.jsonl" in text
