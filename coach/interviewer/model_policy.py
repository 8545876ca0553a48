"""Which model the web app may call: the operator's, never one a caller names.

The web API's /score and /check_model take a model, an API base and an offline switch (the Settings
tab's fields). Trusting them would let any caller point the server, and the provider key LiteLLM
sends with every request, at an address of their choosing. So the operator decides at start:

- ``coach serve --model M [--api-base URL]`` (or COACH_MODEL / COACH_API_BASE): the model callers may use;
- ``--offline``: no endpoint ever calls a model, whatever a caller sends;
- ``--allow-caller-model`` (or COACH_ALLOW_CALLER_MODEL=1): callers may name any model and API base
  (a single-user app on the operator's own machine; never on a shared host).

A caller may always switch the model off (empty model, or the Offline box).
"""

from __future__ import annotations

import os
from dataclasses import replace

from coach.config import LLMSettings, llm_settings
from coach.errors import UsageError

ALLOW_ENV = "COACH_ALLOW_CALLER_MODEL"


def allow_caller_model_from_env() -> bool:
    return os.environ.get(ALLOW_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def caller_settings(model: str | None, api_base: str | None, offline: bool) -> LLMSettings | None:
    """Settings exactly as a caller gave them (only for an operator who opted in), or None for offline."""
    model = (model or "").strip()
    if offline or not model:
        return None
    settings = llm_settings(model=model, api_base=(api_base or "").strip() or None)
    if settings is not None and not (api_base or "").strip():
        settings = replace(settings, api_base=None)  # an emptied field means "no api base", not the env's
    return settings


def choose_settings(
    model: str | None,
    api_base: str | None,
    offline: bool,
    *,
    operator_model: str,
    operator_api_base: str,
    operator_offline: bool,
    allow_caller: bool,
) -> LLMSettings | None:
    """The settings for a caller's request: None (offline), the operator's, or a UsageError that says why not."""
    if operator_offline:
        return None
    if allow_caller:
        return caller_settings(model, api_base, offline)
    wanted, base = (model or "").strip(), (api_base or "").strip()
    if offline or not wanted:
        return None
    operator_model, operator_api_base = operator_model.strip(), operator_api_base.strip()
    if operator_model and wanted == operator_model and base in {"", operator_api_base}:
        return caller_settings(operator_model, operator_api_base, False)
    offered = f"only {operator_model}" if operator_model else "no model (it runs offline)"
    raise UsageError(
        f"this server offers {offered}; a model or API base named by the caller is refused unless the "
        "operator starts it with --allow-caller-model"
    )
