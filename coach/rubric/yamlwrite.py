"""Write rubric data as YAML a person can read and edit: block lists one item per line, short lists and
small mappings inline, long prose folded, no line longer than :data:`WIDTH` where the text allows.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import yaml

WIDTH = 120
#: Lists and mappings whose items are separated by a blank line (they are long blocks).
_SPACED = {"components", "criteria", "red_flags"}
#: Lists always written one item per line (sentences people read and edit).
_BLOCK = {"met", "missing"}


def dump_rubric(data: dict[str, Any], header: Sequence[str] = (), comments: dict[str, list[str]] | None = None) -> str:
    lines: list[str] = list(header)
    comments = comments or {}
    for key, value in data.items():
        block = isinstance(value, (list, dict)) and not _inline_fits(key, value, 0)
        if lines and (block or key in comments) and lines[-1] != "":
            lines.append("")
        lines += comments.get(key, [])
        lines += _entry(key, value, 0)
    return "\n".join(lines) + "\n"


def _entry(key: str, value: Any, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, (list, dict)):
        if not value:
            return [f"{pad}{key}: {'[]' if isinstance(value, list) else '{}'}"]
        if _inline_fits(key, value, indent):
            return [f"{pad}{key}: {_flow(value)}"]
        if isinstance(value, list):
            return [f"{pad}{key}:"] + _list(value, indent + 2, spaced=key in _SPACED)
        out = [f"{pad}{key}:"]
        for k, v in value.items():
            out += _entry(str(k), v, indent + 2)
        return out
    return _scalar_entry(f"{pad}{key}:", value, indent)


def _list(items: list[Any], indent: int, spaced: bool) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for n, item in enumerate(items):
        if spaced and n:
            out.append("")
        if isinstance(item, dict) and item and not _inline_fits("-", item, indent):
            first = True
            for k, v in item.items():
                entry = _entry(str(k), v, indent + 2)
                if first:
                    entry[0] = pad + "- " + entry[0].lstrip()
                    first = False
                out += entry
        elif isinstance(item, list) and item and not _inline_fits("-", item, indent):
            out.append(f"{pad}-")
            out += _list(item, indent + 2, spaced=False)
        elif isinstance(item, (list, dict)):
            out.append(f"{pad}- {_flow(item)}")
        else:
            out += _scalar_entry(f"{pad}-", item, indent + 2)
    return out


def _scalar_entry(prefix: str, value: Any, indent: int) -> list[str]:
    text = _scalar(value)
    if len(prefix) + 1 + len(text) <= WIDTH or not isinstance(value, str):
        return [f"{prefix} {text}"]
    folded = _folded(value, indent + 2)
    if folded is not None and all(len(line) <= WIDTH for line in folded):
        return [f"{prefix} >-"] + folded
    broken = _broken(value, indent + 2, WIDTH - len(prefix))
    if broken is not None:
        return [f"{prefix} {broken[0]}"] + broken[1:]
    return [f"{prefix} {text}"]


def _broken(value: str, indent: int, first: int) -> list[str] | None:
    """A long string without spaces to fold at (a pattern): double-quoted, each line continued with a
    final backslash (YAML joins such lines with nothing in between)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    if any(not ch.isprintable() for ch in escaped):
        return None
    room = WIDTH - indent - 1
    chunks: list[str] = []
    rest = '"' + escaped + '"'
    size = first - 1
    while len(rest) > size:
        cut = size
        bar = rest.rfind("|", size - 40, size - 1)
        if bar > 0:
            cut = bar + 1  # after a "|": each line ends between two alternatives
        while cut > 1 and (rest[cut - 1] == "\\" or rest[cut - 1] == " " or rest[cut] == " "):
            cut -= 1  # never end a line inside an escape or next to a space
        if cut <= 1:
            return None
        chunks.append(rest[:cut] + "\\")
        rest = rest[cut:]
        size = room
    chunks.append(rest)
    out = [chunks[0]] + [" " * indent + chunk for chunk in chunks[1:]]
    try:
        if yaml.safe_load("k: " + "\n".join(out)) != {"k": value}:
            return None
    except yaml.YAMLError:
        return None
    return out


def _folded(value: str, indent: int) -> list[str] | None:
    if "\n" in value or value != value.strip() or "  " in value:
        return None
    lines = textwrap.wrap(value, WIDTH - indent, break_long_words=False, break_on_hyphens=False)
    candidate = ">-\n" + "\n".join(" " * indent + line for line in lines)
    if yaml.safe_load("k: " + candidate) != {"k": value}:
        return None
    return [" " * indent + line for line in lines]


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if text and not text[0] in "!&*[]{}|>'\"%@`#,?:-" and text == text.strip() and _round_trips(text, text):
        return text
    if text.startswith("- ") is False and text[:1] == "-" and len(text) > 1 and text[1] != " " and _round_trips(text, text):
        return text
    quoted = "'" + text.replace("'", "''") + "'"
    if _round_trips(quoted, text):
        return quoted
    return str(yaml.safe_dump(text, default_style='"', width=10**9)).strip()


def _round_trips(written: str, value: str) -> bool:
    try:
        return bool(yaml.safe_load(f"k: {written}") == {"k": value} and yaml.safe_load(f"- {written}") == [value])
    except yaml.YAMLError:
        return False


def _flow(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    text = _scalar(value)
    if isinstance(value, str) and (any(ch in text for ch in ",[]{}") and not text.startswith(("'", '"'))):
        text = "'" + value.replace("'", "''") + "'"
    return text


def _inline_fits(key: str, value: Any, indent: int) -> bool:
    """Short lists of scalars and small flat mappings go on one line."""
    if key in _BLOCK:
        return False
    if isinstance(value, list):
        if not all(not isinstance(v, (list, dict)) for v in value):
            return False
    elif isinstance(value, dict):
        if not all(not isinstance(v, (list, dict)) for v in value.values()) or len(value) > 4:
            return False
    else:
        return False
    line = " " * indent + f"{key}: " + _flow(value)
    if len(line) > WIDTH:
        return False
    try:
        return bool(yaml.safe_load(_flow(value)) == value)
    except yaml.YAMLError:
        return False
