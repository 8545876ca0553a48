"""Redaction of personal details before a story reaches a non-local model."""

from __future__ import annotations

import pytest

from coach.config import LLMSettings, llm_settings
from coach.interviewer.redact import redact, redact_terms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to jane.doe+ops@acme-bank.co.uk today", "write to [email] today"),
        ("see https://wiki.acme.com/inc/42?x=1. Then", "see [url]. Then"),
        ("or www.acme.com/status, later", "or [url], later"),
        ("call +1 415-555-0199 now", "call [phone] now"),
        ("call (415) 555-0199 now", "call [phone] now"),
        ("call 415.555.0199 now", "call [phone] now"),
        ("ring +44 20 7946 0958 or 020 7946 0958", "ring [phone] or [phone]"),
    ],
)
def test_patterns_are_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "error rate went from 12% to 0.4% and p99 latency dropped -30% to 120 ms",
        "we lost $1,500,000 (1500000 dollars) over 45 minutes",
        "on 2023-10-05 at 02:14 we moved from Python 3.9 to 3.11 and v2.3.1",
        "12 000 users, 3 4 5 retries, SEV-1 / P1, 10 engineers",
    ],
)
def test_metrics_times_and_versions_survive(text: str) -> None:
    assert redact(text) == text


def test_user_terms_whole_words_case_insensitive_longest_first() -> None:
    text = "Acme Bank and ACME told Bob; Bobby and Acmeville are other words."
    assert redact_terms(text, ["acme", "Acme Bank", "bob", " "]) == (
        "[redacted] and [redacted] told [redacted]; Bobby and Acmeville are other words."
    )
    assert redact_terms(text, []) == text


def test_patterns_off_keeps_them_but_still_hides_terms() -> None:
    text = "mail jane@globex.com at Acme"
    assert redact(text, ["Acme"], patterns=False) == "mail jane@globex.com at [redacted]"
    # A listed term is hidden even inside an address: the employer's domain names the employer.
    assert redact("jane@acme.com", ["Acme"], patterns=False) == "jane@[redacted].com"


@pytest.mark.parametrize(
    ("model", "api_base", "local"),
    [
        ("ollama/llama3.1", None, True),
        ("ollama_chat/llama3.1", "http://127.0.0.1:11434", True),
        ("openai/qwen", "http://localhost:8000/v1", True),
        ("openai/qwen", "http://gpu-box.lan:8000/v1", False),
        ("gpt-4o-mini", None, False),
        ("anthropic/claude-3-5-haiku", None, False),
    ],
)
def test_which_models_are_local(model: str, api_base: str | None, local: bool) -> None:
    assert LLMSettings(model=model, api_base=api_base).is_local is local


def test_terms_come_from_the_flag_or_coach_redact(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_REDACT", "Acme, Priya Raman ,")
    settings = llm_settings(model="gpt-4o-mini")
    assert settings is not None and settings.redact_terms == ("Acme", "Priya Raman")
    settings = llm_settings(model="gpt-4o-mini", redact="Globex")
    assert settings is not None and settings.redact_terms == ("Globex",)
