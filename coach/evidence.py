"""Which sentences a met criterion quotes, strongest first.

The rules (coach.detectors) decide whether a criterion is met and which sentences carry its cues;
this module only orders the quotes. A rubric may ship a trained **evidence ranker** beside it
(``rubrics/<id>.evidence.json``, rebuilt by ``bench/train_evidence_ranker.py`` from the labelled
quotes in ../shared/eval): per criterion, a linear score over a sentence's static embedding
(coach.embedding) and a few cheap features (calibrated as log-odds that a careful reader quotes the
sentence). It scores every sentence of the story; the best of the sentences the criterion's cues hit
is quoted, and others only when the model is sure. Criteria the ranker does not know, rubrics without one, and installs without the embedding
fall back to the rules' order: the cue hits in story order, exactly as before the ranker (hand-made
orders were measured and lost: shortest hit first gained 0.02 hit@1 but lost precision and highlights).

Pure and deterministic: the same story, rubric and ranker file give the same quotes, byte for byte
(floats are summed in a fixed order; ties break by story order).
"""

from __future__ import annotations

import json
import math
import operator
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

from coach import embedding
from coach.resources import data_dir
from coach.segment import Segmented

#: The fixed features, in the order of the ranker file's ``features`` weights; then one "the sentence
#: sits under a heading of component X" feature per id in the file's ``heading_components`` (the
#: rubric's components: no component id is named here), then one "the rules' cues of criterion X hit
#: this sentence" feature per id in its ``hit_criteria``.
FEATURES = (
    "digits", "first_person", "we", "past", "position", "position_sq", "length",  # the seven of issue 9's probe
    "cue_hit", "first_hit", "measure", "duration",
    "last_hit", "hit_rank",  # per criterion: the sentence's place among the criterion's cue hits
    "clock",  # a time of day or date: sequencing, not a metric (coach.quantities)
)
_DIGITS = re.compile(r"\d")
_FIRST_PERSON = re.compile(r"(?<![\w'])(?:I|i|my|My|me|Me|I'm|I've|I'd)(?![\w'])")
_WE = re.compile(r"\b(?:we|our|us)\b", re.IGNORECASE)
_PAST = re.compile(r"\b(?:was|were|had|did|went|got|found|saw|took|made|came|ran|[a-z]{3,}ed)\b", re.IGNORECASE)
_WORDS = re.compile(r"\w+")
FILE_SUFFIX = ".evidence.json"
# Thresholds on a model's score (log-odds; chosen on the tune rows, bench/eval_scorer.py --split tune):
#: a sentence after the best is quoted too only when the model is this sure (p > 0.73). 3.0 (p > 0.95) lifts
#: 5-fold precision 0.68 → 0.78 with hit@1 and highlights unchanged, but leaves most criteria with one
#: quote, and coach.prompts reads "met on one quote" as thin evidence: kept at 1.0 until that changes;
EXTRA_MIN = 1.0
#: a sentence quoted for no criterion still takes the component of a met one it shows this well (p > 0.05).
SHOWS_MIN = -3.0


@dataclass(frozen=True, slots=True)
class StoryFacts:
    """What the rules found in one story, as the ranker's features need it."""

    seg: Segmented
    hits: dict[str, list[int]]  # criterion id → sentences its cues hit (met or not)
    quantity_sentences: dict[str, frozenset[int]]  # quantity kind → sentences holding one
    headings: list[str | None]  # per sentence, the component of the STAR heading it sits under


_CUE_HIT, _FIRST_HIT = FEATURES.index("cue_hit"), FEATURES.index("first_hit")
_LAST_HIT, _HIT_RANK = FEATURES.index("last_hit"), FEATURES.index("hit_rank")


def own_features(facts: StoryFacts, criterion_id: str) -> list[tuple[int, int, float]]:
    """The per-criterion features that are not 0: (sentence, feature slot, value), in a fixed order."""
    hits = facts.hits.get(criterion_id)
    if not hits:
        return []
    own = sorted(set(hits))
    last = len(own) - 1
    out = [(hits[0], _FIRST_HIT, 1.0), (own[-1], _LAST_HIT, 1.0)]
    for rank, index in enumerate(own):
        out.append((index, _CUE_HIT, 1.0))
        if rank:
            out.append((index, _HIT_RANK, rank / last))
    return out


def shared_features(
    facts: StoryFacts, index: int, hit_criteria: tuple[str, ...], heading_components: tuple[str, ...]
) -> list[float]:
    """The features of sentence ``index`` that do not depend on the criterion (its two own slots 0)."""
    return shared_rows(facts, hit_criteria, heading_components)[index]


def shared_rows(
    facts: StoryFacts, hit_criteria: tuple[str, ...], heading_components: tuple[str, ...]
) -> list[list[float]]:
    """``shared_features`` of every sentence, with the story's look-ups built once."""
    width = len(FEATURES) + len(heading_components) + len(hit_criteria)
    rows: list[list[float]] = []
    for slots, values in _sparse_rows(facts, hit_criteria, heading_components):
        row = [0.0] * width
        for slot, value in zip(slots, values):
            row[slot] = value
        rows.append(row)
    return rows


_MARKS = (_FIRST_PERSON, _WE, _PAST)  # FEATURES slots 1, 2, 3
# Inside a sentence whose edges are "clean" (below), each finds a match in text[start:end] exactly when
# its _MARKS twin finds one in the sentence alone; they are faster because they start with a character
# class, which ``re`` skips ahead on (a pattern starting with a look-behind or ``\b`` is tried at every
# position). A look-behind over the first letter stands for the twin's leading look-behind or ``\b``.
_MARKS_FAST = (
    re.compile(r"[IiMm](?<![\w'][IiMm])(?:(?<=I)(?:'m|'ve|'d)?|(?<=i)|(?<=[mM])[ye])(?![\w'])"),
    # on the lower-cased text (ASCII only: lower-casing keeps its offsets and ``\b``), case-sensitive
    re.compile(r"[wou](?<!\w[wou])(?:(?<=w)e|(?<=o)ur|(?<=u)s)\b"),
    re.compile(r"\b(?:was|were|had|did|went|got|found|saw|took|made|came|ran|[a-z]{3,}ed)\b"),
)
_MARK_EDGE = re.compile(r"[\w']")  # a character _MARKS may match or look at


def _marked(facts: StoryFacts) -> list[tuple[bool, bool, bool, bool, int]]:
    """Per sentence: whether ``_DIGITS``, ``_FIRST_PERSON``, ``_WE``, ``_PAST`` find something in its
    text, and ``len(_WORDS.findall(text))``, without slicing most sentences.

    ``_DIGITS`` and ``_WORDS`` have no look-around, so searching the story between the sentence's
    offsets finds what searching its slice finds. ``_MARKS`` look around their match, so they use the
    offsets only when the characters just before and just after the sentence are not ones they match
    or look at (then no match crosses an edge, and the look-arounds see the same there); the rare
    others are searched alone.
    """
    seg = facts.seg
    text = seg.text
    size = len(text)
    lowered = text.lower() if text.isascii() else None
    first_person, we, past = _MARKS_FAST
    edge = _MARK_EDGE.match
    out: list[tuple[bool, bool, bool, bool, int]] = []
    for sentence in seg.sentences:
        start, end = sentence.start, sentence.end
        digits = _DIGITS.search(text, start, end) is not None
        words = len(_WORDS.findall(text, start, end))
        if lowered is not None and (start == 0 or not edge(text, start - 1)) and (end >= size or not edge(text, end)):
            out.append((
                digits,
                first_person.search(text, start, end) is not None,
                we.search(lowered, start, end) is not None,
                past.search(lowered, start, end) is not None,
                words,
            ))
        else:
            piece = text[start:end]
            mine, ours, did = (pattern.search(piece) is not None for pattern in _MARKS)
            out.append((digits, mine, ours, did, words))
    return out


def _sparse_rows(
    facts: StoryFacts, hit_criteria: tuple[str, ...], heading_components: tuple[str, ...]
) -> list[tuple[tuple[int, ...], tuple[float, ...]]]:
    """Per sentence, the slots of ``shared_features`` that are not 0 (ascending) and their values."""
    seg = facts.seg
    count = len(seg.sentences)
    quantity = [facts.quantity_sentences.get(kind, frozenset()) for kind in ("measure", "duration", "clock")]
    quantity_slots = (FEATURES.index("measure"), FEATURES.index("duration"), FEATURES.index("clock"))
    heading_slot = {name: len(FEATURES) + k for k, name in enumerate(heading_components)}
    hit_base = len(FEATURES) + len(heading_components)
    hit_sets = [frozenset(facts.hits.get(cid, ())) for cid in hit_criteria]
    rows: list[tuple[tuple[int, ...], tuple[float, ...]]] = []
    for index, (digits, first_person, we, past, words) in enumerate(_marked(facts)):
        slots: list[int] = []
        values: list[float] = []
        for slot, on in enumerate((digits, first_person, we, past)):
            if on:
                slots.append(slot)
                values.append(1.0)
        position = index / (count - 1) if count > 1 else 0.0
        length = math.log1p(words)
        for slot, value in ((4, position), (5, position * position), (6, length)):
            if value:
                slots.append(slot)
                values.append(value)
        for slot, sentences in zip(quantity_slots, quantity):  # measure 9, duration 10, clock 13: ascending
            if index in sentences:
                slots.append(slot)
                values.append(1.0)
        heading = facts.headings[index]
        if heading in heading_slot:
            slots.append(heading_slot[heading])  # type: ignore[index]
            values.append(1.0)
        for k, hits in enumerate(hit_sets):
            if index in hits:
                slots.append(hit_base + k)
                values.append(1.0)
        rows.append((tuple(slots), tuple(values)))
    return rows


def sentence_features(
    facts: StoryFacts, index: int, criterion_id: str, hit_criteria: tuple[str, ...], heading_components: tuple[str, ...]
) -> list[float]:
    """Every non-embedding feature of sentence ``index`` for one criterion (``FEATURES``, headings, hits)."""
    features = shared_features(facts, index, hit_criteria, heading_components)
    for at, slot, value in own_features(facts, criterion_id):
        if at == index:
            features[slot] = value
    return features


@dataclass(frozen=True, slots=True)
class Model:
    """One criterion's logistic regression: score = mean token·embedding + features·weights + bias."""

    embedding: tuple[float, ...]
    features: tuple[float, ...]
    bias: float


@dataclass(slots=True)
class Ranker:
    """A rubric's trained per-criterion sentence scorers, with a per-token cache of their projections."""

    models: dict[str, Model]
    hit_criteria: tuple[str, ...]
    heading_components: tuple[str, ...]
    _ids: tuple[str, ...] = ()
    _token_scores: dict[int, tuple[float, ...]] = field(default_factory=dict)
    _word_scores: dict[str, tuple[tuple[float, ...], ...]] = field(default_factory=dict)  # per ``emb.words`` part

    def __post_init__(self) -> None:
        self._ids = tuple(self.models)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Ranker:
        if data.get("features") != list(FEATURES) or data.get("dim") != embedding.DIM:
            raise ValueError("evidence ranker file does not match this version's features")
        hit_criteria = tuple(str(cid) for cid in data["hit_criteria"])
        heading_components = tuple(str(cid) for cid in data.get("heading_components", []))
        width = len(FEATURES) + len(heading_components) + len(hit_criteria)
        models: dict[str, Model] = {}
        for cid, raw in sorted(data["criteria"].items()):
            model = Model(tuple(map(float, raw["embedding"])), tuple(map(float, raw["features"])), float(raw["bias"]))
            if len(model.embedding) != embedding.DIM or len(model.features) != width:
                raise ValueError(f"evidence ranker for {cid}: wrong number of weights")
            models[cid] = model
        return cls(models, hit_criteria, heading_components)

    def knows(self, criterion_id: str) -> bool:
        return criterion_id in self.models

    def embedding_scores(self, seg: Segmented, emb: embedding.StaticEmbedding) -> list[list[float]]:
        """Per sentence, every model's mean-embedding term (in ``self.models`` order)."""
        out: list[list[float]] = []
        words = self._word_scores
        if len(words) > _MAX_CACHED_WORDS:  # a long-running server meets ever new words: stay bounded
            words.clear()
        width = len(self._ids)
        for index in range(len(seg.sentences)):
            rows: list[tuple[float, ...]] = []
            for word in emb.words(seg.sentence_text(index)):
                scores = words.get(word)
                if scores is None:
                    scores = words[word] = tuple(map(self._token_score, emb.word_ids(word), repeat(emb)))
                rows += scores
            # Column sums in token order (deterministic), then the mean.
            count = len(rows)
            out.append(list(map(operator.truediv, map(sum, zip(*rows)), repeat(count, width))) if rows else [0.0] * width)
        return out

    def _token_score(self, token: int, emb: embedding.StaticEmbedding) -> tuple[float, ...]:
        """Every model's dot product with one token's row, cached (the table has 32,000 tokens)."""
        scores = self._token_scores.get(token)
        if scores is None:
            row = emb.row(token)
            scores = self._token_scores[token] = tuple(sum(map(operator.mul, row, m.embedding)) for m in self.models.values())
        return scores

    def column(self, criterion_id: str) -> int:
        return self._ids.index(criterion_id)


_MAX_CACHED_WORDS = 200_000  # ~30 MB of keys and tuples of shared per-token rows
_RANKERS: dict[str, Ranker | None] = {}


def ranker_for(rubric_id: str, folder: Path | None = None) -> Ranker | None:
    """The trained ranker shipped for a rubric id (``<rubrics folder>/<id>.evidence.json``), or None
    (no file, or no embedding installed): then the rules' order is used."""
    key = f"{folder}|{rubric_id}"
    if key not in _RANKERS:
        path = (folder or data_dir("rubrics")) / f"{rubric_id}{FILE_SUFFIX}"
        ranker = None
        if path.is_file() and embedding.wordllama_dir() is not None:
            ranker = Ranker.from_json(json.loads(path.read_text(encoding="utf-8")))
        _RANKERS[key] = ranker
    return _RANKERS[key]


@dataclass(slots=True)
class EvidencePicker:
    """Orders each met criterion's quotes for one story; the embedding is computed once, on first need."""

    facts: StoryFacts
    ranker: Ranker | None
    _embedded: list[list[float]] | None = None
    _shared: list[tuple[tuple[int, ...], tuple[float, ...]]] | None = None
    _scores: dict[str, list[float]] = field(default_factory=dict)

    def scores(self, criterion_id: str) -> list[float] | None:
        """The trained model's score of every sentence for this criterion, or None (no model)."""
        ranker = self.ranker
        if ranker is None or not ranker.knows(criterion_id):
            return None
        cached = self._scores.get(criterion_id)
        if cached is not None:
            return cached
        if self._embedded is None or self._shared is None:
            emb = embedding.shared()
            if emb is None:
                return None
            self._embedded = ranker.embedding_scores(self.facts.seg, emb)
            # Sparse: most features are 0/1 flags, and most flags are off.
            self._shared = _sparse_rows(self.facts, ranker.hit_criteria, ranker.heading_components)
        model = ranker.models[criterion_id]
        weights = model.features
        weight = weights.__getitem__
        column = ranker.column(criterion_id)
        bias = model.bias
        # The same products summed in the same order as the dense dot product's non-zero terms.
        out = [row[column] + sum(map(operator.mul, map(weight, slots), values)) + bias
               for row, (slots, values) in zip(self._embedded, self._shared)]
        for index, k, value in own_features(self.facts, criterion_id):  # where they are not 0
            out[index] += weights[k] * value
        self._scores[criterion_id] = out
        return out

    def order(self, criterion_id: str, limit: int) -> list[int]:
        """Up to ``limit`` sentence indices to quote for a met criterion, best first.

        With a trained model, the best-scored sentence, then any others it is sure of (ties: story
        order). Without one, the cue hits in the rules' order.
        """
        scores = self.scores(criterion_id)
        if scores is None:
            return self.facts.hits.get(criterion_id, [])[:limit]
        # Quote where the rules found the criterion when they found it somewhere: a user checks
        # the quote against the verdict, so it must show what the cues saw.
        pool = self.facts.hits.get(criterion_id) or range(len(scores))
        ranked = sorted(pool, key=lambda i: (-scores[i], i))
        return ranked[:1] + [i for i in ranked[1:limit] if scores[i] > EXTRA_MIN]

    def components(
        self, quoted: dict[str, list[int]], component_of: dict[str, str], weights: dict[str, float]
    ) -> list[str | None]:
        """Each sentence's component, from the evidence it carries.

        A sentence quoted for several criteria takes the component of its surest evidence: the model's
        probability that the sentence shows each criterion (the model is calibrated, so a ubiquitous
        criterion such as the timeline already weighs little where it is weak), or, for a criterion
        without a model, its rubric ``highlight_weight`` (5-fold on tune rows: highlights 0.802 with the
        weights multiplying the probabilities, 0.831 with the probabilities alone). The strongest one
        counts, not the sum, so a component with many criteria (Action has five) does not outvote an
        outcome sentence's metric by number (5-fold: 0.844 with the maximum, 0.846 with the sum). With
        a model, a sentence quoted for none still takes the component of the met criteria it shows
        (a score above ``SHOWS_MIN``): the three-quote limit should not leave it blank.
        """
        count = len(self.facts.seg.sentences)
        carried: list[list[str]] = [[] for _ in range(count)]
        for cid, indices in quoted.items():
            for index in indices:
                carried[index].append(cid)
        scored = {cid: self.scores(cid) for cid in quoted if quoted[cid]}
        out: list[str | None] = []
        for index in range(count):
            if carried[index]:
                pool = [(cid, scores[index] if (scores := scored.get(cid)) is not None else None) for cid in carried[index]]
            else:
                pool = [(cid, s[index]) for cid, s in scored.items() if s is not None and s[index] > SHOWS_MIN]
            tally: dict[str, float] = {}
            for cid, value in pool:  # p(the sentence shows it), else the rubric's highlight weight; the surest counts
                weight = weights.get(cid, 1.0) if value is None else 1.0 / (1.0 + math.exp(-value))
                tally[component_of[cid]] = max(tally.get(component_of[cid], 0.0), weight)
            out.append(max(tally.items(), key=lambda kv: kv[1])[0] if tally else None)  # ties: rubric order
        return out
