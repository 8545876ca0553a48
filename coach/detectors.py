"""Detectors: how a criterion or red flag is decided from its cues.

Most criteria use the generic ``cues`` detector (coach.matching). A few need more than regular
expressions: outcome metrics must be real measures (not team sizes or versions), durations must be
spans of time, and two red flags are defined by what is absent. Those detectors still take their
vocabulary from the rubric's cues; only the structure lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from coach.matching import CompiledCues, Doc
from coach.quantities import Quantity, find_quantities


@dataclass(slots=True)
class Facts:
    """What several detectors share for one story, computed once."""

    doc: Doc
    quantities: list[Quantity] = field(default_factory=list)
    results: dict[str, tuple[bool, list[int]]] = field(default_factory=dict)

    def sentences_with(self, *kinds: str) -> set[int]:
        return {self.doc.seg.sentence_index(q.start) for q in self.quantities if q.kind in kinds}


Outcome = tuple[bool, list[int]]
DetectorFn = Callable[[CompiledCues, Facts], Outcome]


def _cues(cues: CompiledCues, facts: Facts) -> Outcome:
    return cues.met(facts.doc)


def _with_quantity(kinds: tuple[str, ...]) -> DetectorFn:
    """Met when a sentence matches the cues (the context) and holds a number of these kinds whose
    own clause matches none of ``unless`` ("an alert that fires 30 days out" is not a duration)."""

    def detect(cues: CompiledCues, facts: Facts) -> Outcome:
        doc = facts.doc
        context = {index for index, _ in cues.matches(doc, apply_unless=False, per_sentence=True)}
        hits: list[int] = []
        for quantity in facts.quantities:
            if quantity.kind not in kinds:
                continue
            index = doc.seg.sentence_index(quantity.start)
            if index in context and index not in hits and not doc.in_same_clause(quantity.start, cues.unless):
                hits.append(index)
        return len(hits) >= cues.min_sentences, hits

    return detect


def _timeline(cues: CompiledCues, facts: Facts) -> Outcome:
    """An ordered account: sequencing markers or clock times around the steps, or a run of several steps.

    ``any`` finds markers ("first", "then", "at 2:15"), ``steps`` the action verbs. Either enough marked
    sentences with a couple of steps, or — for plain narration with no markers — many steps in order.
    """
    doc = facts.doc
    markers = cues.sentences(doc)
    steps = doc.matches(cues.steps)
    step_sentences = sorted({doc.seg.sentence_index(start) for start, _ in steps})
    marked_steps = len(markers) >= cues.min_sentences and len(steps) >= 2
    some_marks = len(markers) >= 1 and len(steps) >= cues.min_matches - 1
    narrated = len(steps) >= cues.min_matches + 1 and len(step_sentences) >= 2
    met = marked_steps or some_marks or narrated
    return met, sorted(set(markers) | set(step_sentences))


def _no_metrics(cues: CompiledCues, facts: Facts) -> Outcome:
    """Raised when nothing that matters is quantified: no outcome metric, no resolution time, and no
    measure of impact (a number in a sentence about users, money, rates, errors… — the cues)."""
    quantified_outcome = any(facts.results.get(cid, (False, []))[0] for cid in ("result.metrics", "result.duration"))
    impact = facts.sentences_with("measure") & set(cues.sentences(facts.doc))
    return not (quantified_outcome or impact), []


def _no_learning(cues: CompiledCues, facts: Facts) -> Outcome:
    """Raised when there is no prevention, no process change and no lesson (platitudes do not count)."""
    learned = any(facts.results.get(cid, (False, []))[0] for cid in ("learning.prevention", "learning.process"))
    lesson_hits = cues.sentences(facts.doc)
    return not (learned or lesson_hits), []


DETECTORS: dict[str, DetectorFn] = {
    "timeline": _timeline,
    "metrics": _with_quantity(("measure",)),
    "duration": _with_quantity(("duration",)),
    "no_metrics": _no_metrics,
    "no_learning": _no_learning,
}


def detect(detector: str, cues: CompiledCues, facts: Facts) -> Outcome:
    return DETECTORS.get(detector, _cues)(cues, facts)


def new_facts(doc: Doc) -> Facts:
    spans = [(sentence.start, sentence.end) for sentence in doc.seg.sentences]
    return Facts(doc=doc, quantities=find_quantities(doc.text, spans, doc.candidates))
