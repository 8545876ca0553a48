"""make e2e-llm: its pieces offline (a loopback fake server), and the real run when its environment exists.

The real run (marked ``real_llm``) needs the cached llama.cpp environment that ``make e2e-llm``
builds once; without it the test skips and says so. ``make test`` deselects it (it takes minutes).
"""

from __future__ import annotations

import http.server
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts import e2e_llm
from tests.support.llm_mocks import followups_json

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "e2e_llm.py"
LINE_RE = re.compile(r"^real-llm: calls=(\d+) parsed=(\d+) p50=([\d.]+)s p95=([\d.]+)s fallbacks=(\d+) hangs=(\d+)$")


def completion(content: str) -> bytes:
    return json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}).encode()


@pytest.fixture()
def fake_server() -> Iterator[tuple[int, list[bytes]]]:
    """A loopback stand-in for the llama.cpp server: the replies are queued by the test."""
    replies: list[bytes] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            body = replies.pop(0)
            self.send_response(200)
            self.send_header("content-type", "text/event-stream" if body.startswith(b"data: ") else "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield int(server.server_address[1]), replies
    server.shutdown()
    server.server_close()


def test_the_proxy_times_each_call_and_checks_its_reply(fake_server: tuple[int, list[bytes]]) -> None:
    import http.client

    port, replies = fake_server
    replies += [completion(followups_json(("What did the rollback cost?", ["result.metrics"]))), completion("Sure, here you go")]
    calls = e2e_llm.Calls()
    with e2e_llm.timing_proxy(port, calls) as proxy:
        for _ in range(2):
            connection = http.client.HTTPConnection("127.0.0.1", proxy, timeout=10)
            connection.request("POST", "/v1/chat/completions", body=b"{}", headers={"content-type": "application/json"})
            response = connection.getresponse()
            assert response.status == 200 and b"choices" in response.read()
    assert [c.parsed for c in calls.items] == [True, False]
    assert calls.followups == ["What did the rollback cost?"]
    assert all(0 <= c.seconds < 10 for c in calls.items)


def test_the_proxy_relays_a_stream_and_reads_the_reply_from_it(fake_server: tuple[int, list[bytes]]) -> None:
    import http.client

    port, replies = fake_server
    reply = followups_json(("Who did you page first?", ["task.stakeholders"]))
    events = [{"choices": [{"index": 0, "delta": {"content": part}}]} for part in (reply[:20], reply[20:])]
    replies.append(b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + b"data: [DONE]\n\n")
    calls = e2e_llm.Calls()
    with e2e_llm.timing_proxy(port, calls) as proxy:
        connection = http.client.HTTPConnection("127.0.0.1", proxy, timeout=10)
        connection.request("POST", "/v1/chat/completions", body=b"{}", headers={"content-type": "application/json"})
        relayed = connection.getresponse().read()
    assert relayed.count(b"data: ") == 3
    assert [c.parsed for c in calls.items] == [True] and calls.followups == ["Who did you page first?"]


def test_the_summary_line() -> None:
    calls = e2e_llm.Calls([e2e_llm.Call(s, 200, s < 9) for s in (2.0, 3.0, 4.0, 5.0, 9.5)])
    questions = e2e_llm.Questions(seconds=[3.0, 70.0], fallbacks=1)
    line = e2e_llm.summary(calls, questions, deadline_s=60.0)
    assert LINE_RE.match(line), line
    assert line == "real-llm: calls=5 parsed=4 p50=4.0s p95=8.6s fallbacks=1 hangs=1"  # p95 interpolated


def test_no_environment_and_no_setup_says_so(tmp_path: Path) -> None:
    env = {"COACH_E2E_LLM_DIR": str(tmp_path / "none"), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, str(SCRIPT), "--no-setup"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == e2e_llm.NO_SETUP_EXIT
    assert "no environment at" in result.stderr and "make e2e-llm" in result.stderr
    assert not (tmp_path / "none").exists()  # nothing built, nothing downloaded


@pytest.mark.real_llm
@pytest.mark.timeout(3600)
def test_a_real_local_model_end_to_end() -> None:
    if not e2e_llm.env_ready(e2e_llm.cache_dir()):
        pytest.skip(f"no cached llama.cpp environment at {e2e_llm.cache_dir() / 'venv'}: run `make e2e-llm` once to build it")
    result = subprocess.run([sys.executable, str(SCRIPT), "--no-setup"], capture_output=True, text=True, timeout=3500, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    last = result.stdout.strip().splitlines()[-1]
    match = LINE_RE.match(last)
    assert match, last
    calls, parsed, _p50, p95, _fallbacks, hangs = (float(g) for g in match.groups())
    assert calls >= 10
    assert parsed >= 0.9 * calls
    assert p95 <= 20.0
    assert hangs == 0
