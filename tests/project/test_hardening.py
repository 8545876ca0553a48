"""The smaller holes of issue 10, one test each: formula cells, odd encodings and files, blank ids,
empty inputs, a full disk, duplicate YAML keys, padding inside a story, uploads over the limit."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from coach.csvsafe import neutralise, restore
from coach.interviewer.questions import load_questions
from coach.rubric.loader import load_rubric
from coach.scoring.scorer import score
from coach.web import batch_tab as batch_web
from coach.web.practice import PracticeServices
from tests.conftest import REPO_ROOT, clean_env
from tests.support.core_stories import STRONG

RUBRIC = load_rubric("star-l")
HOSTILE_IDS = ['=HYPERLINK("http://127.0.0.1/x","click")', "+1+1", "-2", "@SUM(A1)", "\tx", "'=quoted"]


def coach(*args: str, stdin: str | None = None, timeout: float = 60, stdout: int | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coach", *args], input=stdin, text=True, timeout=timeout, env=clean_env(), cwd=REPO_ROOT,
        stdout=stdout if stdout is not None else subprocess.PIPE, stderr=subprocess.PIPE,
    )


# ── CSV formula injection ───────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("cell", [*HOSTILE_IDS, "plain", "", "'", "1"])
def test_neutralised_cells_start_harmless_and_read_back_exactly(cell: str) -> None:
    written = neutralise(cell)
    assert not written.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert restore(written) == cell


def test_coach_batch_csv_neutralises_formulas_and_resumes_by_the_real_ids(tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps({"id": i, "answer": STRONG}) + "\n" for i in HOSTILE_IDS), encoding="utf-8")
    out = tmp_path / "out.csv"
    done = coach("batch", str(rows), "--out", str(out), "--no-followups")
    assert done.returncode == 0, done.stderr
    with out.open(encoding="utf-8", newline="") as handle:
        ids = [record[0] for record in csv.reader(handle)][1:]
    assert ids == [neutralise(" ".join(i.split())) for i in HOSTILE_IDS]  # ids are whitespace-collapsed
    again = coach("batch", str(rows), "--out", str(out), "--no-followups", "--resume")
    assert again.returncode == 0, again.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1 + len(HOSTILE_IDS)  # nothing scored twice


def test_the_web_batch_results_csv_neutralises_formulas(tmp_path: Path) -> None:
    upload = tmp_path / "cohort.csv"
    with upload.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["id", "answer"], *[[i, STRONG] for i in HOSTILE_IDS]])
    result = batch_web.score_batch_upload(PracticeServices(questions=load_questions()), str(upload), "star-l")
    results = next(Path(f) for f in result.files if f.endswith(".csv"))
    with results.open(encoding="utf-8", newline="") as handle:
        ids = [record[0] for record in csv.reader(handle)][1:]
    assert ids == [neutralise(" ".join(i.split())) for i in HOSTILE_IDS]  # ids are whitespace-collapsed


# ── Inputs: encodings, NUL, FIFOs, empty files, a full disk ─────────────────────────────────────


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig", "utf-32"])
def test_unicode_text_with_a_byte_order_mark_is_read(tmp_path: Path, encoding: str) -> None:
    story = tmp_path / "story.txt"
    data = STRONG.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    story.write_bytes(data)
    done = coach("score", str(story), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["overall"] == score(STRONG, RUBRIC).overall


def test_a_nul_byte_anywhere_is_refused(tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_bytes(STRONG.encode() * 10 + b"\x00 hidden")  # past the first 8 KB
    assert len(STRONG.encode()) * 10 > 8192
    done = coach("score", str(story), "--format", "json")
    assert done.returncode == 1 and done.stdout == ""
    assert "binary" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_a_fifo_without_a_writer_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "story.fifo"
    os.mkfifo(fifo)
    started = time.monotonic()
    done = coach("score", str(fifo), timeout=30)
    assert time.monotonic() - started < 30
    assert done.returncode == 1 and "empty" in done.stderr


def test_a_fifo_with_a_writer_is_read(tmp_path: Path) -> None:
    fifo = tmp_path / "story.fifo"
    os.mkfifo(fifo)
    process = subprocess.Popen(
        [sys.executable, "-m", "coach", "score", str(fifo), "--format", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env(), cwd=REPO_ROOT,
    )

    def write() -> None:
        with fifo.open("w", encoding="utf-8") as handle:  # blocks until coach opens it
            handle.write(STRONG)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    out, err = process.communicate(timeout=60)
    writer.join(timeout=5)
    # coach may open the pipe before the writer does (then it reads it as empty) or after; either
    # way it returns, and when the writer was there first the story is scored
    assert process.returncode in (0, 1), err
    if process.returncode == 0:
        assert json.loads(out)["overall"] == score(STRONG, RUBRIC).overall


@pytest.mark.parametrize(("name", "content"), [("dashes.txt", "---\n---\n\n---\n"), ("header.csv", "id,answer\n")])
def test_an_input_without_answers_exits_1_with_a_message(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    done = coach("batch", str(path), "--out", str(tmp_path / "out.jsonl"))
    assert done.returncode == 1
    assert "no answers found" in done.stderr and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_full_disk_is_one_clear_line(tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text(STRONG, encoding="utf-8")
    with open("/dev/full", "w") as full:
        done = coach("score", str(story), "--format", "json", stdout=full.fileno())
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "could not be written" in lines[0] and "internal error" not in lines[0], done.stderr


# ── Batch ids ──────────────────────────────────────────────────────────────────────────────────


def test_a_blank_id_does_not_collide_with_a_real_one(tmp_path: Path) -> None:
    rows = tmp_path / "rows.csv"
    with rows.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["id", "answer"], ["2", STRONG], ["  ", STRONG], ["1", STRONG]])
    jsonl = tmp_path / "rows.jsonl"
    jsonl.write_text(
        json.dumps({"id": "2", "answer": STRONG}) + "\n" + json.dumps({"id": "", "answer": STRONG}) + "\n", encoding="utf-8"
    )
    for path in (rows, jsonl):
        out = tmp_path / f"{path.name}.out.jsonl"
        done = coach("batch", str(path), "--out", str(out), "--no-followups")
        assert done.returncode == 0, done.stderr
        lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert all("error" not in line for line in lines), lines
        assert lines[1]["id"] == "(no id) row 2"


# ── Rubric files ──────────────────────────────────────────────────────────────────────────────


def test_a_duplicate_key_in_a_rubric_is_refused(tmp_path: Path) -> None:
    shipped = (REPO_ROOT / "rubrics" / "star-l.yaml").read_text(encoding="utf-8")
    first_line = next(line for line in shipped.splitlines() if line and not line.startswith((" ", "#", "-")))
    assert ":" in first_line
    bad = tmp_path / "dup.yaml"
    bad.write_text(first_line + "\n" + shipped, encoding="utf-8")  # the first key, twice
    done = coach("rubrics", "validate", str(bad))
    assert done.returncode == 2
    assert "duplicate key" in done.stderr and len(done.stderr.strip().splitlines()) == 1


# ── A told story with padding inside ─────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "padding",
    [
        "\n\nThe affected order ids were: " + ", ".join(str(i) for i in range(1, 1500)) + ".\n",
        "\n\n" + ", ".join(str(i * 7) for i in range(6000)) + "\n",
        " " + "um " * 1200,
        "\n" + "like you know basically " * 300,
    ],
    ids=["id list", "number list", "um", "filler words"],
)
def test_a_pasted_list_or_filler_does_not_make_a_story_not_a_story(padding: str) -> None:
    alone = score(STRONG, RUBRIC)
    padded = score(STRONG + padding, RUBRIC)
    assert padded.is_story and padded.overall >= alone.overall - 10


@pytest.mark.parametrize(
    "text",
    [", ".join(str(i) for i in range(2000)), "um " * 1200, "I was there and we were paged. " + "1, " * 3000],
    ids=["numbers", "um", "two sentences and a list"],
)
def test_padding_alone_is_still_not_a_story(text: str) -> None:
    assert not score(text, RUBRIC).is_story


# ── Uploads over the limit are refused at the door ────────────────────────────────────────────


@pytest.mark.slow
def test_an_upload_over_the_limit_is_refused_by_the_upload_route() -> None:
    from coach.web import ui
    from tests.support.browser_support import served

    services = PracticeServices(questions=load_questions())
    with served(ui.build_app(services, extra_tabs=[ui.batch_tab(services)])) as url:
        boundary = "coachboundary"
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.csv\"\r\n"
                "Content-Type: text/csv\r\n\r\n").encode()
        body = head + b"x" * (batch_web.MAX_UPLOAD_BYTES + 1024) + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            url.rstrip("/") + "/gradio_api/upload", data=body, method="POST",
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=60)
        assert refused.value.code == 413
        small = head + b"id,answer\n1,x\n" + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            url.rstrip("/") + "/gradio_api/upload", data=small, method="POST",
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        with urllib.request.urlopen(request, timeout=60) as accepted:
            assert accepted.status == 200
