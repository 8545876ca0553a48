"""20 simulated users on the web app at once: score latency (p50/p95) and errors.

    python bench/load_web.py [--users 20] [--rounds 3] [--with-model]

Starts `coach serve` on a free 127.0.0.1 port (offline; with ``--with-model``, pointed at the
loopback fault server from tests/support/fault_server.py, with no faults, so follow-ups come from a "model"),
then starts ``--users`` gradio_client sessions at the same moment; each scores a story, answers the
interviewer, and scores again, ``--rounds`` times. Every /score call's wall time is recorded. The
last line is ``load-web: users=… calls=… errors=… p50=…s p95=…s max=…s wall=…s``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.paths import DEVSET  # noqa: E402
from tests.support.fault_server import FaultServer  # noqa: E402



def stories() -> list[str]:
    if DEVSET.exists():
        records = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]
        texts = [r.get("text") for r in records if isinstance(r.get("text"), str)]
        if texts:
            return texts
    from tests.support.core_stories import STRONG, VAGUE

    return [STRONG, VAGUE]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def user(
    url: str, model: str, texts: list[str], index: int, rounds: int, start: threading.Barrier, latencies: list[float], errors: list[str]
) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    try:
        start.wait()
        for round_ in range(rounds):
            story = texts[(index * rounds + round_) % len(texts)]
            began = time.monotonic()
            result = client.predict("ml-incident", "", story, model, "", False, "star-l", api_name="/score")
            latencies.append(time.monotonic() - began)
            if model and "mode: model" not in str(result[2]):
                errors.append(f"user {index}: the model did not answer ({str(result[2])[-200:]})")
            if "overall-score" not in str(result[2]):
                errors.append(f"user {index}: no score ({str(result[0])[:120]})")
            client.predict("We added an alert on the error rate and a runbook.", api_name="/answer_followup")
    except Exception as exc:  # a failed call is what this bench counts
        errors.append(f"user {index}: {type(exc).__name__}: {exc}")
    finally:
        client.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--with-model", action="store_true", help="follow-ups from a loopback model server")
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with ExitStack() as stack:
        env = dict(os.environ, PYTHONPATH=str(ROOT), GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1",
                   LITELLM_LOCAL_MODEL_COST_MAP="True", OPENAI_API_KEY="sk-load-bench")
        for name in ("COACH_MODEL", "COACH_API_BASE", "COACH_AUTH"):
            env.pop(name, None)
        flags = ["--port", str(port)]
        model = "openai/load" if args.with_model else ""
        if args.with_model:
            server = stack.enter_context(FaultServer())
            flags += ["--model", model, "--api-base", server.api_base]
        process = subprocess.Popen([sys.executable, "-m", "coach", "serve", *flags], env=env, cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        stack.callback(process.wait, 30)
        stack.callback(process.terminate)
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    print("load-web: the app did not start")
                    return 1
                time.sleep(0.3)
        texts = stories()
        latencies: list[float] = []
        errors: list[str] = []
        start = threading.Barrier(args.users)
        threads = [threading.Thread(target=user, args=(url, model, texts, i, args.rounds, start, latencies, errors)) for i in range(args.users)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        wall = time.monotonic() - began
    for error in errors[:5]:
        print(f"  {error}")
    if not latencies:
        print("load-web: no call finished")
        return 1
    print(
        f"load-web: users={args.users} calls={len(latencies)} errors={len(errors)} "
        f"p50={statistics.median(latencies):.2f}s p95={percentile(latencies, 0.95):.2f}s max={max(latencies):.2f}s "
        f"wall={wall:.1f}s{' (model follow-ups)' if args.with_model else ' (offline)'}"
    )
    return 0 if not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
