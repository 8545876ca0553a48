r"""Run many regular expressions over one story by trying each only where it could match.

``pattern.finditer(text)`` makes ``re`` attempt a match at every character: ~30 ns each, times 40
cue lists, times every character of the story. Yet a cue such as ``\b(?:check(?:ed)?|dashboards?)\b``
can only match where a word starting with "check" or "dashboard" starts. This module:

1. derives from a pattern's parse tree a conservative set of :class:`Start` conditions that every
   match satisfies (``starts``), or gives up (``None``) when it cannot prove one;
2. cuts the story once into ``\w+`` tokens and, per distinct token (cached across stories), lists
   the patterns that could match at or inside it (:class:`GateIndex`);
3. replays ``finditer`` exactly: ``pattern.match(text, p)`` at the candidate positions in order,
   skipping those inside the previous match (:func:`gated_finditer`).

Exactness: a position where the pattern matches is always a candidate, so trying candidates left to
right finds the same leftmost, non-overlapping matches as ``finditer`` (which tries every position).
``match(text, p)`` sees the text before ``p`` for ``\b`` and look-behinds, as ``finditer`` does.
Anything the analysis does not understand (non-ASCII literals, wide classes, ``^``, back-references…)
ends a prefix; an empty prefix makes the whole pattern ungated. Tokens holding non-ASCII characters
(case folding of "İ", "ſ", "K" is subtle) are candidates for every gated pattern at every offset.
An empty match falls back to ``finditer`` (its rules for empty matches are not replayed here).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias, TypeVar

try:  # The parser of the ``re`` module itself: the analysis reads exactly what ``re`` compiles.
    from re import _constants as _C  # type: ignore[attr-defined]
    from re import _parser as _P  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - a Python without them: nothing is gated, results are unchanged
    _C = _P = None

_WORD_ASCII = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
_TOKEN = re.compile(r"\w+")
#: Longest literal prefix worth deriving, most alternatives per pattern, widest class to expand.
_MAX_PREFIX = 12
_MAX_STARTS = 4000
_MAX_CLASS = 12


@dataclass(frozen=True, slots=True)
class Start:
    r"""Every match of a pattern satisfies at least one of its starts.

    ``literal`` begins the match: lower-case ASCII, except that its first character keeps its case
    when ``exact_first`` (it came from a case-sensitive part, e.g. ``(?-i:[A-Z])``), and that a lone
    case-less symbol such as "€" may open it. With ``token_start`` the match starts where a ``\w+``
    token starts. With ``closed`` the token ends right after ``literal``'s word characters. An empty
    ``literal`` with ``token_start`` means any token start (e.g. ``\b\w+-owning``).
    """

    literal: str
    token_start: bool
    closed: bool
    exact_first: bool = False
    follow: str = ""  # for "any token start": lower-case ASCII text that must follow the token


class _Unknown(Exception):
    """The analysis cannot bound this pattern's starts."""


def starts(pattern: re.Pattern[str]) -> tuple[Start, ...] | None:
    """Conservative start conditions of ``pattern``'s matches, or None when none can be proven."""
    if _P is None or not isinstance(pattern.pattern, str) or pattern.flags & (re.LOCALE | re.VERBOSE):
        return None
    try:
        tree = _P.parse(pattern.pattern, pattern.flags)
        found: set[Start] = set()
        for start in _walk(((list(tree.data), 0, bool(pattern.flags & re.IGNORECASE)),), "", False, False):
            if not start.literal and not start.token_start:
                raise _Unknown  # a match may begin with anything
            found.add(start)
            if len(found) > _MAX_STARTS:
                raise _Unknown
        return tuple(sorted(found, key=lambda s: (s.literal, s.token_start, s.closed, s.exact_first))) or None
    except Exception:  # noqa: BLE001 - any surprise (_Unknown, recursion, parser changes): do not gate
        return None


# re._parser is untyped: an item of a parse tree is (opcode, argument), the argument's shape set by the opcode.
_Item: TypeAlias = tuple[Any, Any]
# A frame is (items, index, ignorecase); a frame whose items are None stops the walk there.
_Frame: TypeAlias = tuple[list[_Item] | None, int, bool]
_STOP: _Frame = (None, 0, False)


def _walk(frames: tuple[_Frame, ...], acc: str, token_start: bool, exact_first: bool) -> Iterator[Start]:
    """Every literal prefix a match can begin with, walking the parse tree with a continuation stack."""

    def stop(closed: bool = False) -> Start:
        # Without a literal, a token start is only proven when the next item starts with a word
        # character; _word_start() vouches for that, anything else is unknown.
        return Start(acc, token_start and bool(acc), closed, exact_first)

    while True:
        if not frames:
            yield stop()
            return
        items, index, icase = frames[-1]
        if items is None or len(acc) >= _MAX_PREFIX:
            yield stop()
            return
        if index == len(items):
            frames = frames[:-1]
            continue
        op, av = items[index]
        rest = frames[:-1] + ((items, index + 1, icase),)
        if not acc and token_start and _word_start(op, av):
            # \\b then word characters of any kind: any token start; with "\\w+-owning", only tokens
            # followed by "-owning" (the repeat cannot end inside the token before a non-word character).
            yield Start("", True, False, follow=_follow(op, av, rest))
            return
        if op is _C.LITERAL or op is _C.IN:
            chars = _class_chars([(op, av)] if op is _C.LITERAL else av, icase, first=not acc)
            if chars is None:
                if acc and acc[-1] in _WORD_ASCII and op is _C.IN and _non_word_class(av):
                    yield stop(closed=True)  # e.g. \s after a word: the token ends here
                else:
                    yield stop()
                return
            if not acc:
                exact_first = not icase
                if not token_start or any(c.lower() not in _WORD_ASCII for c in chars):
                    # Matching inside tokens or at symbols, only the first character is used: stop here.
                    for char in chars:
                        yield Start(char, token_start, False, exact_first)
                    return
            for char in chars:
                yield from _walk(rest, acc + char, token_start, exact_first)
            return
        if op is _C.AT:
            if av is _C.AT_BOUNDARY and not acc:
                frames, token_start = rest, True  # holds once the first character proves to be a word character
                continue
            yield stop(closed=av is _C.AT_BOUNDARY and acc[-1] in _WORD_ASCII)
            return
        if op is _C.ASSERT_NOT or op is _C.ASSERT:
            direction, sub = av
            if op is _C.ASSERT_NOT and _matches_word_chars(sub):
                if direction < 0 and not acc:
                    token_start = True  # (?<!\w…): no word character before the first one
                elif direction > 0 and acc and acc[-1] in _WORD_ASCII:
                    yield stop(closed=True)  # (?!\w…): the token ends here
                    return
            frames = rest  # other look-arounds only narrow the matches: skipping them is safe
            continue
        if op is _C.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            inner = (icase or bool(add_flags & re.IGNORECASE)) and not del_flags & re.IGNORECASE
            frames = rest + ((list(sub.data), 0, inner),)
            continue
        if op is _C.BRANCH:
            for alternative in av[1]:
                yield from _walk(rest + ((list(alternative.data), 0, icase),), acc, token_start, exact_first)
            return
        if op in _REPEATS:
            low, high, sub = av
            body = list(sub.data)
            if low > 0 and acc and acc[-1] in _WORD_ASCII and len(body) == 1 and body[0][0] is _C.IN \
                    and _non_word_class(body[0][1]):
                yield stop(closed=True)  # e.g. \s+ after a word
                return
            # After one pass through the body, go on with the rest only when no second pass can follow.
            after = rest if high == 1 else (_STOP,)
            if low == 0:
                yield from _walk(rest, acc, token_start, exact_first)
            if high != 0:
                yield from _walk(after + ((body, 0, icase),), acc, token_start, exact_first)
            return
        yield stop()  # anything else (., \w, back-references, atomic groups…) ends the prefix
        return


_REPEATS = tuple(op for op in (getattr(_C, name, None) for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")) if op)


def _class_chars(items: list[_Item], icase: bool, first: bool) -> list[str] | None:
    """The characters a literal or class may match, as compared with tokens; None: too many or unknown.

    ASCII letters are lower-cased (tokens are compared lower-cased, which is conservative for
    case-sensitive parts too), except a case-sensitive first character, kept exact. A non-ASCII
    character is only understood as the first one and only when case-less (found by a plain search).
    """
    chars: set[str] = set()
    for op, av in items:
        if op is _C.LITERAL:
            chars.add(chr(av))
        elif op is _C.RANGE and av[1] < 128 and av[1] - av[0] < 64:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        elif op is _C.CATEGORY and av is _C.CATEGORY_DIGIT:
            chars.update("0123456789")  # on ASCII tokens; non-ASCII tokens are candidates anyway
        else:
            return None
    keep_case = first and not icase
    out = set()
    for char in chars:
        if char.isascii():
            out.add(char if keep_case else char.lower())
        elif first and not _cased(char) and not _TOKEN.match(char):
            out.add(char)
        else:
            return None
    if not out or len(out) > (64 if first else _MAX_CLASS):
        return None
    return sorted(out)


def _word_start(op: object, av: Any) -> bool:
    r"""True when the item is a wide class of word characters only (``\w``, ``\w+``, ``[a-z0-9]+``)
    that _class_chars will not expand: the match then starts on some word character."""
    if op in _REPEATS and av[0] > 0 and len(av[2].data) == 1:
        op, av = av[2].data[0]
    if op is not _C.IN or _class_chars(av, True, first=True) is not None:
        return False
    for item_op, item in av:
        if item_op is _C.CATEGORY and item in (_C.CATEGORY_WORD, _C.CATEGORY_DIGIT):
            continue
        if item_op is _C.RANGE and all(chr(c).isascii() and chr(c).lower() in _WORD_ASCII for c in item):
            continue
        if item_op is _C.LITERAL and chr(item).isascii() and chr(item).lower() in _WORD_ASCII:
            continue
        return False
    return True


def _follow(op: object, av: Any, rest: tuple[_Frame, ...]) -> str:
    r"""The literal text right after a ``\w+`` (starting with a non-word character), or ""."""
    if op not in _REPEATS or av[1] != _C.MAXREPEAT:
        return ""
    items, index, _icase = rest[-1]
    text = ""
    while items is not None and index < len(items) and items[index][0] is _C.LITERAL:
        char = chr(items[index][1])
        if not char.isascii() or (not text and (char.lower() in _WORD_ASCII or _cased(char))):
            break
        text += char.lower()
        index += 1
    return text


def _non_word_class(items: list[_Item]) -> bool:
    r"""True for a class that only matches non-word characters (``\s``, ``[\s-]``)."""
    for op, av in items:
        if op is _C.CATEGORY and av is _C.CATEGORY_SPACE:
            continue
        if op is _C.LITERAL and chr(av).isascii() and chr(av) not in _WORD_ASCII and not chr(av).isalnum():
            continue
        return False
    return bool(items)


def _matches_word_chars(sub: object) -> bool:
    r"""True for a look-around body that matches any single word character (``\w``, ``[\w']``)."""
    data = list(getattr(sub, "data", []))
    if len(data) != 1 or data[0][0] is not _C.IN:
        return False
    items = data[0][1]
    return all(op is not _C.NEGATE for op, _ in items) and (_C.CATEGORY, _C.CATEGORY_WORD) in items


def _cased(char: str) -> bool:
    return char.lower() != char or char.upper() != char or char.casefold() != char


#: (offset in the token, slot, literals of which one must start at the token, or None).
Entry: TypeAlias = tuple[int, int, tuple[str, ...] | None]
Entries: TypeAlias = tuple[Entry, ...]
#: GateIndex._fast_entries: (slots to try unchecked at the token start, (offset, slot) to try unchecked
#: inside the token, all literals, (slot, its literals)).
_FastEntries: TypeAlias = tuple[
    tuple[int, ...], tuple[tuple[int, int], ...], tuple[str, ...], tuple[tuple[int, tuple[str, ...]], ...]
]
_NOTHING: _FastEntries = ((), (), (), ())


@dataclass(slots=True)
class GateIndex:
    """For a fixed list of patterns: where in a token each could match, cached per distinct token.

    ``on_lowered[slot]`` says the pattern runs on the lower-cased story (it is then fed the tokens of
    that text); otherwise on the story itself. A token-start candidate may carry literals (e.g.
    "the job" for the token "the"), checked on the lower-cased story when it is all ASCII.
    """

    patterns: Sequence[re.Pattern[str] | None]
    on_lowered: Sequence[bool]
    gated: list[bool] = field(default_factory=list)
    # Token-start conditions, keyed by the literal's word part → (slot, full literal); "cs": the
    # first character is case-sensitive.
    _exact: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    _exact_cs: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    _prefix: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    _prefix_cs: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    _prefix_lengths: list[int] = field(default_factory=list)
    _any_token: list[tuple[int, str]] = field(default_factory=list)  # (slot, text following the token)
    _inner: dict[str, list[int]] = field(default_factory=dict)  # first character → slots matching inside tokens
    _token_slots: list[int] = field(default_factory=list)
    _inner_slots: list[int] = field(default_factory=list)
    symbols: dict[str, list[int]] = field(default_factory=dict)  # case-less symbol → slots starting there
    _cache: dict[str, tuple[Entries, Entries, Entries]] = field(default_factory=dict)
    _fast: dict[str, _FastEntries] = field(default_factory=dict)

    def __post_init__(self) -> None:
        lengths: set[int] = set()
        token_slots: set[int] = set()
        inner_slots: set[int] = set()
        for slot, pattern in enumerate(self.patterns):
            found = starts(pattern) if pattern is not None else None
            self.gated.append(found is not None)
            for start in found or ():
                head = start.literal
                if not head:
                    token_slots.add(slot)
                    self._any_token.append((slot, start.follow))
                    continue
                if head[0] not in _WORD_ASCII and not (start.exact_first and head[0].isascii() and head[0].isalpha()):
                    _add(self.symbols, head[0], slot)
                    continue
                token_slots.add(slot)
                if not start.token_start:
                    inner_slots.add(slot)
                    _add(self._inner, head[0].lower(), slot)
                    continue
                word_end = next((i for i, c in enumerate(head.lower()) if c not in _WORD_ASCII), len(head))
                cs = start.exact_first and not self.on_lowered[slot]
                key = head[:word_end] if cs else head[:word_end].lower()
                entry = (slot, head.lower())
                if start.closed or word_end < len(head):
                    _add(self._exact_cs if cs else self._exact, key, entry)
                else:
                    _add(self._prefix_cs if cs else self._prefix, key, entry)
                    lengths.add(len(key))
        self._prefix_lengths = sorted(lengths)
        self._token_slots = sorted(token_slots)
        self._inner_slots = sorted(inner_slots)

    def entries(self, word: str) -> tuple[Entries, Entries, Entries]:
        """The candidates a token ``word`` gives, by offset: for the patterns run on the story, for
        those run on the lower-cased story, and for both."""
        found = self._cache.get(word)
        if found is None:
            entries = self._entries(word)
            found = (
                tuple(e for e in entries if not self.on_lowered[e[1]]),
                tuple(e for e in entries if self.on_lowered[e[1]]),
                entries,
            )
            if len(self._cache) > 200_000:  # a bound for long-running servers fed odd vocabularies
                self._cache.clear()
            self._cache[word] = found
        return found

    def _fast_entries(self, word: str) -> _FastEntries:
        """For ASCII stories: the candidates with nothing to check (at the token start: slots; inside
        it: (offset, slot)), every literal to check at the token start, and (slot, its literals) — so
        most tokens cost one ``startswith``."""
        entries = self.entries(word)[2]
        # entries are sorted by offset: appending at_start, then inside, then checked keeps each slot's order
        at_start = tuple(slot for offset, slot, literals in entries if literals is None and offset == 0)
        inside = tuple((offset, slot) for offset, slot, literals in entries if literals is None and offset > 0)
        checked = tuple((slot, literals) for offset, slot, literals in entries if literals is not None)
        union = tuple(sorted({literal for _, literals in checked for literal in literals}))
        found = (at_start, inside, union, checked) if entries else _NOTHING
        if len(self._fast) > 200_000:
            self._fast.clear()
        self._fast[word] = found
        return found

    def _entries(self, word: str) -> Entries:
        if not word.isascii():
            pairs = {(0, slot) for slot in self._token_slots}
            pairs.update((offset, slot) for slot in self._inner_slots for offset in range(len(word)))
            return tuple((offset, slot, None) for offset, slot in sorted(pairs))
        lowered = word.lower()
        cased = word[0] + lowered[1:]
        # slot → literals one of which must start at the token (None: the token alone qualifies)
        at_start: dict[int, set[str] | None] = {}

        def need(slot: int, literal: str | None) -> None:
            if literal is None or len(literal) <= len(lowered):  # nothing to check past the token
                at_start[slot] = None
            else:
                literals = at_start.setdefault(slot, set())
                if literals is not None:  # None: the token alone already qualifies
                    literals.add(literal)

        for slot, follow in self._any_token:
            if not follow:
                need(slot, None)
            # else: in ASCII stories candidates() finds the follower itself (see _followers)
        for entry in self._exact.get(lowered, []) + self._exact_cs.get(cased, []):
            need(*entry)
        for length in self._prefix_lengths:
            if length > len(lowered):
                break
            for entry in self._prefix.get(lowered[:length], []) + self._prefix_cs.get(cased[:length], []):
                need(entry[0], None)
        inner: set[tuple[int, int]] = set()
        if self._inner:
            for offset, char in enumerate(lowered):
                inner.update((offset, slot) for slot in self._inner.get(char, ()))
        out: list[Entry] = []
        for slot, literals in sorted(at_start.items()):
            if (0, slot) in inner:
                literals = None  # it may also match inside the token at offset 0: no check
            out.append((0, slot, None if literals is None else tuple(sorted(literals))))
        out += [(offset, slot, None) for offset, slot in sorted(inner) if not (offset == 0 and slot in at_start)]
        out.sort(key=lambda e: (e[0], e[1]))
        return tuple(out)

    def candidates(self, text: str, lowered: str) -> list[list[int]]:
        """Per slot, the increasing positions where its pattern could match (of ``lowered`` for the
        slots that run on it, else of ``text``; same length). Ungated slots get []."""
        out: list[list[int]] = [[] for _ in self.patterns]
        if text.isascii():  # the same tokens at the same places in both texts: one pass
            fast = self._fast
            starts_with = lowered.startswith
            appends = [positions.append for positions in out]  # bound once: the loop below is hot
            for m in _TOKEN.finditer(text):
                word = m.group()
                found = fast.get(word)
                if found is None:
                    found = self._fast_entries(word)
                if found is _NOTHING:
                    continue
                position = m.start()
                for slot in found[0]:
                    appends[slot](position)
                # Positions at the token's start before those inside it, so each slot's list stays
                # increasing even when one slot has both kinds in this token.
                if found[2] and starts_with(found[2], position):  # one check for all the literals first
                    for slot, literals in found[3]:
                        if starts_with(literals, position):
                            appends[slot](position)
                if found[1]:
                    for offset, slot in found[1]:
                        appends[slot](position + offset)
            self._followers(lowered, out)
        else:  # literals are not checked: case folding of non-ASCII text is subtle ("İ" matches "i")
            followed = {slot for slot, follow in self._any_token if follow}
            for source, which in ((text, 0), (lowered, 1)):
                for m in _TOKEN.finditer(source):
                    position = m.start()
                    for offset, slot, _literals in self.entries(m.group())[which]:
                        out[slot].append(position + offset)
                    for slot in followed:
                        if self.on_lowered[slot] == bool(which):
                            out[slot].append(position)
            for slot in followed:
                out[slot].sort()
        for symbol, symbol_slots in self.symbols.items():
            for slot in symbol_slots:
                source = lowered if self.on_lowered[slot] else text
                at = source.find(symbol)
                if at < 0:
                    continue
                positions = out[slot]
                while at >= 0:
                    positions.append(at)
                    at = source.find(symbol, at + 1)
                positions.sort()
        return out


    def _followers(self, lowered: str, out: list[list[int]]) -> None:
        r"""Candidates of "any token followed by X" (``\w+-owning``) in an ASCII story: the start of
        the token before each occurrence of X."""
        for slot, follow in self._any_token:
            if not follow:
                continue
            positions = out[slot]
            at = lowered.find(follow)
            while at >= 0:
                start = at
                while start > 0 and lowered[start - 1] in _WORD_ASCII:
                    start -= 1
                if start < at:
                    positions.append(start)
                at = lowered.find(follow, at + 1)
            positions.sort()


_V = TypeVar("_V")


def _add(index: dict[str, list[_V]], key: str, value: _V) -> None:
    values = index.setdefault(key, [])
    if value not in values:
        values.append(value)


def gated_finditer(
    pattern: re.Pattern[str], text: str, candidates: Iterable[int], endpos: int | None = None, first: bool = False
) -> list[tuple[int, int]] | None:
    """The spans ``pattern.finditer(text, …, endpos)`` finds, trying only ``candidates`` (increasing,
    all ≥ the search start); with ``first``, only the first one (``search``). None when a match is
    empty: the caller then runs ``finditer`` itself."""
    found: list[tuple[int, int]] = []
    match = pattern.match
    last = -1
    end = len(text) if endpos is None else endpos
    for position in candidates:
        if position < last:
            continue
        m = match(text, position, end)
        if m is not None:
            start, stop = m.span()
            if start == stop:
                return None
            found.append((start, stop))
            if first:
                break
            last = stop
    return found
