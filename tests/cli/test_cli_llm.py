"""`coach score --model …`: the mode that answered is shown; failures fall back with a notice."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import respx

from coach.cli import main
from tests.support.llm_mocks import OPENAI_LOCAL_BASE, OPENAI_LOCAL_URL, followups_json, openai_error, openai_sse

STORY = (
    "Our fraud model started flagging nearly every transaction after a feature pipeline release. "
    "I was paged at 2 a.m. and I was the on-call engineer. I rolled back the release and the false positives stopped."
)
REPLY = followups_json(("How many customers were declined?", ["situation.impact"]))
ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def story_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("COACH_MODEL", "COACH_API_BASE", "COACH_REDACT", "COACH_TIMEOUT", "COACH_DEADLINE"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "story.txt"
    path.write_text(STORY, encoding="utf-8")
    return path


@pytest.fixture
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    import coach.interviewer.llm

    monkeypatch.setattr(coach.interviewer.llm, "BACKOFF_BASE_S", 0.001)


def test_json_shows_mode_llm_and_the_model(story_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(OPENAI_LOCAL_URL).mock(return_value=openai_sse([REPLY[:25], REPLY[25:]]))
        code = main(["score", str(story_file), "--model", "openai/local", "--api-base", OPENAI_LOCAL_BASE, "--format", "json"])
    # A server on this machine is streamed to: hanging up at the time limit stops its generation.
    assert json.loads(route.calls[0].request.content)["stream"] is True
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["mode"] == "llm" and out["model"] == "openai/local" and out["notices"] == []
    assert out["followups"] == [{"question": "How many customers were declined?", "targets": ["situation.impact"], "source": "llm"}]


def test_text_shows_the_model_from_coach_model(
    story_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COACH_MODEL", "openai/local")
    monkeypatch.setenv("COACH_API_BASE", OPENAI_LOCAL_BASE)
    with respx.mock(assert_all_called=False) as mock:
        mock.post(OPENAI_LOCAL_URL).mock(return_value=openai_sse([REPLY]))
        assert main(["score", str(story_file)]) == 0
    out = capsys.readouterr().out
    assert "mode: llm (openai/local)" in out and "How many customers were declined?" in out


def test_a_failing_model_falls_back_with_a_plain_notice(
    story_file: Path, capsys: pytest.CaptureFixture[str], fast_backoff: None
) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(OPENAI_LOCAL_URL).mock(return_value=openai_error(503))
        assert main(["score", str(story_file), "--model", "openai/local", "--api-base", OPENAI_LOCAL_BASE]) == 0
        assert main(["score", str(story_file), "--offline"]) == 0
    fallback, offline = capsys.readouterr().out.split("STAR-L score:")[1:]
    assert route.call_count == 3
    assert "mode: offline (rubric only)" in fallback
    notice = re.search(r"! The model could not be reached 3 times \(HTTP 503\)( after \d+\.\d s)?; these questions come from the rubric\.\n", fallback)
    assert notice, fallback  # how long it took is said when it took a second or more
    # Same score, same rubric questions as a plain offline run; only the notice differs.
    assert fallback.replace(notice.group(0), "") == offline


class _SlowHandler(BaseHTTPRequestHandler):
    delay_s = 3.0

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("content-length", 0)))
        time.sleep(self.delay_s)
        try:
            self.send_response(500)
            self.end_headers()
        except OSError:
            pass  # the client gave up, as it should

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def slow_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_a_hanging_server_costs_no_more_than_the_deadline(
    story_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, slow_server: str, fast_backoff: None
) -> None:
    """Real time, real socket on 127.0.0.1: 0.4 s per call, 1 s in all, then the rubric's questions."""
    monkeypatch.setenv("COACH_TIMEOUT", "0.4")
    monkeypatch.setenv("COACH_DEADLINE", "1.0")
    start = time.monotonic()
    assert main(["score", str(story_file), "--model", "openai/slow", "--api-base", slow_server, "--format", "json"]) == 0
    elapsed = time.monotonic() - start
    out = json.loads(capsys.readouterr().out)
    assert out["mode"] == "offline"
    assert out["notices"][0].startswith("The model timed out")
    assert elapsed < 2.0  # the server would have taken 3 s per call


def test_offline_scoring_never_imports_litellm(story_file: Path) -> None:
    code = (
        "import sys; from coach.cli import main; code = main(['score', sys.argv[1], '--format', 'json']); "
        "assert 'litellm' not in sys.modules, 'litellm imported'; raise SystemExit(code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(story_file)], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["mode"] == "offline"
