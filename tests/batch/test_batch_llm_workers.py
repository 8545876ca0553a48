"""`coach batch --model …` asks the model from its scoring worker processes (coach.batch.runner).

respx cannot reach child processes, so a real stdlib server on 127.0.0.1 plays an OpenAI-compatible
model: some rows get HTTP 500, some are slower than COACH_TIMEOUT, one gets a 429 with Retry-After: 1.
"""

from __future__ import annotations

import csv
import json
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support.core_stories import varied_story as story

ROOT = Path(__file__).resolve().parents[2]
ROWS = 80  # above the runner's pool threshold (64): the worker processes are used
CONCURRENCY = 8
RATE_LIMITED_ROW = 40  # in the third chunk: both workers are up and busy by then
RETRY_AFTER_S = 1.0
TIMEOUT_S = 0.5  # COACH_TIMEOUT; slow rows take longer than that
SLOW_S = 2.0
ANSWER_S = 0.15
POLL_S = 0.01
REPLY = json.dumps({"followups": [{"question": "What did the error rate settle at?", "targets": ["result.metrics"]}]})


class Mock:
    """What the server saw: each request's [arrival, end) and the time it sent the 429."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.spans: list[tuple[float, float]] = []
        self.rate_limited_at: float | None = None
        self.row_requests: dict[int, list[float]] = {}

    def max_concurrent(self) -> int:
        events = sorted([(start, 1) for start, _ in self.spans] + [(end, -1) for _, end in self.spans])
        active = peak = 0
        for _, step in events:  # ends sort before starts at the same instant
            active += step
            peak = max(peak, active)
        return peak


def make_handler(mock: Mock) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            arrived = time.monotonic()
            row = int(match.group(1)) if (match := re.search(r"Ticket R(\d+)", body)) else -1
            with mock.lock:
                mock.row_requests.setdefault(row, []).append(arrived)
                first_time = len(mock.row_requests[row]) == 1
            end = arrived
            try:
                if row == RATE_LIMITED_ROW and first_time:
                    with mock.lock:
                        mock.rate_limited_at = time.monotonic()
                    self.reply(429, {"error": {"message": "slow down"}}, {"Retry-After": str(int(RETRY_AFTER_S))})
                elif row % 20 == 3:
                    self.reply(500, {"error": {"message": "boom"}})
                elif row % 20 == 7:
                    end = self.hold(SLOW_S)
                    if end is None:
                        end = time.monotonic()
                        self.reply_completion(bool(json.loads(body).get("stream")))
                    return
                else:  # every answer takes a while, as a model's does, so calls in flight overlap here
                    end = self.hold(ANSWER_S)
                    if end is None:
                        end = time.monotonic()
                        self.reply_completion(bool(json.loads(body).get("stream")))
                    return
                end = time.monotonic()
            finally:
                with mock.lock:
                    mock.spans.append((arrived, end))

        def hold(self, seconds: float) -> float | None:
            """Wait ``seconds`` unless the client hangs up first; then return when it (at the latest) did."""
            until = time.monotonic() + seconds
            while time.monotonic() < until:
                readable, _, _ = select.select([self.connection], [], [], POLL_S)
                if readable and self.connection.recv(1, socket.MSG_PEEK) == b"":
                    self.close_connection = True
                    return time.monotonic() - POLL_S  # closed within the last poll interval
            return None

        def reply_completion(self, streamed: bool) -> None:
            """The model's answer: one JSON body, or server-sent events when the client streams (as coach does
            with a server on this machine, so that hanging up stops the generation)."""
            if not streamed:
                self.reply(200, completion())
                return
            chunk = {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": int(time.time()), "model": "mock",
                     "choices": [{"index": 0, "delta": {"role": "assistant", "content": REPLY}, "finish_reason": "stop"}]}
            data = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def reply(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", "Content-Length": str(len(data)), **(headers or {})}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def completion() -> dict:
    return {"id": "chatcmpl-mock", "object": "chat.completion", "created": int(time.time()), "model": "mock",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": REPLY}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        pass  # a client that hung up on a slow reply is expected here


@pytest.fixture
def mock_server():  # type: ignore[no-untyped-def]
    mock = Mock()
    server = Server(("127.0.0.1", 0), make_handler(mock))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield mock, f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


@pytest.mark.slow
def test_workers_ask_the_model_bounded_ordered_with_fallbacks_and_a_shared_rate_limit(tmp_path: Path, mock_server) -> None:  # type: ignore[no-untyped-def]
    mock, api_base = mock_server
    src, out = tmp_path / "answers.csv", tmp_path / "results.jsonl"
    with src.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "answer"])
        writer.writerows([f"r{i:02d}", f"{story(i)} Ticket R{i:03d}."] for i in range(ROWS))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENAI_API_KEY": "sk-dummy-for-the-local-mock",
           "COACH_TIMEOUT": str(TIMEOUT_S), "COACH_DEADLINE": "2.0", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    env.pop("COACH_MODEL", None)
    env.pop("COACH_API_BASE", None)
    done = subprocess.run(
        [sys.executable, "-m", "coach", "batch", str(src), "--out", str(out), "--quiet",
         "--model", "openai/mock", "--api-base", api_base, "--concurrency", str(CONCURRENCY)],
        cwd=ROOT, env=env, capture_output=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert "sk-dummy" not in done.stderr.decode() + out.read_text()

    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == [f"r{i:02d}" for i in range(ROWS)]  # every row, in order
    assert set(mock.row_requests) == set(range(ROWS))  # every row was asked about (from the workers)
    for i, record in enumerate(records):
        if i % 20 in (3, 7):
            assert record["mode"] == "offline", record
            assert record["followups"] and all(f["source"] == "rubric" for f in record["followups"])
            (notice,) = record["notices"]
            assert notice.endswith("these questions come from the rubric.")
            assert ("HTTP 500" if i % 20 == 3 else "timed out") in notice, notice
        elif record["mode"] == "llm":
            assert record["model"] == "openai/mock" and not record["notices"]
            assert record["followups"][0]["source"] == "llm"
        else:  # a normal call can still time out on a loaded machine: then it says so
            assert record["notices"] and record["notices"][0].endswith("these questions come from the rubric.")
    assert sum(r["mode"] == "llm" for r in records) >= ROWS // 2

    # Never more than --concurrency requests at once, across both worker processes.
    assert 1 < mock.max_concurrent() <= CONCURRENCY
    # The 429 (Retry-After: 1) seen by one worker held back every worker: no request arrived while the
    # gate was closed (a margin for calls already past the gate), and the rate-limited row then succeeded.
    assert mock.rate_limited_at is not None
    closed_from, closed_until = mock.rate_limited_at + 0.25, mock.rate_limited_at + RETRY_AFTER_S - 0.1
    during = [t for times in mock.row_requests.values() for t in times if closed_from < t < closed_until]
    after = [t for times in mock.row_requests.values() for t in times if t > closed_until]
    assert during == [], f"{len(during)} requests while the rate-limit gate was closed"
    assert len(after) >= 10  # the run went on after the window: it was not simply over
    retried = mock.row_requests[RATE_LIMITED_ROW]
    assert len(retried) >= 2 and retried[1] >= mock.rate_limited_at + RETRY_AFTER_S - 0.05
    assert records[RATE_LIMITED_ROW]["mode"] == "llm"
