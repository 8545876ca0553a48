"""STAR-L Coach: a practice coach for behavioral interview stories.

The public Python API is what ``__all__`` lists (pinned by tests/project/test_public_api.py)::

    from coach import load_rubric, score, to_text

    rubric = load_rubric()                # the shipped STAR-L rubric, or an id or a path
    assessment = score(story, rubric)     # deterministic and offline: the same story, the same result
    print(to_text(assessment, rubric))

Each name is imported on first use, so ``import coach`` (and every ``coach`` command) stays light.
Everything else is internal and may move; ARCHITECTURE.md says where things live.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> the module that defines it
_HOMES: dict[str, str] = {
    # scoring a story
    "score": "coach.scoring.scorer",
    "load_rubric": "coach.rubric.loader",
    "available_rubrics": "coach.rubric.loader",
    "DEFAULT_RUBRIC": "coach.rubric.loader",
    "Rubric": "coach.rubric.loader",
    # what comes out
    "Assessment": "coach.models",
    "CriterionResult": "coach.models",
    "ComponentResult": "coach.models",
    "RedFlagResult": "coach.models",
    "FollowUp": "coach.models",
    "Span": "coach.models",
    "to_json": "coach.report.render",
    "to_text": "coach.report.render",
    "to_markdown": "coach.report.render",
    # score, then ask follow-ups (offline from the rubric, or from an interviewer)
    "evaluate": "coach.service",
    "Interviewer": "coach.service",
    "InterviewerReply": "coach.service",
    "LLMSettings": "coach.config",
    # the exception tree (coach/errors.py)
    "CoachError": "coach.errors",
    "UsageError": "coach.errors",
    "RubricError": "coach.errors",
    "InputError": "coach.errors",
    "HistoryError": "coach.errors",
    "LLMError": "coach.errors",
}

__all__ = ["__version__", *_HOMES]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'coach' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:  # what type checkers and editors see; at run time __getattr__ imports on demand
    from coach.config import LLMSettings as LLMSettings
    from coach.errors import CoachError as CoachError
    from coach.errors import HistoryError as HistoryError
    from coach.errors import InputError as InputError
    from coach.errors import LLMError as LLMError
    from coach.errors import RubricError as RubricError
    from coach.errors import UsageError as UsageError
    from coach.models import Assessment as Assessment
    from coach.models import ComponentResult as ComponentResult
    from coach.models import CriterionResult as CriterionResult
    from coach.models import FollowUp as FollowUp
    from coach.models import RedFlagResult as RedFlagResult
    from coach.models import Span as Span
    from coach.report.render import to_json as to_json
    from coach.report.render import to_markdown as to_markdown
    from coach.report.render import to_text as to_text
    from coach.rubric.loader import DEFAULT_RUBRIC as DEFAULT_RUBRIC
    from coach.rubric.loader import Rubric as Rubric
    from coach.rubric.loader import available_rubrics as available_rubrics
    from coach.rubric.loader import load_rubric as load_rubric
    from coach.scoring.scorer import score as score
    from coach.service import Interviewer as Interviewer
    from coach.service import InterviewerReply as InterviewerReply
    from coach.service import evaluate as evaluate
