"""The deterministic STAR-L scorer: ``score(text, rubric) -> Assessment``.

Pure: no I/O, no clock, no randomness, no network. The same story and rubric give the same
assessment, byte for byte. Follow-up questions are added by the service layer, not here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from coach.models import Assessment
from coach.rubric.linear import LinearPattern
from coach.rubric.loader import Criterion, RedFlag, Rubric
from coach.scoring import quantities
from coach.scoring.detectors import Facts, ItemSettings, detect, new_facts
from coach.scoring.evidence import EvidencePicker, StoryFacts, ranker_for
from coach.scoring.headings import Headings
from coach.scoring.matching import CompiledCues, Doc, PatternGate, PresenceGate, compile_cues
from coach.scoring.segment import Segmented, ascii_alternation, segment, words

MAX_EVIDENCE = 3
#: Below this many words an answer is not a story, whatever it says.
MIN_STORY_WORDS = 25
#: An answer judged not to be a story scores at most this.
NOT_A_STORY_CAP = 10

# Narrative markers: a story is told by someone ("I", "we") about things that happened (past tense).
_PERSON = re.compile(r"(?<![\w'])(?:I|i|we|We|my|My|our|Our|me|us)(?![\w'])")
_PAST = re.compile(
    r"\b(?:was|were|had|did|went|got|found|saw|took|made|came|ran|began|started|noticed|realized|"
    r"decided|asked|told|said|called|[a-z]{3,}ed)\b",
    re.IGNORECASE,
)
_FUNCTION_WORD_LIST = ("the", "a", "an", "to", "of", "and", "in", "on", "was", "were", "is", "it", "that", "for", "with",
                       "we", "i", "my", "our")
_FUNCTION_WORDS = re.compile(r"\b(?:" + "|".join(_FUNCTION_WORD_LIST) + r")\b", re.IGNORECASE)
# For lower-cased ASCII text: the same matches, faster (see coach.scoring.segment.ascii_alternation).
_FUNCTION_WORDS_ASCII = ascii_alternation(_FUNCTION_WORD_LIST)
_PAST_ASCII = re.compile(_PAST.pattern)


@dataclass(frozen=True, slots=True)
class _Compiled:
    criteria: tuple[tuple[Criterion, str, CompiledCues], ...]  # (criterion, component id, cues)
    flags: tuple[tuple[RedFlag, CompiledCues], ...]
    topic: LinearPattern | None
    gate: PatternGate
    highlight_weights: dict[str, float]  # criterion id → weight of its evidence when attributing sentences
    headings: Headings
    presence: list[PresenceGate | int]  # [stories scored so far], then [the gate] (see _doc)
    settings: dict[tuple[str, str], ItemSettings]  # ("criterion" or "flag", id) → its detector's settings, built once


_COMPILED: dict[int, tuple[Rubric, _Compiled]] = {}


def _compiled(rubric: Rubric) -> _Compiled:
    cached = _COMPILED.get(id(rubric))
    if cached is not None and cached[0] is rubric:
        return cached[1]
    criteria = tuple(
        (criterion, component.id, CompiledCues.of(criterion.cues))
        for component in rubric.components
        for criterion in component.criteria
    )
    flags = tuple((flag, CompiledCues.of(flag.cues)) for flag in rubric.red_flags)
    topic = compile_cues(rubric.topic_cues)
    compiled = _Compiled(
        criteria=criteria,
        flags=flags,
        topic=topic,
        gate=PatternGate.of(list(quantities.GATED_PATTERNS)),
        highlight_weights={c.id: c.highlight_weight for c in rubric.criteria()},
        headings=Headings.of(rubric),
        presence=[0],
        settings={("criterion", c.id): ItemSettings(params=c.params) for c in rubric.criteria()}
        | {("flag", f.id): ItemSettings(tuple(f.absent_when_met), f.params) for f in rubric.red_flags},
    )
    _COMPILED[id(rubric)] = (rubric, compiled)
    return compiled


#: A rubric's presence gate is built at its third story: building it and warming its DFA (~50 ms)
#: costs more than it saves on a story or two. Every caller scores a warm-up word first
#: (coach.deadline), so the command line's single story never pays for it; a batch's second story does.
PRESENCE_AFTER = 3
_GAVE_UP = -1  # the build was interrupted (a story's deadline): it is not tried again inside another's


def _doc(text: str, compiled: _Compiled) -> Doc:
    """The story segmented, with the rubric's gates; the results are the same with or without them."""
    box = compiled.presence
    gate = box[0]
    if isinstance(gate, int):
        if gate == _GAVE_UP or gate + 1 < PRESENCE_AFTER:
            box[0] = gate if gate == _GAVE_UP else gate + 1
            return Doc(segment(text), compiled.gate)
        box[0] = _GAVE_UP  # until the build below completes
        patterns = [p for _, _, cues in compiled.criteria for p in cues.patterns()]
        patterns += [p for _, cues in compiled.flags for p in cues.patterns()]
        gate = box[0] = PresenceGate.of(patterns + ([compiled.topic] if compiled.topic is not None else []))
    return Doc(segment(text), compiled.gate, gate)


def detections(text: str, rubric: Rubric) -> tuple[dict[str, bool], StoryFacts]:
    """The rules' verdict per criterion and what the evidence ranker reads (for training it)."""
    compiled = _compiled(rubric)
    facts = _detect_criteria(compiled, new_facts(_doc(text, compiled)))
    return {cid: met for cid, (met, _) in facts.results.items()}, _story_facts(facts, compiled)


def _story_facts(facts: Facts, compiled: _Compiled) -> StoryFacts:
    seg = facts.doc.seg
    headings = compiled.headings
    cue_matches: dict[str, list[tuple[int, int, bool]]] = {}
    for criterion, _, cues in compiled.criteria:  # each criterion's matches in the sentences it hits
        found, hits = facts.matches.get(id(cues)), facts.results[criterion.id][1]
        if found and hits:
            wanted = set(hits)
            cue_matches[criterion.id] = [match for match in found if match[0] in wanted]
    kinds: dict[str, set[int]] = {}
    for quantity in facts.quantities:
        kinds.setdefault(quantity.kind, set()).add(seg.sentence_index(quantity.start))
    return StoryFacts(
        seg=seg,
        hits={cid: hits for cid, (_, hits) in facts.results.items()},
        quantity_sentences={kind: frozenset(found) for kind, found in kinds.items()},
        headings=_headings(seg, headings),
        cue_matches=cue_matches,
    )


def _detect_criteria(compiled: _Compiled, facts: Facts) -> Facts:
    settings = compiled.settings
    for criterion, _, cues in compiled.criteria:
        facts.results[criterion.id] = detect(criterion.detector, cues, facts, settings["criterion", criterion.id])
    return facts


def score(text: str, rubric: Rubric) -> Assessment:
    compiled = _compiled(rubric)
    doc = _doc(text, compiled)
    facts = _detect_criteria(compiled, new_facts(doc))
    word_count = doc.seg.word_count  # == len(words(text))
    picker = EvidencePicker(_story_facts(facts, compiled), ranker_for(rubric.id))

    # Results are gathered as plain data with the models' field names and validated once, by the
    # Assessment: one call into pydantic's Rust core instead of ~50 model constructions from Python
    # (and not model_construct: pydantic's Python-level model_construct is slower still).
    criteria: dict[str, dict[str, Any]] = {}
    evidence_hits: dict[str, list[int]] = {}  # criterion id → the sentences quoted as its evidence
    for criterion, component_id, _ in compiled.criteria:
        met, _ = facts.results[criterion.id]
        evidence_hits[criterion.id] = picker.order(criterion.id, MAX_EVIDENCE) if met else []
        criteria[criterion.id] = {
            "met": met,
            "evidence": _evidence(doc.seg, evidence_hits[criterion.id], compiled.headings),
            "component": component_id,
            "name": criterion.name,
        }

    red_flags: dict[str, dict[str, Any]] = {}
    for flag, cues in compiled.flags:
        raised, hits = detect(flag.detector, cues, facts, compiled.settings["flag", flag.id])
        red_flags[flag.id] = {
            "raised": raised,
            "evidence": _evidence(doc.seg, hits[:MAX_EVIDENCE] if raised else [], compiled.headings),
            "name": flag.name,
        }

    met_ids = {cid for cid, result in criteria.items() if result["met"]}
    components = _component_scores(rubric, met_ids)
    raw = sum(c.weight * components[c.id]["score"] for c in rubric.components) / sum(c.weight for c in rubric.components)
    penalty = sum(flag.penalty for flag in rubric.red_flags if red_flags[flag.id]["raised"])
    overall = max(0.0, min(100.0, raw - penalty))

    notices: list[str] = []
    for cap in rubric.caps:
        if overall > cap.max_overall and all(cid not in met_ids for cid in cap.missing):
            overall = float(cap.max_overall)
            notices.append(cap.notice)
    is_story = _is_story(text, word_count, doc.seg) if rubric.narrative else word_count > 0
    if not is_story:
        overall = min(overall * 0.1, NOT_A_STORY_CAP)
        notices.append(
            "This does not read as a story: tell what happened, what you did and how it ended, "
            "in full sentences (a few paragraphs, about 2 minutes spoken)."
        )
    on_topic = is_story and _on_topic(doc, compiled.topic)
    if is_story and not on_topic and rubric.topic_notice:
        notices.append(rubric.topic_notice)

    overall_int = int(round(overall))
    level = rubric.level_for(overall_int)
    # Plain data validated once into the nested models: faster than building ~50 models one by one.
    return Assessment.model_validate(
        {
            "rubric": rubric.id,
            "overall": overall_int,
            "level": level.level,
            "level_label": level.label,
            "components": components,
            "criteria": criteria,
            "red_flags": red_flags,
            "notices": notices,
            "is_story": is_story,
            "on_topic": on_topic,
            "word_count": word_count,
            "segments": _attribute(doc.seg, picker.components(
                evidence_hits, {cid: c["component"] for cid, c in criteria.items()}, compiled.highlight_weights
            ), picker.facts.headings),  # the headings the ranker read: found once
        }
    )


def _evidence(seg: Segmented, hits: list[int], headings: Headings) -> list[dict[str, Any]]:
    """The quoted sentences, as Span data, without a leading STAR heading ("Result: …" quotes "…")."""
    spans = []
    for index in hits:
        sentence = seg.sentences[index]
        start = sentence.start
        heading_end = headings.end(seg.text[start : sentence.end])
        if heading_end is not None and heading_end < sentence.end - start:
            start += heading_end
            while start < sentence.end and seg.text[start].isspace():
                start += 1
        spans.append({"text": seg.text[start : sentence.end], "start": start, "end": sentence.end})
    return spans


def _component_scores(rubric: Rubric, met_ids: set[str]) -> dict[str, dict[str, Any]]:
    """ComponentResult data per component."""
    out: dict[str, dict[str, Any]] = {}
    for component in rubric.components:
        total = sum(c.weight for c in component.criteria)
        got = sum(c.weight for c in component.criteria if c.id in met_ids)
        out[component.id] = {
            "score": int(round(100 * got / total)),
            "name": component.name,
            "met": sum(1 for c in component.criteria if c.id in met_ids),
            "total": len(component.criteria),
        }
    return out


def _is_story(text: str, word_count: int, seg: Segmented | None = None) -> bool:
    """Enough function words (≥ 12% of the words), told by someone (two "I"/"we"…), in the past
    tense (two past verbs). Each count stops as soon as its threshold is reached.

    A pasted list (numbers, log lines) or a long run of filler words inside a told story would dilute
    the function words below 12%: when the whole text falls short, the share is taken again over the
    prose alone, leaving out padding sentences (see _padding_words)."""
    if word_count < MIN_STORY_WORDS:
        return False
    # ASCII text: the case-free patterns run case-sensitively on the lower-cased text (same matches).
    lowered = text.lower() if text.isascii() else None
    if not (
        _at_least(_PERSON, text, 2)
        and (_at_least(_PAST_ASCII, lowered, 2) if lowered is not None else _at_least(_PAST, text, 2))
    ):
        return False
    if _enough_function_words(text, lowered, word_count):
        return True
    prose_words = word_count - (_padding_words(seg) if seg is not None else 0)
    return MIN_STORY_WORDS <= prose_words < word_count and _enough_function_words(text, lowered, prose_words)


def _enough_function_words(text: str, lowered: str | None, word_count: int) -> bool:
    # function words / word_count ≥ 0.12, counted exactly as the float division would decide it
    needed = next(n for n in range(int(0.12 * word_count), word_count + 2) if n / word_count >= 0.12)
    if lowered is not None:
        return _at_least(_FUNCTION_WORDS_ASCII, lowered, needed)
    return _at_least(_FUNCTION_WORDS, text, needed)


#: Padding, not prose: a sentence (or run-on piece) of at least this many words, under 5% of them
#: function words (told sentences hold 20-50%), that is a list — mostly numbers ("The ids were: 1, 2,
#: 3, …", a pasted log) — or a repetition — few distinct words ("um um um…", "like you know like…").
#: A shuffle of story words (many distinct words, no numbers) is neither, and stays counted.
_PADDING_MIN_WORDS = 5
_PADDING_MAX_SHARE = 0.05
_PADDING_NUMBERS = 0.5
_PADDING_DISTINCT = 0.3


def _padding_words(seg: Segmented) -> int:
    """Words in padding sentences. Their few function words stay counted, so leaving their words out
    only shrinks the denominator of the function-word share."""
    padding = 0
    for index in range(len(seg.sentences)):
        sentence = seg.sentence_text(index)
        tokens = words(sentence)
        count = len(tokens)
        if count < _PADDING_MIN_WORDS or len(_FUNCTION_WORDS.findall(sentence)) >= _PADDING_MAX_SHARE * count:
            continue
        numbers = sum(1 for token in tokens if token[0].isdigit())
        if numbers >= _PADDING_NUMBERS * count or len({t.lower() for t in tokens}) <= _PADDING_DISTINCT * count:
            padding += count
    return padding


def _at_least(pattern: re.Pattern[str], text: str, count: int) -> bool:
    """``len(pattern.findall(text)) >= count``, scanning no further than needed."""
    if count <= 0:
        return True
    for seen, _ in enumerate(pattern.finditer(text), start=1):
        if seen >= count:
            return True
    return False


def _on_topic(doc: Doc, topic: LinearPattern | None) -> bool:
    """Two mentions of the topic's vocabulary anywhere (short answers may pack them in one sentence)."""
    if topic is None:
        return True
    return len(doc.first_matches(topic, 2)) >= 2


def _headings(seg: Segmented, headings: Headings) -> list[str | None]:
    """Per sentence, the component of the heading ("Result:", "**Actions**") it sits under (the
    rubric's heading words, coach.scoring.headings)."""
    out: list[str | None] = []
    heading: str | None = None
    for sentence in seg.sentences:
        found = headings.component(seg.text[sentence.start : sentence.end])  # a slice: ``^`` must see its start
        if found is not None:
            heading = found or None
        out.append(heading)
    return out


def _attribute(seg: Segmented, components: list[str | None], headings: list[str | None]) -> list[dict[str, Any]]:
    """Each sentence's STAR-L component (Segment data): an explicit heading wins (``headings``: per
    sentence, the component of the heading it sits under), else the component of the evidence it
    carries (coach.scoring.evidence)."""
    out: list[dict[str, Any]] = []
    for sentence, heading, component in zip(seg.sentences, headings, components):
        text = seg.text[sentence.start : sentence.end]
        out.append({"start": sentence.start, "end": sentence.end, "text": text, "component": heading or component})
    return out
