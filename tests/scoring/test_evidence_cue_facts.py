"""The evidence trainer's fold splits and the cue-facts measurement (bench/evidence_cue_facts.py)."""

from __future__ import annotations

import math

import pytest

from coach.rubric.loader import load_rubric
from coach.scoring import evidence, scorer
from coach.scoring.detectors import new_facts
from coach.scoring.segment import segment
from tests.support import core_stories as stories

pytest.importorskip("sklearn")  # the trainer's own dependencies (numpy, scipy, scikit-learn): bench only
trainer = pytest.importorskip("bench.train_evidence_ranker")
cue_facts = pytest.importorskip("bench.evidence_cue_facts")

IDS = [f"s{k:03d}" for k in range(23)]


def test_the_usual_folds_take_every_fifth_sorted_id() -> None:
    assert trainer.fold_ids(list(reversed(IDS)), 5) == [set(IDS[k::5]) for k in range(5)]


@pytest.mark.parametrize("seed", ["1", "2"])
def test_a_seed_splits_the_same_stories_otherwise_and_always_alike(seed: str) -> None:
    folds = trainer.fold_ids(IDS, 5, seed)
    assert sorted(i for fold in folds for i in fold) == IDS  # each story held out exactly once
    assert folds == trainer.fold_ids(list(reversed(IDS)), 5, seed)  # the input's order does not matter
    assert folds != trainer.fold_ids(IDS, 5)
    assert trainer.fold_ids(IDS, 5, "1") != trainer.fold_ids(IDS, 5, "2")


@pytest.mark.parametrize("detector", ["cues", "timeline", "metrics"])
def test_cue_spans_are_the_matches_of_the_hit_sentences_in_text_order(detector: str) -> None:
    rubric = load_rubric("star-l")
    compiled = scorer._compiled(rubric)
    facts = scorer._detect_criteria(compiled, new_facts(scorer._doc(stories.STRONG, compiled)))
    cid = next(c.id for c, _, _ in compiled.criteria if c.detector == detector and facts.results[c.id][0])
    found = cue_facts.cue_spans(facts, cid)
    assert {m[0] for m in found} == set(facts.results[cid][1])  # every hit sentence, and only those
    assert [m[1] for m in found] == sorted(m[1] for m in found)
    assert all(facts.doc.seg.sentence_index(start) == index for index, start, _ in found)
    if detector == "timeline":  # markers from the main list, steps secondary
        assert {m[2] for m in found} == {True, False}


def test_cue_values_count_share_and_place_the_matches() -> None:
    seg = segment("We paged ops, then the pager fired. Nothing else. Later, we paged again.")
    first, third = seg.sentences[0].start, seg.sentences[2].start
    found = [(0, first + 3, True), (0, first + 23, True), (2, third + 10, False)]  # "paged", "pager", "paged"
    values = cue_facts.cue_values(seg, found)
    assert values == {
        0: (math.log1p(2), 1.0, 1.0, 2 / 3),
        2: (math.log1p(1), 0.0, 0.0, 1 / 3),  # only a secondary match, after the first clause ("Later,")
    }


@pytest.mark.parametrize("text", [stories.STRONG, stories.TRANSCRIPT, stories.OUT_OF_ORDER, stories.WE_ONLY])
def test_the_run_time_cue_features_equal_their_plain_definition(text: str) -> None:
    # The detectors keep every match in their own pass; a second, full search (the plain definition)
    # must find the same matches in the hit sentences, and give the same four features.
    rubric = load_rubric("star-l")
    _, story = scorer.detections(text, rubric)
    compiled = scorer._compiled(rubric)
    facts = scorer._detect_criteria(compiled, new_facts(scorer._doc(text, compiled)))
    slots = [evidence.FEATURES.index(name) for name in cue_facts.CUE_FEATURES]
    checked = 0
    for criterion, _, _ in compiled.criteria:
        if criterion.detector not in ("cues", "metrics", "duration") or not facts.results[criterion.id][1]:
            continue
        plain = cue_facts.cue_spans(facts, criterion.id)
        assert story.cue_matches.get(criterion.id, []) == plain, criterion.id
        expected = [(index, slot, value) for index, row in cue_facts.cue_values(story.seg, plain).items()
                    for slot, value in zip(slots, row) if value]
        assert evidence._cue_features(story.seg, story.cue_matches[criterion.id]) == expected
        checked += 1
    assert checked >= 3
