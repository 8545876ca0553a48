"""LLM settings from flags and environment: which model, where, how long to wait, what to redact.

No model configured (no --model, no COACH_MODEL) or --offline → ``None``: offline mode, and
litellm is never imported. Provider keys are not read here: LiteLLM reads them from the
provider's own variables (OPENAI_API_KEY, ANTHROPIC_API_KEY, …), so they never pass through coach.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field, replace
from urllib.parse import urlparse

from coach.errors import UsageError

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_DEADLINE_S = 60.0
DEFAULT_TEMPERATURE = 0.3
#: The sampling temperatures providers accept (0 = most deterministic; OpenAI-style APIs stop at 2).
TEMPERATURE_RANGE = (0.0, 2.0)


@dataclass(frozen=True)
class LLMSettings:
    model: str
    api_base: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    deadline_s: float = DEFAULT_DEADLINE_S
    temperature: float = DEFAULT_TEMPERATURE
    redact_terms: tuple[str, ...] = field(default_factory=tuple)
    #: Stream replies, so that giving up at the time limit hangs up and the server stops generating.
    #: On for OpenAI-compatible servers on this machine (llama.cpp: one slot, a next call would queue).
    stream: bool = False

    @property
    def is_local(self) -> bool:
        """A model served from this machine: nothing leaves it, so nothing needs redacting by default."""
        if self.model.startswith(("ollama/", "ollama_chat/")) and not self.api_base:
            return True
        host = urlparse(self.api_base or "").hostname or ""
        return host in {"127.0.0.1", "localhost", "::1"} or host.startswith("127.")


def _env_float(name: str, default: float) -> float:
    """A positive number of seconds from the environment (unset or blank → ``default``)."""
    value = _env_number(name, default)
    if value <= 0:
        raise UsageError(f"{name} must be greater than 0")
    return value


def _env_temperature(name: str = "COACH_TEMPERATURE") -> float:
    """A temperature from the environment: 0 is valid (the most deterministic replies)."""
    value = _env_number(name, DEFAULT_TEMPERATURE)
    low, high = TEMPERATURE_RANGE
    if not low <= value <= high:  # NaN fails this too
        raise UsageError(f"{name} must be between {low:g} and {high:g}")
    return value


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{name}={raw!r} is not a number") from None
    return value


def llm_settings(
    model: str | None = None,
    api_base: str | None = None,
    offline: bool = False,
    redact: str | None = None,
) -> LLMSettings | None:
    if offline:
        return None
    model = (model or os.environ.get("COACH_MODEL") or "").strip()
    if not model:
        return None
    api_base = (api_base or os.environ.get("COACH_API_BASE") or "").strip() or None
    if api_base and urlparse(api_base).scheme not in {"http", "https"}:
        raise UsageError(f"--api-base {api_base!r} must be an http:// or https:// URL")
    redact_raw = redact if redact is not None else os.environ.get("COACH_REDACT", "")
    terms = tuple(t.strip() for t in redact_raw.split(",") if t.strip())
    settings = LLMSettings(
        model=model,
        api_base=api_base,
        timeout_s=_env_float("COACH_TIMEOUT", DEFAULT_TIMEOUT_S),
        deadline_s=_env_float("COACH_DEADLINE", DEFAULT_DEADLINE_S),
        temperature=_env_temperature(),
        redact_terms=terms,
    )
    if model.startswith("openai/") and api_base and settings.is_local:
        settings = replace(settings, stream=True)
    return settings


def llm_settings_from(args: argparse.Namespace) -> LLMSettings | None:
    return llm_settings(
        model=getattr(args, "model", None),
        api_base=getattr(args, "api_base", None),
        offline=getattr(args, "offline", False),
        redact=getattr(args, "redact", None),
    )
