"""Assessment → JSON, a readable text report, or Markdown (coach/templates/score.*.j2). No I/O here: callers print."""

from __future__ import annotations

import json

from coach.models import Assessment
from coach.rubric.loader import Rubric
from coach.templating import render_template


def to_json(assessment: Assessment) -> str:
    """The public JSON contract; deterministic (same assessment → same bytes)."""
    return json.dumps(assessment.model_dump(mode="json"), ensure_ascii=False, indent=2)


def mode_line(assessment: Assessment) -> str:
    if assessment.mode == "llm":
        return f"mode: llm ({assessment.model}); the score comes from the rubric, the questions from the model"
    return "mode: offline (rubric only)"


def _heading(rubric: Rubric) -> str:
    """Stories are graded on STAR-L; a drill message (not a narrative) just has a score."""
    return "STAR-L score" if rubric.narrative else "Score"


def to_text(assessment: Assessment, rubric: Rubric) -> str:
    return render_template("score.txt.j2", **_context(assessment, rubric))


def to_markdown(assessment: Assessment, rubric: Rubric) -> str:
    return render_template("score.md.j2", **_context(assessment, rubric))


def _context(a: Assessment, rubric: Rubric) -> dict[str, object]:
    """What both reports show (coach/templates/score.*.j2 lay it out)."""
    return {
        "a": a,
        "rubric": rubric,
        "heading": _heading(rubric),
        "mode_line": mode_line(a),
        "flags": [(f, a.red_flags[f.id]) for f in rubric.red_flags if a.red_flags[f.id].raised],
    }
