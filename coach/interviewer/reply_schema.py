"""The interviewer's reply as a JSON Schema, and the token budget that schema needs.

A server that constrains decoding to a schema (llama.cpp's server, Ollama: both turn it into a
grammar) can only produce a reply of the contract's shape, with rubric ids as targets, and — thanks
to the length limits below — one that always ends within :func:`reply_max_tokens`. Elsewhere the
same limits are asked for in the prompt and :mod:`coach.interviewer.replies` enforces the shape afterwards.
"""

from __future__ import annotations

from typing import Any

from coach.interviewer.prompts import MAX_FOLLOWUPS, valid_target_ids
from coach.rubric.loader import Rubric

#: Longest follow-up question the schema allows (a 25-word question is ~150 characters).
QUESTION_MAX_CHARS = 160
#: Longest coaching sentence in the reply (optional); the streamed coaching prose is a separate call.
FEEDBACK_MAX_CHARS = 160
MAX_TARGETS = 2
#: Worst case for English text: about 3 characters per token (typical is ~4).
_CHARS_PER_TOKEN = 3
#: Keys, quotes, brackets and one target id per entry, in tokens (ids are ~5 tokens each).
_PER_FOLLOWUP_OVERHEAD = 12 + 6 * MAX_TARGETS
_REPLY_OVERHEAD = 16


def reply_schema(rubric: Rubric) -> dict[str, Any]:
    """``{"followups": [{"question", "targets"}], "feedback"}`` with the rubric's ids as the only targets."""
    return {
        "type": "object",
        "properties": {
            "followups": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_FOLLOWUPS,
                "items": {
                    "type": "object",
                    "properties": {
                        "question": {"type": "string", "minLength": 10, "maxLength": QUESTION_MAX_CHARS},
                        "targets": {
                            "type": "array",
                            "maxItems": MAX_TARGETS,
                            "items": {"type": "string", "enum": valid_target_ids(rubric)},
                        },
                    },
                    "required": ["question", "targets"],
                    "additionalProperties": False,
                },
            },
            "feedback": {"type": "string", "maxLength": FEEDBACK_MAX_CHARS},
        },
        "required": ["followups"],  # feedback optional: a small model may stop after the questions
        "additionalProperties": False,
    }


def response_format(rubric: Rubric, *, openai_compatible_server: bool) -> dict[str, Any]:
    """LiteLLM's ``response_format`` asking for the schema.

    OpenAI's own form (``json_schema``) is what hosted models and LiteLLM's Ollama path take (it
    becomes Ollama's ``format``). A self-hosted OpenAI-compatible server gets the older
    ``json_object`` + ``schema`` form: llama-cpp-python's server reads only that one, and llama.cpp's
    own server reads both.
    """
    schema = reply_schema(rubric)
    if openai_compatible_server:
        return {"type": "json_object", "schema": schema}
    return {"type": "json_schema", "json_schema": {"name": "interviewer_reply", "schema": schema, "strict": False}}


def reply_max_tokens() -> int:
    """Tokens a complete reply can need at most under the schema's limits (so never cut mid-JSON)."""
    question = QUESTION_MAX_CHARS // _CHARS_PER_TOKEN + _PER_FOLLOWUP_OVERHEAD
    return MAX_FOLLOWUPS * question + FEEDBACK_MAX_CHARS // _CHARS_PER_TOKEN + _REPLY_OVERHEAD
