"""LLM settings from the environment: COACH_TEMPERATURE accepts its whole range, 0 included."""

from __future__ import annotations

import pytest

from coach.config import DEFAULT_TEMPERATURE, llm_settings
from coach.errors import UsageError


@pytest.fixture(autouse=True)
def a_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_MODEL", "openai/gpt-4o-mini")
    monkeypatch.delenv("COACH_TEMPERATURE", raising=False)


@pytest.mark.parametrize(("raw", "expected"), [("0", 0.0), ("0.0", 0.0), ("0.7", 0.7), ("2", 2.0), (" 1 ", 1.0)])
def test_temperature_edges_accepted(monkeypatch: pytest.MonkeyPatch, raw: str, expected: float) -> None:
    monkeypatch.setenv("COACH_TEMPERATURE", raw)
    settings = llm_settings()
    assert settings is not None and settings.temperature == expected


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_temperature_unset_is_the_default(monkeypatch: pytest.MonkeyPatch, raw: str | None) -> None:
    if raw is not None:
        monkeypatch.setenv("COACH_TEMPERATURE", raw)
    settings = llm_settings()
    assert settings is not None and settings.temperature == DEFAULT_TEMPERATURE


@pytest.mark.parametrize(("raw", "message"), [
    ("-0.1", "between 0 and 2"), ("2.01", "between 0 and 2"), ("nan", "between 0 and 2"), ("inf", "between 0 and 2"),
    ("warm", "is not a number"),
])
def test_temperature_out_of_range_is_one_clear_error(monkeypatch: pytest.MonkeyPatch, raw: str, message: str) -> None:
    monkeypatch.setenv("COACH_TEMPERATURE", raw)
    with pytest.raises(UsageError, match=message):
        llm_settings()


def test_timeouts_still_must_be_positive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_TIMEOUT", "0")
    with pytest.raises(UsageError, match="COACH_TIMEOUT must be greater than 0"):
        llm_settings()
