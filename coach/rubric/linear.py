r"""Cue lists compiled for linear-time matching: no rubric, shipped or user-written, can hang the scorer.

Every cue list runs on RE2 (google-re2), whose matching time is linear in the text whatever the
pattern. Three differences from Python's ``re`` are bridged here so results stay what ``re`` finds:

* **Unicode classes.** RE2's ``\w``, ``\b``, ``\d`` and ``\s`` are ASCII-only, Python's are Unicode.
  The story is matched through a *view* of the same length in which every non-ASCII letter or digit
  stands as an ASCII one (``_``, ``9``, or the ASCII letter it folds to under IGNORECASE, as
  "K" → "k") and every other white space as ``\f``; punctuation ("’", "€", "—") stays itself.
* **Look-arounds** (``(?<!feature )stores?``, ``pricing(?! team)``) do not exist in RE2. Each one
  becomes an empty capturing group in the RE2 pattern, and where the match passes through that group
  the look-around is tried there with ``re`` (a single anchored attempt inside a bounded window).
  Cues with look-arounds are grouped by their look-arounds, so a rubric costs a few RE2 passes.
* **Back-references** and look-arounds inside a repeated group have no linear equivalent: rejected
  by :func:`problem` (``coach rubrics validate`` names the cue).

:func:`problem` also rejects nested repetition such as ``(a+)+`` — harmless here, but a sign of a
cue written for another engine, and the classic way to hang ``re``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from collections.abc import Callable
from typing import Any

import re2

from coach.rubric.regexopt import _flatten, groups, optimise, split_alternatives

#: A look-around is checked against at most this many characters after its position.
LOOKAROUND_WINDOW = 200
_ENDS_HERE = ""
_LOOKAROUND = re.compile(r"\(\?<?[=!]")
_BACKREF = re.compile(r"\\[1-9]|\(\?P=")
_QUANTIFIER = re.compile(r"[*+]|\{\d*,\}")
_IGNORECASE = int(re.IGNORECASE)


def _options(ignorecase: bool) -> Any:
    options = re2.Options()
    options.case_sensitive = not ignorecase
    options.max_mem = 64 << 20  # the rubric's largest lists need more than the 8 MB default
    return options


def _case_free(pattern: str) -> bool:
    """True when no literal upper-case letter or inline flag occurs (escapes like \\S excepted)."""
    if "(?-i" in pattern or "(?i" in pattern:
        return False
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i].isupper():
            return False
        i += 1
    return True


def _lookarounds(alternative: str) -> list[tuple[int, int]]:
    """(start, end) of each top-level look-around group in an alternative (end exclusive)."""
    found: list[tuple[int, int]] = []
    for open_at, close_at in groups(alternative):  # in the order they open
        if (not found or open_at >= found[-1][1]) and _LOOKAROUND.match(alternative, open_at):
            found.append((open_at, close_at + 1))
    return found


#: (view, position) → the spans of the leftmost match at or after position and of its groups, or None.
Search = Callable[[bytes, int], "list[tuple[int, int]] | None"]


def searcher(regex: Any) -> Search:
    """RE2's unanchored search, as spans. Each match costs one call into RE2; the binding's own
    ``search`` also builds a match object per call, which doubles the cost for the many small
    matches of a story, so the compiled regex's ``Match`` is called directly where it exists (the
    result is the same; a test compares the two)."""
    raw = getattr(regex, "_regexp", None)
    anchor = getattr(getattr(getattr(re2, "_re2", None), "RE2", None), "Anchor", None)
    if raw is not None and anchor is not None and hasattr(raw, "Match"):
        match, unanchored = raw.Match, anchor.UNANCHORED

        def fast(view: bytes, pos: int) -> list[tuple[int, int]] | None:
            spans: list[tuple[int, int]] = match(unanchored, view, pos, len(view))
            return None if spans[0][0] < 0 else spans

        # The binding's ``Match`` and its anchor, which :func:`searched` calls itself (one Python
        # call fewer per match found: that loop is the scorer's hottest). An attribute, not a
        # table: it goes when the pattern does (compile_linear's cache evicts).
        setattr(fast, _DIRECT, (match, unanchored))
        return fast
    return portable_searcher(regex)


_DIRECT = "direct_match"


def portable_searcher(regex: Any) -> Search:
    """The same through the binding's public ``search``."""
    groups = regex.groups

    def portable(view: bytes, pos: int) -> list[tuple[int, int]] | None:
        m = regex.search(view, pos)
        return None if m is None else [m.span(i) for i in range(groups + 1)]

    return portable


@dataclass(frozen=True, slots=True)
class _Checked:
    """Alternatives sharing their look-arounds: one RE2 pass, then the look-arounds where it matched."""

    finder: Search  # over the view, one empty group per look-around
    checks: tuple[re.Pattern[str] | None, ...]  # None: a trailing "followed by", the match ends there


@dataclass(frozen=True, slots=True)
class LinearPattern:
    """A cue list (one alternation) with ``finditer``-like matching in linear time."""

    pattern: str  # the alternation as ``re`` would read it (for messages and tests)
    flags: int  # re.IGNORECASE when it runs on the original text, 0 on the lower-cased one
    main: Search | None
    checked: tuple[_Checked, ...]
    sources: tuple[bytes, ...] = ()  # the RE2 sources of ``main`` and of each finder (for :class:`Presence`)

    def spans(
        self, view: bytes, text: str, chars: list[int] | None, resume: Callable[[int], int] | None = None,
        limit: int = 0,
    ) -> list[tuple[int, int]]:
        """Leftmost non-overlapping matches, as ``re.finditer`` gives them, in character offsets.

        ``view`` is :func:`ascii_view` of ``text`` encoded as UTF-8, ``chars`` its byte → character
        offset table (None when the view is ASCII, so the two coincide). Callers that need less than
        every match say so (each match found costs a call into RE2): ``resume(start)`` is where the
        search may go on after a match at ``start`` (e.g. the next sentence), ``limit`` the number of
        matches wanted (0: all)."""
        direct = chars is None and not self.checked  # RE2's offsets are the caller's: skip ahead in RE2
        found: list[tuple[int, int]] = []
        if self.main is not None:
            found = searched(self.main, view, resume if direct else None, limit if direct else 0)
            if chars is not None:
                found = [(chars[s], chars[e]) for s, e in found]
        if direct:
            return found
        # Otherwise take every match (merged with the look-around alternatives'), then skip as asked.
        merged = [(s, e, 0) for s, e in found]
        for rank, checked in enumerate(self.checked, start=1):
            merged += [(s, e, rank) for s, e in _checked_spans(checked, view, text, chars)]
        merged.sort()
        out: list[tuple[int, int]] = []
        go_on = -1
        for start, end, _ in merged:
            if start >= go_on:
                out.append((start, end))
                go_on = end if end > start else start + 1
                if resume is not None:
                    go_on = max(go_on, resume(start))
                if limit and len(out) >= limit:
                    break
        return out


def searched(pattern: Search, view: bytes, resume: Callable[[int], int] | None, limit: int) -> list[tuple[int, int]]:
    """``finditer`` that skips ahead to ``resume(start)`` after each match and stops at ``limit``."""
    out: list[tuple[int, int]] = []
    pos = 0
    size = len(view)
    direct = getattr(pattern, _DIRECT, None)
    match, anchor = direct if direct is not None else (None, None)
    while pos <= size:
        if match is not None:  # RE2 called directly: one Python call fewer per match
            start, end = match(anchor, view, pos, size)[0]
            if start < 0:
                break
        else:
            spans = pattern(view, pos)
            if spans is None:
                break
            start, end = spans[0]
        out.append((start, end))
        if limit and len(out) >= limit:
            break
        pos = end if end > start else end + 1
        if resume is not None:
            further = resume(start)
            if further > pos:
                pos = further
    return out


def _checked_spans(checked: _Checked, view: bytes, text: str, chars: list[int] | None) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pos = 0
    size = len(view)
    while pos <= size:
        spans = checked.finder(view, pos)
        if spans is None:
            break
        start, end = spans[0]
        ok = True
        checks = checked.checks
        for group in range(1, len(spans)):
            at = spans[group][0]
            if at < 0:
                continue  # this look-around sits in an alternative that did not take part
            check = checks[(group - 1) % len(checks)]  # each alternative has one group per look-around
            if check is None:
                end = at
                continue
            at_char = chars[at] if chars is not None else at
            if check.match(text, at_char, min(len(text), at_char + LOOKAROUND_WINDOW)) is None:
                ok = False
                break
        if ok:
            out.append((chars[start], chars[end]) if chars is not None else (start, end))
            pos = end if end > start else end + 1
        else:
            pos = start + 1
            while chars is not None and pos < size and (view[pos] & 0xC0) == 0x80:
                pos += 1  # the next character, not the middle of one
    return out


@lru_cache(maxsize=4096)
def compile_linear(patterns: tuple[str, ...]) -> LinearPattern | None:
    """One cue list → a :class:`LinearPattern` (None for an empty list). Patterns are assumed valid
    (:func:`problem` is None for each: the rubric's validation ran first)."""
    if not patterns:
        return None
    combined = optimise(patterns)
    flags = 0 if _case_free(combined) else _IGNORECASE
    options = _options(bool(flags))
    plain: list[str] = []
    groups: dict[tuple[str, ...], list[str]] = {}
    for alternative in [spelled for flat in _flatten(patterns) for spelled in _with_lookarounds_spelled_out(flat)]:
        spots = _lookarounds(alternative)
        if not spots:
            plain.append(alternative)
            continue
        key = tuple(alternative[s:e] for s, e in spots)
        source = _finder_source(alternative, spots)
        if spots[-1][1] == len(alternative) and alternative.startswith("(?=", spots[-1][0]):
            # A trailing "followed by": RE2 matches it too, and the match ends where it begins.
            source = source[: -2] + "()(?:" + key[-1][3:-1] + ")"
            key = key[:-1] + (_ENDS_HERE,)
        groups.setdefault(key, []).append(source)
    sources: list[bytes] = []
    main = None
    if plain:
        sources.append(_re2_source(optimise(plain)).encode())
        main = searcher(re2.compile(sources[-1], options))
    checked = []
    for key, members in groups.items():
        sources.append(_re2_source("|".join(f"(?:{m})" for m in members)).encode())
        finder = searcher(re2.compile(sources[-1], options))
        checked.append(_Checked(finder, tuple(None if k == _ENDS_HERE else re.compile(k, flags) for k in key)))
    return LinearPattern(combined, flags, main, tuple(checked), tuple(sources))


class Presence:
    """Which of many cue lists (of one case mode) can match a story at all: one RE2 Set pass over
    the story's view answers for every list.

    A search that finds nothing still scans the whole story, and in a given story about half of a
    rubric's lists find nothing. Exact: a list is skipped only when none of its RE2 programs (the
    main alternation and each look-around finder) matches anywhere in the view, and then every
    search of it finds nothing. A Set's DFA may run out of memory on a huge rubric; a sentinel that
    matches every text tells when it did, and then nothing is skipped."""

    __slots__ = ("slots", "_set", "_owner", "_sentinel", "_keep", "_ids")

    def __init__(self, patterns: list[LinearPattern], ignorecase: bool) -> None:
        options = _options(ignorecase)
        options.log_errors = False  # a DFA out of memory is handled (the sentinel), not printed
        self._set = re2.Set.SearchSet(options)
        self._owner: dict[int, int] = {}  # Set index → slot
        self.slots: dict[int, int] = {}  # id(pattern) → slot
        self._keep: list[LinearPattern] = []  # the patterns, alive while their ids are keys
        flags = _IGNORECASE if ignorecase else 0
        for pattern in patterns:
            if pattern.flags != flags or id(pattern) in self.slots or not pattern.sources:
                continue
            try:
                indices = [self._set.Add(source) for source in pattern.sources]
            except re2.error:
                continue  # not in the Set: always searched (indices already added are never read)
            self.slots[id(pattern)] = len(self._keep)
            self._owner.update((index, len(self._keep)) for index in indices)
            self._keep.append(pattern)
        self._ids = frozenset(self.slots)
        self._sentinel = self._set.Add(b"(?:)")
        try:
            self._set.Compile()
        except re2.error:
            self.slots = {}  # no Set: every list is searched
            self._ids = frozenset()

    def present(self, view: bytes) -> set[int] | None:
        """The slots of the lists with a match somewhere in ``view``; None: unknown (search them all)."""
        found = self._set.Match(view) or []
        if self._sentinel not in found:
            return None
        owner = self._owner
        return {owner[index] for index in found if index in owner}

    def absent(self, view: bytes) -> frozenset[int]:
        """The ids of the lists with no match anywhere in ``view`` (none when the Set could not tell)."""
        found = self.present(view)
        if found is None:
            return frozenset()
        return self._ids.difference([id(self._keep[slot]) for slot in found])



_LETTERS = re.compile(r"[A-Za-z]|\[[A-Za-z]+\]")
_NOT_WORD_BEHIND = re.compile(r"\(\?<!\[\\w[^\]]*\]\)")
_ENDS_WITH_LETTER = re.compile(r"(?:(?<!\\)[A-Za-z]|\[[A-Za-z]+\])$")
_NOT_WORD_AHEAD = re.compile(r"\(\?!\[\\w[^\]]*\]\)")


#: At most this many alternatives may come of spelling out the choices around a cue's look-arounds.
MAX_SPELLED_OUT = 64


def _uncaptured(alternative: str) -> str:
    """Every capturing group made non-capturing: the RE2 finder numbers its groups one per look-around,
    so a capture of the author's own would shift which look-around is checked where."""
    out, last = [], 0
    for open_at, _ in groups(alternative):
        if alternative.startswith("(?P<", open_at):
            name_end = alternative.index(">", open_at)
            out.append(alternative[last:open_at] + "(?:")
            last = name_end + 1
        elif not alternative.startswith("(?", open_at):
            out.append(alternative[last:open_at] + "(?:")
            last = open_at + 1
    return "".join(out) + alternative[last:]


def _with_lookarounds_spelled_out(alternative: str) -> list[str]:
    """:func:`spelled_out` without the author's captures, for an alternative with a look-around (only
    those run through a finder whose groups are numbered; the rest stay as they are, at no cost)."""
    return spelled_out(_uncaptured(alternative)) if _LOOKAROUND.search(alternative) else [alternative]


def spelled_out(alternative: str) -> list[str]:
    """``x(?:^|(?<=: )|y)z`` → [``x^z``, ``x(?<=: )z``, ``xyz``]: a group of choices that holds a
    look-around becomes one alternative per choice, in ``re``'s order of trying them.

    RE2 takes one path through a group of choices and the look-around is then checked on that path
    only; where it fails, ``re`` would go on to the group's next choice at the same place. Spelled out,
    each choice is an alternative of its own, found and checked on its own. Groups repeated with ``*``,
    ``+`` or ``{}`` never hold a look-around (:func:`problem`); an optional one (``?``) adds the choice
    of skipping it. Stops at :data:`MAX_SPELLED_OUT` alternatives (``problem`` rejects such a cue)."""
    done: list[str] = []
    todo = [alternative]
    while todo and len(done) + len(todo) <= MAX_SPELLED_OUT:
        current = todo.pop(0)
        group = _choice_group_with_lookaround(current)
        if group is None:
            done.append(current)
            continue
        open_at, body_at, close_at = group
        after = close_at + 1
        optional = current[after : after + 1] == "?"
        lazy = optional and current[after + 1 : after + 2] == "?"
        rest_at = after + (2 if lazy else 1 if optional else 0)
        choices = split_alternatives(current[body_at:close_at])
        if optional:
            choices = [""] + choices if lazy else choices + [""]
        head, tail = current[:open_at], current[rest_at:]
        todo = [head + "(?:" + choice + ")" + tail for choice in choices] + todo
    return done + todo


def _choice_group_with_lookaround(alternative: str) -> tuple[int, int, int] | None:
    """(open, body start, close) of the first non-look-around group with several choices and a
    look-around inside, or None."""
    for open_at, close_at in groups(alternative):
        if _LOOKAROUND.match(alternative, open_at) or not alternative.startswith("(?:", open_at):
            continue
        body_at = open_at + 3
        if _LOOKAROUND.search(alternative, body_at, close_at) and len(split_alternatives(alternative[body_at:close_at])) > 1:
            return open_at, body_at, close_at
    return None


def _finder_source(alternative: str, spots: list[tuple[int, int]]) -> str:
    """The alternative for RE2: each look-around an empty group. A "no word character" look-around
    next to a letter also becomes ``\b`` (then RE2 finds "I" as a word, not every letter i)."""
    parts, last = [], 0
    for s, e in spots:
        around = alternative[s:e]
        parts.append(alternative[last:s] + "()")
        if _NOT_WORD_BEHIND.fullmatch(around) and _LETTERS.match(alternative, e):
            parts.append("\\b")
        if _NOT_WORD_AHEAD.fullmatch(around) and _ENDS_WITH_LETTER.search(alternative[last:s]):
            parts[-1] = alternative[last:s] + "\\b()"
        last = e
    parts.append(alternative[last:])
    return "".join(parts)


def _re2_source(source: str) -> str:
    # RE2 does not take an escaped space or an escaped non-special letter that ``re`` ignores.
    return source.replace("\\ ", " ")


# --- the view -------------------------------------------------------------------------------------

_ASCII_LETTERS = "abcdefghijklmnopqrstuvwxyz"


class _ViewTable(dict[int, str]):
    """str.translate table: each character → its stand-in in the view (computed once per character)."""

    def __init__(self, fold: bool) -> None:
        super().__init__()
        self.fold = fold

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        out = ch
        if code < 128:
            if ch in "\x0b\x1c\x1d\x1e\x1f":
                out = "\f"  # white space to ``re`` but not to RE2
        elif ch.isdecimal():
            out = "9"
        elif ch.isalnum():
            out = "_"
            if self.fold:
                for letter in _ASCII_LETTERS:
                    if re.fullmatch(letter, ch, re.IGNORECASE):
                        out = letter
                        break
        elif ch.isspace():
            out = "\f"
        self[code] = out
        return out


_TABLES = {True: _ViewTable(True), False: _ViewTable(False)}
_PLAIN_ASCII = re.compile(r"[^\x0b\x1c-\x1f]*")  # ASCII text without the white space RE2 does not know


def ascii_view(text: str, fold: bool) -> tuple[bytes, list[int] | None]:
    """The text as RE2 should see it (UTF-8) and its byte → character offset table (None: identical).

    ``fold``: the patterns run with IGNORECASE on this text (letters fold as ``re`` folds them)."""
    if text.isascii() and _PLAIN_ASCII.fullmatch(text):
        return text.encode("ascii"), None
    view = text.translate(_TABLES[fold])
    data = view.encode("utf-8")
    if len(data) == len(view):
        return data, None
    chars = [0] * (len(data) + 1)
    b = 0
    for index, ch in enumerate(view):
        width = len(ch.encode("utf-8"))
        for k in range(width):
            chars[b + k] = index
        b += width
    chars[b] = len(view)
    return data, chars


# --- validation -----------------------------------------------------------------------------------


def problem(pattern: str) -> str | None:
    """Why a cue cannot be matched safely in linear time, or None when it can."""
    try:
        re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        return f"invalid regular expression {pattern!r}: {exc}"
    if _BACKREF.search(pattern):
        return f"{pattern!r}: back-references cannot be matched in linear time"
    for ch in pattern:
        if ord(ch) > 127 and (ch.isalnum() or ch.isspace()):
            return f"{pattern!r}: write non-ASCII letters as a class or a wildcard ({ch!r} is not supported)"
    nested = _nested_repeat(pattern)
    if nested:
        return f"{pattern!r}: nested repetition {nested!r} can take exponential time; repeat the inner part once"
    spots = _lookarounds(pattern)
    if spots and _inside_repeat(pattern, [s for s, _ in spots]):
        return f"{pattern!r}: a look-around inside a repeated group is not supported"
    for s, e in spots:
        if len(_QUANTIFIER.findall(pattern[s:e])) > 1:
            return f"{pattern!r}: a look-around may repeat one thing at most ({pattern[s:e]!r})"
    stripped = pattern
    for s, e in reversed(spots):
        stripped = stripped[:s] + "()" + stripped[e:]
    if _LOOKAROUND.search(stripped):
        return f"{pattern!r}: a look-around inside a look-around is not supported"
    if spots and sum(len(_with_lookarounds_spelled_out(a)) for a in split_alternatives(pattern)) > MAX_SPELLED_OUT:
        return (f"{pattern!r}: too many choices around its look-arounds (over {MAX_SPELLED_OUT} once spelled out);"
                " split it into several cues or use an 'unless' list")
    try:
        re2.compile(_re2_source(stripped).encode(), _options(True))
    except re2.error as exc:
        return f"{pattern!r}: not supported by the linear-time matcher: {exc}"
    return None


def _inside_repeat(pattern: str, positions: list[int]) -> bool:
    for open_at, close_at in groups(pattern):
        after = pattern[close_at + 1 : close_at + 2]
        if after in ("*", "+", "{") and any(open_at < p < close_at for p in positions):
            return True
    return False


def _nested_repeat(pattern: str) -> str | None:
    """A group repeated without bound whose body repeats without bound, unless every alternative of
    the body opens with a plain literal (``(?:the\\s+|an?\\s+)*``: each turn starts with a word)."""
    for open_at, close_at in groups(pattern):
        after = pattern[close_at + 1 :]
        if not _QUANTIFIER.match(after):
            continue
        body = pattern[open_at + 1 : close_at]
        if body.startswith("?:"):
            body = body[2:]
        elif body.startswith("?P<"):
            body = body[body.index(">") + 1 :]
        if not _QUANTIFIER.search(body.replace("\\*", "").replace("\\+", "")):
            continue
        if all(_opens_with_literal(alt) for alt in split_alternatives(body)):
            continue
        return pattern[open_at : close_at + 2]
    return None


def _opens_with_literal(alternative: str) -> bool:
    if alternative.startswith("\\b"):
        alternative = alternative[2:]
    return bool(alternative) and alternative[0].isalnum() and alternative[1:2] not in ("*", "+", "?", "{")
