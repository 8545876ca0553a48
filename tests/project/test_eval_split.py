"""The eval splits tuning relies on: a fixed untouched quarter, and two tune halves that share no row."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.compare_verdicts import sign_test
from bench.eval_split import SPLITS, select
from tests.conftest import REPO_ROOT

ROWS = [{"id": f"s{i:03}"} for i in range(400)]


def _ids(split: str) -> set[str]:
    return {str(row["id"]) for row in select(list(ROWS), split)}


def test_the_tune_halves_partition_the_tune_rows_and_never_touch_the_holdout() -> None:
    holdout, tune, half_a, half_b = _ids("holdout"), _ids("tune"), _ids("tune-a"), _ids("tune-b")
    assert half_a | half_b == tune and not half_a & half_b
    assert not tune & holdout and tune | holdout == _ids("all")
    # Each part is a real share, not an empty or degenerate split.
    assert 70 < len(holdout) < 130 and 110 < len(half_a) < 190 and 110 < len(half_b) < 190
    assert set(SPLITS) == {"all", "tune", "holdout", "tune-a", "tune-b"}


def test_the_sign_test_tells_a_one_sided_change_from_noise() -> None:
    assert sign_test(0, 0) == 1.0
    assert sign_test(10, 0) == sign_test(0, 10) == 2 / 2**10
    assert sign_test(9, 8) == 1.0
    assert 0.02 < sign_test(12, 3) < 0.04


def test_compare_verdicts_counts_fixed_and_broken_decisions(tmp_path: Path) -> None:
    before = {"s001": {"task.role": False, "action.timeline": True}, "s002": {"task.role": True}}
    after = {"s001": {"task.role": True, "action.timeline": False}, "s002": {"task.role": True}}
    (tmp_path / "b.json").write_text(json.dumps(before), encoding="utf-8")
    (tmp_path / "a.json").write_text(json.dumps(after), encoding="utf-8")
    out = subprocess.run([sys.executable, "bench/compare_verdicts.py", str(tmp_path / "b.json"), str(tmp_path / "a.json"),
                          "--list"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=True).stdout
    assert "fixed   1  broken   1" in out
    assert "fixed  " in out and "s001 task.role" in out and "broken" in out and "s001 action.timeline" in out
