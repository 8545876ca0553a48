"""Detectors for the incident-communication drills: form checks configured from rubric data.

A drill message is short and structured, so beside the cue detector it is judged by its form: is a
time or number attached to the cue (an ETA needs a time), how many identifiers does it use (plain
language has few, a technical update needs some), how long is it, in what order do its elements come,
and does every action item have an owner. What is counted and the limits come from the criterion's
``params`` (coach.rubric.drill_params); nothing here knows a criterion id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from coach.rubric.drill_params import DrillParams
from coach.rubric.loader import Cue, Cues
from coach.scoring.matching import CompiledCues, Doc, compile_any
from coach.scoring.quantities import DURATION

if TYPE_CHECKING:
    from coach.scoring.detectors import Facts

Outcome = tuple[bool, list[int]]
DrillDetector = Callable[[CompiledCues, "Facts", DrillParams], Outcome]

# A number with a unit is a quantity, not an identifier: "$96k", "1.8s", "120ms", "4x", "24h", "3pm".
_UNIT_NUMBER = re.compile(r"[$€£~<>+-]*\d[\d,.]*(?:%|k|m|bn|ms|s|x|h|min|gb|mb|tb|pm|am|st|nd|rd|th|pp)?", re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z0-9][\w@#/+.-]*[A-Za-z0-9%]|[A-Za-z0-9]")

#: The token shapes a rubric can name in ``params.shapes``.
SHAPES: dict[str, re.Pattern[str]] = {
    # merchant_category, fct_orders, _acme-challenge
    "snake_case": re.compile(r"(?<![\w-])_?[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+|(?<!\w)_[A-Za-z][\w-]*"),
    # api.partner.example.com, CheckoutViewModel.onResume (not "e.g.")
    "dotted": re.compile(r"\b[A-Za-z][\w-]+(?:\.[A-Za-z][\w-]+)+\b"),
    # letters and digits in one token: fraud-v7, p99, recall@10, qe-2024-06-11 (units excluded below)
    "code": _TOKEN,
    # NXDOMAIN, MRR, TXT: an upper-case abbreviation (the rubric's ``allow`` lists the common ones)
    "acronym": re.compile(r"\b[A-Z][A-Z0-9]*[A-Z](?:s)?\b"),
    "number": re.compile(r"(?<![\w.])[$€£~]?\d[\d,]*(?:\.\d+)?"),
    "clock": re.compile(r"\b\d{1,2}:\d{2}\b|\b\d{1,2}\s?[ap]\.?m\b", re.IGNORECASE),
    "duration": DURATION,
    # "Day 12", "D-30", "Week 6": a relative day or week in a timeline
    "day": re.compile(r"\b(?:day|d|week|wk)\s?[-+]?\s?\d+\b", re.IGNORECASE),
    # a numbered line: "1. ", "2) "
    "step": re.compile(r"^[ \t]*\d{1,2}[.)][ \t]", re.MULTILINE),
    # a parenthetical: "(platform team)", "(owner: security)"
    "paren": re.compile(r"\([^()\n]{2,60}\)"),
}


def _is_code(token: str) -> bool:
    has_letter = any(ch.isalpha() for ch in token)
    has_digit = any(ch.isdigit() for ch in token)
    return has_letter and has_digit and _UNIT_NUMBER.fullmatch(token) is None


def shape_spans(text: str, params: DrillParams, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Spans of the configured shapes in ``text[start:end]``, minus the allowed words, each span once."""
    allow = {word.lower() for word in params.allow}
    seen: set[tuple[int, int]] = set()
    stop = len(text) if end is None else end
    for name in params.shapes:
        for m in SHAPES[name].finditer(text, start, stop):
            token = m.group(0).strip("(). ")
            if token.lower() in allow or (name == "code" and not _is_code(token)):
                continue
            if name == "acronym" and token.rstrip("s").lower() in allow:
                continue
            if m.span() not in seen:
                seen.add(m.span())
                yield m.span()


def _with_shape(cues: CompiledCues, facts: Facts, params: DrillParams) -> Outcome:
    """Met when a cue comes with a shape in its sentence (or within ``reach`` characters after it):
    an ETA with a time, a known fact with a number."""
    doc = facts.doc
    hits: list[int] = []
    for index, offset in cues.matches(doc):
        sentence = doc.seg.sentences[index]
        start, end = (offset, min(sentence.end, offset + params.reach)) if params.reach else (sentence.start, sentence.end)
        if index not in hits and next(shape_spans(doc.text, params, start, end), None) is not None:
            hits.append(index)
    return len(hits) >= cues.min_sentences, hits


def _shape_count(cues: CompiledCues, facts: Facts, params: DrillParams) -> Outcome:
    """Counts shape tokens plus cue matches: at least ``min_hits`` (specific enough) and at most
    ``max_hits`` (plain enough). An upper bound is a limit, so it quotes no evidence."""
    doc = facts.doc
    offsets = [start for start, _ in shape_spans(doc.text, params)] + [offset for _, offset in cues.matches(doc)]
    count = len(offsets)
    met = count >= params.min_hits and (params.max_hits is None or count <= params.max_hits)
    if params.max_hits is not None:
        return met, []
    return met, sorted({doc.seg.sentence_index(offset) for offset in offsets})


def _length(cues: CompiledCues, facts: Facts, params: DrillParams) -> Outcome:
    seg = facts.doc.seg
    words_ok = params.max_words is None or seg.word_count <= params.max_words
    sentences_ok = params.max_sentences is None or sentence_count(seg.text) <= params.max_sentences
    return words_ok and sentences_ok, []


_SENTENCE_END = re.compile(r"[.!?]+(?:\s+|$)")


def sentence_count(text: str) -> int:
    """Sentences as a reader counts them: each line's pieces between full stops. (The scorer's
    segmenter also cuts long run-ons and list items, which is right for evidence, not for length.)"""
    return sum(
        sum(1 for piece in _SENTENCE_END.split(line) if any(ch.isalnum() for ch in piece))
        for line in text.splitlines()
    )


def _order(cues: CompiledCues, facts: Facts, params: DrillParams) -> Outcome:
    """The elements present (met criteria of ``sequence``) first appear in the sequence's order."""
    firsts = element_positions(facts.results, params.sequence)
    if params.lead and firsts and params.sequence[0] not in dict(firsts):
        return False, []
    positions = [position for _, position in firsts]
    return positions == sorted(positions), []


def element_positions(results: dict[str, tuple[bool, list[int]]], sequence: list[str]) -> list[tuple[str, int]]:
    """(criterion id, first sentence) of each met element, in the format's order."""
    out: list[tuple[str, int]] = []
    for cid in sequence:
        met, hits = results.get(cid, (False, []))
        if met and hits:
            out.append((cid, min(hits)))
    return out


def _items(cues: CompiledCues, facts: Facts, params: DrillParams) -> Outcome:
    """Items are lines (or ;-separated parts of a line) that match the cues: at least ``min_matches``
    of them, and with ``each_needs`` / ``shapes``, every one carries one (an owner, say)."""
    doc = facts.doc
    low, high = _section(doc, params)
    units: dict[tuple[int, int], int] = {}
    for index, offset in cues.matches(doc):
        if low <= offset < high:
            units.setdefault(_unit(doc.text, offset), index)
    needs = doc.matches(compile_any(tuple(params.each_needs)))
    if params.each_needs or params.shapes:
        for start, end in units:
            if not (any(start <= m_start and m_end <= end for m_start, m_end in needs)
                    or next(shape_spans(doc.text, params, start, end), None) is not None):
                return False, []
    hits = sorted(set(units.values()))
    return len(units) >= cues.min_matches, hits


def _section(doc: Doc, params: DrillParams) -> tuple[int, int]:
    """Offsets of the section the items are read from: its heading to the next heading, or everything."""
    found = doc.matches(compile_any(tuple(params.section)))
    if not found:
        return 0, len(doc.text)
    start = found[0][1]
    ends = [m_start for m_start, _ in doc.matches(compile_any(tuple(params.section_end))) if m_start > start]
    return start, min(ends) if ends else len(doc.text)


def _unit(text: str, offset: int) -> tuple[int, int]:
    """The line around ``offset``, cut at semicolons."""
    start = max(text.rfind("\n", 0, offset), text.rfind(";", 0, offset)) + 1
    ends = [i for i in (text.find("\n", offset), text.find(";", offset)) if i != -1]
    return start, min(ends) if ends else len(text)


def _either(cues: CompiledCues, facts: Facts, params: DrillParams) -> Outcome:
    """The cues, or any alternative cue set: "definitely …", or a cause pinned on someone as fact."""
    hits: list[int] = []
    for option in [cues, *(_compiled(alt.any, alt.also, alt.unless) for alt in params.alternatives)]:
        hits += [index for index in option.sentences(facts.doc) if index not in hits]
    return bool(hits), sorted(hits)


def _compiled(any_: list[Cue], also: list[list[Cue]], unless: list[Cue]) -> CompiledCues:
    return CompiledCues.of(Cues(any=any_, also=also, unless=unless))


DETECTORS: dict[str, DrillDetector] = {
    "either": _either,
    "with_shape": _with_shape,
    "shape_count": _shape_count,
    "length": _length,
    "order": _order,
    "items": _items,
}

