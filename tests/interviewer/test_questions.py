"""The question bank: the shipped file loads; a malformed one names the file, the field and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.errors import RubricError
from coach.interviewer.questions import load_questions, parse_questions
from coach.rubric.loader import available_rubrics


def test_shipped_bank_has_the_incident_question_and_the_four_scenarios() -> None:
    bank = load_questions()
    assert bank.default.text.startswith("Tell me about a time when a production ML system failed")
    assert "under pressure" in bank.default.text
    scenarios = {q.id for q in bank.questions if q.kind == "scenario"}
    assert scenarios == {"model-degradation", "sudden-drop", "latency-spike", "silent-failure"}
    for question in bank.questions:
        assert question.hints.symptoms and question.hints.causes and question.hints.investigation, question.id


def test_question_bank_is_not_mistaken_for_a_rubric() -> None:
    assert "questions" not in available_rubrics()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("questions: [", "invalid YAML"),
        ("- a list", "expected a mapping"),
        ("questions: []", "questions: List should have at least 1 item"),
        ("questions:\n  - {id: a, title: A, text: Q}\n  - {id: a, title: B, text: Q2}", "(top level): question id 'a' is used twice"),
        ("questions:\n  - {id: lat, title: A, text: ''}", "questions[lat].text:"),
        ("questions:\n  - {id: lat, title: A, text: Q, hint: {}}", "questions[lat].hint: Extra inputs are not permitted"),
        ("questions:\n  - {id: lat, title: A, text: Q, hints: {symptoms: 3}}", "questions[lat].hints.symptoms:"),
    ],
)
def test_malformed_bank_names_field_and_problem(text: str, expected: str) -> None:
    with pytest.raises(RubricError) as info:
        parse_questions(text, "bank.yaml")
    assert str(info.value).startswith("bank.yaml: ")
    assert expected in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RubricError, match="file not found"):
        load_questions(tmp_path / "none.yaml")
