"""coach.textfmt: the one Markdown escaper, clip and clock every renderer uses."""

from __future__ import annotations

import pytest

from coach.textfmt import MARKDOWN_SPECIAL, clip, clock, md_cell, md_escape


@pytest.mark.parametrize("ch", list(MARKDOWN_SPECIAL))
def test_every_markdown_character_is_escaped(ch: str) -> None:
    assert md_escape(f"a{ch}b") == f"a\\{ch}b"


def test_html_and_entities_show_as_typed() -> None:
    assert md_escape("<script>x</script> AT&T &lt;b&gt;") == "&lt;script&gt;x&lt;/script&gt; AT&amp;T &amp;lt;b&amp;gt;"
    assert md_escape("C:\\temp\\*") == "C:\\\\temp\\\\\\*"  # the backslash first, so escapes are not doubled


def test_md_escape_keeps_line_breaks_and_md_cell_flattens_them() -> None:
    assert md_escape("one\n\ntwo") == "one\n\ntwo"
    assert md_cell(" a |\n b\t") == "a \\| b"


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("short", 10, "short"), ("ten chars!", 10, "ten chars!"), ("eleven char", 10, "eleven ch…"), ("a\n  b", 10, "a b"),
])
def test_clip(text: str, limit: int, expected: str) -> None:
    assert clip(text, limit) == expected


@pytest.mark.parametrize(("seconds", "expected"), [
    (None, "--:--"), (-3, "0:00"), (0, "0:00"), (0.49, "0:00"), (0.5, "0:01"), (59.5, "1:00"), (90.5, "1:31"),
    (125, "2:05"), (3599.4, "59:59"), (3600, "1:00:00"), (3725, "1:02:05"),
])
def test_clock(seconds: float | None, expected: str) -> None:
    assert clock(seconds) == expected
