"""HTTP replies of the backends LiteLLM talks to, for respx mocks (see ../shared/RECIPES.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

OPENAI_LOCAL_BASE = "http://127.0.0.1:8000/v1"
OPENAI_LOCAL_URL = f"{OPENAI_LOCAL_BASE}/chat/completions"
OPENAI_HOSTED_URL = "https://api.openai.com/v1/chat/completions"
OLLAMA_BASE = "http://127.0.0.1:11434"
#: A key shaped like a real one; tests assert it appears in no output, notice, error or log record.
SECRET_KEY = "sk-test-SECRET-9f8e7d6c5b4a39281706"
#: coach's own settings that a user's shell may set and that would change what a test's model call does.
COACH_LLM_ENV = ("COACH_MODEL", "COACH_API_BASE", "COACH_REDACT", "COACH_TIMEOUT", "COACH_DEADLINE")


def isolated_litellm(monkeypatch: pytest.MonkeyPatch, key: str | None = SECRET_KEY) -> Iterator[None]:
    """For a fixture: a fake provider key (unless None), none of coach's LLM settings from the
    environment, and LiteLLM's client cache flushed before and after (respx must see fresh clients)."""
    from coach.interviewer.llm import load_litellm  # sets LITELLM_LOCAL_MODEL_COST_MAP before the import

    if key is not None:
        monkeypatch.setenv("OPENAI_API_KEY", key)
    for name in COACH_LLM_ENV:
        monkeypatch.delenv(name, raising=False)
    litellm = load_litellm()
    litellm.in_memory_llm_clients_cache.flush_cache()
    yield
    litellm.in_memory_llm_clients_cache.flush_cache()


def followups_json(*items: tuple[str, list[str]], feedback: str | None = "Lead with the impact.") -> str:
    body: dict[str, Any] = {"followups": [{"question": q, "targets": t} for q, t in items]}
    if feedback is not None:
        body["feedback"] = feedback
    return json.dumps(body)


def openai_chat(content: str) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": "test-model",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        },
    )


def openai_error(status: int, message: str = "server error", headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, headers=headers or {}, json={"error": {"message": message, "type": "error", "code": None}})


def ollama_generate(content: str) -> httpx.Response:
    return httpx.Response(
        200,
        json={"model": "llama3.1", "created_at": "2026-01-01T00:00:00Z", "response": content, "done": True,
              "prompt_eval_count": 10, "eval_count": 10},
    )


def ollama_chat(content: str) -> httpx.Response:
    return httpx.Response(
        200,
        json={"model": "llama3.1", "created_at": "2026-01-01T00:00:00Z",
              "message": {"role": "assistant", "content": content}, "done": True,
              "prompt_eval_count": 10, "eval_count": 10},
    )


def openai_sse(chunks: list[str]) -> httpx.Response:
    """A streamed chat completion: one SSE event per chunk, then [DONE]."""
    events = []
    for i, text in enumerate(chunks):
        delta: dict[str, Any] = {"content": text}
        if i == 0:
            delta["role"] = "assistant"
        events.append({"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 1_700_000_000,
                       "model": "test-model", "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
    events.append({"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 1_700_000_000,
                   "model": "test-model", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body.encode())


def sent_messages(request: httpx.Request) -> list[dict[str, Any]]:
    """The chat messages (or the ollama prompt, as one message) a captured request carried."""
    body = json.loads(request.content)
    if "messages" in body:
        return list(body["messages"])
    return [{"role": "user", "content": body.get("prompt", "")}]


def sent_text(request: httpx.Request) -> str:
    return "\n".join(str(m.get("content", "")) for m in sent_messages(request))
