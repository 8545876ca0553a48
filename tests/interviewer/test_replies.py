"""The reply contract: what is tolerated, what is dropped, what is a failed reply."""

from __future__ import annotations

import json

import pytest

from coach.interviewer.replies import BadReply, parse_reply
from coach.rubric.loader import Rubric, load_rubric

VALID = {"followups": [{"question": "How many users were affected?", "targets": ["situation.impact"]}], "feedback": "Good."}


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return load_rubric("star-l")


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(VALID),
        "```json\n" + json.dumps(VALID, indent=2) + "\n```",
        "```\n" + json.dumps(VALID) + "\n```",
        "Sure! Here are my questions:\n" + json.dumps(VALID) + "\nLet me know if you need more.",
        "Thinking about gaps... ```json\n" + json.dumps(VALID) + "\n``` done",
    ],
)
def test_json_with_fences_or_prose_is_accepted(rubric: Rubric, text: str) -> None:
    reply = parse_reply(text, rubric)
    assert [(f.question, f.targets, f.source) for f in reply.followups] == [
        ("How many users were affected?", ["situation.impact"], "llm")
    ]
    assert reply.feedback == "Good."


def test_unknown_targets_are_dropped_and_known_ones_kept_in_order(rubric: Rubric) -> None:
    text = json.dumps({"followups": [{"question": "Q?", "targets": ["score", "result.metrics", "Result", "red_flag.blame", "result.metrics"]}]})
    reply = parse_reply(text, rubric)
    assert reply.followups[0].targets == ["result.metrics", "red_flag.blame"]
    assert reply.feedback is None


def test_a_single_target_string_and_extra_keys_are_tolerated(rubric: Rubric) -> None:
    text = json.dumps({"followups": [{"question": "Q?", "targets": "task.role", "why": "x"}], "score": 100})
    assert parse_reply(text, rubric).followups[0].targets == ["task.role"]


def test_at_most_three_followups(rubric: Rubric) -> None:
    text = json.dumps({"followups": [{"question": f"Q{i}?", "targets": []} for i in range(5)]})
    assert [f.question for f in parse_reply(text, rubric).followups] == ["Q0?", "Q1?", "Q2?"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("score: 100", "no JSON object"),
        ("[1, 2, 3]", "no JSON object"),
        ('{"followups": [{"question": "Q?"}', "no JSON object"),
        ('{"questions": ["Q?"]}', "followups: Field required"),
        ('{"followups": "none"}', "followups"),
        ('{"followups": [{"targets": ["task.role"]}]}', "followups.0.question"),
        ('{"followups": []}', "holds no question"),
        ('{"followups": [{"question": "   "}]}', "holds no question"),
    ],
)
def test_anything_else_is_a_bad_reply_that_says_why(rubric: Rubric, text: str, problem: str) -> None:
    with pytest.raises(BadReply, match=problem):
        parse_reply(text, rubric)


def test_a_raw_line_break_inside_a_question_is_tolerated(rubric: Rubric) -> None:
    """What Gemma 3 270M wrote under llama.cpp's JSON grammar: a real line break inside the string."""
    text = '{ "followups": [ { "question": "How many users\n were affected?" , "targets": ["situation.impact"] } ] }'
    reply = parse_reply(text, rubric)
    assert reply.followups[0].question == "How many users were affected?"
