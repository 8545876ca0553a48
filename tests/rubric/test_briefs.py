"""The incident briefs bank: validated on load, covers the scenarios, and every model message is a
model — it meets every criterion of its drill's rubric and raises no red flag."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from coach.errors import RubricError
from coach.rubric.briefs import DRILLS, load_briefs, parse_briefs
from coach.rubric.loader import available_rubrics, load_rubric
from coach.scoring.scorer import score

BANK = load_briefs()


def test_bank_has_twelve_briefs_covering_the_four_ml_scenarios_and_non_ml() -> None:
    assert len(BANK.briefs) >= 12
    scenarios = {brief.scenario for brief in BANK.briefs}
    assert scenarios == {"gradual-degradation", "sudden-drop", "latency-spike", "silent-failure", "non-ml"}
    assert sum(brief.scenario == "non-ml" for brief in BANK.briefs) >= 3


@pytest.mark.parametrize("drill", DRILLS)
@pytest.mark.parametrize("brief_id", [brief.id for brief in BANK.briefs])
def test_model_message_meets_its_rubric(brief_id: str, drill: str) -> None:
    message = BANK.get(brief_id).model.for_drill(drill)
    assessment = score(message, load_rubric(drill))
    missing = [cid for cid, result in assessment.criteria.items() if not result.met]
    raised = [fid for fid, flag in assessment.red_flags.items() if flag.raised]
    assert not missing and not raised, f"{brief_id} {drill}: missing {missing}, raised {raised}"
    assert assessment.overall == 100


def test_every_drill_has_a_rubric() -> None:
    assert set(DRILLS) <= set(available_rubrics())


def test_malformed_bank_names_the_file_and_the_field(tmp_path: Path) -> None:
    bad = "briefs:\n  - id: x1\n    title: T\n    scenario: meteor-strike\n    brief: A brief long enough to pass.\n    model: {}\n"
    with pytest.raises(RubricError) as exc:
        parse_briefs(bad, "my-briefs.yaml")
    assert "my-briefs.yaml" in str(exc.value) and "scenario" in str(exc.value)


def test_duplicate_brief_ids_are_an_error() -> None:
    one = BANK.briefs[0].model_dump(by_alias=True)
    raw = yaml.safe_dump({"briefs": [one, one]})
    with pytest.raises(RubricError) as exc:
        parse_briefs(raw, "dup.yaml")
    assert "used twice" in str(exc.value)


def test_unknown_brief_id_names_the_known_ones() -> None:
    with pytest.raises(KeyError) as exc:
        BANK.get("nope")
    assert BANK.briefs[0].id in str(exc.value)
