r"""Plain word cue lists found by table look-up: one pass over a story tells where each such list can match.

Most cue lists compile (coach.rubric.cuelang, coach.rubric.regexopt) to alternations of words with
optional parts, ``\b(?:c(?:heck(?:ed)?|ompar(?:e|ed))\b|…)``. RE2 searches each list over the whole
story, one call per list and per match, and most of that scan finds nothing. Here each list's RE2
source is spelled out into the words its matches can start with: the whole first word where the cue
fixes it (``check``, ``on`` of ``on call``), else its first :data:`KEY` characters (``res`` of
``restor*``, or of ``resolv`` followed by a pattern). One pass over a story's view (the bytes RE2
reads, coach.rubric.linear.ascii_view) then gives every list's *candidates*: the word starts where
one of its words stands. A list with no candidate matches nowhere (no RE2 call); otherwise RE2's own
program is run anchored at each candidate, which gives exactly the match the search would find
there (same program, same context). :func:`select` then takes them as the search does (leftmost
non-overlapping, with its ``resume`` and ``limit``).

Exact by construction: a list is in the table only when every way it can match is spelled out up
to its first word (literals, ``\b``, ``\d``, simple classes, ``(?:…|…)`` groups, ``?``; what follows
may be any pattern); other lists (look-arounds, a cue opening with a pattern or with punctuation)
stay with RE2 alone. Linear: the pass is two C scans and one ``find`` per occurrence of a word the
table holds; a list with more than :data:`MAX_CANDIDATES` candidates is searched by RE2 as before, so
the anchored runs are a bounded number per list.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from itertools import accumulate
from typing import Any, NamedTuple

import re2

#: Prefix keys (a first word the cue does not finish) are its first KEY characters; a cue whose first
#: word may end sooner than that ("up*") keeps its list with RE2.
KEY = 3
#: A list spelled out into more ways than this stays with RE2 (its keys would cost more to build).
MAX_ENTRIES = 4096
#: Above this many candidates in a story a list is searched by RE2 (one scan beats many anchored runs,
#: and each anchored run may read far: a bound keeps the whole linear).
MAX_CANDIDATES = 12
#: A case mode with fewer plain lists than this has no table (one pass costs about as much as a few
#: searches: measured with bench/scorer_speed.py).
MIN_LISTS = 8
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_IS_WORD = tuple(byte in _WORD_BYTES for byte in range(256))
_SPLIT = re.compile(rb"(\w+)")  # bytes: \w is ASCII, as in RE2
_SPECIAL = set("^$.*+?{}[]|()\\")


class _Unsupported(Exception):
    """The source uses something the table does not spell out: the list stays with RE2."""


class Keys(NamedTuple):
    words: set[bytes]  # whole first words a match can start with
    prefixes: set[bytes]  # first KEY characters of a first word the cue does not finish
    whole: set[bytes]  # the words that are a whole match by themselves, and the only one they open


def spell_keys(source: str, ignorecase: bool) -> Keys | None:
    """An RE2 source → the words its matches can start with (as the view reads, lower-cased for a
    case-insensitive list), or None when some way it can match does not start a word of known spelling."""
    try:
        nodes, at = _alternation(source, 0, ignorecase)
        if at != len(source):
            return None
        paths: list[_Path] = []
        _paths(nodes, b"", (), paths)
    except _Unsupported:
        return None
    words: set[bytes] = set()
    prefixes: set[bytes] = set()
    more: set[bytes] = set()  # words that open some longer match too
    for text, bounds, tail, rest in paths:
        if not text or 0 not in bounds or not _IS_WORD[text[0]]:
            return None  # must start a word: the scan visits word starts only
        run = _run(text)
        if run < len(text) or run in bounds or _opens_apart(tail, rest):
            words.add(text[:run])  # the word ends where the text says
            if run < len(text) or tail:
                more.add(text[:run])
        elif run >= KEY:
            prefixes.add(text[:KEY])
        else:
            return None  # a short prefix ("up*"): no key
    whole = {w for w in words - more if len(w) < KEY or w[:KEY] not in prefixes}
    return Keys(words, prefixes, whole)


def _opens_apart(tail: str, rest: str) -> bool:
    """True when the pattern after the text cannot go on with its last word (``no\\s+…``)."""
    return tail == "re" and (rest.startswith("\\s") and rest[2:3] not in ("*", "?", "{") or rest[:1] == " ")


# The source read into atoms (each with its own source text, quantifier included):
# ("lit", bytes), ("bound",), ("alt", branches), ("word", "*" | "+"), ("other",) — the last two are
# matched by RE2 (a trailing \w* / \w+ directly).
_Node = tuple[str, object, str]
# A spelled-out path: (bytes, boundary offsets, tail kind, tail source).
_Path = tuple[bytes, tuple[int, ...], str, str]
_QUANTIFIER = re.compile(r"(?:[*+?]|\{\d*(?:,\d*)?\})\??")


def _run(text: bytes) -> int:
    """Length of the word characters ``text`` opens with."""
    n = 0
    while n < len(text) and _IS_WORD[text[n]]:
        n += 1
    return n


def _paths(nodes: list[_Node], text: bytes, bounds: tuple[int, ...], out: list[_Path]) -> None:
    """Every path through ``nodes`` in order of preference, appended to ``out``."""
    for i, (kind, value, _) in enumerate(nodes):
        if kind == "lit":
            text += value  # type: ignore[operator]
        elif kind == "bound":
            if len(text) not in bounds:
                bounds += (len(text),)
        elif kind == "alt":
            for branch in value:  # type: ignore[attr-defined]
                _paths(branch + nodes[i + 1 :], text, bounds, out)
                if len(out) > MAX_ENTRIES:
                    raise _Unsupported
            return
        elif kind == "word" and i == len(nodes) - 1:
            out.append((text, bounds, value, ""))  # type: ignore[arg-type]
            return
        else:
            out.append((text, bounds, "re", "".join(node[2] for node in nodes[i:])))
            return
    out.append((text, bounds, "", ""))


def _alternation(source: str, at: int, ignorecase: bool) -> tuple[list[_Node], int]:
    """One group's (or the whole source's) choices, as a single node."""
    start = at
    branches: list[list[_Node]] = []
    while True:
        branch, at = _sequence(source, at, ignorecase)
        branches.append(branch)
        if at < len(source) and source[at] == "|":
            at += 1
            continue
        return [("alt", branches, "(?:" + source[start:at] + ")")], at


def _sequence(source: str, at: int, ignorecase: bool) -> tuple[list[_Node], int]:
    nodes: list[_Node] = []
    while at < len(source) and source[at] not in "|)":
        begin = at
        node, at = _atom(source, at, ignorecase)
        if source.startswith("??", at) and node[0] != "other":
            at += 2
            node = ("alt", [[], [node]], source[begin:at])
        elif source.startswith("?", at) and node[0] != "other":
            at += 1
            node = ("alt", [[node], []], source[begin:at])
        elif at < len(source) and source[at] in "*+{?":
            m = _QUANTIFIER.match(source, at)
            if m is None:
                raise _Unsupported
            at = m.end()
            word = source[begin:at] in ("\\w*", "\\w+")
            node = ("word", source[at - 1], source[begin:at]) if word else ("other", None, source[begin:at])
        nodes.append(node)
    return nodes, at


def _atom(source: str, at: int, ignorecase: bool) -> tuple[_Node, int]:
    ch = source[at]
    if ch == "(":
        if not source.startswith("(?:", at):
            raise _Unsupported  # captures, look-arounds, inline flags
        nodes, at = _alternation(source, at + 3, ignorecase)
        if at >= len(source) or source[at] != ")":
            raise _Unsupported
        return nodes[0], at + 1
    if ch == "[":
        close = source.find("]", at + 1)
        body = source[at + 1 : close]
        chars = _class_chars(body) if close > 0 else None
        if chars is None:
            close = _class_close(source, at)
            return ("other", None, source[at : close + 1]), close + 1
        try:
            branches = [[("lit", _char(c, ignorecase), c)] for c in chars]
        except _Unsupported:
            return ("other", None, source[at : close + 1]), close + 1
        return ("alt", branches, source[at : close + 1]), close + 1
    if ch == "\\":
        nxt = source[at + 1 : at + 2]
        if nxt == "b":
            return ("bound", None, "\\b"), at + 2
        if nxt == "d":  # RE2's \d is ASCII: ten literals
            return ("alt", [[("lit", d.encode(), d)] for d in "0123456789"], "\\d"), at + 2
        if not nxt or nxt.isalnum() or nxt == "_" or not nxt.isascii():
            return ("other", None, source[at : at + 2]), at + 2  # classes (\d, \s…), anchors
        return ("lit", _char(nxt, ignorecase), source[at : at + 2]), at + 2
    if ch in "^$.":
        return ("other", None, ch), at + 1
    if ch in _SPECIAL:
        raise _Unsupported
    try:
        return ("lit", _char(ch, ignorecase), ch), at + 1
    except _Unsupported:
        return ("other", None, ch), at + 1


def _class_chars(body: str) -> list[str] | None:
    """The characters of a simple class (``[sd]``, ``[- ]``, ``[0-3]``), or None."""
    if not body or body[0] == "^" or "\\" in body or "[" in body:
        return None
    chars: list[str] = []
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            low, high = body[i], body[i + 2]
            if not (low.isascii() and high.isascii() and low.isalnum() and high.isalnum() and low <= high):
                return None
            chars += [chr(c) for c in range(ord(low), ord(high) + 1)]
            i += 3
        else:
            chars.append(body[i])
            i += 1
    return list(dict.fromkeys(chars))


def _class_close(source: str, at: int) -> int:
    i = at + 1
    if source.startswith("^", i):
        i += 1
    if source.startswith("]", i):
        i += 1
    while i < len(source):
        if source[i] == "\\":
            i += 2
            continue
        if source[i] == "]":
            return i
        i += 1
    raise _Unsupported


def _char(ch: str, ignorecase: bool) -> bytes:
    if ch.isascii():
        return (ch.lower() if ignorecase else ch).encode()
    if ignorecase and (unicodedata.category(ch)[0] not in "PS" or ch.lower() != ch or ch.upper() != ch
                       or ch.casefold() != ch):
        raise _Unsupported  # RE2 would fold it with other characters
    if ch.isspace() or ch.isalnum():
        raise _Unsupported
    return ch.encode("utf-8")



Match = Callable[[bytes, int], int]  # (view, position) → the end of the anchored match there, or -1


def anchored(search: Any) -> Match | None:
    """A list's RE2 program (coach.rubric.linear.searcher) run anchored at a position, or None when
    the binding does not offer it (the list then stays with the search)."""
    direct = getattr(search, "direct_match", None)
    anchor = getattr(getattr(getattr(re2, "_re2", None), "RE2", None), "Anchor", None)
    if direct is None or anchor is None:
        return None
    match, start = direct[0], anchor.ANCHOR_START

    def at(view: bytes, pos: int) -> int:
        end: int = match(start, view, pos, len(view))[0][1]
        return end

    return at


class WordTable:
    """The plain lists of one case mode (run on the lower-cased story, or case-insensitively on the
    story itself), by the words they can start with."""

    __slots__ = ("ignorecase", "slots", "matchers", "_words", "_prefixes", "_keep")

    def __init__(self, patterns: list[tuple[object, str, Any]], ignorecase: bool) -> None:
        """``patterns``: (pattern, its RE2 source, its searcher), one case mode."""
        self.ignorecase = ignorecase
        self.slots: dict[int, int] = {}  # id(pattern) → slot
        self.matchers: list[Match] = []  # slot → its anchored program
        self._keep: list[object] = []  # the patterns, alive while their ids are keys
        words: dict[bytes, list[tuple[int, int]]] = {}
        prefixes: dict[bytes, list[tuple[int, int]]] = {}
        for pattern, source, search in patterns:
            if id(pattern) in self.slots:
                continue
            match = anchored(search)
            keys = spell_keys(source, ignorecase) if match is not None else None
            if keys is None or match is None:
                continue
            slot = len(self._keep)
            self.slots[id(pattern)] = slot
            self._keep.append(pattern)
            self.matchers.append(match)
            for key in keys.words:  # a whole match by itself: its end is known, RE2 is not asked
                words.setdefault(key, []).append((slot, len(key) if key in keys.whole else -1))
            for key in keys.prefixes:
                prefixes.setdefault(key, []).append((slot, -1))
        self._words = {key: tuple(slots) for key, slots in words.items()}
        self._prefixes = {key: tuple(slots) for key, slots in prefixes.items()}
        if len(self.matchers) < MIN_LISTS:  # the pass would cost more than the searches it saves
            self.slots, self.matchers, self._keep, self._words, self._prefixes = {}, [], [], {}, {}

    def candidates(self, view: bytes) -> tuple[dict[int, list[tuple[int, int]]], dict[int, int]]:
        """Per slot, the increasing word starts in ``view`` (the bytes the list's RE2 program reads)
        where a match of it may start, each with the match's length when the word alone decides it
        (else -1: RE2 is asked); and per slot how many RE2 would be asked about. A slot that is not a
        key has none."""
        if self.ignorecase:
            view = view.lower()  # ASCII only, as the keys (the view's other bytes are caseless)
        pieces = _SPLIT.split(view)  # text between words, a word, text between words, …
        words = pieces[1::2]
        starts = list(accumulate(map(len, pieces)))[0::2]  # where each word starts
        get = self._words.get
        hits = [(at, slots) for at, word in zip(starts, words) if (slots := get(word)) is not None]
        if self._prefixes:
            get = self._prefixes.get
            hits += [(at, slots) for at, word in zip(starts, words) if (slots := get(word[:KEY])) is not None]
            hits.sort()
        out: dict[int, list[tuple[int, int]]] = {}
        unknown: dict[int, int] = {}
        for at, slots in hits:
            for slot, length in slots:
                found = out.get(slot)
                if found is None:
                    found = out[slot] = []
                elif found[-1][0] == at:  # a word and a prefix key at once: RE2 decides
                    if found[-1][1] >= 0:
                        found[-1] = (at, -1)
                        unknown[slot] = unknown.get(slot, 0) + 1
                    continue
                found.append((at, length))
                if length < 0:
                    unknown[slot] = unknown.get(slot, 0) + 1
        return out, unknown


def select(match: Match, view: bytes, candidates: list[tuple[int, int]], resume: Callable[[int], int] | None,
           limit: int) -> list[tuple[int, int]]:
    """The matches a search from the start takes (coach.rubric.linear.searched), the candidates
    being every place a match can start: the leftmost, then the leftmost at or after its end (or
    ``resume(start)``, when further), up to ``limit`` (0: all)."""
    out: list[tuple[int, int]] = []
    pos = 0
    for start, length in candidates:
        if start < pos:
            continue
        end = start + length if length >= 0 else match(view, start)
        if end < 0:
            continue
        out.append((start, end))
        if limit and len(out) >= limit:
            break
        pos = end if end > start else end + 1
        if resume is not None:
            further = resume(start)
            if further > pos:
                pos = further
    return out


def select_mapped(match: Match, view: bytes, candidates: list[tuple[int, int]], chars: list[int],
                  resume: Callable[[int], int] | None, limit: int) -> list[tuple[int, int]]:
    """As coach.rubric.linear.LinearPattern.spans over a non-ASCII view: every match (in characters),
    then the skipping asked for."""
    out: list[tuple[int, int]] = []
    go_on = -1
    for start, end in select(match, view, candidates, None, 0):
        start, end = chars[start], chars[end]
        if start >= go_on:
            out.append((start, end))
            go_on = end if end > start else start + 1
            if resume is not None:
                go_on = max(go_on, resume(start))
            if limit and len(out) >= limit:
                break
    return out
