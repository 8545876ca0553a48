"""The rubric is data: star-l's public ids, validation of malformed files, `coach rubrics`, user rubrics."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from coach.cli import main
from coach.errors import RubricError
from coach.rubric.loader import load_rubric, parse_rubric_file
from tests.support.contract_ids import COMPONENTS, CRITERIA, LEVEL_LABELS, RED_FLAGS

pytestmark = pytest.mark.usefixtures("no_model_env")


# --- the shipped STAR-L rubric ----------------------------------------------------------------------


def test_star_l_has_the_public_ids_of_design_md() -> None:
    rubric = load_rubric("star-l")
    assert rubric.id == "star-l"
    assert [c.id for c in rubric.components] == COMPONENTS
    assert [c.id for c in rubric.criteria()] == CRITERIA
    assert [f.id for f in rubric.red_flags] == RED_FLAGS
    for component in rubric.components:
        assert all(c.id.startswith(component.id + ".") for c in component.criteria)


def test_star_l_levels_and_labels() -> None:
    rubric = load_rubric("star-l")
    assert [lv.label for lv in sorted(rubric.levels, key=lambda lv: lv.level)] == LEVEL_LABELS
    assert rubric.level_for(0).level == 1 and rubric.level_for(100).level == 5


@pytest.mark.parametrize("criterion_id", CRITERIA)
def test_every_criterion_is_documented_and_has_examples(criterion_id: str) -> None:
    criterion = load_rubric("star-l").criterion(criterion_id)
    assert criterion.description.strip()
    assert criterion.followup.strip().endswith("?")
    assert criterion.examples.met, "needs at least one example that meets it"
    assert criterion.examples.missing, "needs at least one example that does not"


@pytest.mark.parametrize("flag_id", RED_FLAGS)
def test_every_red_flag_is_documented_and_has_examples(flag_id: str) -> None:
    flag = next(f for f in load_rubric("star-l").red_flags if f.id == flag_id)
    assert flag.description.strip() and flag.followup.strip()
    assert flag.examples.met and flag.examples.missing


def test_load_by_id_and_by_path_agree(repo_root: Path) -> None:
    by_id = load_rubric("star-l")
    by_path = load_rubric(str(repo_root / "rubrics" / "star-l.yaml"))
    assert by_id.model_dump() == by_path.model_dump()


def test_unknown_rubric_id_is_a_rubric_error() -> None:
    with pytest.raises(RubricError) as exc:
        load_rubric("no-such-rubric")
    assert "no-such-rubric" in str(exc.value) and "star-l" in str(exc.value)
    assert exc.value.exit_code == 2


# --- malformed rubric files -------------------------------------------------------------------------

TINY: dict[str, Any] = {
    "id": "clarity",
    "name": "Clarity check",
    "question": "Tell me about a time you explained something hard.",
    "levels": [
        {"level": 1, "label": "unclear", "min_score": 0},
        {"level": 2, "label": "clear", "min_score": 50},
    ],
    "components": [
        {
            "id": "clarity",
            "name": "Clarity",
            "weight": 1.0,
            "criteria": [
                {
                    "id": "clarity.analogy",
                    "name": "Uses an analogy",
                    "description": "Explains with an analogy.",
                    "cues": {"any": ["like a", "analogy", "as if", "think of it as"]},
                    "followup": "What analogy did you use?",
                    "examples": {"met": ["I said it works like a library card."], "missing": ["I explained it."]},
                },
                {
                    "id": "clarity.audience",
                    "name": "Names the audience",
                    "description": "Says who the explanation was for.",
                    "cues": {"any": ["customer(s)", "executive(s)", "manager(s)", "student(s)", "audience"]},
                    "followup": "Who were you explaining it to?",
                    "followup_after": "clarity.analogy",
                },
            ],
        }
    ],
    "red_flags": [],
}


def _write_rubric(tmp_path: Path, data: Any, name: str = "rubric.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _mutated(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(TINY)
    change(data)
    return data


def _first_criterion(data: dict[str, Any]) -> dict[str, Any]:
    return data["components"][0]["criteria"][0]


def test_the_tiny_rubric_is_valid(tmp_path: Path) -> None:
    rubric = parse_rubric_file(_write_rubric(tmp_path, TINY))
    assert [c.id for c in rubric.criteria()] == ["clarity.analogy", "clarity.audience"]


# (case id, mutation, words the message must contain besides the file name)
MALFORMED = [
    ("missing-field", lambda d: _first_criterion(d).pop("followup"),
     ["components[clarity].criteria[clarity.analogy].followup", "required"]),
    ("missing-top-field", lambda d: d.pop("question"), ["question", "required"]),
    ("wrong-type", lambda d: d["components"][0].update(weight="heavy"),
     ["components[clarity].weight"]),
    ("wrong-type-list", lambda d: _first_criterion(d)["cues"].update(any="not a list"),
     ["components[clarity].criteria[clarity.analogy].cues.any"]),
    ("bad-regex", lambda d: _first_criterion(d)["cues"].update(any=[{"pattern": "(unclosed", "why": "test"}]),
     ["components[clarity].criteria[clarity.analogy].cues.any", "regular expression", "(unclosed"]),
    ("bad-cue-word", lambda d: _first_criterion(d)["cues"].update(any=["(unclosed"]),
     ["components[clarity].criteria[clarity.analogy].cues.any", "cannot read", "(unclosed"]),
    ("hostile-pattern", lambda d: _first_criterion(d)["cues"].update(any=[{"pattern": "(a+)+$", "why": "test"}]),
     ["components[clarity].criteria[clarity.analogy].cues.any", "nested repetition"]),
    ("pattern-without-why", lambda d: _first_criterion(d)["cues"].update(any=[{"pattern": "a"}]),
     ["components[clarity].criteria[clarity.analogy].cues.any"]),
    ("duplicate-id", lambda d: d["components"][0]["criteria"][1].update(id="clarity.analogy"),
     ["clarity.analogy", "twice"]),
    ("id-without-prefix", lambda d: _first_criterion(d).update(id="analogy"),
     ["components[clarity]", "analogy", "clarity."]),
    ("unknown-detector", lambda d: _first_criterion(d).update(detector="magic"),
     ["components[clarity].criteria[clarity.analogy].detector"]),
    ("unknown-followup-after", lambda d: d["components"][0]["criteria"][1].update(followup_after="clarity.nope"),
     ["followup_after", "clarity.nope"]),
    ("unknown-field", lambda d: _first_criterion(d).update(weigth=2),
     ["components[clarity].criteria[clarity.analogy].weigth"]),
    ("no-components", lambda d: d.update(components=[]), ["components"]),
]


@pytest.mark.parametrize(("case", "change", "words"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_rubric_names_file_and_field(case: str, change: Any, words: list[str], tmp_path: Path) -> None:
    path = _write_rubric(tmp_path, _mutated(change), f"{case}.yaml")
    with pytest.raises(RubricError) as exc:
        parse_rubric_file(path)
    message = str(exc.value)
    assert str(path) in message
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert "\n" not in message


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = _write_rubric(tmp_path, "id: x\nname: y\ncomponents:\n  - id: a\n    name: [unclosed\n", "bad.yaml")
    with pytest.raises(RubricError) as exc:
        parse_rubric_file(path)
    message = str(exc.value)
    assert str(path) in message and "invalid YAML" in message and "line " in message


@pytest.mark.parametrize("content", ["", "just a string\n", "- a\n- list\n"], ids=["empty", "scalar", "list"])
def test_rubric_that_is_not_a_mapping(content: str, tmp_path: Path) -> None:
    path = _write_rubric(tmp_path, content, "odd.yaml")
    with pytest.raises(RubricError) as exc:
        parse_rubric_file(path)
    assert str(path) in str(exc.value)


def test_rubric_file_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes("id: caf\u00e9\n".encode("latin-1"))
    with pytest.raises(RubricError) as exc:
        parse_rubric_file(path)
    assert str(path) in str(exc.value) and "UTF-8" in str(exc.value)


# --- `coach rubrics list / show / validate` ---------------------------------------------------------


def test_rubrics_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rubrics", "list"]) == 0
    out = capsys.readouterr().out
    assert "star-l" in out and "15 criteria" in out and "4 red flags" in out


def test_rubrics_show_prints_loadable_yaml(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rubrics", "show", "star-l"]) == 0
    shown = yaml.safe_load(capsys.readouterr().out)
    assert shown["id"] == "star-l"
    assert [c["id"] for comp in shown["components"] for c in comp["criteria"]] == CRITERIA


def test_rubrics_show_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rubrics", "show", "nope"]) == 2
    assert "nope" in capsys.readouterr().err


def test_rubrics_validate_good_file(repo_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rubrics", "validate", str(repo_root / "rubrics" / "star-l.yaml")]) == 0
    assert "ok" in capsys.readouterr().out
    assert main(["rubrics", "validate", str(_write_rubric(tmp_path, TINY))]) == 0
    assert "'clarity'" in capsys.readouterr().out


def test_rubrics_validate_broken_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write_rubric(tmp_path, _mutated(lambda d: _first_criterion(d).update(detector="magic")), "broken.yaml")
    assert main(["rubrics", "validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert str(path) in lines[0] and "detector" in lines[0]


def test_rubrics_validate_subprocess(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = run_cli(["rubrics", "validate", str(_write_rubric(tmp_path, TINY, "good.yaml"))])
    assert good.returncode == 0, good.stderr
    bad = run_cli(["rubrics", "validate", str(_write_rubric(tmp_path, "id: [\n", "bad.yaml"))])
    assert bad.returncode == 2
    assert "bad.yaml" in bad.stderr and "Traceback" not in bad.stderr


# --- a user's own rubric, no Python touched ---------------------------------------------------------


def test_user_rubric_file_scores_a_story(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rubric = _write_rubric(tmp_path, TINY, "clarity.yaml")
    story = tmp_path / "story.txt"
    story.write_text(
        "Last year I had to explain our new billing system to the customers who were confused by it. "
        "I told them it works like a prepaid phone card: you top it up and then spend it down. "
        "After that the support tickets about billing went down and people understood the change.",
        encoding="utf-8",
    )
    assert main(["score", str(story), "--rubric", str(rubric), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rubric"] == "clarity"
    assert list(data["components"]) == ["clarity"]
    assert list(data["criteria"]) == ["clarity.analogy", "clarity.audience"]
    assert data["criteria"]["clarity.analogy"]["met"] is True
    assert data["criteria"]["clarity.audience"]["met"] is True
    assert data["red_flags"] == {}
    assert data["level_label"] in {"unclear", "clear"}
    for result in data["criteria"].values():
        for span in result["evidence"]:
            assert story.read_text(encoding="utf-8")[span["start"] : span["end"]] == span["text"]
    # Text and markdown reports render a rubric they have never seen.
    assert main(["score", str(story), "--rubric", str(rubric)]) == 0
    assert "[clarity.analogy]" in capsys.readouterr().out
    assert main(["score", str(story), "--rubric", str(rubric), "--format", "markdown"]) == 0
    assert "`clarity.audience`" in capsys.readouterr().out
