"""Split a story into sentences and clauses, keeping character offsets into the original text.

Typed stories have punctuation; spoken transcripts often do not ("so um we got paged and then I
checked the dashboards and then…"). Long unpunctuated runs are cut before discourse markers so that
each piece can be attributed and quoted on its own.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

# A sentence ends at . ! ? (plus closing quotes/brackets) followed by white space, or at a line break.
_SENTENCE_END = re.compile(r"""(?<=[.!?])["'”’)\]]*\s+|\n\s*""")
# "e.g. the", "vs. the", "approx. 3": a full stop that does not end a sentence.
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|vs|etc|approx|incl|Dr|Mr|Mrs|Ms|St|No|a\.m|p\.m)\.$", re.IGNORECASE)
# Where a spoken run-on may be cut: before these words.
_DISCOURSE = re.compile(
    r"\b(?:and then|so then|after that|afterwards|and so|so yeah|so basically|so|then|but|because|"
    r"which|once|when|until|um+|uh+|anyway|okay|ok|alright|meanwhile|finally|eventually|"
    r"first|next|later|and)\b",
    re.IGNORECASE,
)
_LONG_RUN_WORDS = 30
_MIN_PIECE_WORDS = 5
# Clause boundaries: punctuation inside a sentence, or a coordinating word after a comma-less join.
_CLAUSE_BREAK = re.compile(r"[,;:()\u2014\u2013]|\s-\s|\b(?:but|so|because|although|though|while|whereas|and then)\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’_\-./%$]*")


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int


@dataclass(slots=True)
class Segmented:
    """A story cut into sentences (and clauses, for negation scope), with fast offset look-ups."""

    text: str
    sentences: list[Sentence]
    _starts: list[int] = field(default_factory=list)
    _clause_starts_cache: list[int] | None = None

    def __post_init__(self) -> None:
        self._starts = [s.start for s in self.sentences]

    @property
    def _clause_starts(self) -> list[int]:
        """Sentence and clause starts, worked out on first use (many stories never need them)."""
        if self._clause_starts_cache is None:
            starts = {0}
            starts.update(self._starts)
            for m in _CLAUSE_BREAK.finditer(self.text):
                starts.add(m.start())
            self._clause_starts_cache = sorted(starts)
        return self._clause_starts_cache

    def sentence_index(self, offset: int) -> int:
        """The index of the sentence holding ``offset`` (the nearest one before it, between sentences)."""
        return max(0, bisect_right(self._starts, offset) - 1)

    def sentence_text(self, index: int) -> str:
        s = self.sentences[index]
        return self.text[s.start : s.end]

    def clause_span(self, offset: int) -> tuple[int, int]:
        """The clause around ``offset``, bounded by its sentence."""
        sentence = self.sentences[self.sentence_index(offset)] if self.sentences else Sentence(0, len(self.text))
        i = bisect_right(self._clause_starts, offset) - 1
        start = max(self._clause_starts[i] if i >= 0 else 0, sentence.start)
        end = self._clause_starts[i + 1] if i + 1 < len(self._clause_starts) else len(self.text)
        return start, min(end, sentence.end)


def segment(text: str) -> Segmented:
    pieces: list[Sentence] = []
    for start, end in _split_sentences(text):
        for piece_start, piece_end in _split_run_on(text, start, end):
            trimmed = _trim(text, piece_start, piece_end)
            if trimmed:
                pieces.append(Sentence(*trimmed))
    return Segmented(text, pieces)


def _split_sentences(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.start() == 0:
            continue
        before = text[max(start, m.start() - 8) : m.start()]
        if "\n" not in m.group() and _ABBREVIATION.search(before):
            continue
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return spans


def _split_run_on(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut a long sentence before discourse markers, keeping every piece at least a few words long."""
    chunk = text[start:end]
    if len(_WORD.findall(chunk)) <= _LONG_RUN_WORDS:
        return [(start, end)]
    cuts = [start]
    words_since_cut = 0
    last = 0
    for m in _DISCOURSE.finditer(chunk):
        words_since_cut += len(_WORD.findall(chunk[last : m.start()]))
        last = m.start()
        remaining = len(_WORD.findall(chunk[m.start() :]))
        if words_since_cut >= _MIN_PIECE_WORDS and remaining >= _MIN_PIECE_WORDS:
            cuts.append(start + m.start())
            words_since_cut = 0
    cuts.append(end)
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and (text[start].isspace() or text[start] in ",;-–—"):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def words(text: str) -> list[str]:
    return _WORD.findall(text)
