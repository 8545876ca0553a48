"""`coach batch` speed and memory. Run on demand (not in CI):  PYTHONPATH=. python bench/batch_speed.py

(a) offline: 10,000 generated answers, `coach batch` in a subprocess, one scoring process
    (--concurrency 1) and the default (--concurrency 4 → up to that many scoring processes, capped at
    the CPU count), measured side by side: wall time, peak RSS of the largest process
    (ru_maxrss of RUSAGE_CHILDREN) and peak RSS of the whole process tree (sampled from /proc).
    Targets: < 15 s and < 300 MB.
(b) with a model: a local mock OpenAI-compatible server (a subprocess, 127.0.0.1, 100 ms per
    call) and coach.interviewer.llm.LiteLLMInterviewer at concurrency 16 over 320 answers: throughput as a
    share of the ideal (16 calls / 0.1 s = 160 answers/s). Target ≥ 0.8. Two ways, in alternating
    rounds: an injected interviewer asked from this process's threads (the web tab's way), and LLM
    settings, asked from inside the scoring workers (the CLI's way). Each prints the whole run (the
    workers' start included) and the rate over the last 3/4 of the lines (steady state). If coach.interviewer.llm
    is not there yet, a stdlib-HTTP stand-in interviewer measures the runner alone, and says so.

Options: --rows N (default 10000), --llm-rows N (320), --concurrency N (16), --rounds N (3), --skip-offline, --skip-llm.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.fault_server import sse_events, wants_stream  # noqa: E402

MOCK_DELAY_S = 0.1

SITUATIONS = [
    "Last {month} our {system} went down during a {event} and about {n:,} customers could not {verb}.",
    "At my previous company the {system} started timing out on a {day}, and {n:,} support tickets came in within an hour.",
    "We had a SEV-1 when the {system} began dropping {pct}% of requests right before a {event}.",
    "I got paged at 2 a.m. because the {system} was returning errors for {n:,} users.",
]
TASKS = [
    "I was the on-call engineer, so I owned the incident and had to restore service quickly.",
    "As the incident commander I was responsible for coordinating the {team} team and the support team.",
    "My job was to find the root cause and keep the {team} team and our VP informed.",
    "I was the tech lead for the {system}, responsible for getting it healthy again.",
]
ACTIONS = [
    "First I checked the dashboards and saw the error rate climbing after the {time} deploy.",
    "Then I rolled back the release and drained the bad nodes from the load balancer.",
    "I opened an incident bridge and posted status updates every {mins} minutes in the incident channel.",
    "I traced the slow queries to a missing index and added it with the {team} team.",
    "Next I raised the connection pool limit and restarted the workers one by one.",
    "We split the work: I handled the database while a colleague handled the cache.",
]
RESULTS = [
    "Error rates went back to {small}% within {mins} minutes.",
    "Latency dropped by {pct}% and we were fully recovered after {hours} hours.",
    "The outage lasted {mins} minutes in total and no data was lost.",
    "Checkout success went back to baseline and we refunded {n:,} affected orders.",
]
LEARNINGS = [
    "Afterwards we added a canary alert and updated the runbook.",
    "In the postmortem we agreed on load tests before every release and a new on-call checklist.",
    "We added a circuit breaker and now alert on connection pool saturation.",
    "I learned to communicate earlier, and we wrote a runbook for the next on-call.",
]
WORDS = {
    "month": ["March", "June", "November", "January"],
    "system": ["checkout API", "payments service", "search cluster", "feature store", "model-serving gateway", "Kafka pipeline"],
    "event": ["flash sale", "product launch", "holiday peak", "marketing campaign"],
    "verb": ["pay", "log in", "search", "place orders"],
    "day": ["Monday morning", "Friday evening", "Black Friday"],
    "team": ["payments", "database", "platform", "data"],
}


def make_story(rng: random.Random) -> str:
    """One answer built from sentences of each STAR-L part (some parts left out, as real answers do)."""
    parts = [rng.choice(SITUATIONS)]
    if rng.random() < 0.85:
        parts.append(rng.choice(TASKS))
    parts += rng.sample(ACTIONS, rng.randint(1, 3))
    if rng.random() < 0.8:
        parts.append(rng.choice(RESULTS))
    if rng.random() < 0.6:
        parts.append(rng.choice(LEARNINGS))
    values = {key: rng.choice(options) for key, options in WORDS.items()}
    values.update(n=rng.randint(200, 90_000), pct=rng.randint(5, 60), small=rng.choice(["0.1", "0.5", "1"]),
                  mins=rng.randint(5, 90), hours=rng.randint(1, 6), time=f"{rng.randint(8, 17)}:{rng.randint(0, 59):02d}")
    return " ".join(part.format(**values) for part in parts)


def write_answers(path: Path, count: int, seed: int = 7) -> float:
    rng = random.Random(seed)
    chars = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "answer"])
        for i in range(count):
            text = make_story(rng)
            chars += len(text)
            writer.writerow([f"a{i:06d}", text])
    return chars / count


# ── (a) offline ──────────────────────────────────────────────────────────────────────────────────


def tree_rss_kb(pid: int) -> int:
    """RSS of a process and all its descendants, from /proc (0 where it cannot be read)."""
    total = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            with open(f"/proc/{current}/task/{current}/children") as children:
                stack += [int(child) for child in children.read().split()]
        except (OSError, ValueError):
            continue
    return total


def run_offline(src: Path, out: Path, concurrency: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COACH_MODEL": ""}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "coach", "batch", str(src), "--out", str(out), "--quiet", "--concurrency", str(concurrency)],
        env=env, cwd=ROOT,
    )
    peak_tree = 0
    while proc.poll() is None:
        peak_tree = max(peak_tree, tree_rss_kb(proc.pid))
        time.sleep(0.05)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    lines = out.read_bytes().count(b"\n")
    return {"wall_s": wall, "max_rss_mb": max(before, after) / 1024, "peak_tree_mb": peak_tree / 1024,
            "lines": lines, "exit": proc.returncode}


def bench_offline(rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "answers.csv"
        mean_chars = write_answers(src, rows)
        print(f"(a) offline: {rows:,} answers, mean {mean_chars:.0f} characters; {os.cpu_count()} CPUs")
        results = {}
        for concurrency in (4, 1):  # the default first, so ru_maxrss (a running max) is its own
            results[concurrency] = run_offline(src, Path(tmp) / f"out{concurrency}.jsonl", concurrency)
        for concurrency, r in results.items():
            label = "default (--concurrency 4)" if concurrency == 4 else "one process (--concurrency 1)"
            print(f"    {label:32} wall {r['wall_s']:6.2f} s  {rows / r['wall_s']:7.0f} answers/s  "
                  f"lines {r['lines']:,}  exit {r['exit']}  peak RSS tree {r['peak_tree_mb']:5.0f} MB")
        print(f"    ru_maxrss(RUSAGE_CHILDREN) of the default run (largest single process): {results[4]['max_rss_mb']:.0f} MB")
        print(f"    speed-up default / one process: {results[1]['wall_s'] / results[4]['wall_s']:.2f}x")
        print(f"    targets: wall < 15 s -> {'met' if results[4]['wall_s'] < 15 else 'MISSED'}; "
              f"peak RSS < 300 MB -> {'met' if results[4]['peak_tree_mb'] < 300 else 'MISSED'} (whole tree)")


# ── (b) with a model, against a local mock server ────────────────────────────────────────────────

REPLY = json.dumps({"followups": [{"question": "What did you measure after the fix?", "targets": ["result.metrics"]}],
                    "feedback": "Quantify the outcome."})


class MockHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real server
    # Headers and body go out as two writes; with Nagle on, the body waits for the client's delayed
    # ACK (~40 ms on Linux), which would be the mock's latency, not the batch runner's.
    disable_nagle_algorithm = True

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length", 0))
        request = self.rfile.read(length)
        if not self.path.endswith("/chat/completions"):
            self.send_error(404)
            return
        time.sleep(MOCK_DELAY_S)
        if wants_stream(request):  # coach streams to servers on this machine: answer as a real server would
            events = b"".join(sse_events(REPLY))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Content-Length", str(len(events)))
            self.end_headers()
            self.wfile.write(events)
            return
        body = json.dumps({
            "id": "chatcmpl-mock", "object": "chat.completion", "created": int(time.time()), "model": "mock",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": REPLY}}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 30, "total_tokens": 130},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


class MockServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default listen backlog (5) resets connections at concurrency 16

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        pass  # a client that hung up (a run stopped early) is not the mock's error


def serve_mock() -> None:
    """Run as a subprocess (--mock-server): prints the port, serves until killed."""
    server = MockServer(("127.0.0.1", 0), MockHandler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


class StandInInterviewer:
    """Used only when coach.interviewer.llm is missing: one stdlib HTTP call per answer, parsed like the contract."""

    name = "stand-in/urllib"

    def __init__(self, api_base: str) -> None:
        self.url = api_base.rstrip("/") + "/chat/completions"

    def ask(self, *, story, question, assessment, rubric):  # type: ignore[no-untyped-def]
        import urllib.request

        from coach.models import FollowUp
        from coach.service import InterviewerReply

        body = json.dumps({"model": "mock", "messages": [{"role": "user", "content": story}]}).encode()
        request = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            content = json.loads(response.read())["choices"][0]["message"]["content"]
        data = json.loads(content)
        return InterviewerReply(followups=[FollowUp(**f, source="llm") for f in data["followups"]], feedback=data.get("feedback"))


def bench_llm(rows: int, concurrency: int, rounds: int) -> None:
    import io

    from coach.batch.readers import Row
    from coach.batch.runner import Runner, run_batch
    from coach.batch.writers import LineEncoder, StreamSink
    from coach.rubric.loader import load_rubric

    server = subprocess.Popen([sys.executable, __file__, "--mock-server"], stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline())  # type: ignore[union-attr]
        api_base = f"http://127.0.0.1:{port}/v1"
        os.environ.setdefault("OPENAI_API_KEY", "sk-dummy-for-the-local-mock")
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        try:
            from coach.config import llm_settings
            from coach.interviewer.llm import LiteLLMInterviewer

            settings = llm_settings(model="openai/mock", api_base=api_base)
            interviewer = LiteLLMInterviewer(settings)
            kind = "coach.interviewer.llm.LiteLLMInterviewer"
        except ImportError:
            interviewer = StandInInterviewer(api_base)
            kind = "STAND-IN (coach.interviewer.llm not in this tree: stdlib HTTP, not LiteLLM — rerun after merging)"
        rubric = load_rubric()
        rng = random.Random(11)
        answers = [Row(id=f"q{i}", text=make_story(rng)) for i in range(rows)]
        encoder = LineEncoder("jsonl", rubric)
        processes = min(os.cpu_count() or 1, concurrency)
        # Warm-up: imports, connection pool, first-call costs are not throughput.
        run_batch(answers[:concurrency], Runner(rubric, encoder, interviewer=interviewer, followups="llm",
                                                 concurrency=concurrency), StreamSink(io.StringIO()))
        print(f"(b) with a model: {kind}; {rows} answers, concurrency {concurrency}, mock {MOCK_DELAY_S * 1000:.0f} ms "
              f"per call, ideal {concurrency / MOCK_DELAY_S:.0f} answers/s; {processes} processes; rounds side by side")

        def measure(label: str, runner: Runner) -> float:
            out = io.StringIO()
            stamps: list[float] = []
            started = time.perf_counter()
            result = run_batch(answers, runner, StreamSink(out), on_outcome=lambda _: stamps.append(time.perf_counter()))
            wall = time.perf_counter() - started
            modes: dict[str, int] = {}
            for line in out.getvalue().splitlines():
                mode = json.loads(line).get("mode", "error")
                modes[mode] = modes.get(mode, 0) + 1
            ideal = concurrency / MOCK_DELAY_S
            ratio = rows / wall / ideal
            # Steady state: the rate over the last three quarters of the lines (start-up, e.g. spawning the
            # workers and their litellm import, excluded; lines come out a chunk at a time, so not from line 1).
            first = len(stamps) // 4
            steady = (len(stamps) - 1 - first) / (stamps[-1] - stamps[first]) / ideal if len(stamps) > 4 else float("nan")
            print(f"    {label:46} wall {wall:5.2f} s = {ratio:.2f} of ideal; first line after {stamps[0] - started:4.2f} s; "
                  f"last 3/4 of lines at {steady:.2f} of ideal; modes {modes}")
            return steady

        steady: dict[str, list[float]] = {"threads": [], "workers": []}
        for _ in range(rounds):
            steady["threads"].append(measure("main-process threads (injected interviewer)", Runner(
                rubric, encoder, interviewer=interviewer, followups="llm", concurrency=concurrency, processes=processes)))
            if kind.startswith("coach.interviewer.llm"):
                steady["workers"].append(measure("in the scoring workers (settings, as the CLI)", Runner(
                    rubric, encoder, llm_settings=settings, followups="llm", concurrency=concurrency, processes=processes)))
        for label, values in steady.items():
            if values:
                best = max(values)
                print(f"    {label}: steady-state share of ideal per round {', '.join(f'{v:.2f}' for v in values)}; "
                      f"best {best:.2f} (target >= 0.8: {'met' if best >= 0.8 else 'MISSED'})")
    finally:
        server.kill()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--llm-rows", type=int, default=320)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3, help="(b): rounds of the two ways, side by side")
    parser.add_argument("--skip-offline", action="store_true")
    parser.add_argument("--skip-llm", action="store_true")
    parser.add_argument("--mock-server", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mock_server:
        serve_mock()
        return
    if not args.skip_offline:
        bench_offline(args.rows)
    if not args.skip_llm:
        bench_llm(args.llm_rows, args.concurrency, args.rounds)


if __name__ == "__main__":
    main()
