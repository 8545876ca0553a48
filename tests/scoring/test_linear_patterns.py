"""Every built-in pattern runs in time linear in the text, on inputs built to make `re` backtrack.

`re` backtracks: a repeat that can run over a long stretch, tried from each position of that stretch,
costs the square of its length ("1,1,1,…" 48 KB long took minutes in coach.scoring.quantities). These tests
feed every module-level pattern of the scorer's modules, and the whole scorer, the shapes that did
it — long digit/comma runs, repeated words, hyphen chains, 50,000-character words, runs of white
space — and hold them to a budget far above linear time and far below quadratic time.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import REPO_ROOT, clean_env

MODULES = (
    "coach.scoring.quantities", "coach.scoring.segment", "coach.scoring.scorer", "coach.speech.delivery", "coach.scoring.detectors", "coach.scoring.matching",
    "coach.interviewer.redact", "coach.scoring.regexgate", "coach.interviewer.replies", "coach.interviewer.prompts", "coach.scoring.followups", "coach.report.render",
)
# Blocks whose long repeats once sent a pattern quadratic (or would, had a repeat been unbounded).
BLOCKS = (
    "1,", "1", ",", "1.", "1, ", "$1,", "a-", "1-", "on-call-", "one ", "one-", "two hundred ", "the ", " ", "\n",
    ". ", "a", "a@", "a.", "x", "I ", "we ", "5 ", "'", "sev-", "team of ", "2:15 ", "v1.", "%", "-",
)
# What a linear pass over ~12,000 characters costs here is milliseconds; a quadratic one, seconds.
PATTERN_BUDGET_S = 1.0
STORY_CHARS = 50_000


def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    found: list[tuple[str, re.Pattern[str]]] = []
    for name in MODULES:
        module = importlib.import_module(name)
        found.extend((f"{name}.{attr}", value) for attr, value in vars(module).items() if isinstance(value, re.Pattern))
    return found


PATTERNS = _patterns()

pathological = st.lists(
    st.tuples(st.sampled_from(BLOCKS), st.integers(min_value=1, max_value=6000)), min_size=1, max_size=4
).map(lambda parts: "".join(block * count for block, count in parts)[:12_000])


def test_the_scorer_modules_have_patterns_to_check() -> None:
    assert len(PATTERNS) > 20  # a rename that empties this list would make the fuzz test vacuous


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(pathological)
def test_every_builtin_pattern_is_linear_on_pathological_text(text: str) -> None:
    for name, pattern in PATTERNS:
        started = time.perf_counter()
        for _ in pattern.finditer(text):
            pass
        took = time.perf_counter() - started
        assert took < PATTERN_BUDGET_S, f"{name} took {took:.2f} s on {len(text)} characters: {text[:60]!r}…"


# 50,000-character stories (the most a story may be), scored whole in a child process under a timeout,
# so a regression fails in seconds instead of hanging the suite.
GENERATORS = {
    "comma digits": "'1,' * 25000",
    "comma digits then a letter": "'1,' * 24999 + 'x'",
    "comma digits then minutes": "'1,' * 24990 + ' minutes'",
    "dotted digits": "'1.' * 25000",
    "money list": "'$1,' * 16666",
    "one long word": "'a' * 50000",
    "one long number": "'7' * 50000",
    "hyphen chain": "'a-' * 24990 + ' hours'",
    "number-word chain": "'one ' * 12490 + 'hours'",
    "repeated words": "'the ' * 12500",
    "on-call chain": "'on-call-' * 6250",
    "newlines then a time": "'x' + '\\n' * 49980 + 'one week'",
    "spaces then a time": "'x' + ' ' * 49980 + 'one week'",
    "numbers and spaces": "'5 ' * 25000",
}
STORY_BUDGET_S = 15.0  # per story; linear scoring of 50,000 characters takes about a second here

_SCRIPT = """
import json, sys, time
from coach.rubric.loader import load_rubric
from coach.scoring.scorer import score
rubric = load_rubric("star-l")
for name, expr in json.loads(sys.argv[1]).items():
    text = eval(expr)[:50000]
    started = time.perf_counter()
    score(text, rubric)
    print(json.dumps([name, time.perf_counter() - started]), flush=True)
"""


def test_pathological_50k_stories_score_in_bounded_time() -> None:
    budget = STORY_BUDGET_S * 3  # the whole set: linear scoring needs a small fraction of it
    try:
        done = subprocess.run(
            [sys.executable, "-c", _SCRIPT, json.dumps(GENERATORS)],
            capture_output=True, text=True, timeout=budget, env=clean_env(), cwd=REPO_ROOT,
        )
    except subprocess.TimeoutExpired as exc:
        finished = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        pytest.fail(f"scoring the pathological stories took over {budget:.0f} s; finished: {finished.strip()!r}")
    assert done.returncode == 0, done.stderr
    timings = dict(json.loads(line) for line in done.stdout.splitlines())
    assert set(timings) == set(GENERATORS)
    slow = {name: round(seconds, 2) for name, seconds in timings.items() if seconds > STORY_BUDGET_S}
    assert not slow, slow
