"""The rubric is data: the engine names no criterion, and what it needs to know comes from the file."""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from coach.cli import main
from coach.errors import RubricError
from coach.rubric.loader import Detector, available_rubrics, load_rubric, parse_rubric_text
from coach.scoring.detectors import DETECTORS
from coach.scoring.followups import offline_followups
from coach.scoring.scorer import score

ROOT = Path(__file__).resolve().parent.parent.parent
ENGINE = sorted((ROOT / "coach").rglob("*.py"))


def _shipped_ids() -> tuple[set[str], set[str]]:
    item_ids: set[str] = set()
    component_ids: set[str] = set()
    for path in available_rubrics().values():
        rubric = load_rubric(str(path))
        item_ids |= rubric.ids()
        component_ids |= {c.id for c in rubric.components}
    return item_ids, component_ids


def test_the_engine_names_no_criterion_red_flag_or_component() -> None:
    item_ids, component_ids = _shipped_ids()
    found = []
    for path in ENGINE:
        text = path.read_text(encoding="utf-8")
        found += [f"{path.name}: {i}" for i in item_ids if re.search(rf"(?<![\w.]){re.escape(i)}(?![\w.])", text)]
        found += [f"{path.name}: {c!r}" for c in component_ids if re.search(rf"[\"']{re.escape(c)}[\"']", text)]
    assert not found, found


def test_one_detector_registry_matches_the_rubric_schema() -> None:
    assert set(typing.get_args(Detector)) == set(DETECTORS)


def test_schema_command_prints_a_schema_the_shipped_rubrics_satisfy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rubrics", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    for path in available_rubrics().values():
        jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"id": "x", "name": "x", "question": "q", "levels": [], "components": [],
                             "bogus": 1}, schema)


TINY: dict[str, Any] = {
    "id": "tiny", "name": "Tiny", "question": "Tell me about a time.",
    "levels": [{"level": 1, "label": "low", "min_score": 0}, {"level": 2, "label": "high", "min_score": 50}],
    "components": [
        {"id": "before", "name": "Before", "weight": 1, "colour": "#112233", "heading_words": ["earlier"],
         "criteria": [{"id": "before.context", "name": "Context", "description": "d", "followup": "What came before?",
                       "cues": {"any": ["before"]}}]},
        {"id": "after", "name": "After", "weight": 1, "heading_words": ["later on", "later"],
         "criteria": [{"id": "after.change", "name": "Change", "description": "d", "followup": "What changed?",
                       "cues": {"any": ["changed"]}}]},
    ],
    "red_flags": [
        {"id": "flag.nothing_changed", "name": "Nothing changed", "description": "d", "detector": "absent",
         "absent_when_met": ["after.change"], "cues": {"any": ["different"]}, "followup": "What changed?"},
        {"id": "flag.rude", "name": "Rude", "description": "d", "cues": {"any": ["idiot(s)"]},
         "followup": "How did you work with them?", "ask_when_raised": True},
    ],
}
STORY = ("I was there before it broke and we were all idiots about it, I think. We worked through it and "
         "I told my team what I saw and what we did next, and I was the one who stayed on it the whole night. "
         "Later on: everything was fine again the next morning and we went home.")


def test_headings_absence_flags_and_questions_come_from_the_file() -> None:
    rubric = parse_rubric_text(yaml.safe_dump(TINY))
    assessment = score(STORY, rubric)
    assert [s.component for s in assessment.segments][-1] == "after"  # "Later on:" heading
    assert assessment.red_flags["flag.nothing_changed"].raised
    assert assessment.red_flags["flag.rude"].raised
    questions = [f.question for f in offline_followups(assessment, rubric)]
    assert questions[0] == "How did you work with them?"
    changed = score(STORY + " Afterwards we changed the process.", rubric)
    assert not changed.red_flags["flag.nothing_changed"].raised


@pytest.mark.parametrize(
    ("change", "message"),
    [(lambda d: d["red_flags"][0].update(absent_when_met=["nope.x"]), "absent_when_met names unknown criterion"),
     (lambda d: d["components"][1].update(heading_words=["earlier"]), "heading word 'earlier' is used by"),
     (lambda d: d["components"][0].update(colour="blue"), "colour")],
)
def test_bad_rubric_data_is_named(change: Any, message: str) -> None:
    data = json.loads(json.dumps(TINY))
    change(data)
    with pytest.raises(RubricError, match=message):
        parse_rubric_text(yaml.safe_dump(data))
