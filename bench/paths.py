"""Where the bench and scripts find things, from the repo root (never an absolute path).

The labelled evaluation sets live beside the repository, in ../shared/eval (see its README).
A script puts the repo root on sys.path itself, then imports these.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
EVAL_DIR = SHARED / "eval"
DEVSET = EVAL_DIR / "devset.jsonl"
DRILLS_DEVSET = EVAL_DIR / "drills" / "devset.jsonl"
