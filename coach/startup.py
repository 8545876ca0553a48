"""Environment defaults, set once at start-up, before litellm or gradio is imported.

Each is a default, not an order: ``os.environ.setdefault`` keeps a value the user set themselves.
The entry points (coach.cli, app.py) call :func:`apply_env_defaults` first thing; coach.interviewer.llm and
coach.web.ui, which load LiteLLM and Gradio, call it too, so a program that uses coach as a library gets the same.
"""

from __future__ import annotations

import os

#: For every command: LiteLLM reads its bundled price list instead of downloading one at import.
DEFAULTS: dict[str, str] = {"LITELLM_LOCAL_MODEL_COST_MAP": "True"}
#: For the web app too: no gradio analytics, no Hugging Face hub look-ups (gradio_client asks otherwise).
#: Not for `coach transcribe`, which may download its speech model from the hub.
WEB_DEFAULTS: dict[str, str] = {"GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}


def apply_env_defaults(*, web: bool = False) -> None:
    """Set the defaults the user has not set; ``web`` adds the web app's."""
    for name, value in {**DEFAULTS, **(WEB_DEFAULTS if web else {})}.items():
        os.environ.setdefault(name, value)
