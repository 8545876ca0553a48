"""The web app through its HTTP API (gradio_client), in process: every event has a stable api_name."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coach.interviewer.questions import load_questions
from coach.web.practice import PracticeServices
from tests.support.browser_support import free_port, served
from tests.support.fakes import FakeInterviewer
from tests.support.speech_audio import write_wav
from tests.support.ui_fakes import (
    FOLLOWUP_ANSWER,
    WEAK_STORY,
    FakeTranscriber,
)

pytestmark = pytest.mark.slow  # imports gradio (~7 s cold)

STORY = WEAK_STORY
FOLLOWUP = FOLLOWUP_ANSWER
OUTPUTS = ["status", "story", "score", "chart", "highlights", "checklist", "flags", "delivery", "comparison", "chat", "followup_answer", "coaching",
           "depth", "leadership"]


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    from coach.web import ui

    services = PracticeServices(
        questions=load_questions(),
        transcribe=FakeTranscriber(text=STORY),
        make_interviewer=lambda settings: FakeInterviewer.web(name=f"fake/{settings.model}"),
        allow_caller_model=True,  # the tests name a model in their calls
    )
    with served(ui.build_app(services)) as url:
        yield url


def named(result: tuple[Any, ...]) -> dict[str, Any]:
    assert len(result) == len(OUTPUTS)
    return dict(zip(OUTPUTS, result, strict=True))


def chat_text(message: dict[str, Any]) -> str:
    content = message["content"]
    return content if isinstance(content, str) else "".join(block.get("text", "") for block in content)


def test_page_is_served_on_loopback(app_url: str) -> None:
    with urllib.request.urlopen(app_url, timeout=10) as response:
        assert response.status == 200
        assert "STAR-L Coach" in response.read().decode()


def test_score_followup_try_again_through_the_api(app_url: str) -> None:
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    try:
        first = named(client.predict("ml-incident", "", STORY, "", "", False, "star-l", api_name="/score"))
        assert "mode: offline rubric" in first["score"]
        first_score = int(first["score"].split('id="overall-score">')[1].split("<")[0])
        assert first["chat"][0]["role"] == "assistant" and "/100" in chat_text(first["chat"][0])
        assert "Offline rubric mode" in client.predict(api_name="/coaching")
        refused = named(client.predict("ml-incident", "", "  ", "", "", False, "star-l", api_name="/score"))
        assert "empty" in refused["status"] and refused["score"]["__type__"] == "update"  # page kept as is
        assert "Offline rubric mode" not in str(client.predict(api_name="/coaching"))  # nothing re-streamed

        second = named(client.predict(FOLLOWUP, api_name="/answer_followup"))
        second_score = int(second["score"].split('id="overall-score">')[1].split("<")[0])
        assert second_score > first_score and f"(+{second_score - first_score})" in second["score"]
        assert [m["role"] for m in second["chat"]][:3] == ["assistant", "user", "assistant"]

        cleared = named(client.predict(api_name="/try_again"))
        assert cleared["story"] == "" and cleared["chat"] == []
        third = named(client.predict("ml-incident", "", STORY + " " + FOLLOWUP, "", "", False, "star-l", api_name="/score"))
        assert "Newly met" in third["comparison"] and "attempt 1" in third["comparison"]
    finally:
        client.close()


def test_transcribe_upload_and_model_check(app_url: str, tmp_path: Path) -> None:
    from gradio_client import Client, handle_file

    client = Client(app_url, verbose=False)
    try:
        heard = named(client.predict(handle_file(str(write_wav(tmp_path / "answer.wav", 1.5))), api_name="/transcribe"))
        assert heard["story"] == STORY and "Transcribed" in heard["status"]
        scored = named(client.predict("latency-spike", "", heard["story"], "", "", False, "star-l", api_name="/score"))
        assert 'id="delivery-wpm"' in scored["delivery"]

        status = client.predict("openai/local", "http://127.0.0.1:9/v1", False, api_name="/check_model")
        assert "✓ openai/local is reachable" in status
        llm = named(client.predict("ml-incident", "", STORY, "openai/local", "http://127.0.0.1:9/v1", False, "star-l", api_name="/score"))
        assert "mode: model fake/openai/local" in llm["score"]
        assert "quantify" in client.predict(api_name="/coaching")
        hints = client.predict("sudden-drop", api_name="/question")
        assert "suddenly" in hints[0] and "Investigation steps" in hints[1]
    finally:
        client.close()


def test_login_when_auth_is_set_and_extra_tabs_are_built() -> None:
    import gradio as gr
    from gradio_client import Client

    from coach.web import ui

    built: list[str] = []

    def batch_tab() -> None:
        with gr.Tab("Batch", elem_id="tab-batch"):
            gr.Markdown("placeholder", elem_id="batch-placeholder")
        built.append("batch")

    demo = ui.build_app(PracticeServices(questions=load_questions()), extra_tabs=[batch_tab])
    port = free_port()
    ui.launch(demo, "127.0.0.1", port, ("coach", "s3cret"), prevent_thread_lock=True, quiet=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        assert built == ["batch"]
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + "config", timeout=10)
        assert refused.value.code == 401
        with pytest.raises(Exception, match="(?i)auth|login|401|credentials"):
            Client(url, verbose=False, auth=("coach", "wrong"))
        client = Client(url, verbose=False, auth=("coach", "s3cret"))
        try:
            result = named(client.predict("ml-incident", "", STORY, "", "", False, "star-l", api_name="/score"))
            assert "overall-score" in result["score"]
        finally:
            client.close()
    finally:
        demo.close()


def test_importing_the_ui_loads_gradio_but_not_litellm_or_speech() -> None:
    import subprocess
    import sys

    code = (
        "import os, sys; os.environ.pop('HF_HUB_OFFLINE', None); import coach.web.ui; "
        "print(sorted(m for m in ('gradio', 'litellm', 'faster_whisper', 'coach.interviewer.llm') if m in sys.modules), "
        "os.environ['GRADIO_ANALYTICS_ENABLED'], os.environ['HF_HUB_OFFLINE'])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.split() == ["['gradio']", "False", "1"]
