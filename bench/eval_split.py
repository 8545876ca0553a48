"""The scorer's untouched split: a fixed quarter of every labelled set that tuning never looks at.

A row is held out when the SHA-1 of its id falls in the first quarter (ids are stable, so the split
is too). Tune on ``tune`` rows only; read ``holdout`` numbers to estimate unseen answers, never to
choose a cue.

``tune-a`` and ``tune-b`` halve the tune rows (by another bit of the same hash) for hand-written cue
changes: read the misses of ``tune-a`` only, and keep a change only when ``tune-b``, which was not
read, agrees. Tuning on all tune rows raised them and lowered the holdout; a check the author never
looked at is what tells a general cause from a phrasing seen once.
"""

from __future__ import annotations

import hashlib

SPLITS = ("all", "tune", "holdout", "tune-a", "tune-b")


def _hash(row_id: str) -> int:
    return int(hashlib.sha1(row_id.encode("utf-8")).hexdigest(), 16)


def is_holdout(row_id: str) -> bool:
    return _hash(row_id) % 4 == 0


def tune_half(row_id: str) -> str:
    """'a' or 'b' for a tune row (meaningless for a holdout row)."""
    return "a" if (_hash(row_id) // 4) % 2 == 0 else "b"


def select(rows: list[dict[str, object]], split: str) -> list[dict[str, object]]:
    """``all``, ``tune`` (rows tuning may look at), ``holdout`` (the untouched quarter), or a tune half."""
    if split == "all":
        return rows
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: {', '.join(SPLITS)}")
    if split == "holdout":
        return [row for row in rows if is_holdout(str(row["id"]))]
    tune = [row for row in rows if not is_holdout(str(row["id"]))]
    if split == "tune":
        return tune
    half = split[-1]
    return [row for row in tune if tune_half(str(row["id"])) == half]
