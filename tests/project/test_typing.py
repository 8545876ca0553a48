"""The package type-checks under pyproject's strict mypy settings (DESIGN.md: strict typing)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT, clean_env


@pytest.mark.slow
def test_coach_package_passes_strict_mypy() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "coach"],
        cwd=REPO_ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, f"mypy failed:\n{result.stdout}{result.stderr}"
