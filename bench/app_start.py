"""Time from `python app.py` to the first HTTP 200, against a bare `python -c "import gradio"`.

Run from the repo root:  python bench/app_start.py [--reps 3]
The runs are interleaved in one process (the machine is noisy); medians and the difference are
printed. Target: the app serves its page within 1.5 s of the bare gradio import. A third row starts
the app with a model configured, to show litellm is not on the path to the first page.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 1.5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def env() -> dict[str, str]:
    out = {**os.environ, "PYTHONPATH": str(ROOT), "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    for name in ("COACH_MODEL", "COACH_API_BASE", "COACH_AUTH"):
        out.pop(name, None)
    return out


def time_import() -> tuple[float, float]:
    """(wall time of the whole `python -c "import gradio"` process, the import alone measured inside it)."""
    code = "import time; t = time.perf_counter(); import gradio; print(time.perf_counter() - t)"
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], check=True, env=env(), cwd=ROOT, capture_output=True, text=True)
    return time.perf_counter() - start, float(out.stdout.strip().splitlines()[-1])


def time_first_200(extra: list[str], timeout_s: float = 90.0) -> float:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port), *extra],
        env=env(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        while time.perf_counter() - start < timeout_s:
            if proc.poll() is not None:
                raise RuntimeError(f"app.py exited with {proc.returncode}: {proc.stderr.read().decode() if proc.stderr else ''}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return time.perf_counter() - start
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"no HTTP 200 from {url} within {timeout_s} s")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    rows: dict[str, list[float]] = {"import gradio": [], "  (the import alone, in-process)": [], "app.py offline → HTTP 200": [], "app.py with a model → HTTP 200": []}
    with_model = ["--model", "openai/bench-model", "--api-base", "http://127.0.0.1:9/v1"]
    for rep in range(args.reps):
        wall, inner = time_import()
        rows["import gradio"].append(wall)
        rows["  (the import alone, in-process)"].append(inner)
        rows["app.py offline → HTTP 200"].append(time_first_200([]))
        rows["app.py with a model → HTTP 200"].append(time_first_200(with_model))
        print(f"rep {rep + 1}: " + "  ".join(f"{name}={values[-1]:.2f}s" for name, values in rows.items()), flush=True)
    medians = {name: statistics.median(values) for name, values in rows.items()}
    base = medians["import gradio"]
    print(f"\nmedians over {args.reps} interleaved runs:")
    for name, value in medians.items():
        extra = "" if not name.startswith("app.py") else f"   ({value - base:+.2f} s, ×{value / base:.2f} of the bare import)"
        print(f"  {name:34s} {value:6.2f} s{extra}")
    worst = max(medians[name] - base for name in medians if name.startswith("app.py"))
    verdict = "within" if worst <= TARGET_S else "OVER"
    print(f"\nslowest app start is {worst:+.2f} s from the bare `python -c \"import gradio\"`: {verdict} the {TARGET_S} s target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
