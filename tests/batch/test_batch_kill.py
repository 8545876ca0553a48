"""`coach batch` as a real process: SIGKILL mid-run then --resume loses nothing and repeats nothing;
Ctrl-C (SIGINT) stops cleanly with exit 130 and says how to resume."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.core_stories import varied_story as story

ROOT = Path(__file__).resolve().parents[2]
ROWS = 6_000


def write_input(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "answer"])
        writer.writerows([f"id-{i:05d}", story(i)] for i in range(ROWS))


def start(src: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COACH_MODEL": ""}
    return subprocess.Popen(
        [sys.executable, "-m", "coach", "batch", str(src), "--out", str(out), "--quiet", *extra],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def wait_for_lines(out: Path, proc: subprocess.Popen[bytes], at_least: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if out.exists() and out.read_bytes().count(b"\n") >= at_least:
            return
        if proc.poll() is not None:
            pytest.fail(f"the run ended before it could be interrupted: {proc.stderr.read().decode() if proc.stderr else ''}")
        time.sleep(0.01)
    pytest.fail("no output in time")


def children_of(pid: int) -> list[int]:
    """Direct child processes of ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_sigkill_then_resume_every_id_exactly_once(tmp_path: Path) -> None:
    src, out = tmp_path / "answers.csv", tmp_path / "results.jsonl"
    write_input(src)
    proc = start(src, out)
    wait_for_lines(out, proc, 300)
    workers = children_of(proc.pid)
    assert workers, "the run should be using scoring worker processes"
    proc.kill()  # SIGKILL: no cleanup, no flush — whatever is on disk is what a crash leaves
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    # Orphaned workers would wait forever holding our stdout/stderr open: they must notice and exit.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(pid) for pid in workers):
        time.sleep(0.1)
    assert not [pid for pid in workers if alive(pid)], "worker processes outlived the killed batch"
    done_before = out.read_bytes().count(b"\n")
    assert 300 <= done_before < ROWS, "kill the run mid-way"

    resumed = start(src, out, "--resume")
    _, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err.decode()

    raw = out.read_bytes()
    assert raw.endswith(b"\n")
    ids = [json.loads(line)["id"] for line in raw.decode("utf-8").splitlines()]  # every line parses: none broken
    assert ids == [f"id-{i:05d}" for i in range(ROWS)]  # every id exactly once, in input order


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path: Path) -> None:
    src, out = tmp_path / "answers.csv", tmp_path / "results.jsonl"
    write_input(src)
    proc = start(src, out)
    wait_for_lines(out, proc, 200)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    message = err.decode()
    assert proc.returncode == 130, message
    assert "run the same command with --resume to continue" in message and "Traceback" not in message
    lines = out.read_bytes()
    assert lines.endswith(b"\n")
    written = [json.loads(line)["id"] for line in lines.decode("utf-8").splitlines()]
    assert f"interrupted after {len(written):,} rows" in message
    assert written == [f"id-{i:05d}" for i in range(len(written))]
