"""Environment defaults are set once, at start-up, and a user's own setting always wins."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from coach.startup import DEFAULTS, WEB_DEFAULTS, apply_env_defaults
from tests.conftest import REPO_ROOT, clean_env

ALL = {**DEFAULTS, **WEB_DEFAULTS}


@pytest.fixture
def bare_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ALL:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults_fill_what_is_unset(bare_env: pytest.MonkeyPatch) -> None:
    import os

    apply_env_defaults()
    assert os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
    assert not set(WEB_DEFAULTS) & set(os.environ), "a command-line run may still download a speech model"
    apply_env_defaults(web=True)
    assert {name: os.environ[name] for name in ALL} == ALL


def test_a_users_own_setting_wins(bare_env: pytest.MonkeyPatch) -> None:
    import os

    mine = {"LITELLM_LOCAL_MODEL_COST_MAP": "False", "GRADIO_ANALYTICS_ENABLED": "True", "HF_HUB_OFFLINE": "0"}
    for name, value in mine.items():
        bare_env.setenv(name, value)
    apply_env_defaults(web=True)
    assert {name: os.environ[name] for name in mine} == mine


def _env_after(code: str, **env: str) -> dict[str, str | None]:
    base = {k: v for k, v in clean_env(**env).items() if k not in ALL or k in env}
    probe = code + f"\nimport json, os; print(json.dumps({{n: os.environ.get(n) for n in {sorted(ALL)!r}}}))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, env=base, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    result: dict[str, str | None] = json.loads(out.stdout.splitlines()[-1])
    return result


def test_the_cli_sets_them_before_running_a_command() -> None:
    seen = _env_after("from coach.cli import main; main(['rubrics', 'list'])")
    assert seen == {"GRADIO_ANALYTICS_ENABLED": None, "HF_HUB_OFFLINE": None, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}


def test_importing_the_web_app_keeps_a_users_analytics_choice() -> None:
    """coach.web.ui used to overwrite GRADIO_ANALYTICS_ENABLED at import."""
    seen = _env_after("import coach.web.ui", GRADIO_ANALYTICS_ENABLED="True")
    assert seen == {"GRADIO_ANALYTICS_ENABLED": "True", "HF_HUB_OFFLINE": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
