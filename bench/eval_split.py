"""The scorer's untouched split: a fixed quarter of every labelled set that tuning never looks at.

A row is held out when the SHA-1 of its id falls in the first quarter (ids are stable, so the split
is too). Tune on ``tune`` rows only; read ``holdout`` numbers to estimate unseen answers, never to
choose a cue.
"""

from __future__ import annotations

import hashlib


def is_holdout(row_id: str) -> bool:
    return int(hashlib.sha1(row_id.encode("utf-8")).hexdigest(), 16) % 4 == 0


def select(rows: list[dict[str, object]], split: str) -> list[dict[str, object]]:
    """``all``, ``tune`` (rows tuning may look at) or ``holdout`` (the untouched quarter)."""
    if split == "all":
        return rows
    if split not in {"tune", "holdout"}:
        raise ValueError(f"unknown split {split!r}: all, tune or holdout")
    want = split == "holdout"
    return [row for row in rows if is_holdout(str(row["id"])) == want]
