"""The rendered reports, byte for byte: `coach score --format text/markdown` and the batch report
(HTML and Markdown), for stories that reach every branch (met/missing, red flags, depth, notices,
model follow-ups and prose with markup, a drill rubric, not a story, error rows with markup).

The expected files are in tests/data/golden/. After an intended change to a report, rewrite them
with ``COACH_WRITE_GOLDEN=1 pytest tests/report/test_report_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from coach.batch.report import Cohort, to_html
from coach.batch.report import to_markdown as batch_markdown
from coach.batch.writers import error_record, result_record, summary_of
from coach.interviewer.questions import load_questions
from coach.models import Assessment, FollowUp
from coach.report.render import to_markdown, to_text
from coach.rubric.loader import load_rubric
from coach.service import evaluate
from tests.support.core_stories import JUNK, PERSONAL_LESSON, STRONG, VAGUE, WE_ONLY
from tests.support.depth_stories import GUIDE_FRAUD

GOLDEN = Path(__file__).parent.parent / "data" / "golden"
MARKUP = 'Say *how* `many` <b>users</b> & [link](x) | # ~ $5 ! _x_ \\ <script>alert(1)</script>'


def _llm(assessment: Assessment) -> Assessment:
    """What a model adds: questions and prose with markup, a notice."""
    return assessment.model_copy(update={
        "mode": "llm", "model": "openai/gpt-4o-mini", "feedback": f"Good start.\n\n{MARKUP}",
        "followups": [FollowUp(question=MARKUP, targets=["situation.impact"], source="llm"),
                      FollowUp(question="What changed after?", targets=["learning.process", "learning.prevention"], source="llm")],
        "notices": [*assessment.notices, f"A notice with {MARKUP}"],
    })


def _assessments() -> dict[str, tuple[Assessment, str]]:
    star = load_rubric("star-l")
    scenario = load_questions().probing("model-degradation")
    return {
        "strong": (evaluate(STRONG, star), "star-l"),
        "vague-llm": (_llm(evaluate(VAGUE, star)), "star-l"),
        "we-only": (evaluate(WE_ONLY, star), "star-l"),
        "personal-lesson": (evaluate(PERSONAL_LESSON, star), "star-l"),
        "depth": (evaluate(GUIDE_FRAUD, star, probing=scenario), "star-l"),
        "not-a-story": (evaluate(next(iter(JUNK.values())), star), "star-l"),
        "drill": (evaluate("Status: checkout is down for 5% of users since 10:40; next update at 11:15.", load_rubric("exec-update")), "exec-update"),
    }


def _cohort() -> Cohort:
    star = load_rubric("star-l")
    cohort = Cohort(star, table_limit=6)
    stories = [STRONG, VAGUE, WE_ONLY, PERSONAL_LESSON, GUIDE_FRAUD]
    for i, story in enumerate(stories):
        cohort.add(summary_of(result_record(f"row-{i}<b>&", evaluate(story, star))))
    cohort.add(summary_of(error_record('<img src=x onerror="alert(1)"> | *id*', f"id 7: {MARKUP}\nsecond line")))
    cohort.add(summary_of(result_record("after-the-limit", evaluate(STRONG, star))))
    return cohort


def _outputs() -> dict[str, str]:
    out: dict[str, str] = {}
    for name, (assessment, rubric_id) in _assessments().items():
        rubric = load_rubric(rubric_id)
        out[f"score-{name}.txt"] = to_text(assessment, rubric)
        out[f"score-{name}.md"] = to_markdown(assessment, rubric)
    cohort = _cohort()
    out["batch.html"] = to_html(cohort, f"Batch report — {MARKUP}")
    out["batch.md"] = batch_markdown(cohort, f"Batch report — {MARKUP}")
    out["batch-empty.md"] = batch_markdown(Cohort(load_rubric("star-l")))
    return out


OUTPUTS = _outputs()


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_report_is_byte_identical_to_its_golden_file(name: str) -> None:
    path = GOLDEN / name
    if os.environ.get("COACH_WRITE_GOLDEN") == "1":
        path.write_bytes(OUTPUTS[name].encode("utf-8"))
    assert path.read_bytes().decode("utf-8") == OUTPUTS[name]


def test_the_cases_reach_every_branch() -> None:
    text = "".join(OUTPUTS.values())
    for needle in ("Technical depth", "Red flags: none", "⚑", "Follow-up questions", "Coaching", "Score: ",
                   "! A notice", "error: ", "The first 6 of 7 answers", "mode: llm (openai/gpt-4o-mini)"):
        assert needle in text, needle
    assert "<script>" not in OUTPUTS["batch.html"] and "<script>" not in OUTPUTS["score-vague-llm.md"]


def test_an_empty_batch_page() -> None:
    """(Not a golden file: it would repeat batch.html's page head.)"""
    page = to_html(Cohort(load_rubric("star-l")))
    assert "<div class=card><b>–</b>mean score</div>" in page and "<tbody>\n</tbody>" in page
    assert page.startswith("<!DOCTYPE html>\n") and page.endswith("</body></html>\n")


def test_templates_ship_inside_the_package() -> None:
    """coach/templates/ is package data: hatch's wheel (packages = ["coach"]) takes every file under coach/."""
    import coach
    from coach.templating import TEMPLATES, _environment

    assert TEMPLATES.parent == Path(coach.__file__).resolve().parent
    names = sorted(path.name for path in TEMPLATES.glob("*.j2"))
    assert names == ["batch_report.html.j2", "batch_report.md.j2", "score.md.j2", "score.txt.j2"]
    for name in names:
        assert _environment(name.endswith(".html.j2")).get_template(name) is not None
    assert _environment(True).autoescape is True and _environment(False).autoescape is False
