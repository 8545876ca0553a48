"""The per-story scoring deadline: a clear error (exit 1, an error row, a message), never a stuck worker.

Scoring is linear now, so no built-in input is slow enough to need the deadline; these tests make the
deadline tiny instead (COACH_SCORE_DEADLINE, or the ``seconds`` argument) and score a 50,000-character
story, which takes a few hundred milliseconds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from coach.deadline import ScoringPool, ScoringTimeout, score_deadline_s, score_within
from coach.report.render import to_json
from coach.rubric.loader import load_rubric
from coach.scoring.scorer import score
from tests.conftest import REPO_ROOT, clean_env
from tests.support.core_stories import STRONG

RUBRIC = load_rubric("star-l")
BIG = "1," * 25_000  # 50,000 characters: well over a millisecond to score


def _in_thread(fn: Any, *args: Any) -> Any:
    """Run ``fn`` off the main thread (as the web app's handlers run) and return or raise its outcome."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # handed to the test thread below
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "the scoring thread is stuck"
    if "error" in box:
        raise box["error"]
    return box["value"]


def test_deadline_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_SCORE_DEADLINE", "2.5")
    assert score_deadline_s() == 2.5
    for raw in ("", "0", "-1", "soon"):
        monkeypatch.setenv("COACH_SCORE_DEADLINE", raw)
        assert score_deadline_s() == 10.0


def test_cli_score_stops_at_the_deadline_with_one_line(tmp_path: Path) -> None:
    story = tmp_path / "list.txt"
    story.write_text(BIG)
    done = subprocess.run(
        [sys.executable, "-m", "coach", "score", str(story)],
        capture_output=True, text=True, timeout=60, env=clean_env(COACH_SCORE_DEADLINE="0.001"), cwd=REPO_ROOT,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "took longer than 0.001 s" in lines[0], done.stderr
    assert "Traceback" not in done.stderr


_AFTER_TIMEOUT = """
import sys
from coach.deadline import ScoringTimeout, score_within
from coach.report.render import to_json
from coach.rubric.loader import load_rubric
rubric = load_rubric("star-l")
try:
    score_within("1," * 25000, rubric, seconds=0.001)   # interrupted in the middle of matching
except ScoringTimeout:
    pass
else:
    sys.exit("no timeout")
sys.stdout.write(to_json(score_within(sys.argv[1], rubric)))
"""


def test_a_story_interrupted_in_the_main_thread_leaves_the_scorer_sound() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _AFTER_TIMEOUT, STRONG],
        capture_output=True, text=True, timeout=60, env=clean_env(), cwd=REPO_ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == to_json(score(STRONG, RUBRIC))


def test_off_the_main_thread_a_worker_process_applies_the_deadline() -> None:
    with pytest.raises(ScoringTimeout, match="took longer than 0.001 s"):
        _in_thread(score_within, BIG, RUBRIC, 0.001)
    # the same pool answers the next story, with the same result as scoring here
    assessment = _in_thread(score_within, STRONG, RUBRIC)
    assert to_json(assessment) == to_json(score(STRONG, RUBRIC))


def test_a_worker_that_does_not_answer_is_killed_and_replaced() -> None:
    pool = ScoringPool(size=1)
    try:
        assert pool.score(STRONG, RUBRIC, 10.0).overall == score(STRONG, RUBRIC).overall  # started and warm
        worker = pool._idle.queue[0]
        assert worker is not None
        assert worker.process.pid is not None
        os.kill(worker.process.pid, signal.SIGSTOP)  # stuck where no signal handler can run
        started = time.monotonic()
        with pytest.raises(ScoringTimeout):
            pool.score(STRONG, RUBRIC, 0.5)
        assert time.monotonic() - started < 10
        assert not worker.process.is_alive()
        assert pool.score(STRONG, RUBRIC, 10.0).overall == score(STRONG, RUBRIC).overall  # a new worker
    finally:
        pool.close()


def test_batch_writes_an_error_row_for_the_story_past_the_deadline(tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps({"id": i, "answer": text}) + "\n" for i, text in (("a", "x"), ("b", BIG), ("c", "y"))))
    out = tmp_path / "out.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "coach", "batch", str(rows), "--out", str(out)],
        capture_output=True, text=True, timeout=60, env=clean_env(COACH_SCORE_DEADLINE="0.02"), cwd=REPO_ROOT,
    )
    assert "Traceback" not in done.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["id"] for line in lines] == ["a", "b", "c"]
    assert "took longer than 0.02 s" in lines[1]["error"]
    assert "error" not in lines[0] and "error" not in lines[2]


def test_the_web_handler_shows_the_deadline_as_a_status_message(monkeypatch: pytest.MonkeyPatch) -> None:
    from coach.interviewer.questions import load_questions
    from coach.web import practice
    from coach.web.practice import PracticeServices

    monkeypatch.setenv("COACH_SCORE_DEADLINE", "0.001")
    services = PracticeServices(questions=load_questions())
    view = _in_thread(
        practice.submit_answer, services, "ml-incident", "", BIG, "", "", False, "star-l", None
    )  # a request thread, as gradio runs it: scored in the worker pool
    assert "took longer than 0.001 s" in view.status and "coach-status-error" in view.status


def test_prewarm_starts_every_worker_with_the_rubric() -> None:
    pool = ScoringPool(size=2)
    try:
        pool.prewarm(RUBRIC)
        workers = list(pool._idle.queue)
        assert len(workers) == 2 and all(w is not None and w.warm and w.process.is_alive() for w in workers)
        assert to_json(pool.score(STRONG, RUBRIC, 10.0)) == to_json(score(STRONG, RUBRIC))
    finally:
        pool.close()
