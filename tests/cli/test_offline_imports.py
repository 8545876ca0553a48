"""Offline `coach score` never imports the heavy or networked libraries (DESIGN.md: litellm ~10 s, gradio ~7 s)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, clean_env
from tests.support.core_stories import STRONG

HEAVY = ("litellm", "gradio", "faster_whisper", "openai", "httpx", "torch", "ctranslate2")

_PROBE = """
import io, json, sys
from coach.cli import main
out = io.StringIO()
real_stdout, sys.stdout = sys.stdout, out
try:
    code = main(sys.argv[1:])
finally:
    sys.stdout = real_stdout
print(json.dumps({"code": code, "output": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def _modules_after(args: list[str], **env: str) -> dict:  # type: ignore[type-arg]
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], cwd=REPO_ROOT, env=clean_env(**env), capture_output=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout)


@pytest.fixture
def story(tmp_path: Path) -> Path:
    path = tmp_path / "story.txt"
    path.write_text(STRONG, encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["json", "text", "markdown"])
def test_offline_score_imports_no_heavy_library(story: Path, fmt: str) -> None:
    result = _modules_after(["score", str(story), "--format", fmt])
    assert result["code"] == 0 and result["output"]
    loaded = {name.split(".")[0] for name in result["modules"]}
    assert "coach" in loaded, "the probe really ran coach"
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_offline_flag_wins_over_a_configured_model(story: Path) -> None:
    result = _modules_after(["score", str(story), "--format", "json", "--offline"], COACH_MODEL="openai/gpt-4o-mini")
    assert json.loads(result["output"])["mode"] == "offline"
    assert "litellm" not in {name.split(".")[0] for name in result["modules"]}


def test_rubrics_commands_import_no_heavy_library() -> None:
    result = _modules_after(["rubrics", "list"])
    assert not {name.split(".")[0] for name in result["modules"]} & set(HEAVY)


def test_importtime_of_the_real_entry_point(story: Path) -> None:
    """`python -X importtime -m coach score`: the import log of the real command names no heavy module."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "coach", "score", str(story), "--format", "json"],
        cwd=REPO_ROOT, env=clean_env(), capture_output=True, timeout=120,
    )
    assert proc.returncode == 0
    imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.decode().splitlines() if "|" in line}
    assert "coach" in imported
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))


_LITELLM_IMPORT = re.compile(r"^\s*(?:import\s+litellm\b|from\s+litellm(?:\.\w+)*\s+import\b)", re.MULTILINE)


def test_only_coach_llm_imports_litellm_and_only_inside_functions() -> None:
    # DESIGN.md: coach/interviewer/llm.py is the one litellm importer (lazily), so the ~10 s import and the
    # third-party error mapping each live in one place.
    package = REPO_ROOT / "coach"
    importers = sorted(
        str(path.relative_to(REPO_ROOT)) for path in package.rglob("*.py") if _LITELLM_IMPORT.search(path.read_text("utf-8"))
    )
    assert importers == ["coach/interviewer/llm.py"]
    top_level = re.findall(r"^(?:import|from)\s+litellm\b.*$", (package / "interviewer" / "llm.py").read_text("utf-8"), re.MULTILINE)
    assert top_level == []
