"""Cold start of offline `coach score FILE --format json` in a fresh process, beside `python -c pass`.

Both are run interleaved, several times each (medians), so the difference is what coach itself costs
on this machine right now. Target: the difference ≤ 0.5 s.

    python bench/cold_start.py [--repeat N] [FILE]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 0.5
STORY = (
    "I was the on-call engineer for our payments fraud model when I was paged at 1 a.m.: it was declining "
    "30% of card payments and customers could not check out. My job was to stop the declines fast. First "
    "I checked the model dashboards and found a feature had gone null after a pipeline release, then I "
    "rolled the release back and posted updates to the payments team every 20 minutes. The decline rate "
    "went back to its 2% baseline within 50 minutes. Afterwards I added a null-rate alert on that feature, "
    "and we wrote a runbook for rolling back feature releases.\n"
)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update(PYTHONPATH=str(REPO_ROOT), GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1",
               LITELLM_LOCAL_MODEL_COST_MAP="True")
    return env


def _run(cmd: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=_env(), capture_output=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode().strip()}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", help="story file (default: a built-in ~100-word story)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        story = Path(args.file) if args.file else Path(tmp) / "story.txt"
        if not args.file:
            story.write_text(STORY, encoding="utf-8")
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "coach score --format json": [sys.executable, "-m", "coach", "score", str(story), "--format", "json"],
        }
        for cmd in commands.values():  # warm the OS file cache and __pycache__ once
            _run(cmd)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeat):
            for name, cmd in commands.items():
                times[name].append(_run(cmd))

    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"{args.repeat} runs each, interleaved; python: {sys.executable}")
    for name, median in medians.items():
        spread = f"min {min(times[name]):.3f}  max {max(times[name]):.3f}"
        print(f"{name:28} median {median:.3f} s   ({spread})")
    diff = medians["coach score --format json"] - medians["python -c pass"]
    verdict = "meets" if diff <= TARGET_S else "MISSES"
    print(f"coach's own cold start: {diff:.3f} s — {verdict} the target of ≤ {TARGET_S:g} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
