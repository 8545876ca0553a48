"""The incident-communication drill rubrics: public ids, their own examples, the guide's example, the
form detectors (order, length, plain language, owned items), and `coach score/batch --rubric`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from coach.cli import main
from coach.errors import RubricError
from coach.rubric.loader import Cues, Pattern, Rubric, load_rubric, parse_rubric_text
from coach.scoring.scorer import score

pytestmark = pytest.mark.usefixtures("no_model_env")

#: DESIGN.md's public ids for the drills.
DRILL_IDS = {
    "exec-update": ["exec.impact", "exec.status", "exec.eta", "exec.next_update", "exec.order", "exec.plain", "exec.brief"],
    "tech-update": ["tech.known", "tech.investigating", "tech.need", "tech.order", "tech.specific", "tech.brief"],
    "postmortem": ["pm.timeline", "pm.root_cause", "pm.impact", "pm.action_items", "pm.owners", "pm.lessons", "pm.blameless"],
}
DRILL_FLAGS = ["flag.blame", "flag.speculation"]
GUIDE_EXEC = (
    "40% of transactions flagged incorrectly. Root cause identified - upstream data issue. "
    "Fix deploying now, ETA 15 minutes. Next update at 3:30 PM."
)
#: Detectors that judge the whole message's form: they quote no sentence as evidence.
_FORM = {"order", "length"}


def _rubric(drill: str) -> Rubric:
    return load_rubric(drill)


@pytest.mark.parametrize("drill", sorted(DRILL_IDS))
def test_drill_has_the_public_ids(drill: str) -> None:
    rubric = _rubric(drill)
    assert rubric.id == drill and not rubric.narrative
    assert [c.id for c in rubric.criteria()] == DRILL_IDS[drill]
    assert [f.id for f in rubric.red_flags] == DRILL_FLAGS


CASES = [
    pytest.param(drill, c.id, expected, text, id=f"{c.id}-{expected}-{i}")
    for drill in sorted(DRILL_IDS)
    for c in load_rubric(drill).criteria()
    for expected, texts in (("met", c.examples.met), ("missing", c.examples.missing))
    for i, text in enumerate(texts)
] + [
    pytest.param(drill, f.id, expected, text, id=f"{drill}-{f.id}-{expected}-{i}")
    for drill in sorted(DRILL_IDS)
    for f in load_rubric(drill).red_flags
    for expected, texts in (("met", f.examples.met), ("missing", f.examples.missing))
    for i, text in enumerate(texts)
]


@pytest.mark.parametrize("drill", sorted(DRILL_IDS))
def test_every_criterion_and_flag_has_examples_both_ways(drill: str) -> None:
    rubric = _rubric(drill)
    for item in [*rubric.criteria(), *rubric.red_flags]:
        assert item.examples.met and item.examples.missing, item.id
        assert item.description.strip() and item.followup.strip(), item.id


@pytest.mark.parametrize(("drill", "item_id", "expected", "text"), CASES)
def test_drill_example(drill: str, item_id: str, expected: str, text: str) -> None:
    rubric = _rubric(drill)
    assessment = score(text, rubric)
    if item_id.startswith("flag."):
        assert assessment.red_flags[item_id].raised is (expected == "met"), f"{item_id} should be {expected}: {text!r}"
        return
    result = assessment.criteria[item_id]
    assert result.met is (expected == "met"), f"{item_id} should be {expected}: {text!r}"
    if result.met and rubric.criterion(item_id).detector not in _FORM and rubric.criterion(item_id).params.max_hits is None:
        assert result.evidence, "a met criterion quotes its evidence"
    for span in result.evidence:
        assert text[span.start : span.end] == span.text


@pytest.mark.parametrize("drill", sorted(DRILL_IDS))
def test_drill_cues_are_word_lists(drill: str) -> None:
    """Drill cues read as words, one per line (coach.rubric.cuelang); a raw pattern only with its reason."""
    rubric = _rubric(drill)
    lists = [(c.id, c.cues) for c in rubric.criteria()] + [(f.id, f.cues) for f in rubric.red_flags]
    alternatives = [(item.id, alt) for item in [*rubric.criteria(), *rubric.red_flags] for alt in item.params.alternatives]
    for item_id, cues in [*lists, *alternatives]:
        entries = [*cues.any, *cues.unless, *(e for group in cues.also for e in group)]
        entries += [*cues.late, *cues.steps] if isinstance(cues, Cues) else []
        patterns = [e for e in entries if isinstance(e, Pattern) or (isinstance(e, dict) and "pattern" in e)]
        words = [e for e in entries if isinstance(e, str)]
        assert all("\\" not in w for w in words), f"{item_id}: a regular expression among the words"
        assert len(patterns) <= 1, f"{item_id}: {len(patterns)} raw patterns; write words"
        assert all((p.why if isinstance(p, Pattern) else p.get("why")) for p in patterns), f"{item_id}: a pattern needs its why"


# --- the guide's own examples ----------------------------------------------------------------------


def test_guide_exec_example_meets_every_exec_criterion() -> None:
    assessment = score(GUIDE_EXEC, _rubric("exec-update"))
    assert all(result.met for result in assessment.criteria.values()), assessment.criteria
    assert not any(flag.raised for flag in assessment.red_flags.values())
    assert assessment.overall >= 95 and assessment.notices == []


@pytest.mark.parametrize("drill", sorted(DRILL_IDS))
def test_working_on_it_scores_at_most_20(drill: str) -> None:
    assessment = score("Working on it, will update.", _rubric(drill))
    assert assessment.overall <= 20
    assert assessment.notices, "says why the score is capped"


def test_guide_tech_example_meets_every_tech_criterion() -> None:
    text = "merchant_risk_score feature returning nulls since 2 PM. Investigating partner API. Need access to their status page."
    assessment = score(text, _rubric("tech-update"))
    assert all(result.met for result in assessment.criteria.values()), assessment.criteria


def test_short_drill_messages_are_not_capped_as_non_stories() -> None:
    """STAR-L caps an answer that is not a story; a drill rubric says it expects none (narrative: false)."""
    exec_update = score(GUIDE_EXEC, _rubric("exec-update"))
    assert exec_update.is_story and exec_update.overall == 100
    star = score(GUIDE_EXEC, load_rubric("star-l"))
    assert not star.is_story and star.overall <= 10


# --- the form detectors ----------------------------------------------------------------------------


def test_order_checks_the_real_order_of_the_elements() -> None:
    rubric = _rubric("exec-update")
    reordered = "Next update at 3:30 PM. Fix deploying now, ETA 15 minutes. 40% of transactions flagged incorrectly."
    assert not score(reordered, rubric).criteria["exec.order"].met
    cause_first = "We are rolling back the release because of a bad config. About 20% of checkouts are failing."
    assert not score(cause_first, rubric).criteria["exec.order"].met
    tech = _rubric("tech-update")
    backwards = (
        "Need: bigger GPUs or approval to roll back. Investigating: whether we can shard the table. "
        "Known: ads-ctr-serving CUDA OOM since 06:20, 30% of ad requests on default ads."
    )
    result = score(backwards, tech)
    assert result.criteria["tech.known"].met and result.criteria["tech.need"].met and not result.criteria["tech.order"].met


def test_brief_counts_words_and_sentences() -> None:
    rubric = _rubric("exec-update")
    long = GUIDE_EXEC + " " + " ".join(["Customers in every region are affected by this problem today."] * 3)
    assert not score(long, rubric).criteria["exec.brief"].met


def test_plain_language_tolerates_one_term_not_a_stack() -> None:
    rubric = _rubric("exec-update")
    one = "About 22% of checkouts fail because the GPU servers are overloaded. Rolling back now, ETA 20 minutes."
    assert score(one, rubric).criteria["exec.plain"].met
    stack = "cert on api.partner.example.com expired, certbot DNS-01 failing (NXDOMAIN on _acme-challenge TXT)."
    assert not score(stack, rubric).criteria["exec.plain"].met


def test_owners_needs_an_owner_on_every_action_item() -> None:
    rubric = _rubric("postmortem")
    owned = "Action items:\n- Add schema tests on orders. Owner: Analytics Eng\n- Alert on failed loads (Data Platform)\n\nLessons: TBD"
    half = "Action items:\n- Add schema tests on orders (Analytics Eng)\n- Alert on failed loads\n\nLessons: TBD"
    assert score(owned, rubric).criteria["pm.action_items"].met and score(owned, rubric).criteria["pm.owners"].met
    assert score(half, rubric).criteria["pm.action_items"].met and not score(half, rubric).criteria["pm.owners"].met


def test_a_sequence_naming_an_unknown_criterion_is_a_rubric_error(repo_root: Path) -> None:
    data = yaml.safe_load((repo_root / "rubrics" / "exec-update.yaml").read_text(encoding="utf-8"))
    order = next(c for c in data["components"][0]["criteria"] if c["id"] == "exec.order")
    order["params"]["sequence"].append("exec.nope")
    with pytest.raises(RubricError) as exc:
        parse_rubric_text(yaml.safe_dump(data), "broken.yaml")
    assert "exec.nope" in str(exc.value) and "broken.yaml" in str(exc.value)


# --- CLI and batch ---------------------------------------------------------------------------------


def test_rubrics_list_shows_all_four(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rubrics", "list"]) == 0
    out = capsys.readouterr().out
    for rubric_id in ("star-l", "exec-update", "tech-update", "postmortem"):
        assert re.search(rf"^{rubric_id}\s", out, re.MULTILINE), out
    assert "briefs" not in out and "questions" not in out


def test_score_with_a_drill_rubric_prints_the_shared_json_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    msg = tmp_path / "msg.txt"
    msg.write_text(GUIDE_EXEC, encoding="utf-8")
    assert main(["score", str(msg), "--rubric", "exec-update", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rubric"] == "exec-update" and data["overall"] == 100 and data["mode"] == "offline"
    assert list(data["criteria"]) == DRILL_IDS["exec-update"] and list(data["red_flags"]) == DRILL_FLAGS
    assert data["criteria"]["exec.eta"]["evidence"][0]["text"] == "Fix deploying now, ETA 15 minutes."
    assert main(["score", str(msg), "--rubric", "exec-update"]) == 0
    assert capsys.readouterr().out.startswith("Score: 100/100")


def test_batch_with_a_drill_rubric(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "updates.csv"
    src.write_text(
        "id,answer\n"
        'a,"merchant_risk_score returning nulls since 14:00 UTC. Investigating partner API. Need access to their status page."\n'
        'b,"Kafka is lagging. Working on it."\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    assert main(["batch", str(src), "--rubric", "tech-update", "--out", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["a", "b"]
    assert all(line["rubric"] == "tech-update" for line in lines)
    assert lines[0]["overall"] == 100 and lines[1]["overall"] <= 20
    assert list(lines[0]["criteria"]) == DRILL_IDS["tech-update"]
