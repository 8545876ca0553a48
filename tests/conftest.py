"""Shared fixtures: the repo root, a clean environment for subprocesses, and a `run_cli` helper."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

#: Variables a user's shell may set that would change what coach does (a configured model, …).
_UNSET = (
    "COACH_MODEL", "COACH_API_BASE", "COACH_REDACT", "COACH_TIMEOUT", "COACH_DEADLINE", "COACH_TEMPERATURE", "COACH_HISTORY",
    "COACH_HISTORY_TIMEOUT",
)


def clean_env(**extra: str) -> dict[str, str]:
    """os.environ minus coach's own settings, offline and quiet, with the repo importable."""
    env = {k: v for k, v in os.environ.items() if k not in _UNSET}
    env.update(
        PYTHONPATH=str(REPO_ROOT),
        GRADIO_ANALYTICS_ENABLED="False",
        HF_HUB_OFFLINE="1",
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        PYTHONIOENCODING="utf-8",
    )
    env.update(extra)
    return env


RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(autouse=True, scope="session")
def _session_coach_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """No test ever writes the real user's history: COACH_HOME is a temp dir for the whole session
    (module- and session-scoped fixtures too), and a fresh one per test (:func:`coach_home`)."""
    home = tmp_path_factory.mktemp("coach-home-session")
    previous = os.environ.get("COACH_HOME")
    os.environ["COACH_HOME"] = str(home)
    yield home
    if previous is None:
        os.environ.pop("COACH_HOME", None)
    else:
        os.environ["COACH_HOME"] = previous


@pytest.fixture(autouse=True)
def coach_home(_session_coach_home: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own COACH_HOME (subprocesses inherit it through clean_env); saving is on."""
    home = tmp_path_factory.mktemp("coach-home")
    monkeypatch.setenv("COACH_HOME", str(home))
    for name in ("COACH_HISTORY", "COACH_HISTORY_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture
def run_cli() -> RunCli:
    """Run ``python -m coach ARGS`` in a subprocess from the repo root; returns the CompletedProcess (text)."""

    def run(
        args: Sequence[str], *, input: str | bytes | None = None, timeout: float = 60, **env: str
    ) -> subprocess.CompletedProcess[str]:
        data = input.encode("utf-8") if isinstance(input, str) else input
        proc = subprocess.run(
            [sys.executable, "-m", "coach", *args],
            cwd=REPO_ROOT,
            env=clean_env(**env),
            input=data if data is not None else b"",
            capture_output=True,
            timeout=timeout,
        )
        return subprocess.CompletedProcess(
            proc.args, proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")
        )

    return run


@pytest.fixture(autouse=False)
def no_model_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process CLI calls: make sure no model configured in the caller's shell is picked up."""
    for name in _UNSET:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium through playwright, one per browser test module (skips loudly when missing)."""
    from tests.support.browser_support import chromium

    with chromium() as launched:
        yield launched
