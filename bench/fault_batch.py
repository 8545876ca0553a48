"""`coach batch` against a misbehaving model server: every row still gets its line, faults are labelled.

    python bench/fault_batch.py [--rows 10000] [--fault-rate 0.05] [--concurrency 16] [--slow-s 4]

Builds a JSONL of stories (the devset's when present, else tests/support/core_stories.py), marks
``--fault-rate`` of them for one of the fault server's faults (tests/support/fault_server.py: 429 with
Retry-After, 500, 503, connection resets, slow trickled replies, truncated JSON, wrong schema, 10 MB
replies; round robin), runs `coach batch --model openai/fault --api-base <loopback>` and checks: one
line per row, in order; every line scored; every faulted row labelled (the rubric's follow-ups and a
notice saying why), every clean row answered by the model. Prints the counts and the wall time; the
last line is ``fault-batch: rows=… lines=… scored=… faulted=… labelled=… wall=…s``.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.paths import DEVSET  # noqa: E402
from tests.support.fault_server import FAULTS, FaultServer, marker  # noqa: E402

#: What the notice of a row says, per fault (coach.interviewer.llm's error kinds, as coach.service words them).
LABELS = {
    "429": "rate-limited", "500": "could not be reached", "503": "could not be reached", "reset": "could not be reached",
    "truncated": "could not be reached", "schema": "not valid", "huge": "not valid",
}


def stories() -> list[str]:
    if DEVSET.exists():
        records = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]
        found = [r.get("text") or r.get("story") or r.get("answer") for r in records]
        texts = [t for t in found if isinstance(t, str) and t.strip()]
        if texts:
            return texts
    from tests.support.core_stories import STRONG, VAGUE

    return [STRONG, VAGUE]


def write_rows(path: Path, rows: int, fault_rate: float) -> dict[str, str | None]:
    texts = stories()
    every = max(1, round(1 / fault_rate)) if fault_rate > 0 else 0
    kinds: dict[str, str | None] = {}
    faulted = 0
    with path.open("w", encoding="utf-8") as handle:
        for index in range(rows):
            kind = None
            if every and index % every == every // 2:
                kind = FAULTS[faulted % len(FAULTS)]
                faulted += 1
            row_id = f"r{index}"
            kinds[row_id] = kind
            text = texts[index % len(texts)] + (f" {marker(kind)}" if kind else "")
            handle.write(json.dumps({"id": row_id, "answer": text}) + "\n")
    return kinds


def run(rows: int, fault_rate: float, concurrency: int, slow_s: float, timeout_s: float, deadline_s: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="coach-fault-") as folder:
        source, out = Path(folder) / "rows.jsonl", Path(folder) / "out.jsonl"
        kinds = write_rows(source, rows, fault_rate)
        with FaultServer(slow_s=slow_s) as server:
            env = dict(
                os.environ, PYTHONPATH=str(ROOT), OPENAI_API_KEY="sk-fault-bench", COACH_TIMEOUT=str(timeout_s),
                COACH_DEADLINE=str(deadline_s), LITELLM_LOCAL_MODEL_COST_MAP="True",
            )
            for name in ("COACH_MODEL", "COACH_API_BASE", "COACH_REDACT"):
                env.pop(name, None)
            started = time.monotonic()
            done = subprocess.run(
                [sys.executable, "-m", "coach", "batch", str(source), "--out", str(out), "--model", "openai/fault",
                 "--api-base", server.api_base, "--concurrency", str(concurrency), "--quiet"],
                env=env, capture_output=True, text=True, cwd=ROOT,
            )
            wall = time.monotonic() - started
            calls = len(server.calls)
        lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    by_kind: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    in_order = [line.get("id") for line in lines] == list(kinds)
    scored = sum(1 for line in lines if isinstance(line.get("overall"), int))
    labelled = 0
    for line in lines:
        kind = kinds.get(line.get("id", ""))
        notices = " ".join(line.get("notices", []))
        if kind is None:
            by_kind["clean"]["model" if line.get("mode") == "llm" else "rubric"] += 1
        elif kind == "slow":  # a reply that arrives complete, however slowly, is a reply
            by_kind[kind]["model" if line.get("mode") == "llm" else "rubric+notice" if notices else "rubric"] += 1
            labelled += 1 if line.get("mode") == "llm" or notices else 0
        else:
            ok = line.get("mode") == "offline" and LABELS[kind] in notices
            by_kind[kind]["labelled" if ok else "UNLABELLED"] += 1
            labelled += 1 if ok else 0
    return {
        "exit": done.returncode, "stderr": done.stderr.strip()[-300:], "rows": rows, "lines": len(lines), "in_order": in_order,
        "scored": scored, "faulted": sum(1 for k in kinds.values() if k), "labelled": labelled, "calls": calls,
        "wall": wall, "by_kind": {k: dict(v) for k, v in sorted(by_kind.items())},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--fault-rate", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--slow-s", type=float, default=4.0, help="how long a slow reply trickles")
    parser.add_argument("--timeout-s", type=float, default=2.0, help="COACH_TIMEOUT for the run")
    parser.add_argument("--deadline-s", type=float, default=6.0, help="COACH_DEADLINE for the run")
    args = parser.parse_args()
    result = run(args.rows, args.fault_rate, args.concurrency, args.slow_s, args.timeout_s, args.deadline_s)
    for kind, counts in result["by_kind"].items():  # type: ignore[attr-defined]
        print(f"  {kind:10s} {counts}")
    if result["exit"] not in (0, 1):
        print(f"  coach batch exited {result['exit']}: {result['stderr']}")
    print(
        f"fault-batch: rows={result['rows']} lines={result['lines']} in_order={result['in_order']} "
        f"scored={result['scored']} faulted={result['faulted']} labelled={result['labelled']} "
        f"model_calls={result['calls']} wall={result['wall']:.1f}s"
    )
    good = result["lines"] == result["rows"] == result["scored"] and result["labelled"] == result["faulted"] and result["in_order"]
    return 0 if good else 1


if __name__ == "__main__":
    raise SystemExit(main())
