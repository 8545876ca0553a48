"""Numbers in a story, and what kind of number each one is.

A careful reader does not count "a team of 5", "Python 3.9" or "at 2:15" as a quantified outcome.
This module finds number mentions (digits or words) and classifies them:

- ``duration``: a span of time ("75 minutes", "two hours", "half a day", "by the next morning")
- ``clock``: a time of day or date ("2:15", "3am", "Tuesday", "2023") — sequencing, not a metric
- ``ignored``: not a measure (versions, team sizes, ordinal steps, model/sku names)
- ``measure``: anything else numeric — a rate, a percentage, money, a count
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from coach.regexgate import gated_finditer

Kind = Literal["duration", "clock", "ignored", "measure"]

_WORD_NUMBER = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    r"hundred|thousand|million|billion|a few|several|a couple of|a couple|half an?|an?|a dozen|dozens of|"
    r"hundreds of|thousands of|millions of)"
)
_DIGITS = r"(?:[$€£]\s?)?\d[\d,]*(?:\.\d+)?(?:\s?(?:%|percent|x|k|K|M|bn|ms|s|pp)\b|%)?"
_NUMBER = rf"(?:{_DIGITS}|\b{_WORD_NUMBER}\b(?:[\s-]{_WORD_NUMBER}\b)*)"
_TIME_UNIT = r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|h|days?|weeks?|months?|quarters?|years?|nights?|sprints?)"

DURATION = re.compile(
    rf"(?:{_NUMBER}[\s-]*(?:and a half\s+)?{_TIME_UNIT}\b(?:\s+and\s+{_NUMBER}\s*{_TIME_UNIT}\b)?"
    r"|\b(?:an?|one|half an?)\s+hour\b|\bovernight\b|\bby the (?:next |following )?(?:morning|day|afternoon|evening)\b|\bby (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?: (?:morning|afternoon|evening|night))?\b"
    r"|\bby (?:the )?end of (?:the )?(?:day|shift|week)\b|\bwithin the hour\b|\b(?:the )?same (?:day|afternoon|morning|evening|night)\b"
    r"|\b\d+h\d*m?\b|\b\d+(?:\.\d+)?\s?(?:min|hr)s?\b)",
    re.IGNORECASE,
)
CLOCK = re.compile(
    r"\b\d{1,2}:\d{2}(?:\s?[ap]\.?m\.?)?\b|\b\d{1,2}\s?[ap]\.?m\.?(?!\w)|\b(?:19|20)\d{2}\b"
    r"|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|\bQ[1-4]\b"
    r"|\b(?:jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)\b",
    re.IGNORECASE,
)
# "One week customers started complaining": a point in time, not a span.
_TIME_REFERENCE = re.compile(
    r"(?:^|(?<=[.!?]\s)|(?<=\n))\s*(?:one|that|this|last|a) (?:week|day|night|weekend|morning|evening|afternoon)\b",
    re.IGNORECASE,
)
# Numbers that are not measures: versions, team/people counts, identifiers, priority/severity names.
_IGNORED = re.compile(
    r"\b(?:v|version|python|java|node|k8s|kubernetes|release|build|sprint|rev|step|phase|wave|stage|"
    r"level|tier|p|sev|sev-|priority|top|gpt|llama|claude|model)[\s-]?\d[\w.]*"
    r"|\b\d+(?:\.\d+){2,}\b"
    r"|\b(?:team|group|squad) of (?:\d+|" + _WORD_NUMBER + r")\b"
    r"|\b(?:\d+|" + _WORD_NUMBER + r")[\s-]+(?:person|people|engineers?|developers?|teams?|members?|of us|"
    r"others?|colleagues?|SREs?|data scientists?|on-?calls?|pods?|replicas?|nodes?|gpus?|cpus?|cores?|"
    r"steps?|things?|ways?|options?|hypothes[ie]s|reasons?|lessons?|changes?|parts?|times?)\b"
    r"|\b(?:first|second|third|fourth|fifth)\b"
    r"|\bone\s+(?:of|more|thing|way|day|time|point|step|last|another|other|big|small|bad|"
    r"new|single|few|lot|bit|quick|little|couple|line|column|team|model|service|job|change|fix|week|month|night|while)\b"
    # "one" on its own is a pronoun more often than a count ("this one was…", "the one I'm proudest of")
    r"|\bone\b",
    re.IGNORECASE,
)
# A measure: digits, or number words — but not the articles "a"/"an", which only count in durations.
_MEASURE_WORD = _WORD_NUMBER.replace("half an?|an?|", "")
_MEASURE = re.compile(rf"(?:{_DIGITS}|\b{_MEASURE_WORD}\b(?:[\s-]{_MEASURE_WORD}\b)*)", re.IGNORECASE)
# Sentences without any of these hold no quantity: the classifiers above skip them.
_GATE = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|"
    r"millions?|billions?|few|several|couple|dozens?|half|hour|overnight|by the|by end|same|monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|q[1-4]|an?|"
    r"that|this|last|within)\b",
    re.IGNORECASE,
)
_CLASSIFIERS: tuple[tuple[re.Pattern[str], Kind], ...] = (
    (_TIME_REFERENCE, "clock"), (DURATION, "duration"), (CLOCK, "clock"), (_IGNORED, "ignored"), (_MEASURE, "measure"),
)


@dataclass(frozen=True, slots=True)
class Quantity:
    start: int
    end: int
    kind: Kind


# Every _TIME_REFERENCE match holds one of these (its first word follows white space or starts the
# text), so a span without one has no time reference: a cheap, gateable pre-check.
_TIME_REFERENCE_HINT = re.compile(
    r"\b(?:one|that|this|last|a) (?:week|day|night|weekend|morning|evening|afternoon)\b", re.IGNORECASE
)
#: The patterns worth gating (coach.regexgate): a caller holding a gate for ``text`` passes
#: ``candidates(pattern)`` → the increasing positions where the pattern could match, or None.
GATED_PATTERNS: tuple[re.Pattern[str], ...] = (_GATE, _TIME_REFERENCE_HINT) + tuple(
    p for p, _ in _CLASSIFIERS if p is not _TIME_REFERENCE
)
Candidates = Callable[[re.Pattern[str]], "list[int] | None"]
_WORD_CHAR = re.compile(r"\w")


def find_quantities(
    text: str, spans: list[tuple[int, int]] | None = None, candidates: Candidates | None = None
) -> list[Quantity]:
    """Every number mention in ``text`` (within ``spans``, e.g. its sentences), classified.

    Overlapping mentions keep the most specific kind: a span of time before a clock time before
    a non-measure before a measure. ``candidates`` only makes it faster: the result is the same.
    """
    taken = bytearray(len(text))
    found: list[Quantity] = []
    # Gate positions per pattern (None: not gated). Lists, not dicts: hashing a re.Pattern hashes its code.
    gate = hint = None
    classifier_gates: list[list[int] | None] = [None] * len(_CLASSIFIERS)
    if candidates is not None:
        gate, hint = candidates(_GATE), candidates(_TIME_REFERENCE_HINT)
        classifier_gates = [candidates(pattern) for pattern, _ in _CLASSIFIERS]
    for span_start, span_end in spans if spans is not None else [(0, len(text))]:
        # A gate reasons about whole tokens: a span ending inside a token is searched in full.
        use_gate = candidates is not None and not _ends_inside_token(text, span_end)
        if not _spans(_GATE, text, span_start, span_end, gate if use_gate else None, first=True):
            continue
        for (pattern, kind), positions in zip(_CLASSIFIERS, classifier_gates):
            if pattern is _TIME_REFERENCE and use_gate and hint is not None:
                if not _spans(_TIME_REFERENCE_HINT, text, span_start, span_end, hint, first=True):
                    continue
            for start, end in _spans(pattern, text, span_start, span_end, positions if use_gate else None):
                if end > start and not any(taken[start:end]):
                    taken[start:end] = b"\x01" * (end - start)
                    found.append(Quantity(start, end, kind))
    found.sort(key=lambda q: q.start)
    return found


def _spans(
    pattern: re.Pattern[str], text: str, start: int, end: int, candidates: list[int] | None, first: bool = False
) -> list[tuple[int, int]]:
    """``pattern.finditer(text, start, end)`` as spans (only the first one with ``first``), trying
    only the gate's candidate positions when there are some."""
    if candidates is not None:
        if not candidates or candidates[-1] < start or candidates[0] >= end:
            return []
        inside = candidates[bisect_left(candidates, start) : bisect_left(candidates, end)]
        spans = gated_finditer(pattern, text, inside, end, first=first)
        if spans is not None:
            return spans
    if first:
        m = pattern.search(text, start, end)
        return [] if m is None else [m.span()]
    return [m.span() for m in pattern.finditer(text, start, end)]


def _ends_inside_token(text: str, end: int) -> bool:
    return 0 < end < len(text) and _WORD_CHAR.match(text, end - 1) is not None and _WORD_CHAR.match(text, end) is not None
