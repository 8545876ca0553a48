"""Assessment → JSON, a readable text report, or Markdown. No I/O here: callers print."""

from __future__ import annotations

import json

from coach import depth_render
from coach.models import Assessment
from coach.rubric import Rubric
from coach.textfmt import clip, md_escape

_MAX_QUOTE = 160


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
    a = assessment
    lines = [
        f"{_heading(rubric)}: {a.overall}/100 — level {a.level} ({a.level_label})   [{rubric.name}]",
        "  " + "  ".join(f"{c.name} {c.score}" for c in a.components.values()),
        mode_line(a),
    ]
    lines += [f"! {notice}" for notice in a.notices]
    for component in rubric.components:
        lines.append("")
        lines.append(f"{component.name} ({a.components[component.id].score}/100)")
        for criterion in component.criteria:
            result = a.criteria[criterion.id]
            mark = "✓" if result.met else "✗"
            lines.append(f"  {mark} {criterion.name} [{criterion.id}]")
            if result.met:
                lines += [f'      "{clip(span.text, _MAX_QUOTE)}"' for span in result.evidence[:2]]
            else:
                lines.append(f"      missing: {criterion.description}")
    flags = [(f, a.red_flags[f.id]) for f in rubric.red_flags if a.red_flags[f.id].raised]
    lines.append("")
    lines.append("Red flags: " + ("none" if not flags else ""))
    for flag, raised in flags:
        lines.append(f"  ⚑ {flag.name} [{flag.id}]: {flag.description}")
        lines += [f'      "{clip(span.text, _MAX_QUOTE)}"' for span in raised.evidence[:2]]
    lines += depth_render.text_lines(a.depth)
    if a.followups:
        lines.append("")
        lines.append("Follow-up questions:")
        lines += [f"  {i}. {f.question}  ({', '.join(f.targets)})" for i, f in enumerate(a.followups, 1)]
    if a.feedback:
        lines += ["", "Coaching:", a.feedback]
    return "\n".join(lines) + "\n"


def to_markdown(assessment: Assessment, rubric: Rubric) -> str:
    a = assessment
    lines = [
        f"# {_heading(rubric)}: {a.overall}/100 — level {a.level} ({a.level_label})",
        "",
        f"*{md_escape(mode_line(a))}*",
        "",
    ]
    lines += [f"> **Note:** {md_escape(n)}" for n in a.notices]
    lines += ["", "| component | score | criteria met |", "|---|---:|---:|"]
    lines += [f"| {c.name} | {c.score} | {c.met}/{c.total} |" for c in a.components.values()]
    for component in rubric.components:
        lines += ["", f"## {component.name}", ""]
        for criterion in component.criteria:
            result = a.criteria[criterion.id]
            box = "x" if result.met else " "
            lines.append(f"- [{box}] **{criterion.name}** (`{criterion.id}`)")
            if result.met:
                lines += [f"  > {md_escape(clip(span.text, _MAX_QUOTE))}" for span in result.evidence[:2]]
            else:
                lines.append(f"  missing: {md_escape(criterion.description)}")
    lines += ["", "## Red flags", ""]
    raised = [f for f in rubric.red_flags if a.red_flags[f.id].raised]
    lines += [f"- **{f.name}** (`{f.id}`): {md_escape(f.description)}" for f in raised] or ["None."]
    lines += depth_render.markdown_lines(a.depth)
    if a.followups:
        lines += ["", "## Follow-up questions", ""]
        lines += [f"{i}. {md_escape(f.question)}" for i, f in enumerate(a.followups, 1)]
    if a.feedback:
        lines += ["", "## Coaching", "", md_escape(a.feedback)]
    return "\n".join(lines) + "\n"

