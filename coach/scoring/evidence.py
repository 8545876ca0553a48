"""Which sentences a met criterion quotes, strongest first.

The rules (coach.scoring.detectors) decide whether a criterion is met and which sentences carry its cues;
this module only orders the quotes. A rubric may ship a trained **evidence ranker** beside it
(``rubrics/<id>.evidence.json``, rebuilt by ``bench/train_evidence_ranker.py`` from the labelled
quotes in ../shared/eval): per criterion, a linear score over a sentence's static embedding
(coach.scoring.embedding) and a few cheap features (calibrated as log-odds that a careful reader quotes the
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
import math
import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

from coach.resources import data_dir
from coach.scoring import embedding
from coach.scoring.segment import Segmented

#: The fixed features, in the order of the ranker file's ``features`` weights; then one "the sentence
#: sits under a heading of component X" feature per id in the file's ``heading_components`` (the
#: rubric's components: no component id is named here), then one "the rules' cues of criterion X hit
#: this sentence" feature per id in its ``hit_criteria``.
FEATURES = (
    "digits", "first_person", "we", "past", "position", "position_sq", "length",  # the seven of issue 9's probe
    "cue_hit", "first_hit", "measure", "duration",
    "last_hit", "hit_rank",  # per criterion: the sentence's place among the criterion's cue hits
    "clock",  # a time of day or date: sequencing, not a metric (coach.scoring.quantities)
    # per criterion, from how its cues hit the sentence (coach.scoring.detectors keeps every match):
    "cue_matches",  # log(1 + its matches there)
    "main_cue",  # a match of its main list, not only a late cue or a timeline step
    "first_clause",  # its first match there is in the sentence's first clause
    "hit_share",  # the sentence's share of its matches in the story
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
#: quote, and coach.interviewer.prompts reads "met on one quote" as thin evidence: kept at 1.0 until that changes;
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
    #: criterion id → (sentence, offset, from its main list) of every match of its cues in the sentences
    #: they hit, in text order (none for a rubric's facts built without them)
    cue_matches: dict[str, list[tuple[int, int, bool]]] = field(default_factory=dict)


#: The slots whose value is not a 0/1 flag (position, position_sq, length).
_SCALED = tuple(FEATURES.index(name) for name in ("position", "position_sq", "length"))
_CUE_HIT, _FIRST_HIT = FEATURES.index("cue_hit"), FEATURES.index("first_hit")
_LAST_HIT, _HIT_RANK = FEATURES.index("last_hit"), FEATURES.index("hit_rank")
_CUE_SLOTS = tuple(FEATURES.index(name) for name in ("cue_matches", "main_cue", "first_clause", "hit_share"))


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
    found = facts.cue_matches.get(criterion_id)
    if found:
        out += _cue_features(facts.seg, found)
    return out


def _cue_features(seg: Segmented, found: list[tuple[int, int, bool]]) -> list[tuple[int, int, float]]:
    """How a criterion's cues hit each sentence: the four cue slots that are not 0.

    The sentence that best shows a criterion is often the one its cues hit most, from its main list,
    early in the sentence (bench/evidence_cue_facts.py: +0.01-0.02 hit@1 on every fold split)."""
    per_sentence: dict[int, list[tuple[int, bool]]] = {}
    for index, start, main in found:
        per_sentence.setdefault(index, []).append((start, main))
    out: list[tuple[int, int, float]] = []
    for index in sorted(per_sentence):
        mine = per_sentence[index]
        first_clause = seg.clause_span(mine[0][0])[0] <= seg.sentences[index].start
        values = (math.log1p(len(mine)), float(any(main for _, main in mine)), float(first_clause),
                  len(mine) / len(found))
        out += [(index, slot, value) for slot, value in zip(_CUE_SLOTS, values) if value]
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
# For ASCII text, 1:1: a character \w does not match → " ", a digit → "0" ("0" in a slice ⇔ _DIGITS finds one).
_SPACED = str.maketrans({c: "0" if chr(c).isdigit() else " " for c in range(128) if not (chr(c).isalpha() or c == 95)})


def _marked(facts: StoryFacts) -> list[tuple[bool, bool, bool, bool, int]]:
    r"""Per sentence: whether ``_DIGITS``, ``_FIRST_PERSON``, ``_WE``, ``_PAST`` find something in its
    text, and ``len(_WORDS.findall(text))``, without slicing most sentences.

    An ASCII story's digits and words are read from a slice of its ``_SPACED`` copy (its runs of
    non-spaces are the ``\w+`` runs); otherwise ``_DIGITS`` and ``_WORDS``, which have no look-around,
    search the story between the sentence's offsets, which finds what searching the slice finds.
    ``_MARKS`` look around their match. Their fast twins search between the offsets, which at the end
    is as if the story ended there, but at the start lets a look-behind or ``\b`` see the character
    before: so only when that character is not one they match or look at (then they see the same as
    at the start of the slice); the rare others are searched alone.
    """
    seg = facts.seg
    text = seg.text
    ascii_text = text.isascii()
    lowered = text.lower() if ascii_text else text
    spaced = text.translate(_SPACED) if ascii_text else text
    first_person, we, past = _MARKS_FAST
    edge = _MARK_EDGE.match
    out: list[tuple[bool, bool, bool, bool, int]] = []
    for sentence in seg.sentences:
        start, end = sentence.start, sentence.end
        if ascii_text:
            piece = spaced[start:end]
            digits, words = "0" in piece, len(piece.split())
        else:
            digits, words = _DIGITS.search(text, start, end) is not None, len(_WORDS.findall(text, start, end))
        if ascii_text and (start == 0 or not edge(text, start - 1)):
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
) -> list[tuple[list[int], list[float]]]:
    """Per sentence, the slots of ``shared_features`` that are not 0 (ascending) and their values.

    Filled slot by slot (each sentence's list stays ascending), visiting only the sentences a set
    names rather than asking every sentence about every set.
    """
    count = len(facts.seg.sentences)
    rows: list[tuple[list[int], list[float]]] = []
    for index, marks in enumerate(_marked(facts)):
        slots: list[int] = []
        values: list[float] = []
        for slot in range(4):  # digits, first_person, we, past
            if marks[slot]:
                slots.append(slot)
                values.append(1.0)
        position = index / (count - 1) if count > 1 else 0.0
        for slot, value in ((4, position), (5, position * position), (6, math.log1p(marks[4]))):  # position_sq, length
            if value:
                slots.append(slot)
                values.append(value)
        rows.append((slots, values))

    def flag(slot: int, sentences: Iterable[int]) -> None:
        for index in set(sentences):  # one slot per call: the order of the sentences does not matter
            rows[index][0].append(slot)
            rows[index][1].append(1.0)

    for kind in ("measure", "duration", "clock"):  # slots 9, 10, 13: ascending
        flag(FEATURES.index(kind), facts.quantity_sentences.get(kind, ()))
    for k, name in enumerate(heading_components):
        flag(len(FEATURES) + k, (index for index, heading in enumerate(facts.headings) if heading == name))
    base = len(FEATURES) + len(heading_components)
    for k, cid in enumerate(hit_criteria):
        flag(base + k, facts.hits.get(cid, ()))
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
    _word_scores: dict[str, tuple[float, ...]] = field(default_factory=dict)  # per ``emb.words`` part: count, sums
    _by_slot: tuple[tuple[float, ...], ...] = ()  # per feature slot, every model's weight (``models`` order)
    _biases: tuple[float, ...] = ()
    _scaled: dict[tuple[int, float], tuple[float, ...]] = field(default_factory=dict)  # (slot, value) → its terms

    def __post_init__(self) -> None:
        self._ids = tuple(self.models)
        self._by_slot = tuple(zip(*(m.features for m in self.models.values())))
        self._biases = tuple(m.bias for m in self.models.values())

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
        """Per sentence, every model's mean-embedding term (in ``self.models`` order).

        Per word (a part of ``emb.words``), its tokens' count and their scores summed, cached: a
        sentence's sums are then one column sum over its words (~1.3 tokens a word) instead of one
        over its tokens, and the count comes out of the same sum (column 0).
        """
        out: list[list[float]] = []
        words = self._word_scores
        if len(words) > _MAX_CACHED_WORDS:  # a long-running server meets ever new words: stay bounded
            words.clear()
        get, width = words.get, len(self._ids)
        zeros = [0.0] * width
        for index in range(len(seg.sentences)):
            parts = emb.words(seg.sentence_text(index))
            rows = list(map(get, parts))
            if None in rows:
                rows = [row if row is not None else self._word_score(word, emb) for word, row in zip(parts, rows)]
            count, *sums = map(sum, zip(*rows))
            out.append(list(map(operator.truediv, sums, repeat(count, width))) if count else zeros.copy())
        return out

    def _word_score(self, word: str, emb: embedding.StaticEmbedding) -> tuple[float, ...]:
        """(its token count, every model's summed token scores) of one word, cached (in token order)."""
        tokens = [self._token_score(token, emb) for token in emb.word_ids(word)]
        scores = self._word_scores[word] = (float(len(tokens)), *(map(sum, zip(*tokens)) if tokens else [0.0] * len(self._ids)))
        return scores

    def base_scores(self, facts: StoryFacts, emb: embedding.StaticEmbedding) -> list[list[float]]:
        """Per sentence, every model's score but for the per-criterion features (``own_features``):
        its embedding term + its shared features' terms + its bias.

        Per model this is the dense ``embedding + features·weights + bias``: the non-zero feature
        terms in slot order (a weight times a flag's 1.0 is the weight itself), then the embedding
        term, then the bias, summed from 0 as one column sum over those rows; all models at once, in
        C loops, which costs less than one Python loop per met criterion. Fixed order: deterministic.
        """
        weight_rows = self._by_slot.__getitem__
        biases = self._biases
        scaled = self._scaled
        if len(scaled) > _MAX_CACHED_WORDS:
            scaled.clear()
        out: list[list[float]] = []
        rows = _sparse_rows(facts, self.hit_criteria, self.heading_components)
        for embedded, (slots, values) in zip(self.embedding_scores(facts.seg, emb), rows):
            terms: list[Sequence[float]] = list(map(weight_rows, slots))  # a flag's 1.0: its terms are the weights
            for j in range(bisect_left(slots, _SCALED[0]), bisect_left(slots, _SCALED[-1] + 1)):
                key = (slots[j], values[j])  # position, its square, length: they recur from story to story
                term = scaled.get(key)
                if term is None:
                    term = scaled[key] = tuple(map(operator.mul, terms[j], repeat(values[j])))
                terms[j] = term
            terms += (embedded, biases)
            out.append(list(map(sum, zip(*terms))))
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


_MAX_CACHED_WORDS = 200_000  # per cache of a Ranker: ~30 MB of keys and tuples of shared per-token rows
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
    _base: list[list[float]] | None = None  # Ranker.base_scores
    _scores: dict[str, list[float]] = field(default_factory=dict)

    def scores(self, criterion_id: str) -> list[float] | None:
        """The trained model's score of every sentence for this criterion, or None (no model)."""
        ranker = self.ranker
        if ranker is None or not ranker.knows(criterion_id):
            return None
        cached = self._scores.get(criterion_id)
        if cached is not None:
            return cached
        if self._base is None:
            emb = embedding.shared()
            if emb is None:
                return None
            self._base = ranker.base_scores(self.facts, emb)  # every model's, once per story
        weights = ranker.models[criterion_id].features
        out = list(map(operator.itemgetter(ranker.column(criterion_id)), self._base))
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
            claimants = {component_of[cid] for cid, _ in pool}
            if len(claimants) < 2:  # none, or one component: no need to weigh the evidence
                out.append(claimants.pop() if claimants else None)
                continue
            tally: dict[str, float] = {}
            for cid, value in pool:  # p(the sentence shows it), else the rubric's highlight weight; the surest counts
                weight = weights.get(cid, 1.0) if value is None else 1.0 / (1.0 + math.exp(-value))
                tally[component_of[cid]] = max(tally.get(component_of[cid], 0.0), weight)
            out.append(max(tally.items(), key=lambda kv: kv[1])[0] if tally else None)  # ties: rubric order
        return out
