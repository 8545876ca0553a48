"""Experiment: a small learned check on the rules' met/missing verdicts, measured honestly (issue 9 part 6).

Per (story, criterion), a logistic regression over a few signals the scorer already has:

- ``rule``: the rules' verdict (coach.scoring.detectors), and ``hits`` / ``matches``: how many sentences
  and cue matches the criterion's cues found (log1p);
- ``rank_pool`` / ``rank_all``: the evidence ranker's best score (coach.scoring.evidence, log-odds that a
  reader quotes the sentence) among the cue hits, and over every sentence;
- ``example_sim``: the best cosine between a story sentence and one of the rubric's own met examples of
  the criterion (mean static embedding, coach.scoring.embedding): rubric data, not eval data;
- ``length``, ``punct``, ``bullets``: the story's log word count, punctuation marks per word, share of
  bullet lines (voice: transcripts have no punctuation, written answers use headings and bullets).

Six designs (``Variant``), each a logistic regression whose L2 strength is chosen by an inner 5-fold by
story on the training rows only: weights shared by all criteria plus each criterion's two offsets (one per
rule verdict; penalised like the weights, or 10x lighter so a criterion keeps the rules' verdict unless the
signals say otherwise), optionally separate weights under each verdict, or one model per criterion.

Measured the way it would be used: for each split the evidence ranker is retrained on the training rows
(bench/train_evidence_ranker.py), so no test story's gold quotes reach a feature, and the training rows'
ranker signals are cross-fitted (5 inner rankers) because in-sample ranker scores are overconfident (with
them the model leaned on ``rank_all`` and the tune-a → tune-b swap went 72 → 95 wrong, not 72 → 82). Red flags
that depend on criteria (``absent_when_met``) are re-decided from the new verdicts.

    python bench/train_verdict_model.py            # 5-fold by story over the tune rows and the half swaps (3-13 min)
    python bench/train_verdict_model.py --ceiling  # the most any model over these signals could separate

Result (2026-11-30, 1,800 criterion decisions on 120 judged tune stories; wrong decisions, rules → rules+model):
  shared weights, offsets penalised alike:  5-fold 135 → 150, tune-a→b 72 → 82, tune-b→a 63 → 71
  shared weights, offsets 10x lighter:      5-fold 135 → 139, tune-a→b 72 → 74, tune-b→a 63 → 65
  the same, weights by rule verdict:        5-fold 135 → 137, tune-a→b 72 → 78, tune-b→a 63 → 63
  hits + rank_all + example_sim by verdict: 5-fold 135 → 137, tune-a→b 72 → 73, tune-b→a 63 → 65
  a model per criterion, all signals:       5-fold 135 → 135, tune-a→b 72 → 90, tune-b→a 63 → 62
  a model per criterion, the three signals: 5-fold 135 → 135, tune-a→b 72 → 79, tune-b→a 63 → 63
Pooled balanced F1 falls or stays in every design and split (5-fold 0.879 → 0.852-0.876). The ceiling
(fitted and scored on the same rows) is 132 with shared weights, 100 with a model per criterion (held out, that
one gains nothing: 135 → 135): the signals barely separate the rules' errors (AUC 0.52-0.74 inside each
verdict). With light offsets the inner CV mostly picks the strongest penalty, i.e. the rules' own verdicts.
Not shipped: nothing is wired into the scorer. The rules were hand-tuned on these very rows, so their errors
here are fewer and odder than on unseen answers; a check trained on them learns little about the errors
that matter.

Only ``tune`` rows are read (bench/eval_split.py); the holdout quarter is never loaded.
scikit-learn, scipy and numpy are needed here only.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from bench.eval_scorer import f1  # noqa: E402
from bench.eval_split import select, tune_half  # noqa: E402
from bench.paths import EVAL_DIR  # noqa: E402
from bench.train_evidence_ranker import Item, Settings, _table, examples, export, fit, rubric_examples  # noqa: E402
from coach.rubric.loader import Rubric, load_rubric  # noqa: E402
from coach.scoring import embedding  # noqa: E402
from coach.scoring.detectors import Facts, ItemSettings, detect, new_facts  # noqa: E402
from coach.scoring.evidence import EvidencePicker, Ranker  # noqa: E402
from coach.scoring.scorer import _compiled, _detect_criteria, _doc, _story_facts  # noqa: E402

SETS = ("devset.jsonl", "train.jsonl", "outside.jsonl")
FEATURES = ("rule", "hits", "matches", "rank_pool", "rank_all", "example_sim", "length", "punct", "bullets")
_PUNCT = re.compile(r"[.,;:!?]")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+", re.MULTILINE)
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)


@dataclass
class Story:
    """One tune row: the rules' facts (independent of any ranker) and its labels."""

    row: dict[str, Any]
    facts: Facts
    vectors: np.ndarray  # per sentence, the unit-length mean embedding
    voice: list[float]  # length, punct, bullets
    matches: dict[str, int] = field(default_factory=dict)


def load_rows() -> list[dict[str, Any]]:
    rows = []
    for name in SETS:
        for line in (EVAL_DIR / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append({**json.loads(line), "_file": name})
    return select(rows, "tune")


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n else v


def _mean_vector(text: str, table: np.ndarray) -> np.ndarray:
    emb = embedding.shared()
    assert emb is not None
    ids = emb.token_ids(text)
    return _unit(table[ids].mean(axis=0)) if ids else np.zeros(embedding.DIM)


def example_vectors(rubric: Rubric, table: np.ndarray) -> dict[str, np.ndarray]:
    """Per criterion, its met examples' unit vectors (the marked span when there is one)."""
    out = {}
    for criterion in rubric.criteria():
        texts = [text[m[0] : m[1]] if m else text for text, m in criterion.examples.marked()]
        out[criterion.id] = np.array([_mean_vector(t, table) for t in texts]) if texts else np.zeros((0, embedding.DIM))
    return out


def build_story(row: dict[str, Any], rubric: Rubric, table: np.ndarray) -> Story:
    compiled = _compiled(rubric)
    facts = _detect_criteria(compiled, new_facts(_doc(row["text"], compiled)))
    seg = facts.doc.seg
    vectors = np.array([_mean_vector(seg.sentence_text(i), table) for i in range(len(seg.sentences))])
    words = max(seg.word_count, 1)
    lines = [line for line in row["text"].splitlines() if line.strip()]
    voice = [math.log1p(seg.word_count), len(_PUNCT.findall(row["text"])) / words,
             len(_BULLET.findall(row["text"])) / max(len(lines), 1)]
    matches = {criterion.id: len(cues.matches(facts.doc)) for criterion, _, cues in compiled.criteria}
    return Story(row, facts, vectors, voice, matches)


def signals(story: Story, ranker: Ranker, rubric: Rubric, examples_of: dict[str, np.ndarray]) -> dict[str, list[float]]:
    """Per criterion, the FEATURES of one story under one ranker."""
    compiled = _compiled(rubric)
    picker = EvidencePicker(_story_facts(story.facts, compiled.headings), ranker)
    out = {}
    for criterion in rubric.criteria():
        cid = criterion.id
        met, hits = story.facts.results[cid]
        scores = picker.scores(cid) or [0.0]
        pool = sorted(set(hits))
        rank_pool = max(scores[i] for i in pool) if pool else min(scores)
        ex = examples_of[cid]
        sim = float((story.vectors @ ex.T).max()) if len(ex) and len(story.vectors) else 0.0
        out[cid] = [float(met), math.log1p(len(pool)), math.log1p(story.matches[cid]), rank_pool, max(scores), sim,
                    *story.voice]
    return out


@dataclass(frozen=True)
class Variant:
    """A model design: which FEATURES, how much lighter the rule offsets are penalised, rule interactions."""

    name: str
    keep: tuple[int, ...]
    offset_scale: float = 1.0  # the offsets' columns are multiplied by this: their L2 penalty shrinks by its square
    interact: bool = False  # separate shared weights when the rules say met and when they say missing
    per_criterion: bool = False  # no shared weights: each criterion its own model (by verdict)


@dataclass
class VerdictModel:
    """Shared weights over standardised FEATURES plus per-criterion offsets for each rule verdict."""

    criteria: list[str]
    variant: Variant
    mean: np.ndarray
    scale: np.ndarray
    model: LogisticRegression
    own: dict[str, LogisticRegression | None] = field(default_factory=dict)  # per_criterion: None keeps the rules

    def design(self, cids: list[str], x: np.ndarray) -> np.ndarray:
        z = (x[:, self.variant.keep] - self.mean) / self.scale
        if self.variant.interact:
            rule = x[:, :1]
            z = np.hstack([z * rule, z * (1 - rule)])
        onehot = np.zeros((len(cids), 2 * len(self.criteria)))
        for k, (cid, rule_met) in enumerate(zip(cids, x[:, 0])):
            onehot[k, 2 * self.criteria.index(cid) + int(rule_met)] = self.variant.offset_scale
        return np.hstack([z, onehot])

    def own_design(self, x: np.ndarray) -> np.ndarray:
        z = (x[:, self.variant.keep] - self.mean) / self.scale
        rule = x[:, :1]
        return np.hstack([z * rule, z * (1 - rule), rule * self.variant.offset_scale])

    def predict(self, cids: list[str], x: np.ndarray) -> np.ndarray:
        if not self.variant.per_criterion:
            return np.asarray(self.model.predict_proba(self.design(cids, x))[:, 1] > 0.5)
        out = x[:, 0].astype(bool)
        for cid in set(cids):
            mine = np.array([k == cid for k in cids])
            model = self.own.get(cid)
            if model is not None:
                out[mine] = model.predict_proba(self.own_design(x[mine]))[:, 1] > 0.5
        return out


def train_model(cids: list[str], x: np.ndarray, y: np.ndarray, c: float, variant: Variant) -> VerdictModel:
    criteria = sorted(set(cids))
    sub = x[:, variant.keep]
    mean, scale = sub.mean(axis=0), sub.std(axis=0)
    scale[scale == 0] = 1.0
    vm = VerdictModel(criteria, variant, mean, scale, LogisticRegression(C=c, fit_intercept=False, max_iter=5000))
    if variant.per_criterion:
        for cid in criteria:
            mine = np.array([k == cid for k in cids])
            if len(set(y[mine])) < 2:
                vm.own[cid] = None
                continue
            vm.own[cid] = LogisticRegression(C=c, max_iter=5000).fit(vm.own_design(x[mine]), y[mine])
        return vm
    vm.model.fit(vm.design(cids, x), y)
    return vm


def choose_c(groups: list[str], cids: list[str], x: np.ndarray, y: np.ndarray, variant: Variant) -> float:
    """The C with the fewest wrong decisions in an inner 5-fold by story (ties: the stronger penalty)."""
    ids = sorted(set(groups))
    best: tuple[int, float] | None = None
    for c in C_GRID:
        wrong = 0
        for fold in range(5):
            held = set(ids[fold::5])
            test = np.array([g in held for g in groups])
            vm = train_model([k for k, t in zip(cids, test) if not t], x[~test], y[~test], c, variant)
            wrong += int((vm.predict([k for k, t in zip(cids, test) if t], x[test]) != y[test]).sum())
        if best is None or wrong < best[0]:
            best = (wrong, c)
    assert best is not None
    return best[1]


@dataclass
class Tally:
    """Per file: confusion counts per criterion, flag counts, wrong decisions."""

    cells: dict[str, dict[str, list[int]]] = field(default_factory=dict)  # file → cid → [tp, fp, fn, tn]
    flags: dict[str, list[int]] = field(default_factory=dict)  # file → [tp, fp, fn]
    wrong: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, cid: str, truth: bool, said: bool) -> None:
        for key in (name, "pooled"):
            cell = self.cells.setdefault(key, {}).setdefault(cid, [0, 0, 0, 0])
            cell[0 if truth and said else 1 if said else 2 if truth else 3] += 1
            self.wrong[key] = self.wrong.get(key, 0) + int(truth != said)

    def add_flag(self, name: str, truth: bool, said: bool) -> None:
        for key in (name, "pooled"):
            cell = self.flags.setdefault(key, [0, 0, 0])
            cell[0] += int(truth and said)
            cell[1] += int(said and not truth)
            cell[2] += int(truth and not said)

    def line(self, key: str) -> str:
        bal = []
        for tp, fp, fn, tn in self.cells[key].values():
            bal.append((f1(tp, fp, fn)[2] + f1(tn, fn, fp)[2]) / 2)
        flag = f1(*self.flags[key])[2]
        return f"wrong {self.wrong[key]:4}  balF1 {sum(bal) / len(bal):.3f}  flagF1 {flag:.3f}"


def flags_after(story: Story, verdicts: dict[str, bool], rubric: Rubric) -> dict[str, bool]:
    """The red flags re-decided with the criteria's new verdicts (the flags that depend on criteria follow)."""
    compiled = _compiled(rubric)
    saved = dict(story.facts.results)
    try:
        for cid, met in verdicts.items():
            story.facts.results[cid] = (met, saved[cid][1])
        return {flag.id: detect(flag.detector, cues, story.facts,
                                ItemSettings(tuple(flag.absent_when_met), flag.params))[0]
                for flag, cues in compiled.flags}
    finally:
        story.facts.results.clear()
        story.facts.results.update(saved)


INNER = 5  # folds of the cross-fitted ranker signals


def train_ranker(items: list[Item], row_ids: set[str]) -> Ranker:
    """The evidence ranker trained on these rows' gold quotes and the rubric's marked examples."""
    chosen = [i for i in items if i.row in row_ids or i.row.startswith("example:")]
    return Ranker.from_json(export(fit(chosen, Settings())))


@dataclass
class SplitData:
    """One train/test split's signals: the training table (cross-fitted ranker) and each test story's."""

    groups: list[str]
    cids: list[str]
    x: np.ndarray
    y: np.ndarray
    test: list[tuple[Story, list[str], np.ndarray]]


def split_data(train: list[Story], test: list[Story], items: list[Item], rubric: Rubric,
               examples_of: dict[str, np.ndarray]) -> SplitData:
    """Train the rankers on ``train`` only and read every signal of both sides."""
    ranker = train_ranker(items, {s.row["id"] for s in train})
    # The training rows' ranker signals come from rankers that never saw their gold quotes (cross-fitting),
    # as the test rows' do: in-sample ranker scores are overconfident and the model would over-trust them.
    inner_ids = sorted(s.row["id"] for s in train)
    ranker_of: dict[str, Ranker] = {}
    for fold in range(INNER):
        held = set(inner_ids[fold::INNER])
        inner = train_ranker(items, set(inner_ids) - held)
        ranker_of.update({row_id: inner for row_id in held})
    groups, cids, xs, ys = [], [], [], []
    for s in train:
        if s.row.get("kind") == "off-topic":
            continue
        for cid, x in signals(s, ranker_of[s.row["id"]], rubric, examples_of).items():
            groups.append(s.row["id"])
            cids.append(cid)
            xs.append(x)
            ys.append(bool(s.row["labels"][cid]))
    tested = []
    for s in test:
        sig = signals(s, ranker, rubric, examples_of)
        tested.append((s, list(sig), np.array(list(sig.values()))))
    return SplitData(groups, cids, np.array(xs), np.array(ys), tested)


def run_split(data: SplitData, rubric: Rubric, variant: Variant, rules: Tally, model: Tally,
              flips: dict[str, list[int]]) -> dict[str, Any]:
    """Fit the verdict model on the split's training table; tally rules vs rules+model on its test stories.
    ``flips``: per criterion, [verdicts the model corrected, verdicts it broke]."""
    c = choose_c(data.groups, data.cids, data.x, data.y, variant)
    vm = train_model(data.cids, data.x, data.y, c, variant)
    for s, order, x in data.test:
        verdicts = dict(zip(order, (bool(v) for v in vm.predict(order, x))))
        name = s.row["_file"]
        new_flags = flags_after(s, verdicts, rubric)
        old_flags = flags_after(s, {cid: s.facts.results[cid][0] for cid in order}, rubric)
        for fid, truth in s.row["red_flags"].items():
            rules.add_flag(name, bool(truth), old_flags[fid])
            model.add_flag(name, bool(truth), new_flags[fid])
        if s.row.get("kind") == "off-topic":
            continue
        for cid in order:
            truth = bool(s.row["labels"][cid])
            rule = s.facts.results[cid][0]
            rules.add(name, cid, truth, rule)
            model.add(name, cid, truth, verdicts[cid])
            if verdicts[cid] != rule:
                flips.setdefault(cid, [0, 0])[0 if verdicts[cid] == truth else 1] += 1
    names = [FEATURES[k] for k in variant.keep]
    if variant.per_criterion:
        return {"C": c, "weights": "per criterion"}
    if variant.interact:
        names = [f"{n}|met" for n in names] + [f"{n}|missing" for n in names]
    return {"C": c, "weights": {n: round(float(w), 3) for n, w in zip(names, vm.model.coef_[0])}}


def report(title: str, rules: Tally, model: Tally) -> None:
    print(title)
    for key in ("devset.jsonl", "train.jsonl", "outside.jsonl", "pooled"):
        if key in rules.cells:
            print(f"  {key:14} rules {rules.line(key)}   rules+model {model.line(key)}")


def ceiling(data: SplitData) -> None:
    """How far any model over these signals could go, fitted and scored on the same rows (optimistic by
    construction): the rules' errors, the best in-sample count, and each signal's AUC inside each verdict."""
    x, y, cids = data.x, data.y, data.cids
    rule = x[:, 0].astype(bool)
    print(f"ceiling over {len(y)} decisions (every tune row, cross-fitted ranker signals): rules wrong "
          f"{int((rule != y).sum())} ({int((~rule & y).sum())} missed, {int((rule & ~y).sum())} false met)")
    every = tuple(range(1, len(FEATURES)))
    for c in (1.0, 100.0):
        vm = train_model(cids, x, y, c, Variant("ceiling", every, offset_scale=10.0, interact=True))
        print(f"  shared weights by verdict, C {c}: in-sample wrong {int((vm.predict(cids, x) != y).sum())}")
        wrong = 0
        for cid in sorted(set(cids)):  # one model per criterion: the most a per-criterion fit can separate
            mine = np.array([k == cid for k in cids])
            z = x[mine][:, every]
            z = (z - z.mean(axis=0)) / np.where(z.std(axis=0) == 0, 1.0, z.std(axis=0))
            z = np.hstack([z * x[mine][:, :1], z * (1 - x[mine][:, :1]), x[mine][:, :1] * 10.0])
            if len(set(y[mine])) < 2:
                continue
            own = LogisticRegression(C=c, max_iter=5000).fit(z, y[mine])
            wrong += int((own.predict(z) != y[mine]).sum())
        print(f"  a model per criterion by verdict, C {c}: in-sample wrong {wrong}")
    for name in FEATURES[1:]:
        k = FEATURES.index(name)
        print(f"  AUC of {name:12} among rule=missing {roc_auc_score(y[~rule], x[~rule, k]):.3f}"
              f"   among rule=met {roc_auc_score(y[rule], x[rule, k]):.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ceiling", action="store_true", help="only the in-sample ceiling and each signal's AUC")
    parser.add_argument("--first", type=int, default=0, help="skip the first N designs")
    args = parser.parse_args()
    rubric = load_rubric("star-l")
    table = _table()
    rows = load_rows()
    stories = [build_story(row, rubric, table) for row in rows]
    examples_of = example_vectors(rubric, table)
    items = examples(rows, table) + rubric_examples(table, Settings().examples)
    if args.ceiling:
        ceiling(split_data(stories, [], items, rubric, examples_of))
        return 0
    every = tuple(range(1, len(FEATURES)))  # the rule verdict itself is in the offsets
    few = tuple(FEATURES.index(n) for n in ("hits", "rank_all", "example_sim"))
    variants = (
        Variant("all features, offsets penalised like the weights", every),
        Variant("all features, offsets 10x lighter", every, offset_scale=10.0),
        Variant("all features by rule verdict, offsets 10x lighter", every, offset_scale=10.0, interact=True),
        Variant("hits, rank_all, example_sim by rule verdict, offsets 10x lighter", few, 10.0, interact=True),
        Variant("a model per criterion, all features by rule verdict", every, 10.0, per_criterion=True),
        Variant("a model per criterion, hits, rank_all, example_sim by verdict", few, 10.0, per_criterion=True),
    )
    ids = sorted(s.row["id"] for s in stories)
    splits: list[tuple[str, SplitData]] = []
    for fold in range(5):
        held = set(ids[fold::5])
        train = [s for s in stories if s.row["id"] not in held]
        test = [s for s in stories if s.row["id"] in held]
        splits.append((f"fold {fold}", split_data(train, test, items, rubric, examples_of)))
    for train_half, test_half in (("a", "b"), ("b", "a")):
        train = [s for s in stories if tune_half(s.row["id"]) == train_half]
        test = [s for s in stories if tune_half(s.row["id"]) == test_half]
        splits.append((f"tune-{train_half} -> tune-{test_half}", split_data(train, test, items, rubric, examples_of)))
    for variant in variants[args.first:]:
        print(f"\n== {variant.name}")
        rules, model = Tally(), Tally()
        flips: dict[str, list[int]] = {}
        for label, data in splits[:5]:
            info = run_split(data, rubric, variant, rules, model, flips)
            print(f"  {label}: C {info['C']}  weights {info['weights']}")
        report("5-fold by story over the tune rows:", rules, model)
        print("  flips (corrected/broken): " + ", ".join(f"{cid} {a}/{b}" for cid, (a, b) in sorted(flips.items())))
        for label, data in splits[5:]:
            rules, model = Tally(), Tally()
            info = run_split(data, rubric, variant, rules, model, {})
            report(f"{label} (C {info['C']}):", rules, model)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
