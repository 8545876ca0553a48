"""Detectors: how a criterion or red flag is decided from its cues.

Most criteria use the generic ``cues`` detector (coach.scoring.matching). A few need more than regular
expressions: outcome metrics must be real measures (not team sizes or versions), durations must be
spans of time, and some red flags are defined by what is absent (the rubric names the criteria
whose being met means it is there). Those detectors still take their vocabulary from the rubric's
cues; only the structure lives here, and no criterion id does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from coach.rubric.drill_params import DrillParams
from coach.scoring import drill_detectors
from coach.scoring.matching import CompiledCues, Doc
from coach.scoring.quantities import Quantity, find_quantities


@dataclass(slots=True)
class Facts:
    """What several detectors share for one story, computed once."""

    doc: Doc
    quantities: list[Quantity] = field(default_factory=list)
    results: dict[str, tuple[bool, list[int]]] = field(default_factory=dict)
    #: id(an item's CompiledCues) → (sentence, offset, from its main list) of every match its detector
    #: found, in text order: how strongly each sentence shows the item, for the evidence ranker.
    matches: dict[int, list[tuple[int, int, bool]]] = field(default_factory=dict)

    def sentences_with(self, *kinds: str) -> set[int]:
        return {self.doc.seg.sentence_index(q.start) for q in self.quantities if q.kind in kinds}


Outcome = tuple[bool, list[int]]


@dataclass(frozen=True, slots=True)
class ItemSettings:
    """What a criterion or red flag gives its detector beside its cues (both from the rubric file)."""

    #: For the absence detectors: the criteria whose being met means the thing is there.
    absent_when_met: tuple[str, ...] = ()
    #: For the drills' form checks (coach.scoring.drill_detectors): what they count and their limits.
    params: DrillParams = field(default_factory=DrillParams)


#: (the item's cues, the story's facts, the item's settings) → (met or raised, sentences)
DetectorFn = Callable[[CompiledCues, Facts, ItemSettings], Outcome]


def _cues(cues: CompiledCues, facts: Facts, _settings: ItemSettings) -> Outcome:
    met, hits, facts.matches[id(cues)] = cues.met_by_every_match(facts.doc)
    return met, hits


def _with_quantity(kinds: tuple[str, ...]) -> DetectorFn:
    """Met when a sentence matches the cues (the context) and holds a number of these kinds whose
    own clause matches none of ``unless`` ("an alert that fires 30 days out" is not a duration)."""

    def detect(cues: CompiledCues, facts: Facts, _settings: ItemSettings) -> Outcome:
        doc = facts.doc
        numbers = [quantity for quantity in facts.quantities if quantity.kind in kinds]
        if not numbers:  # no number of these kinds: no hit, whatever the cues find (skip the search)
            return 0 >= cues.min_sentences, []
        found = facts.matches[id(cues)] = cues.every_match(doc, apply_unless=False)
        context = {index for index, _, _ in found}
        hits: list[int] = []
        for quantity in numbers:
            index = doc.seg.sentence_index(quantity.start)
            if index in context and index not in hits and not doc.in_same_clause(quantity.start, cues.unless):
                hits.append(index)
        return len(hits) >= cues.min_sentences, hits

    return detect


def _timeline(cues: CompiledCues, facts: Facts, _settings: ItemSettings) -> Outcome:
    """An ordered account: sequencing markers or clock times around the steps, or a run of several steps.

    ``any`` finds markers ("first", "then", "at 2:15"), ``steps`` the action verbs. Either enough marked
    sentences with a couple of steps, or — for plain narration with no markers — many steps in order.
    """
    doc = facts.doc
    marks = cues.every_match(doc)
    markers = list(dict.fromkeys(index for index, _, _ in marks))
    steps = doc.sentence_matches(cues.steps)  # enough when there are many; else count every one
    if len(steps) < cues.min_matches + 1:
        steps = doc.matches(cues.steps)
    index = doc.seg.sentence_index
    facts.matches[id(cues)] = sorted(marks + [(index(start), start, False) for start, _ in steps], key=lambda m: m[1])
    step_sentences = sorted({index(start) for start, _ in steps})
    marked_steps = len(markers) >= cues.min_sentences and len(steps) >= 2
    some_marks = len(markers) >= 1 and len(steps) >= cues.min_matches - 1
    narrated = len(steps) >= cues.min_matches + 1 and len(step_sentences) >= 2
    met = marked_steps or some_marks or narrated
    return met, sorted(set(markers) | set(step_sentences))


def _absent(measured: bool) -> DetectorFn:
    """Raised when none of the flag's ``absent_when_met`` criteria is met and no sentence matches its
    cues (``measured``: no cue sentence that also holds a measure, e.g. a number of users affected)."""

    def detect(cues: CompiledCues, facts: Facts, settings: ItemSettings) -> Outcome:
        present = any(facts.results.get(cid, (False, []))[0] for cid in settings.absent_when_met)
        if present:  # not raised, whatever the cues find (skip the search)
            return False, []
        found = set(cues.sentences(facts.doc))
        if measured:
            found &= facts.sentences_with("measure")
        return not (present or found), []

    return detect


def _drill(check: drill_detectors.DrillDetector) -> DetectorFn:
    """A drill form check (coach.scoring.drill_detectors) as a detector: it reads the item's ``params``."""

    def detect(cues: CompiledCues, facts: Facts, settings: ItemSettings) -> Outcome:
        return check(cues, facts, settings.params)

    return detect


#: The one registry: detector name (a rubric's ``detector:``) → how it decides.
DETECTORS: dict[str, DetectorFn] = {
    "cues": _cues,
    "timeline": _timeline,
    "metrics": _with_quantity(("measure",)),
    "duration": _with_quantity(("duration",)),
    "absent": _absent(measured=False),
    "absent_measured": _absent(measured=True),
    **{name: _drill(check) for name, check in drill_detectors.DETECTORS.items()},
}


def detect(detector: str, cues: CompiledCues, facts: Facts, settings: ItemSettings = ItemSettings()) -> Outcome:
    return DETECTORS[detector](cues, facts, settings)


def new_facts(doc: Doc) -> Facts:
    spans = [(sentence.start, sentence.end) for sentence in doc.seg.sentences]
    return Facts(doc=doc, quantities=find_quantities(doc.text, spans, doc.candidates))
