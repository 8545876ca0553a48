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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal


Kind = Literal["duration", "clock", "ignored", "measure"]

_WORD_NUMBER = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    r"hundred|thousand|million|billion|a few|several|a couple of|a couple|half an?|an?|a dozen|dozens of|"
    r"hundreds of|thousands of|millions of)"
)
# Every repeat below that could run over a long stretch of text is bounded ({0,63}, {0,15}): `re`
# backtracks, and an unbounded run tried from each of its positions costs the square of its length
# ("1,1,1,…" 48 KB long took minutes). No real number or spelled-out count comes near these bounds.
_DIGITS = r"(?:[$€£]\s?)?(?<![\w.])\d[\d,]{0,63}(?:\.\d{1,63})?(?:\s?(?:%|percent|x|k|K|M|bn|ms|s|pp)\b|%)?"
_NUMBER = rf"(?:{_DIGITS}|\b{_WORD_NUMBER}\b(?:[\s-]{_WORD_NUMBER}\b){{0,15}})"
_TIME_UNIT = r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|h|days?|weeks?|months?|quarters?|years?|nights?|sprints?)"

DURATION = re.compile(
    rf"(?:{_NUMBER}[\s-]{{0,15}}(?:and a half\s+)?{_TIME_UNIT}\b(?:\s+and\s+{_NUMBER}\s*{_TIME_UNIT}\b)?"
    r"|\b(?:an?|one|half an?)\s+hour\b|\bovernight\b|\bby the (?:next |following )?(?:morning|day|afternoon|evening)\b|\bby (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?: (?:morning|afternoon|evening|night))?\b"
    r"|\bby (?:the )?end of (?:the )?(?:day|shift|week)\b|\bwithin the hour\b|\b(?:the )?same (?:day|afternoon|morning|evening|night)\b"
    r"|\b\d+h\d*m?\b|\b\d+(?:\.\d+)?\s?(?:min|hr)s?\b"
    # a span told by its end or its length in words: "until mid-afternoon", "over the next couple of days"
    r"|\b(?:until|till|by) (?:around |about |roughly )?(?:mid-?)?(?:morning|afternoon|evening|lunch(?:time)?|noon)\b"
    r"|\b(?:over|for|within|in) the (?:next|following) (?:couple of|few) (?:hours|days|weeks)\b"
    r"|\bover (?:the|a|one) (?:long )?weekend\b)",
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
    r"(?:^|(?<=[.!?]\s)|(?<=\n)|(?<=\band )|(?<=\bthen )|(?<=\bso )|(?<=\bbut )|(?<=, ))\s{0,63}"
    r"(?:one|that|this|last|a) (?:week|day|night|weekend|morning|evening|afternoon)\b",
    re.IGNORECASE,
)
# What a count of people or things counts ("5 engineers", "two options"): a team size, not a measure.
_COUNTED = (
    r"(?:person|people|engineers?|developers?|teams?|members?|of us|"
    r"others?|colleagues?|SREs?|data scientists?|on-?calls?|pods?|replicas?|nodes?|gpus?|cpus?|cores?|"
    r"steps?|things?|ways?|options?|hypothes[ie]s|reasons?|lessons?|changes?|parts?|times?)"
)
# Numbers that are not measures: versions, team/people counts, identifiers, priority/severity names.
_IGNORED = re.compile(
    r"\b(?:v|version|python|java|node|k8s|kubernetes|pytorch|torch|tensorflow|tf|spark|airflow|kafka|cuda|"
    r"scikit-learn|sklearn|numpy|pandas|ubuntu|postgres|postgresql|redis|elasticsearch|ios|android|release|build|sprint|rev|step|phase|wave|stage|"
    r"level|tier|p|sev|sev-|priority|top|gpt|llama|claude|model)[\s-]?\d[\w.]{0,63}"
    r"|\b\d{1,63}(?:\.\d{1,63}){2,15}\b"
    # a number used as a label ("Lesson #3", "PR #1234", "ticket #88"): a name, not an amount
    r"|#\d[\w]{0,63}"
    r"|\b(?:team|group|squad) of (?:\d{1,63}|" + _WORD_NUMBER + r")\b"
    r"|\b(?:\d{1,63}|" + _WORD_NUMBER + r")[\s-]{1,15}" + _COUNTED + r"\b"
    r"|\b(?:first|second|third|fourth|fifth)\b"
    # "a complaint or two", "a day or three": a shrug, not a count
    r"|\bor (?:two|three)\b"
    r"|\bone\s+(?:of|more|thing|way|day|time|point|step|last|another|other|big|small|bad|"
    r"new|single|few|lot|bit|quick|little|couple|line|column|model|service|job|change|fix|week|month|night|while)\b"
    # "one" on its own is a pronoun more often than a count ("this one was…", "the one I'm proudest of")
    r"|\bone\b"
    # specs, not measures of what happened: "24 gigabytes", "12 megapixels", "180 features"
    r"|\b\d[\d,.]{0,63}\s?(?:gb|gigabytes?|mb|megabytes?|tb|terabytes?|megapixels?|mp|vcpus?|shards?|"
    r"features?|columns?|layers?|parameters?|params|epochs?|dimensions?|vocab)\b",
    re.IGNORECASE,
)
# A measure: digits, or number words — but not the articles "a"/"an", which only count in durations,
# nor the vague "a few", "several", "a couple (of)": "several customers complained" quantifies nothing.
_MEASURE_WORD = _WORD_NUMBER.replace("half an?|an?|", "").replace("a few|several|a couple of|a couple|", "")
_MEASURE = re.compile(rf"(?:{_DIGITS}|\b{_MEASURE_WORD}\b(?:[\s-]{_MEASURE_WORD}\b){{0,15}})", re.IGNORECASE)
# An amount of something lost or processed, counted in time or size: "20 hours of logs", "3 TB of
# production data" — a measure of the impact, not a span of time (nor a spec).
_DATA_AMOUNT = re.compile(
    rf"(?:{_DIGITS}|\b{_MEASURE_WORD}\b)[\s-]{{0,3}}(?:{_TIME_UNIT}|gb|tb|mb|gigabytes?|terabytes?|megabytes?)\s"
    r"of\s(?:[\w-]{1,63}\s){0,2}(?:logs?|data|events|records|rows|files|messages|transactions|orders|backups?)\b",
    re.IGNORECASE,
)
# Sentences without any of these hold no quantity: the classifiers above skip them.
_GATE = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|"
    r"millions?|billions?|few|several|couple|dozens?|half|hour|overnight|weekend|by the|by end|same|monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|q[1-4]|an?|"
    r"that|this|last|within|until|till|by|next|following)\b",
    re.IGNORECASE,
)
_CLASSIFIERS: tuple[tuple[re.Pattern[str], Kind], ...] = (
    (_DATA_AMOUNT, "measure"), (_TIME_REFERENCE, "clock"), (DURATION, "duration"), (CLOCK, "clock"),
    (_IGNORED, "ignored"), (_MEASURE, "measure"),
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
_WEEKDAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
# Every DURATION match holds one of these, so a sentence without one holds no duration (DURATION is
# costly to try at its many candidates: every "a", "an", "the", "by"). Alternative by alternative:
# a number then a time unit — the unit either follows a non-word character (white space, "-", "%",
# or the \b that ends a suffix or number word), so it is a whole word here, or is glued to a digit
# ("5hours", "10mins"); "an hour", "overnight"; "by the next morning", "by monday",
# "by end of shift", "within the hour", "same evening", "over the weekend" (whole words); "2h30m" (a digit, then "h").
_DURATION_HINT = re.compile(
    rf"\b(?:{_TIME_UNIT}|overnight|morning|afternoon|evening|lunch|lunchtime|noon|shift|weekend|{_WEEKDAYS})\b"
    rf"|\d{_TIME_UNIT}\b|\dh",
    re.IGNORECASE,
)
# Every _IGNORED match holds one of these: a digit (versions, "\d+.\d+.\d+", "team of 5", "5 people"),
# "team"/"group"/"squad", a counted noun ("two options": a whole word after [\s-]), an ordinal, "one",
# "or" ("a complaint or two").
_IGNORED_HINT = re.compile(
    rf"\d|\b(?:team|group|squad|first|second|third|fourth|fifth|one|or|{_COUNTED})\b", re.IGNORECASE
)
# Per classifier, a cheap pattern without whose match in a span the classifier finds nothing there.
_HINTS: tuple[re.Pattern[str] | None, ...] = (None, _TIME_REFERENCE_HINT, _DURATION_HINT, None, _IGNORED_HINT, None)
#: The patterns worth gating (coach.scoring.regexgate): a caller holding a gate for ``text`` passes
#: ``candidates(pattern)`` → the increasing positions where the pattern could match, or None.
GATED_PATTERNS: tuple[re.Pattern[str], ...] = (
    (_GATE,)
    + tuple(hint for hint in _HINTS if hint is not None)
    + tuple(p for p, _ in _CLASSIFIERS if p is not _TIME_REFERENCE)
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
    all_spans = spans if spans is not None else [(0, len(text))]
    taken = bytearray(len(text))
    found: list[Quantity] = []
    plain = all_spans
    if candidates is not None and _disjoint(all_spans):
        # A gate reasons about whole tokens: a span ending inside a token is searched in full.
        gated = [span for span in all_spans if not _ends_inside_token(text, span[1])]
        plain = [span for span in all_spans if _ends_inside_token(text, span[1])]
        _classify_gated(text, gated, candidates, taken, found)
    for span_start, span_end in plain:
        if not _spans(_GATE, text, span_start, span_end, first=True):
            continue
        for pattern, kind in _CLASSIFIERS:
            for start, end in _spans(pattern, text, span_start, span_end):
                _take(taken, found, start, end, kind)
    found.sort(key=lambda q: q.start)
    return found


def _take(taken: bytearray, found: list[Quantity], start: int, end: int, kind: Kind) -> None:
    """Keep a mention unless an earlier (more specific) one overlaps it."""
    if end > start and not any(taken[start:end]):
        taken[start:end] = b"\x01" * (end - start)
        found.append(Quantity(start, end, kind))


def _classify_gated(
    text: str, spans: list[tuple[int, int]], candidates: Candidates, taken: bytearray, found: list[Quantity]
) -> None:
    """The classifiers over disjoint ``spans``, one pattern at a time across all of them.

    Per span this is what the plain loop in find_quantities does (the classifiers in order; the
    spans are disjoint, so mentions in different spans never compete), without a Python call per
    span and pattern. A span is skipped when _GATE has no match there, a classifier when its hint
    has none.
    """
    live = [spans[i] for i, _, _ in _in_spans(_GATE, text, spans, candidates(_GATE), first=True)]
    for (pattern, kind), hint in zip(_CLASSIFIERS, _HINTS):
        where = live
        if hint is not None:
            where = [live[i] for i, _, _ in _in_spans(hint, text, live, candidates(hint), first=True)]
        for _, start, end in _in_spans(pattern, text, where, candidates(pattern)):
            _take(taken, found, start, end, kind)


def _in_spans(
    pattern: re.Pattern[str], text: str, spans: list[tuple[int, int]], positions: list[int] | None, first: bool = False
) -> list[tuple[int, int, int]]:
    """(index of the span, start, end) of each match ``pattern.finditer(text, *span)`` finds in each
    of the disjoint, increasing ``spans`` (only the first one per span with ``first``), trying only
    the gate's candidate ``positions`` (increasing) — one pass over them for all the spans. As
    coach.scoring.regexgate.gated_finditer, it relies on the gate: gated patterns never match empty."""
    out: list[tuple[int, int, int]] = []
    if positions is None:  # not gated: search span by span
        for index, (span_start, span_end) in enumerate(spans):
            out.extend((index, start, end) for start, end in _spans(pattern, text, span_start, span_end, first))
        return out
    if not spans or not positions:
        return out
    match = pattern.match
    index, count = 0, len(spans)
    span_start, span_end = spans[0]
    last = -1  # where the previous match in this span ended: finditer resumes there
    for position in positions:
        if position >= span_end:
            while position >= span_end:
                index += 1
                if index == count:
                    return out
                span_start, span_end = spans[index]
            last = -1
        if position < span_start or position < last:
            continue
        m = match(text, position, span_end)
        if m is not None:
            start, end = m.span()
            if start == end:  # finditer's rules for empty matches are not replayed: search this span plainly
                del out[len(out) - sum(1 for item in out if item[0] == index):]
                out.extend((index, s, e) for s, e in _spans(pattern, text, span_start, span_end, first))
                last = span_end
                continue
            out.append((index, start, end))
            last = span_end if first else end
    return out


def _disjoint(spans: list[tuple[int, int]]) -> bool:
    """True when the spans are increasing and do not overlap (as sentences)."""
    return all(end <= next_start for (_, end), (next_start, _) in zip(spans, spans[1:]))


def _spans(pattern: re.Pattern[str], text: str, start: int, end: int, first: bool = False) -> list[tuple[int, int]]:
    """``pattern.finditer(text, start, end)`` as spans (only the first one with ``first``)."""
    if first:
        m = pattern.search(text, start, end)
        return [] if m is None else [m.span()]
    return [m.span() for m in pattern.finditer(text, start, end)]


def _ends_inside_token(text: str, end: int) -> bool:
    return 0 < end < len(text) and _WORD_CHAR.match(text, end - 1) is not None and _WORD_CHAR.match(text, end) is not None
