"""The scorer's Assessment is never changed after scoring: each layer (service, batch, practice)
adds follow-ups, notices, depth or the model's name to a copy it returns."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

import coach.batch.runner as runner
import coach.service as service
from coach.batch.readers import Row
from coach.batch.writers import LineEncoder
from coach.errors import LLMTimeout, UsageError
from coach.interviewer.questions import load_questions
from coach.models import Assessment
from coach.rubric.loader import Rubric, load_rubric
from coach.web import practice
from coach.web.practice import PracticeServices
from tests.support.core_stories import STRONG, VAGUE
from tests.support.fakes import FakeInterviewer, llm_reply

Scored = list[tuple[Assessment, str]]


@pytest.fixture
def rubric() -> Rubric:
    return load_rubric("star-l")


@pytest.fixture
def scored(monkeypatch: pytest.MonkeyPatch) -> Iterator[Scored]:
    """Every Assessment the scorer returned, with its JSON at that moment."""
    seen: Scored = []
    real: Callable[..., Assessment] = service.score_within

    def spy(*args: object, **kwargs: object) -> Assessment:
        result = real(*args, **kwargs)
        seen.append((result, result.model_dump_json()))
        return result

    monkeypatch.setattr(service, "score_within", spy)
    monkeypatch.setattr(runner, "score_within", spy)
    yield seen
    assert seen, "the scorer ran"
    for assessment, at_scoring in seen:
        assert assessment.model_dump_json() == at_scoring


@pytest.mark.parametrize("reply", [llm_reply(("How many users?", ["situation.impact"]), feedback="Good."), LLMTimeout(attempts=3), llm_reply()])
def test_evaluate_returns_a_new_assessment(scored: Scored, rubric: Rubric, reply: object) -> None:
    result = service.evaluate(VAGUE, rubric, FakeInterviewer(replies=[reply]), notices=["a notice"])  # type: ignore[list-item]
    assert result is not scored[0][0] and result.followups and "a notice" in result.notices
    assert result.mode == ("llm" if not isinstance(reply, BaseException) and reply.followups else "offline")  # type: ignore[attr-defined]


def test_evaluate_offline_with_a_scenario_depth(scored: Scored, rubric: Rubric) -> None:
    probing = load_questions().probing("ml-incident")
    result = service.evaluate(STRONG, rubric, None, probing=probing)
    assert result.followups or result.depth is not None


@pytest.mark.parametrize("followups", ["offline", "llm"])
def test_batch_rows_leave_the_score_as_it_was(scored: Scored, rubric: Rubric, followups: str) -> None:
    row_scorer = runner.RowScorer(rubric, LineEncoder("jsonl", rubric), followups, ["batch notice"])  # type: ignore[arg-type]
    staged = row_scorer.stage(Row(id="1", text=VAGUE))
    if followups == "llm":
        assert isinstance(staged, runner._Scored)
        outcome = runner.ask_row(row_scorer, FakeInterviewer(replies=[RuntimeError("bug")]), staged)
        assert "failed unexpectedly" in outcome.line
    else:
        assert isinstance(staged, runner.Outcome) and "batch notice" in staged.line


def test_practice_notices_go_on_a_copy(scored: Scored) -> None:
    def no_model(settings: object) -> None:
        raise UsageError("no such model")

    svc = PracticeServices(questions=load_questions(), make_interviewer=no_model, allow_caller_model=True)  # type: ignore[arg-type]
    first = practice.submit_answer(svc, "ml-incident", "", VAGUE, "openai/x", "", False, "star-l", None)
    assert "no such model" in first.state.current.session.assessment.notices[0]  # type: ignore[union-attr]
    practice.answer_in_chat(svc, "We were paged at 2am; I rolled back.", first.state)  # type: ignore[arg-type]
    assert len(scored) == 2
