"""Small text helpers every renderer shares: Markdown escaping, clipping a quote, a clock.

One escaper for every Markdown the app writes (the CLI's report, the batch report, the web chat),
so a story, an id or a model's reply shows as the plain text it is, whatever renders it.
"""

from __future__ import annotations

#: Characters that mean something in Markdown (CommonMark, GitHub's tables and strikethrough,
#: the web chat's ``$…$`` math): each is backslash-escaped, which CommonMark renders as itself.
MARKDOWN_SPECIAL = "`*_[]|#~$!"
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MARKDOWN_TABLE = str.maketrans({"\\": "\\\\", **_HTML, **{ch: "\\" + ch for ch in MARKDOWN_SPECIAL}})


def md_escape(text: str) -> str:
    """Plain text for a Markdown renderer: no HTML, no Markdown formatting (line breaks kept)."""
    return text.translate(_MARKDOWN_TABLE)


def md_cell(text: str) -> str:
    """Plain text for one cell (or one line) of Markdown: escaped, and on one line."""
    return md_escape(" ".join(text.split()))


def clip(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis when longer."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def clock(seconds: float | None) -> str:
    """A duration as m:ss (h:mm:ss from an hour on), rounded half up; ``--:--`` when unknown."""
    if seconds is None:
        return "--:--"
    total = max(0, int(seconds + 0.5))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
