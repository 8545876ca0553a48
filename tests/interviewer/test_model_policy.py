"""The server decides where it connects: a caller can never point it (and its provider key) at a URL.

Unit tests of coach.interviewer.model_policy, then `coach serve` started as an operator would, driven through
gradio_client, with a loopback model server that records every request and its Authorization header:
it must never be called.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from coach.cli.commands.serve import exposure_warnings
from coach.config import LLMSettings
from coach.errors import UsageError
from coach.interviewer.model_policy import choose_settings
from tests.conftest import REPO_ROOT, clean_env
from tests.support.browser_support import free_port
from tests.support.fault_server import FaultServer
from tests.support.ui_fakes import WEAK_STORY

OPERATOR = {"operator_model": "openai/op", "operator_api_base": "http://127.0.0.1:9/v1", "operator_offline": False, "allow_caller": False}


def test_the_operators_model_is_used_and_the_caller_may_switch_it_off() -> None:
    assert choose_settings("openai/op", "", False, **OPERATOR) == LLMSettings(
        model="openai/op", api_base="http://127.0.0.1:9/v1", stream=True  # a server on this machine is streamed to
    )
    assert choose_settings("openai/op", "http://127.0.0.1:9/v1", False, **OPERATOR) is not None
    assert choose_settings("openai/op", "", True, **OPERATOR) is None
    assert choose_settings("", "", False, **OPERATOR) is None


@pytest.mark.parametrize(
    ("model", "api_base"),
    [("openai/other", ""), ("openai/op", "http://127.0.0.1:7890/v1"), ("gpt-4o-mini", "https://attacker.example/v1")],
)
def test_a_caller_named_model_or_url_is_refused(model: str, api_base: str) -> None:
    with pytest.raises(UsageError, match="--allow-caller-model"):
        choose_settings(model, api_base, False, **OPERATOR)


def test_operator_offline_wins_and_opt_in_allows_any() -> None:
    offline = {**OPERATOR, "operator_offline": True, "allow_caller": True}
    assert choose_settings("openai/x", "http://127.0.0.1:7890/v1", False, **offline) is None
    opted_in = {**OPERATOR, "allow_caller": True}
    chosen = choose_settings("openai/x", "http://127.0.0.1:7890/v1", False, **opted_in)
    assert chosen is not None and chosen.api_base == "http://127.0.0.1:7890/v1"


def test_serving_beyond_loopback_without_a_login_warns() -> None:
    assert exposure_warnings("127.0.0.1", login=False, caller_model=False) == []
    assert exposure_warnings("localhost", login=False, caller_model=False) == []
    [warning] = exposure_warnings("0.0.0.0", login=False, caller_model=False)
    assert "without a login" in warning and "COACH_AUTH" in warning
    assert exposure_warnings("0.0.0.0", login=True, caller_model=False) == []
    assert any("--allow-caller-model" in w for w in exposure_warnings("127.0.0.1", login=False, caller_model=True))


@contextmanager
def serve(*flags: str, **env: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "coach", "serve", "--port", str(port), *flags],
        env=clean_env(**env), cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the app did not start"
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


def _score(client: Any, model: str, api_base: str) -> tuple[str, str]:
    result = client.predict("ml-incident", "", WEAK_STORY, model, api_base, False, "star-l", api_name="/score")
    return str(result[0]), str(result[2])  # status, score card


SECRET = "sk-h10-never-send-me"


@pytest.mark.slow
def test_an_offline_server_calls_no_model_from_any_endpoint() -> None:
    from gradio_client import Client

    with FaultServer() as recorder, serve(
        "--offline", OPENAI_API_KEY=SECRET, COACH_MODEL="openai/op", COACH_API_BASE=recorder.api_base,
    ) as url:
        client = Client(url, verbose=False)
        try:
            status, card = _score(client, "openai/x", recorder.api_base)
            assert "mode: offline rubric" in card, status
            client.predict(api_name="/coaching")
            client.predict("We added an alert on the error rate.", api_name="/answer_followup")
            client.predict(api_name="/coaching_after_followup")
            checked = client.predict("openai/x", recorder.api_base, False, api_name="/check_model")
            assert "Offline mode" in checked
        finally:
            client.close()
        assert recorder.calls == []


@pytest.mark.slow
def test_a_caller_cannot_point_the_server_at_its_own_url() -> None:
    from gradio_client import Client

    with FaultServer() as recorder, serve(
        "--model", "openai/op", "--api-base", "http://127.0.0.1:9/v1", OPENAI_API_KEY=SECRET,
    ) as url:
        client = Client(url, verbose=False)
        try:
            for model in ("openai/op", "openai/other"):
                status, _ = _score(client, model, recorder.api_base)
                assert "refused" in status and "--allow-caller-model" in status
                checked = client.predict(model, recorder.api_base, False, api_name="/check_model")
                assert "refused" in checked
            status, _ = _score(client, "gpt-4o-mini", "")  # a hosted model the operator did not offer
            assert "refused" in status
        finally:
            client.close()
        assert recorder.calls == []
