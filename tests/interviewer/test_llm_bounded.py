"""Bounded generation against respx mocks: token limit, JSON Schema where the server takes one,
streaming to a listener, and the time limit held across a stream."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
import respx

from coach.config import LLMSettings
from coach.interviewer import partial_reply
from coach.interviewer.llm import LiteLLMInterviewer
from coach.interviewer.prompts import MAX_FOLLOWUPS, valid_target_ids
from coach.interviewer.replies import parse_reply
from coach.interviewer.reply_schema import FEEDBACK_MAX_CHARS, QUESTION_MAX_CHARS, reply_max_tokens, reply_schema
from coach.rubric.loader import Rubric, load_rubric
from coach.scoring.scorer import score
from coach.service import evaluate
from tests.support.llm_mocks import (
    OLLAMA_BASE,
    OPENAI_HOSTED_URL,
    OPENAI_LOCAL_BASE,
    OPENAI_LOCAL_URL,
    followups_json,
    isolated_litellm,
    ollama_chat,
    openai_chat,
    openai_error,
    openai_sse,
)

STORY = (
    "Our fraud model started flagging nearly every transaction after a feature pipeline release. "
    "I was paged at 2 a.m. as the on-call engineer. I rolled back the release and the false positives stopped."
)
REPLY = followups_json(("How many customers were declined, and for how long?", ["situation.impact", "result.duration"]))


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return load_rubric("star-l")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from isolated_litellm(monkeypatch)


def body(route: respx.Route, index: int = 0) -> dict[str, object]:
    data: dict[str, object] = json.loads(route.calls[index].request.content)
    return data


def test_local_server_gets_a_token_limit_and_the_reply_schema(rubric: Rubric) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(OPENAI_LOCAL_URL).mock(return_value=openai_chat(REPLY))
        assessment = evaluate(STORY, rubric, LiteLLMInterviewer(LLMSettings(model="openai/gemma", api_base=OPENAI_LOCAL_BASE)))
    sent = body(route)
    assert sent["max_tokens"] == reply_max_tokens()
    # llama-cpp-python's server reads only the json_object + schema form; llama.cpp's reads both.
    assert sent["response_format"] == {"type": "json_object", "schema": reply_schema(rubric)}
    assert assessment.mode == "llm"


def test_the_token_limit_fits_the_longest_reply_the_schema_allows(rubric: Rubric) -> None:
    """A reply cut off by the limit would be broken JSON: the limit must cover the schema's worst case."""
    longest = followups_json(
        *[("x" * QUESTION_MAX_CHARS, valid_target_ids(rubric)[:2]) for _ in range(MAX_FOLLOWUPS)], feedback="y" * FEEDBACK_MAX_CHARS
    )
    assert len(longest) / 3 <= reply_max_tokens() <= 400  # ~3 characters a token at worst; still a short reply
    parse_reply(longest, rubric)  # and that reply is valid


def test_the_schema_allows_only_rubric_ids_and_three_questions(rubric: Rubric) -> None:
    schema = reply_schema(rubric)
    followups = schema["properties"]["followups"]
    assert followups["maxItems"] == MAX_FOLLOWUPS
    assert followups["items"]["properties"]["targets"]["items"]["enum"] == valid_target_ids(rubric)


def test_ollama_gets_the_schema_as_its_format(rubric: Rubric) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(f"{OLLAMA_BASE}/api/chat").mock(return_value=ollama_chat(REPLY))
        evaluate(STORY, rubric, LiteLLMInterviewer(LLMSettings(model="ollama_chat/llama3.1", api_base=OLLAMA_BASE)))
    sent = body(route)
    assert sent["format"] == reply_schema(rubric)
    assert sent["options"]["num_predict"] == reply_max_tokens()  # type: ignore[index]


def test_hosted_models_get_the_schema_only_when_litellm_knows_they_take_one(rubric: Rubric) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(OPENAI_HOSTED_URL).mock(return_value=openai_chat(REPLY))
        evaluate(STORY, rubric, LiteLLMInterviewer(LLMSettings(model="gpt-4o-mini")))
        evaluate(STORY, rubric, LiteLLMInterviewer(LLMSettings(model="gpt-4")))
    knows, plain = body(route, 0), body(route, 1)
    assert knows["response_format"]["type"] == "json_schema"  # type: ignore[index]
    assert knows["response_format"]["json_schema"]["schema"] == reply_schema(rubric)  # type: ignore[index]
    assert "response_format" not in plain  # plain prompting: the prompt states the shape
    assert plain["max_tokens"] == reply_max_tokens()


def test_a_server_that_refuses_the_schema_is_asked_without_it_from_then_on(rubric: Rubric) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(OPENAI_LOCAL_URL).mock(
            side_effect=[openai_error(400, "unknown field schema"), openai_chat(REPLY), openai_chat(REPLY)]
        )
        model = LiteLLMInterviewer(LLMSettings(model="openai/lmstudio", api_base=OPENAI_LOCAL_BASE))
        first = evaluate(STORY, rubric, model)
        second = evaluate(STORY, rubric, model)
    assert route.call_count == 3
    assert "response_format" in body(route, 0)
    assert "response_format" not in body(route, 1) and "response_format" not in body(route, 2)
    assert first.mode == second.mode == "llm"


def test_a_listener_sees_the_reply_as_it_is_written(rubric: Rubric) -> None:
    pieces = [REPLY[:20], REPLY[20:45], REPLY[45:]]
    seen: list[str] = []
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(OPENAI_LOCAL_URL).mock(return_value=openai_sse(pieces))
        with partial_reply.listening(seen.append):
            assessment = evaluate(STORY, rubric, LiteLLMInterviewer(LLMSettings(model="openai/gemma", api_base=OPENAI_LOCAL_BASE)))
    assert body(route)["stream"] is True
    assert seen == [REPLY[:20], REPLY[:45], REPLY]
    assert assessment.mode == "llm"
    assert assessment.followups[0].question == "How many customers were declined, and for how long?"
    assert partial_reply.partial_questions(seen[1]) == ["How many custome…"]


def test_a_stream_still_writing_at_the_time_limit_is_hung_up(rubric: Rubric) -> None:
    """The per-call limit holds across a stream: a model that writes on and on is cut off, not retried."""
    now = [0.0]

    def clock() -> float:
        now[0] += 4.0  # every look at the clock: 4 s later
        return now[0]

    endless = openai_sse(['{"followups": [{"question": "Why'] + [" why"] * 50)
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(OPENAI_LOCAL_URL).mock(return_value=endless)
        model = LiteLLMInterviewer(
            LLMSettings(model="openai/gemma", api_base=OPENAI_LOCAL_BASE, timeout_s=20.0, deadline_s=60.0), clock=clock, sleep=lambda s: None
        )
        with partial_reply.listening(lambda text: None):
            assessment = evaluate(STORY, rubric, model)
    assert route.call_count == 1
    assert assessment.mode == "offline"
    assert assessment.notices[0].startswith("The model timed out (still writing at the time limit) after ")


def test_partial_questions_read_an_unfinished_reply() -> None:
    text = '{"followups": [{"question": "What did \\"rollback\\" mean here?", "targets": []}, {"question": "How lo'
    assert partial_reply.partial_questions(text) == ['What did "rollback" mean here?', "How lo…"]
    assert partial_reply.partial_questions('{"followups": [') == []


def test_no_listener_means_no_streaming(rubric: Rubric) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(OPENAI_LOCAL_URL).mock(return_value=openai_chat(REPLY))
        LiteLLMInterviewer(LLMSettings(model="openai/gemma", api_base=OPENAI_LOCAL_BASE)).ask(
            story=STORY, question=rubric.question, assessment=score(STORY, rubric), rubric=rubric
        )
    assert "stream" not in body(route)


def test_a_streamed_connection_failure_is_translated(rubric: Rubric) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(OPENAI_LOCAL_URL).mock(side_effect=httpx.ConnectError("refused"))
        with partial_reply.listening(lambda text: None):
            assessment = evaluate(
                STORY, rubric, LiteLLMInterviewer(LLMSettings(model="openai/gemma", api_base=OPENAI_LOCAL_BASE), sleep=lambda s: None)
            )
    assert route.call_count == 3
    assert assessment.notices[0].startswith("The model could not be reached 3 times")


@pytest.mark.parametrize(
    ("model", "api_base", "streamed"),
    [("openai/gemma", "http://127.0.0.1:8011/v1", True), ("openai/gemma", "http://localhost:8011/v1", True),
     ("openai/gemma", "http://gpu-box.internal:8000/v1", False), ("ollama_chat/llama3.1", None, False),
     ("gpt-4o-mini", None, False)],
)
def test_only_a_local_openai_compatible_server_is_streamed_to(model: str, api_base: str | None, streamed: bool) -> None:
    """Hanging up a streamed request stops llama.cpp's generation; a non-streamed one runs on for nobody."""
    from coach.config import llm_settings

    settings = llm_settings(model=model, api_base=api_base)
    assert settings is not None and settings.stream is streamed


def test_a_local_server_is_streamed_to_even_without_a_listener(rubric: Rubric) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(OPENAI_LOCAL_URL).mock(return_value=openai_sse([REPLY[:30], REPLY[30:]]))
        settings = LLMSettings(model="openai/gemma", api_base=OPENAI_LOCAL_BASE, stream=True)
        assessment = evaluate(STORY, rubric, LiteLLMInterviewer(settings))
    assert body(route)["stream"] is True and assessment.mode == "llm"
