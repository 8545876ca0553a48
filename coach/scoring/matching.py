"""The generic cue engine: a rubric's regular expressions run over a segmented story.

Each pattern list is compiled once into a single alternation (coach.rubric.linear: RE2, linear time on any
text) and run once over the whole text; matches are then mapped to sentences (and clauses, for
``unless``) by offset. That keeps scoring a 300-word story well under a millisecond.

Measured and not kept (commits 749f32d, 826eb94): plain word lists found by table look-up (one pass
over the story's words gives where each list can match, then RE2 anchored there). Exact (every
snapshot output identical) but slower in alternated bench/scorer_speed.py runs (75× vs 69×): those
lists are ~5% of scoring time, and the Python pass over a story's words costs about what the RE2
searches it replaces cost. Most of the cue matcher's time is in the look-around lists.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from coach.rubric.linear import LinearPattern, Presence, ascii_view, compile_linear, searched
from coach.rubric.loader import Cue, Cues, cue_regexes
from coach.scoring.regexgate import GateIndex, gated_finditer
from coach.scoring.segment import Segmented

_FLAGS = re.IGNORECASE
#: ``late`` cues count only after this share of the story (outcomes come after the situation).
LATE_FROM = 0.4
# "I" as a word, written upper- or lower-case in transcripts, but not "i.e."; "my"/"me" too.
FIRST_PERSON = r"(?<![\w'])[Ii](?![\w.])|\b(?:my|me|myself)\b"


def compile_any(patterns: tuple[str, ...]) -> LinearPattern | None:
    """One linear-time alternation for a cue list (None when the list is empty)."""
    return compile_linear(patterns)


def compile_cues(entries: list[Cue]) -> LinearPattern | None:
    """A rubric's cue list (words, groups, patterns) compiled for matching."""
    return compile_linear(tuple(cue_regexes(entries)))


_IGNORECASE = int(re.IGNORECASE)  # a plain int: RegexFlag's own & is slow in a hot path


def runs_on_lowered(pattern: re.Pattern[str] | LinearPattern) -> bool:
    """Case-free patterns (compiled without IGNORECASE) run on the lower-cased story."""
    return not pattern.flags & _IGNORECASE


@dataclass(slots=True)
class PatternGate:
    """Built-in ``re`` patterns (coach.scoring.quantities) with their gate: each is tried only where it could match."""

    index: GateIndex
    slots: dict[int, int]  # id(pattern) → slot; the index keeps the patterns alive

    @classmethod
    def of(cls, patterns: list[re.Pattern[str]]) -> PatternGate:
        unique = list({id(p): p for p in patterns}.values())
        index = GateIndex(unique, [runs_on_lowered(p) for p in unique])
        return cls(index, {id(p): slot for slot, p in enumerate(unique) if index.gated[slot]})


@dataclass(frozen=True, slots=True)
class PresenceGate:
    """A rubric's cue lists in two RE2 Sets (coach.rubric.linear.Presence), by the text they run on:
    one pass over a story tells which lists can match it at all; the others are not searched."""

    by_lowered: dict[bool, Presence]  # runs on the lower-cased story? → its lists' Set

    @classmethod
    def of(cls, patterns: list[LinearPattern]) -> PresenceGate:
        return cls({True: Presence(patterns, ignorecase=False), False: Presence(patterns, ignorecase=True)})


@dataclass(slots=True)
class Doc:
    """A segmented story plus a cache of pattern matches, shared by every detector for one scoring."""

    seg: Segmented
    gate: PatternGate | None = None
    presence: PresenceGate | None = None
    _lower: str | None = None
    _matches: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    _sentences: dict[int, frozenset[int]] = field(default_factory=dict)
    _candidates: list[list[int]] | None = None
    _views: dict[bool, tuple[bytes, list[int] | None]] = field(default_factory=dict)
    _firsts: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    _absent_ids: dict[bool, frozenset[int]] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.seg.text

    def _linear(self, pattern: LinearPattern, resume: Callable[[int], int] | None = None, limit: int = 0
                ) -> list[tuple[int, int]]:
        lowered = not pattern.flags
        view = self._views.get(lowered) or self._view(lowered)
        if self.presence is not None and id(pattern) in self._ruled_out(lowered):
            return []
        if view[1] is None and not pattern.checked and pattern.main is not None:  # the common case, directly
            return searched(pattern.main, view[0], resume, limit)
        return pattern.spans(view[0], self._lowered() if lowered else self.seg.text, view[1], resume, limit)

    def absent(self, pattern: LinearPattern | None) -> bool:
        """True when ``pattern`` is known to match nowhere in the story (no search is run: only the
        presence gate's one pass is read); False when it may match."""
        if pattern is None:
            return True
        return self.presence is not None and id(pattern) in self._ruled_out(not pattern.flags)

    def _ruled_out(self, lowered: bool) -> frozenset[int]:
        """The ids of the lists (of one case mode) that the presence gate knows match nowhere in the
        story: one Set pass, then one look-up a list (not one a search)."""
        ruled_out = self._absent_ids.get(lowered)
        if ruled_out is None:
            assert self.presence is not None
            ruled_out = self._absent_ids[lowered] = self.presence.by_lowered[lowered].absent(self._view(lowered)[0])
        return ruled_out

    def _view(self, lowered: bool) -> tuple[bytes, list[int] | None]:
        view = self._views.get(lowered)
        if view is None:
            view = self._views[lowered] = ascii_view(self._lowered() if lowered else self.seg.text, fold=not lowered)
        return view

    def scan(self, pattern: LinearPattern, resume: Callable[[int], int]) -> None:
        """Run ``pattern`` with a caller's ``resume`` (which sees each match's start; nothing is cached)."""
        self._linear(pattern, resume=resume)

    def first_matches(self, pattern: LinearPattern | None, count: int) -> list[tuple[int, int]]:
        """The first ``count`` of :meth:`matches` (fewer calls when that is all a caller needs)."""
        if pattern is None:
            return []
        found = self._matches.get(id(pattern))
        return found[:count] if found is not None else self._linear(pattern, limit=count)

    def matches(self, pattern: LinearPattern | re.Pattern[str] | None) -> list[tuple[int, int]]:
        if pattern is None:
            return []
        key = id(pattern)
        found = self._matches.get(key)
        if found is None and isinstance(pattern, LinearPattern):
            found = self._matches[key] = self._linear(pattern)
        if found is None:
            assert isinstance(pattern, re.Pattern)
            text = self._text_for(pattern)
            candidates = self.candidates(pattern)
            if candidates is not None:
                found = gated_finditer(pattern, text, candidates)
            if found is None:
                found = [m.span() for m in pattern.finditer(text)]
            self._matches[key] = found
        return found

    def candidates(self, pattern: re.Pattern[str]) -> list[int] | None:
        """Increasing positions where a gated pattern could match (in the text it runs on), or None."""
        gate = self.gate
        if gate is None:
            return None
        slot = gate.slots.get(id(pattern))
        if slot is None:
            return None
        if self._candidates is None:
            self._candidates = gate.index.candidates(self.seg.text, self._lowered())
        return self._candidates[slot]

    def _text_for(self, pattern: re.Pattern[str]) -> str:
        return self._lowered() if runs_on_lowered(pattern) else self.seg.text

    def _lowered(self) -> str:
        if self._lower is None:
            lowered = self.seg.text.lower()
            if len(lowered) != len(self.seg.text):
                # Offsets must not move: a few Unicode letters grow when lower-cased ("İ" → "i̇").
                lowered = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in self.seg.text)
            self._lower = lowered
        return self._lower

    def sentence_matches(self, pattern: LinearPattern | None) -> list[tuple[int, int]]:
        """The first match of ``pattern`` in each sentence where it matches (each match found costs a
        call into RE2; callers that only ask which sentences match need no more)."""
        if pattern is None:
            return []
        key = id(pattern)
        spans = self._matches.get(key)
        if spans is None:
            spans = self._firsts.get(key)
        if spans is None:
            spans = self._firsts[key] = self._linear(pattern, resume=self._next_sentence)
        return spans

    def sentences_matching(self, pattern: LinearPattern | None) -> frozenset[int]:
        if pattern is None:
            return frozenset()
        key = id(pattern)
        found = self._sentences.get(key)
        if found is None:
            index = self.seg.sentence_index
            found = frozenset([index(start) for start, _ in self.sentence_matches(pattern)])
            self._sentences[key] = found
        return found

    def _next_sentence(self, offset: int) -> int:
        starts = self.seg.starts
        index = bisect_right(starts, offset)  # the next sentence's index (Segmented.sentence_index + 1)
        if index < 1:
            index = 1
        return starts[index] if index < len(starts) else len(self.seg.text) + 1

    def in_same_clause(self, offset: int, pattern: LinearPattern | None) -> bool:
        return self.clause_hit(offset, pattern) is not None

    def clause_hit(self, offset: int, pattern: LinearPattern | None) -> int | None:
        """The end of the clause around ``offset`` when a match of ``pattern`` starts or ends in it, else None."""
        if pattern is None:
            return None
        found = self.matches(pattern)
        if not found:
            return None  # most negative cues never occur: no clause to work out
        start, end = self.seg.clause_span(offset)
        for m_start, m_end in found:
            if start <= m_start < end or start < m_end <= end:
                return end
        return None


@dataclass(frozen=True, slots=True)
class CompiledCues:
    any: LinearPattern | None
    late: LinearPattern | None
    also: tuple[LinearPattern | None, ...]
    unless: LinearPattern | None
    steps: LinearPattern | None
    first_person: bool
    window: int
    min_sentences: int
    min_matches: int

    @classmethod
    def of(cls, cues: Cues) -> CompiledCues:
        return cls(
            any=compile_cues(cues.any),
            late=compile_cues(cues.late),
            also=tuple(compile_cues(group) for group in cues.also),
            unless=compile_cues(cues.unless),
            steps=compile_cues(cues.steps),
            first_person=cues.first_person,
            window=cues.window,
            min_sentences=cues.min_sentences,
            min_matches=cues.min_matches,
        )

    def patterns(self) -> list[LinearPattern]:
        """Every compiled pattern of these cues."""
        return [p for p in (self.any, self.late, *self.also, self.unless, self.steps) if p is not None]

    def matches(
        self, doc: Doc, apply_unless: bool = True, per_sentence: bool = False, every: bool = False
    ) -> list[tuple[int, int]]:
        """(sentence index, offset) of every match of ``any`` that satisfies the other conditions.

        ``apply_unless=False`` leaves the ``unless`` check to the caller, for detectors whose
        negative cues apply to another part of the sentence (e.g. around a number).
        ``per_sentence``: the caller needs only which sentences qualify (the other conditions are
        sentence-wide, so one match of ``any`` per sentence decides it when no ``unless`` applies);
        with ``every`` too, a qualifying sentence's later matches are still taken (:meth:`every_match`).
        """
        if doc.absent(self.any) and doc.absent(self.late):
            return []  # nothing to qualify: the conditions below need no search either
        late_from = int(len(doc.text) * LATE_FROM)
        unless = self.unless if apply_unless else None
        first_person = doc.sentences_matching(compile_any((FIRST_PERSON,))) if self.first_person else None
        also_sets = [doc.sentences_matching(group) for group in self.also]
        if first_person is not None and not first_person or not all(also_sets):
            return []  # a sentence-wide condition no sentence meets: no match can qualify
        allowed = _allowed(first_person, also_sets, self.window)  # None: every sentence
        if allowed is not None and not allowed:
            return []
        starts = doc.seg.starts
        last = len(starts) - 1
        found: list[tuple[int, int]] = []
        if per_sentence and self.late is None and self.any is not None:
            # Each match found costs a call into RE2: once a sentence qualifies, go on from the next
            # one (unless ``every`` match is wanted); when a match fails a sentence-wide condition, too;
            # when its clause holds an ``unless`` cue, from the next clause (every match in that clause
            # would fail the same way).
            past_end = len(doc.text) + 1

            def resume(start: int) -> int:  # hot: one call per match found
                index = bisect_right(starts, start) - 1  # Segmented.sentence_index, inlined
                if index < 0:
                    index = 0
                following = starts[index + 1] if index < last else past_end
                if allowed is not None and index not in allowed:
                    return following
                if unless is not None:
                    clause_end = doc.clause_hit(start, unless)
                    if clause_end is not None:
                        return clause_end
                found.append((index, start))
                return start if every else following

            doc.scan(self.any, resume)
            return found
        early = doc.sentence_matches(self.any) if per_sentence and unless is None else doc.matches(self.any)
        candidates = early + [m for m in doc.matches(self.late) if m[0] >= late_from]
        candidates.sort()
        for start, _ in candidates:  # hot: the checks that cannot apply are skipped without a call
            index = bisect_right(starts, start) - 1
            if index < 0:
                index = 0
            if allowed is not None and index not in allowed:
                continue
            if unless is not None and doc.clause_hit(start, unless) is not None:
                continue
            found.append((index, start))
        return found

    def every_match(self, doc: Doc, apply_unless: bool = True) -> list[tuple[int, int, bool]]:
        """(sentence index, offset, from ``any`` rather than ``late``) of every match that satisfies the
        other conditions, in text order: what :meth:`matches` finds, with each qualifying sentence's
        later matches too. Detectors keep it for the evidence ranker (how often and where a criterion's
        cues hit a sentence), at the cost of one RE2 call per extra match instead of a second search."""
        if self.late is not None or self.any is None:
            late = {start for start, _ in doc.matches(self.late)}
            return [(index, start, start not in late) for index, start in self.matches(doc, apply_unless)]
        return [(index, start, True) for index, start in self.matches(doc, apply_unless, True, every=True)]

    def met_by_every_match(self, doc: Doc) -> tuple[bool, list[int], list[tuple[int, int, bool]]]:
        """:meth:`met`, from :meth:`every_match` (which it returns too)."""
        found = self.every_match(doc)
        hits = list(dict.fromkeys(index for index, _, _ in found))
        return len(hits) >= self.min_sentences and len(found) >= self.min_matches, hits, found

    def sentences(self, doc: Doc) -> list[int]:
        """Indices of the sentences that satisfy these cues, in story order."""
        return list(dict.fromkeys(index for index, _ in self.matches(doc, per_sentence=True)))

    def met(self, doc: Doc) -> tuple[bool, list[int]]:
        found = self.matches(doc, per_sentence=True)
        if len(found) < self.min_matches:  # one match per sentence is not enough: count them all
            found = self.matches(doc)
        hits = list(dict.fromkeys(index for index, _ in found))
        return len(hits) >= self.min_sentences and len(found) >= self.min_matches, hits


def _allowed(first_person: frozenset[int] | None, also_sets: list[frozenset[int]], window: int) -> set[int] | None:
    """The sentences that meet the sentence-wide conditions (None: no condition, every sentence):
    hold a first-person word, and lie within ``window`` sentences of one matching each ``also`` group.
    Worked out once per cue list, not once per match."""
    if first_person is None and not also_sets:
        return None
    allowed: set[int] | None = set(first_person) if first_person is not None else None
    for group in also_sets:
        near = set(group) if window == 0 else {other + d for other in group for d in range(-window, window + 1)}
        allowed = near if allowed is None else allowed & near
    return allowed
