"""Group a cue list's alternatives into one alternation, and split it back into alternatives.

coach.rubric.linear compiles each cue list for RE2 from :func:`optimise`: alternatives grouped by their
first letters (a small trie, ``\\b(?:c(?:heck|ompare)|…)``). RE2 needs no trie to be fast, but the
trie fixes which alternative wins where two match at the same place, the choice the scorer's
snapshot was made with (only match *positions* matter to the scorer, and a position matches the
optimised pattern exactly when it matches one of the original alternatives). :func:`_flatten`
distributes leading groups so each alternative can be read on its own (look-arounds, migration).
"""

from __future__ import annotations

from collections.abc import Iterator

_QUANTIFIERS = "?*+{"
_LITERAL = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 '-")
_TRIE_DEPTH = 2


def syntax(pattern: str, start: int = 0) -> Iterator[tuple[int, str]]:
    """(index, character) of each character from ``start`` that is pattern syntax: neither escaped nor
    inside a character class (``\\(`` and ``[(|]`` open no group and split nothing)."""
    i = start
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i = _class_end(pattern, i) + 1
            continue
        yield i, ch
        i += 1


def split_alternatives(pattern: str) -> list[str]:
    """Top-level ``|`` alternatives of a pattern (respecting escapes, classes and groups)."""
    cuts: list[int] = []
    depth = 0
    for i, ch in syntax(pattern):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            cuts.append(i)
    bounds = [-1, *cuts, len(pattern)]
    return [pattern[a + 1 : b] for a, b in zip(bounds, bounds[1:])]


def _class_end(pattern: str, start: int) -> int:
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i] == "]":
            return i
        i += 1
    return len(pattern) - 1


def _group_end(pattern: str, start: int) -> int:
    """Index of the ``)`` closing the group opened at ``start``, or -1."""
    depth = 0
    for i, ch in syntax(pattern, start):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1


def groups(pattern: str) -> list[tuple[int, int]]:
    """(open, close) index of every group, in the order they open (an unclosed one is left out)."""
    found: list[tuple[int, int]] = []
    opened: list[int] = []
    for i, ch in syntax(pattern):
        if ch == "(":
            opened.append(i)
        elif ch == ")" and opened:
            found.append((opened.pop(), i))
    return sorted(found)


def _distribute(alternative: str) -> list[str]:
    """``\\b(?:a|b)SUFFIX`` → [``\\ba SUFFIX``, ``\\bb SUFFIX``]; anything else unchanged."""
    if not alternative.startswith("\\b(?:"):
        return [alternative]
    end = _group_end(alternative, 2)
    suffix = alternative[end + 1 :] if end > 0 else ""
    if end < 0 or (suffix and suffix[0] in _QUANTIFIERS):
        return [alternative]
    inner = split_alternatives(alternative[5:end])
    return ["\\b" + part + suffix for part in inner]


def _literal_head(body: str, depth: int) -> str:
    """Up to ``depth`` leading literal characters that no quantifier applies to."""
    head = ""
    for i, ch in enumerate(body[:depth]):
        nxt = body[i + 1] if i + 1 < len(body) else ""
        if ch not in _LITERAL or nxt in _QUANTIFIERS:
            break
        head += ch.lower()
    return head


def _trie(bodies: list[str], depth: int) -> str:
    """Group alternatives by their first letters, recursively, keeping their order within a group."""
    groups: dict[str, list[str]] = {}
    rest: list[str] = []
    for body in bodies:
        head = _literal_head(body, 1) if depth > 0 else ""
        if head:
            groups.setdefault(head, []).append(body[1:])
        else:
            rest.append(body)
    parts = []
    for head, tails in groups.items():
        escaped = "\\-" if head == "-" else ("\\ " if head == " " else head)
        if len(tails) == 1:
            parts.append(escaped + tails[0])
        else:
            parts.append(escaped + "(?:" + _trie(tails, depth - 1) + ")")
    return "|".join(parts + rest)


_MAX_ALTERNATIVES = 2000


def _flatten(patterns: list[str] | tuple[str, ...]) -> list[str]:
    """Distribute leading groups until every alternative starts with a literal (or cannot be split)."""
    flat: list[str] = []
    for pattern in patterns:
        flat.extend(split_alternatives(pattern))
    for _ in range(4):
        expanded: list[str] = []
        for alternative in flat:
            expanded.extend(_distribute(alternative))
        if len(expanded) > _MAX_ALTERNATIVES or expanded == flat:
            break
        flat = expanded
    return flat


def optimise(patterns: list[str] | tuple[str, ...]) -> str:
    """One alternation equivalent (by match position) to ``(?:p1)|(?:p2)|…``, grouped into a trie."""
    flat = _flatten(patterns)
    bounded = [alt[2:] for alt in flat if alt.startswith("\\b") and not alt.startswith("\\b(")]
    others = [alt for alt in flat if not (alt.startswith("\\b") and not alt.startswith("\\b("))]
    pieces = []
    if bounded:
        pieces.append("\\b(?:" + _trie(bounded, _TRIE_DEPTH) + ")")
    pieces.extend(f"(?:{alt})" for alt in others)
    return "|".join(pieces)
