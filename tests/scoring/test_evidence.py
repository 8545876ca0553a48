"""Which evidence is quoted (coach.scoring.evidence): the trained ranker, its fallback, and what it must never change."""

from __future__ import annotations

import json
import math
import operator
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from coach.models import Assessment
from coach.rubric.loader import load_rubric, rubrics_dir
from coach.scoring import embedding, evidence
from coach.scoring.scorer import detections, score
from coach.scoring.segment import Segmented, Sentence
from tests.conftest import REPO_ROOT, clean_env
from tests.support import core_stories as stories
from tests.support.depth_stories import GUIDE_FRAUD  # the guide's fraud example, retold

RUBRIC = load_rubric("star-l")

STORIES = [GUIDE_FRAUD, stories.STRONG, stories.OUT_OF_ORDER, stories.WE_ONLY, stories.TRANSCRIPT]
EVAL_SET = REPO_ROOT.parent / "shared" / "eval" / "devset.jsonl"



def first_quote(a: Assessment, criterion_id: str) -> str:
    result = a.criteria[criterion_id]
    assert result.met and result.evidence, criterion_id
    return result.evidence[0].text


def verdicts(a: Assessment) -> tuple[object, ...]:
    """Everything the rules decide: the ranker must leave all of it as it was."""
    return (
        {cid: r.met for cid, r in a.criteria.items()},
        {fid: r.raised for fid, r in a.red_flags.items()},
        a.overall, a.level, a.components, a.notices, a.is_story, a.on_topic,
    )


@pytest.fixture
def no_ranker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("coach.scoring.scorer.ranker_for", lambda rubric_id: None)


def test_guide_fraud_story_quotes_what_shows_each_criterion() -> None:
    a = score(GUIDE_FRAUD, RUBRIC)
    metrics = first_quote(a, "result.metrics")
    assert "ruled out model drift" not in metrics and "false-positive rate was back to 2%" in metrics
    duration = first_quote(a, "result.duration")
    assert "declined at checkout" not in duration and "75 minutes after" in duration
    timeline = first_quote(a, "action.timeline")
    assert "P1" not in timeline and "I" in timeline.split()
    role = first_quote(a, "task.role")  # the story states the role twice, under Situation and under Task
    assert "the on-call ML engineer" in role or "As the on-call engineer I owned" in role
    assert "executive update" in first_quote(a, "action.communication")
    # Investigation sentences are Action, not Result.
    for segment in a.segments:
        if "ruled out model drift" in segment.text or "traced it to an upstream" in segment.text:
            assert segment.component == "action", segment.text


@pytest.mark.parametrize("text", STORIES)
def test_the_ranker_changes_quotes_never_verdicts(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ranked = score(text, RUBRIC)
    monkeypatch.setattr("coach.scoring.scorer.ranker_for", lambda rubric_id: None)
    rules = score(text, RUBRIC)
    assert verdicts(ranked) == verdicts(rules)
    for cid, result in ranked.criteria.items():
        assert bool(result.evidence) == bool(rules.criteria[cid].evidence), cid


def test_the_ranker_leaves_every_devset_verdict_as_the_rules_gave_it(monkeypatch: pytest.MonkeyPatch) -> None:
    if not EVAL_SET.is_file():
        pytest.skip("../shared/eval is not beside this checkout")
    texts = [json.loads(line)["text"] for line in EVAL_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    ranked = [verdicts(score(text, RUBRIC)) for text in texts]
    monkeypatch.setattr("coach.scoring.scorer.ranker_for", lambda rubric_id: None)
    assert ranked == [verdicts(score(text, RUBRIC)) for text in texts]


@pytest.mark.parametrize("text", STORIES)
def test_quotes_and_segments_index_the_story(text: str) -> None:
    a = score(text, RUBRIC)
    spans = [s for r in a.criteria.values() for s in r.evidence] + [s for r in a.red_flags.values() for s in r.evidence]
    assert spans
    for span in [*spans, *a.segments]:
        assert 0 <= span.start < span.end <= len(text)
        assert text[span.start : span.end] == span.text
    for result in a.criteria.values():
        assert len(result.evidence) <= 3
        assert len({(s.start, s.end) for s in result.evidence}) == len(result.evidence)


def test_a_quote_leaves_out_the_star_heading() -> None:
    a = score(GUIDE_FRAUD, RUBRIC)
    for result in a.criteria.values():
        for span in result.evidence:
            assert not span.text.startswith(("Situation:", "Task:", "Action:", "Result:", "Learning:")), span.text


def test_ranking_is_deterministic_across_processes() -> None:
    probe = "import json,sys; from coach.rubric.loader import load_rubric; from coach.scoring.scorer import score; " \
            "from coach.report.render import to_json; print(to_json(score(sys.stdin.read(), load_rubric('star-l'))))"
    outputs = {
        subprocess.run([sys.executable, "-c", probe], input=GUIDE_FRAUD, text=True, capture_output=True, check=True,
                       cwd=REPO_ROOT, env=clean_env()).stdout
        for _ in range(2)
    }
    assert len(outputs) == 1
    evidence._RANKERS.clear()  # a fresh load in this process gives the same bytes too
    embedding._LOADED.clear()
    from coach.report.render import to_json

    assert to_json(score(GUIDE_FRAUD, RUBRIC)) + "\n" == outputs.pop()


def test_a_rubric_without_a_ranker_quotes_the_rules_hits_in_order(tmp_path: Path) -> None:
    mine = tmp_path / "my-rubric.yaml"
    shutil.copy(rubrics_dir() / "star-l.yaml", mine)
    text = mine.read_text(encoding="utf-8").replace("id: star-l", "id: my-rubric", 1)
    mine.write_text(text, encoding="utf-8")
    rubric = load_rubric(mine)
    assert rubric.id == "my-rubric" and evidence.ranker_for("my-rubric") is None
    for story in STORIES:
        a = score(story, rubric)
        _, facts = detections(story, rubric)
        for cid, result in a.criteria.items():
            expected = facts.hits[cid][:3] if result.met else []
            assert [facts.seg.sentence_index(s.start) for s in result.evidence] == expected, cid


def test_without_the_embedding_the_rules_order_is_used(monkeypatch: pytest.MonkeyPatch, no_ranker: None) -> None:
    monkeypatch.setattr(embedding, "wordllama_dir", lambda: None)
    monkeypatch.setattr(evidence, "_RANKERS", {})
    assert evidence.ranker_for("star-l") is None
    a = score(GUIDE_FRAUD, RUBRIC)
    _, facts = detections(GUIDE_FRAUD, RUBRIC)
    assert [facts.seg.sentence_index(s.start) for s in a.criteria["action.timeline"].evidence] == \
        facts.hits["action.timeline"][:3]


def test_a_ranker_file_for_other_features_is_refused() -> None:
    data = json.loads((rubrics_dir() / "star-l.evidence.json").read_text(encoding="utf-8"))
    evidence.Ranker.from_json(data)
    with pytest.raises(ValueError):
        evidence.Ranker.from_json({**data, "features": data["features"][:-1]})
    broken = json.loads(json.dumps(data))
    broken["criteria"]["task.role"]["embedding"] = broken["criteria"]["task.role"]["embedding"][:-1]
    with pytest.raises(ValueError):
        evidence.Ranker.from_json(broken)


def test_the_shipped_rubric_loads_its_ranker() -> None:
    # wordllama is a dependency (its wheel ships the embedding): a missing one must fail here, not skip.
    assert embedding.wordllama_dir() is not None
    assert evidence.ranker_for("star-l") is not None


def test_the_shipped_ranker_covers_every_criterion_and_trained_on_tune_rows_only() -> None:
    data = json.loads((rubrics_dir() / "star-l.evidence.json").read_text(encoding="utf-8"))
    ids = [c.id for c in RUBRIC.criteria()]
    assert sorted(data["criteria"]) == sorted(ids) and data["hit_criteria"] == ids
    script = (REPO_ROOT / "bench" / "train_evidence_ranker.py").read_text(encoding="utf-8")
    assert 'select(rows, "tune")' in script


def test_tokens_match_the_wheels_own_tokenizer() -> None:
    tokenizers = pytest.importorskip("tokenizers")
    folder = embedding.wordllama_dir()
    assert folder is not None
    reference = tokenizers.Tokenizer.from_file(str(folder / "tokenizers" / "l2_supercat_tokenizer_config.json"))
    emb = embedding.shared()
    assert emb is not None
    for text in [*STORIES, "naïve café — 😀 x2.5ms\tP1/SEV-2", "so um we got paged at like 2 am"]:
        assert emb.token_ids(text) == reference.encode(text, add_special_tokens=False).ids


def test_offline_scoring_imports_neither_numpy_nor_the_embedding_libraries(tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text(GUIDE_FRAUD, encoding="utf-8")
    probe = "import sys; from coach.cli import main; code = main(sys.argv[1:]); " \
            "print(sorted({m.split('.')[0] for m in sys.modules}), file=sys.stderr); raise SystemExit(code)"
    proc = subprocess.run([sys.executable, "-c", probe, "score", str(story), "--format", "json"], cwd=REPO_ROOT,
                          env=clean_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    loaded = set(eval(proc.stderr.strip().splitlines()[-1]))  # noqa: S307 - our own repr of a list of names
    assert not loaded & {"numpy", "tokenizers", "wordllama", "sklearn", "safetensors", "litellm", "gradio"}
    assert json.loads(proc.stdout)["criteria"]["result.metrics"]["met"]


def test_the_pickers_sparse_scores_equal_every_feature_times_its_weight() -> None:
    """The run-time sum (sparse, per-token cache) is the plain linear model the trainer fitted."""
    ranker = evidence.ranker_for("star-l")
    emb = embedding.shared()
    assert ranker is not None and emb is not None
    _, facts = detections(GUIDE_FRAUD, RUBRIC)
    picker = evidence.EvidencePicker(facts, ranker)
    for cid, model in ranker.models.items():
        scores = picker.scores(cid)
        assert scores is not None
        for index in range(len(facts.seg.sentences)):
            rows = [emb.row(t) for t in emb.token_ids(facts.seg.sentence_text(index))]
            mean = [sum(column) / len(rows) for column in zip(*rows)]
            features = evidence.sentence_features(facts, index, cid, ranker.hit_criteria, ranker.heading_components)
            expected = sum(m * w for m, w in zip(mean, model.embedding)) + \
                sum(f * w for f, w in zip(features, model.features)) + model.bias
            assert scores[index] == pytest.approx(expected, abs=1e-9), (cid, index)


@pytest.mark.timeout(300)
def test_the_training_script_rebuilds_the_shipped_ranker_byte_for_byte(tmp_path: Path) -> None:
    # After a cue change the candidate sets move: rerun bench/train_evidence_ranker.py and commit the file.
    if not EVAL_SET.is_file():
        pytest.skip("../shared/eval is not beside this checkout")
    out = tmp_path / "ranker.json"
    subprocess.run([sys.executable, "bench/train_evidence_ranker.py", "--out", str(out)], cwd=REPO_ROOT,
                   env=clean_env(), capture_output=True, text=True, check=True, timeout=280)
    assert out.read_bytes() == (rubrics_dir() / "star-l.evidence.json").read_bytes()


# The run-time features and scores are computed in a faster way than the plain definitions below (one
# copy of the story, searches between offsets, all models at once); these tests hold them to the plain
# definitions, byte for byte, on stories and on sentence edges the segmenter rarely makes.
EDGE_TEXTS = [
    "I'm sure we fixed it. My team's P1 at 3am: ours was the 2nd outage, I'd say.",
    "'I did it' she said.It was ME, not us. MY fault; i guess Us/we/our... wE wOrKeD",
    "x_we I_ i' 'i mI My_ me' Me, 'me I've'd we_ _us our2 2our walked fixed_bug ran-ran",
    "İstanbul waſ KEd worked 𝔘𝔫𝔦 we—us “I” I’m Straße ſaved 3x ١٢ 日本 we",
    "so um we got paged and then I checked the dashboards and then i rolled back and then we wrote it up "
    "and then my manager asked me and then our team was happy and then it ended well enough for us",
    "\tI\x0bwe\x1cus\x1fwas\x00my\r\nme\u2028i\u00a0I'm",
]


def _reference_marks(text: str) -> tuple[float, float, float, float, float]:
    """Slots 0-3 and 6 of FEATURES for one sentence alone, as defined (the trainer's reading)."""
    return (
        1.0 if evidence._DIGITS.search(text) else 0.0,
        1.0 if evidence._FIRST_PERSON.search(text) else 0.0,
        1.0 if evidence._WE.search(text) else 0.0,
        1.0 if evidence._PAST.search(text) else 0.0,
        math.log1p(len(evidence._WORDS.findall(text))),
    )


def _dense_reference(facts: evidence.StoryFacts, ranker: evidence.Ranker) -> list[list[float]]:
    count = len(facts.seg.sentences)
    rows = []
    for index in range(count):
        digits, mine, ours, past, length = _reference_marks(facts.seg.sentence_text(index))
        position = index / (count - 1) if count > 1 else 0.0
        quantity = [1.0 if index in facts.quantity_sentences.get(k, ()) else 0.0 for k in ("measure", "duration", "clock")]
        rows.append(
            [digits, mine, ours, past, position, position * position, length, 0.0, 0.0, quantity[0], quantity[1],
             0.0, 0.0, quantity[2], 0.0, 0.0, 0.0, 0.0]
            + [1.0 if facts.headings[index] == name else 0.0 for name in ranker.heading_components]
            + [1.0 if index in facts.hits.get(cid, ()) else 0.0 for cid in ranker.hit_criteria]
        )
    return rows


@pytest.mark.parametrize("text", STORIES + EDGE_TEXTS)
def test_shared_features_equal_their_plain_definition(text: str) -> None:
    ranker = evidence.ranker_for("star-l")
    assert ranker is not None
    _, facts = detections(text, RUBRIC)
    assert evidence.shared_rows(facts, ranker.hit_criteria, ranker.heading_components) == _dense_reference(facts, ranker)


def test_sentence_marks_equal_searching_each_sentence_alone_whatever_its_edges() -> None:
    # Sentences cut anywhere (mid-word, beside an apostrophe, touching each other): the fast path must
    # notice an edge it cannot trust and search that sentence alone.
    rng = random.Random(7)
    pieces = list("IiMmyeWwOoUuRrSsd' .\n_1Kſé-") + ["I'm", "I've", "I'd", " we ", " our ", " us ", "ed ", "was", "made"]
    seen_both = [False, False]
    for _ in range(6000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 10)))
        cuts = sorted({rng.randint(0, len(text)) for _ in range(rng.randint(2, 6))})
        spans = [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]
        seg = Segmented(text, [Sentence(a, b) for a, b in spans])
        facts = evidence.StoryFacts(seg, {}, {}, [None] * len(spans))
        got = [(float(d), float(m), float(w), float(p), math.log1p(n)) for d, m, w, p, n in evidence._marked(facts)]
        assert got == [_reference_marks(text[a:b]) for a, b in spans], (text, spans)
        for a, b in spans:
            seen_both[evidence._MARK_EDGE.match(text, b) is None] = True
    assert all(seen_both)  # both clean and unclean edges were exercised


@pytest.mark.parametrize("text", STORIES + EDGE_TEXTS[:2])
def test_run_time_scores_are_the_plain_sum_byte_for_byte(text: str) -> None:
    """Floats as the trainer's model defines them, in the ranker's fixed order: the mean embedding term
    is each word's token scores summed in order, then the words' sums in order, over the token count;
    the score sums, from 0, the non-zero shared features in slot order, that mean and the bias; then the
    criterion's own features."""
    ranker = evidence.ranker_for("star-l")
    emb = embedding.shared()
    assert ranker is not None and emb is not None
    _, facts = detections(text, RUBRIC)
    picker = evidence.EvidencePicker(facts, ranker)
    for cid, model in ranker.models.items():
        expected = []
        for index in range(len(facts.seg.sentences)):
            words = [emb.word_ids(word) for word in emb.words(facts.seg.sentence_text(index))]
            count = sum(map(len, words))
            assert count == len(emb.token_ids(facts.seg.sentence_text(index)))
            per_word = [sum(sum(map(operator.mul, emb.row(t), model.embedding)) for t in ids) for ids in words]
            mean = sum(per_word) / count if count else 0.0
            shared = evidence.shared_features(facts, index, ranker.hit_criteria, ranker.heading_components)
            value = sum([w * f for w, f in zip(model.features, shared) if f] + [mean, model.bias])
            for at, k, f in evidence.own_features(facts, cid):  # then the criterion's own, in their order
                if at == index:
                    value += model.features[k] * f
            expected.append(value)
        assert picker.scores(cid) == expected, cid
