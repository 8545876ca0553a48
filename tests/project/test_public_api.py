"""The public Python API: ``coach.__all__`` is exactly this list (as httpx pins its exported members)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

import coach
from tests.conftest import REPO_ROOT, clean_env
from tests.support.core_stories import STRONG

# Adding a name is a decision (README, ARCHITECTURE.md); removing or renaming one breaks users' code.
PUBLIC_API = [
    "__version__",
    "score",
    "load_rubric",
    "available_rubrics",
    "DEFAULT_RUBRIC",
    "Rubric",
    "Assessment",
    "CriterionResult",
    "ComponentResult",
    "RedFlagResult",
    "FollowUp",
    "Span",
    "to_json",
    "to_text",
    "to_markdown",
    "evaluate",
    "Interviewer",
    "InterviewerReply",
    "LLMSettings",
    "CoachError",
    "UsageError",
    "RubricError",
    "InputError",
    "HistoryError",
    "LLMError",
]


def test_all_is_the_public_api() -> None:
    assert coach.__all__ == PUBLIC_API


@pytest.mark.parametrize("name", PUBLIC_API[1:])
def test_every_public_name_is_the_object_of_its_home_module(name: str) -> None:
    value = getattr(coach, name)
    home = coach._HOMES[name]
    assert getattr(importlib.import_module(home), name) is value
    if isinstance(value, type) or callable(value):  # the module that defines it, not one that re-exports it
        assert value.__module__ == home
    assert name in dir(coach)


def test_an_unknown_name_is_an_attribute_error_and_subpackages_still_import() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        coach.nope  # noqa: B018
    from coach import scoring

    assert scoring.__name__ == "coach.scoring"


def test_the_readme_example_scores_like_the_engine() -> None:
    from coach import Assessment, load_rubric, score, to_json, to_text
    from coach.report.render import to_json as engine_json
    from coach.scoring.scorer import score as engine_score

    rubric = load_rubric()
    assessment = score(STRONG, rubric)
    assert isinstance(assessment, Assessment)
    assert to_json(assessment) == engine_json(engine_score(STRONG, rubric))
    assert "Situation" in to_text(assessment, rubric)


def test_import_coach_is_light_and_names_load_on_first_use() -> None:
    probe = (
        "import json, sys, coach; before = sorted(m for m in sys.modules if m.startswith('coach')); "
        "from coach import score; after = set(sys.modules); "
        "print(json.dumps({'before': before, 'scorer': 'coach.scoring.scorer' in after, "
        "'heavy': sorted(m for m in ('litellm', 'gradio', 'faster_whisper') if m in after)}))"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, env=clean_env(), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"before": ["coach"], "scorer": True, "heavy": []}
