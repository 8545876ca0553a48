"""Where user state lives: one folder, moved as a whole by ``COACH_HOME`` (tests point it at a temp dir).

Like simonw/llm's ``LLM_USER_PATH``: everything coach keeps between runs (today the practice history,
``history.db``) is under :func:`coach_home`, so one variable relocates or isolates all of it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from coach.errors import UsageError

APP_DIR = "star-l-coach"
HISTORY_FILE = "history.db"
_OFF = {"off", "0", "false", "no"}
_ON = {"", "on", "1", "true", "yes"}


def coach_home() -> Path:
    """``$COACH_HOME``, else the platform's per-user data folder (nothing is created here)."""
    override = os.environ.get("COACH_HOME", "").strip()
    if override:
        return Path(override).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming") / APP_DIR
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / APP_DIR
    return Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / APP_DIR


def history_path() -> Path:
    return coach_home() / HISTORY_FILE


def history_timeout_s(default: float = 5.0) -> float:
    """Seconds to wait for another writer's lock on the file (``COACH_HISTORY_TIMEOUT``, default 5)."""
    raw = os.environ.get("COACH_HISTORY_TIMEOUT", "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"COACH_HISTORY_TIMEOUT={raw!r} is not a number of seconds") from None
    if value < 0:
        raise UsageError("COACH_HISTORY_TIMEOUT must be 0 or more seconds")
    return value


def history_enabled() -> bool:
    """False when ``COACH_HISTORY=off`` (or 0/false/no): nothing is saved, by the web app or `--save`."""
    raw = os.environ.get("COACH_HISTORY", "").strip().lower()
    if raw in _OFF:
        return False
    if raw in _ON:
        return True
    raise UsageError(f"COACH_HISTORY={raw!r}: use on or off")
