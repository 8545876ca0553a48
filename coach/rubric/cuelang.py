r"""The cue language: a rubric's cues as words and phrases, one per line, not regular expressions.

A cue is matched case-insensitively, as whole words (the engine adds the word boundaries):

* ``dashboard`` — the word; ``on call`` — the phrase, words one space apart;
* ``customer(s)``, ``check(ed|ing)``, ``on(-)call`` — an optional part: one of the bracketed
  endings or none ("customer" or "customers");
* ``{page|alert}(s|ed)``, ``organi{s|z}ation`` — a required choice: exactly one of the braced parts;
* ``restor*`` — any ending ("restore", "restored", "restoring"): the word starts so;
  ``restor+`` — at least one more letter;
* ``affect…`` — starts so, and the match ends there (rare: keeps a migrated cue exact).

A list may hold, instead of a cue, a mapping:

* ``{words: [...], not_after: [feature, data], not_before: [table(s), id(s)]}`` — the words, except
  right after one of ``not_after`` or right before one of ``not_before`` (the next word starts so);
* ``{pattern: '<regular expression>', why: '<why words cannot say it>'}`` — where the structure needs
  a pattern (numbers, "I" as a word, a few words of anything in between). Keep these few.

:func:`to_regexes` turns a list into the regular expressions the matcher runs (coach.rubric.linear).
"""

from __future__ import annotations

import re
from typing import Any

#: What a word may hold besides letters and digits (escaped for the pattern where needed).
_PUNCT = "'’&/.-$%+:#"
_TOKEN = re.compile(r"\(([^()]*)\)|\{([^{}]*)\}|([^(){}*+…\s]+)|(\*|\+)|(…)|( )")


class CueError(ValueError):
    pass


def _literal(text: str) -> str:
    out = []
    for ch in text:
        if ch.isalnum() and not ch.isascii():
            raise CueError(f"{text!r}: non-ASCII letters are not supported yet ({ch!r}); use a pattern with a wildcard")
        if ch.isalnum() or ch in " '’&_" or (ord(ch) > 127 and not ch.isspace() and ch != "…"):
            out.append(ch)
        elif ch in "-./$%+:#":
            out.append("\\" + ch if ch in ".$+" else ch)
        else:
            raise CueError(f"{text!r}: {ch!r} is not allowed in a cue word (use a pattern)")
    return "".join(out)


def _choice(body: str) -> str:
    parts = body.split("|")
    if any(part == "" for part in parts):
        raise CueError(f"empty choice in {body!r}")
    return "|".join(_literal(part) for part in parts)


def compile_words(cue: str, bounded: bool = True) -> str:
    """One cue → its regular expression. ``bounded``: whole words (``\\b`` before and after)."""
    if not cue or cue != cue.strip() or "  " in cue:
        raise CueError(f"{cue!r}: a cue is words separated by single spaces")
    out: list[str] = []
    pos = 0
    end_bound = True
    while pos < len(cue):
        m = _TOKEN.match(cue, pos)
        if m is None:
            raise CueError(f"{cue!r}: cannot read {cue[pos:]!r}")
        optional, required, literal, star, ellipsis, space = m.groups()
        if optional is not None:
            inner = _choice(optional)
            if len(optional) == 1:
                out.append(inner + "?")
            elif _single_chars(optional):
                out.append(_char_class(optional) + "?")
            else:
                out.append(f"(?:{inner})?")
        elif required is not None:
            inner = _choice(required)
            out.append(_char_class(required) if _single_chars(required) else f"(?:{inner})")
        elif literal is not None:
            out.append(_literal(literal))
        elif star is not None:
            out.append("\\w*" if star == "*" else "\\w+")
            end_bound = False
        elif ellipsis is not None:
            end_bound = False
        else:
            out.append(" ")
        pos = m.end()
        if (star or ellipsis) and pos != len(cue):
            raise CueError(f"{cue!r}: '*', '+' and '…' end a cue")
    body = "".join(out)
    if not bounded:
        return body
    last = cue.rstrip("*+…")
    tail = "\\b" if end_bound and (last[-1:].isalnum() or last.endswith((")", "}"))) else ""
    head = "\\b" if cue[0].isalnum() or cue[0] in "({" else ""
    return head + body + tail


def _single_chars(body: str) -> bool:
    parts = body.split("|")
    return len(parts) > 1 and all(len(p) == 1 and (p.isalpha() or p in " -") for p in parts)


def _char_class(body: str) -> str:
    chars = body.split("|")
    if "-" in chars[1:-1]:  # a "-" between two characters would make a range
        chars = ["-"] + [ch for ch in chars if ch != "-"]
    return "[" + "".join(chars) + "]"


def _exceptions(entry: dict[str, Any]) -> list[str]:
    words = entry.get("words")
    if not isinstance(words, list) or not words or not all(isinstance(w, str) for w in words):
        raise CueError("'words' must be a list of cues")
    unknown = set(entry) - {"words", "not_after", "not_before"}
    if unknown:
        raise CueError(f"unknown key {sorted(unknown)[0]!r} (a mapping holds words, not_after, not_before)")
    before = "".join(f"(?<!{_literal(w)} )" for w in entry.get("not_after", []))
    after_words = entry.get("not_before", [])
    after = f"(?! (?:{'|'.join(compile_words(w, bounded=False) for w in after_words)}))" if after_words else ""
    out = []
    for word in words:
        regex = compile_words(word)
        if before:
            regex = "\\b" + before + regex.removeprefix("\\b") if regex.startswith("\\b") else before + regex
        out.append(regex + after)
    return out


def to_regexes(entries: list[Any]) -> list[str]:
    """A cue list (words, word groups with exceptions, patterns) → regular expressions, in order."""
    out: list[str] = []
    for entry in entries:
        if isinstance(entry, str):
            out.append(compile_words(entry))
        elif isinstance(entry, dict) and "pattern" in entry:
            if set(entry) - {"pattern", "why"} or not isinstance(entry["pattern"], str):
                raise CueError("a pattern entry holds 'pattern' (a string) and 'why'")
            if not str(entry.get("why", "")).strip():
                raise CueError(f"pattern {entry['pattern']!r}: say why words cannot express it ('why:')")
            out.append(entry["pattern"])
        elif isinstance(entry, dict):
            out += _exceptions(entry)
        else:
            raise CueError(f"{entry!r}: a cue is a string, a {{words: …}} group or a {{pattern: …, why: …}}")
    return out
