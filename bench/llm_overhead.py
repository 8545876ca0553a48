"""What coach's LLM layer adds on top of LiteLLM, measured side by side in one run.

1. Per follow-up call: a mock OpenAI-compatible server on 127.0.0.1 answers every request after a
   fixed delay. We time ``LiteLLMInterviewer.ask()`` (prompt rendering, redaction, tenacity,
   validation) and a bare ``litellm.completion`` with the same messages to the same server,
   alternating the two so machine noise hits both alike, and report wall time minus the delay.
2. The import cost paid only when a model is configured: ``coach score`` in a fresh subprocess,
   offline vs with ``--model openai/mock --api-base <mock>``.

    python bench/llm_overhead.py [--calls 40] [--delay-ms 50] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

STORY = (
    "Our fraud model started flagging nearly every transaction after a feature pipeline release. "
    "I was paged at 2 a.m. and I was the on-call engineer. I rolled back the release and the false "
    "positives stopped. Contact me at jane.doe@example.com."
)
REPLY = json.dumps(
    {
        "followups": [
            {"question": "How many customers were affected, and for how long?", "targets": ["situation.impact", "result.duration"]},
            {"question": "What alert would have caught the bad feature before release?", "targets": ["learning.prevention"]},
        ],
        "feedback": "Lead with the customer impact, then the numbers.",
    }
)


def make_server(delay_s: float) -> ThreadingHTTPServer:
    body = json.dumps(
        {
            "id": "chatcmpl-bench", "object": "chat.completion", "created": 1_700_000_000, "model": "mock",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": REPLY}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes; without NODELAY, Nagle + delayed ACK add ~40 ms.
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("content-length", 0)))
            time.sleep(delay_s)
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def per_call(base: str, calls: int, delay_s: float) -> None:
    from coach.config import LLMSettings
    from coach.interviewer.llm import LiteLLMInterviewer, load_litellm
    from coach.interviewer.prompts import interviewer_messages
    from coach.rubric.loader import load_rubric
    from coach.scoring.scorer import score

    started = time.perf_counter()
    litellm = load_litellm()
    print(f"import litellm (in this process): {time.perf_counter() - started:.2f} s")
    rubric = load_rubric("star-l")
    assessment = score(STORY, rubric)
    interviewer = LiteLLMInterviewer(LLMSettings(model="openai/mock", api_base=base))
    messages = interviewer_messages(story=STORY, question=rubric.question, assessment=assessment, rubric=rubric)

    def ours() -> None:
        reply = interviewer.ask(story=STORY, question=rubric.question, assessment=assessment, rubric=rubric)
        assert len(reply.followups) == 2

    def bare() -> None:
        # The very call ask() makes, minus coach's layer around it.
        response = litellm.completion(
            model="openai/mock", api_base=base, messages=messages, api_key="no-key-needed", temperature=0.3,
            max_tokens=700, timeout=30, max_retries=0, num_retries=0, drop_params=True,
        )
        assert response.choices[0].message.content

    for fn in (ours, bare, ours, bare):  # warm-up: clients, connection pools, first-call caches
        fn()
    times: dict[str, list[float]] = {"ours": [], "bare": []}
    for _ in range(calls):
        for name, fn in (("ours", ours), ("bare", bare)):
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0 - delay_s)
    med_ours, med_bare = statistics.median(times["ours"]), statistics.median(times["bare"])
    print(f"\nper follow-up call, {calls} calls each, server delay {delay_s * 1000:.0f} ms subtracted:")
    print(f"  bare litellm.completion : median {med_bare * 1000:6.1f} ms   mean {statistics.mean(times['bare']) * 1000:6.1f} ms")
    print(f"  LiteLLMInterviewer.ask  : median {med_ours * 1000:6.1f} ms   mean {statistics.mean(times['ours']) * 1000:6.1f} ms")
    print(f"  coach's own addition    : {max(0.0, med_ours - med_bare) * 1000:6.1f} ms per call "
          f"(ratio ours/bare {med_ours / med_bare:.2f}x)")

    # Where that addition goes, without the network: prompt build + redaction, and validation.
    from coach.interviewer.redact import redact
    from coach.interviewer.replies import parse_reply

    n = 200
    t0 = time.perf_counter()
    for _ in range(n):
        msgs = interviewer_messages(story=STORY, question=rubric.question, assessment=assessment, rubric=rubric)
        [redact(m["content"]) for m in msgs]
    build = (time.perf_counter() - t0) / n
    t0 = time.perf_counter()
    for _ in range(n):
        parse_reply(REPLY, rubric)
    parse = (time.perf_counter() - t0) / n
    print(f"  of which prompt render + redaction {build * 1000:.2f} ms, reply validation {parse * 1000:.2f} ms")


def cli_import_cost(base: str, runs: int, delay_s: float) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write(STORY)
        story = handle.name
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    env.pop("COACH_MODEL", None)
    variants = {
        "offline": [sys.executable, "-m", "coach", "score", story, "--format", "json"],
        "--model": [sys.executable, "-m", "coach", "score", story, "--format", "json", "--model", "openai/mock", "--api-base", base],
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(runs):
        for name, command in variants.items():
            t0 = time.perf_counter()
            result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
            times[name].append(time.perf_counter() - t0)
            mode = json.loads(result.stdout)["mode"]
            assert mode == ("offline" if name == "offline" else "llm"), (name, mode, result.stderr)
    off, on = statistics.median(times["offline"]), statistics.median(times["--model"])
    print(f"\n`coach score` in a fresh process, median of {runs}:")
    print(f"  offline            : {off:6.2f} s")
    print(f"  --model (mock LLM) : {on:6.2f} s")
    print(f"  paid only when a model is configured: {on - off - delay_s:6.2f} s (server delay excluded; "
          f"mostly `import litellm`), ratio {on / off:.1f}x")
    os.unlink(story)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    delay_s = args.delay_ms / 1000
    server = make_server(delay_s)
    base = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        cli_import_cost(base, args.runs, delay_s)
        per_call(base, args.calls, delay_s)
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
