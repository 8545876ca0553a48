"""The practice history: attempts in one SQLite file (stdlib sqlite3, WAL), safe to share.

Every call opens its own short connection, so web handlers on several threads, two browser tabs and
a `coach score --save` in a terminal can all write at once: WAL lets readers run beside the writer,
and writers wait for each other (``timeout_s``) instead of failing.

Every sqlite3 error leaves as a :class:`coach.errors.HistoryError` naming the file and what is wrong.
A file that is not a sound database is moved aside (``history.db.damaged-<time>``, never
overwritten or deleted) so the next save starts a fresh history; a locked or unreadable file is left
alone. Callers that score (the web app, `coach score --save`) catch HistoryError and show the score
with a notice: the history never stops scoring.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from coach.errors import AttemptNotFound, HistoryBusy, HistoryDamaged, HistoryError
from coach.history.migrations import SchemaTooNew, check_version, migrate, schema_version
from coach.history.paths import history_path, history_timeout_s
from coach.history.records import AttemptRecord, ExchangeTurn, utc_now

DEFAULT_TIMEOUT_S = 5.0
_JSON_COLUMNS = ("components", "criteria_met", "criteria_missing", "red_flags", "delivery", "exchange")
_COLUMNS = (
    "created_at", "question_id", "question", "rubric", "story", "overall", "level", "level_label", "mode",
    "model", *_JSON_COLUMNS, "source", "my_story",
)
_DAMAGED = ("SQLITE_NOTADB", "SQLITE_CORRUPT")
_BUSY = ("SQLITE_BUSY", "SQLITE_LOCKED")


class HistoryStore:
    """Attempts in ``path`` (default: ``$COACH_HOME/history.db``). Nothing is created until the first save.

    ``timeout_s``: how long a write waits for another writer (default ``$COACH_HISTORY_TIMEOUT`` or 5 s).
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        timeout_s: float | None = None,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.path = Path(path) if path is not None else history_path()
        self.timeout_s = history_timeout_s(DEFAULT_TIMEOUT_S) if timeout_s is None else timeout_s
        self._now = now

    # --- writing ---------------------------------------------------------------------------------

    def add(self, record: AttemptRecord) -> AttemptRecord:
        """Save a new attempt; returns it with its id and time."""
        saved = record.model_copy(update={"created_at": self._now().isoformat(timespec="seconds")})
        values = _to_row(saved)
        placeholders = ", ".join("?" for _ in _COLUMNS)
        with self._connect(write=True) as db:
            assert db is not None
            cursor = db.execute(f"INSERT INTO attempts ({', '.join(_COLUMNS)}) VALUES ({placeholders})", values)
            new_id = cursor.lastrowid
        return saved.model_copy(update={"id": int(new_id or 0)})

    def update_exchange(self, attempt_id: int, exchange: list[ExchangeTurn]) -> None:
        """Replace the follow-up exchange of an attempt (the web app calls this after each answer)."""
        payload = json.dumps([turn.model_dump(mode="json") for turn in exchange], ensure_ascii=False)
        self._update(attempt_id, "UPDATE attempts SET exchange = ? WHERE id = ?", (payload, attempt_id))

    def set_my_story(self, attempt_id: int, mine: bool = True) -> None:
        """Mark (or unmark) an attempt as "my story" for its question: a version in the story bank."""
        self._update(attempt_id, "UPDATE attempts SET my_story = ? WHERE id = ?", (int(mine), attempt_id))

    def delete(self, attempt_id: int) -> None:
        self._update(attempt_id, "DELETE FROM attempts WHERE id = ?", (attempt_id,))

    def delete_all(self) -> int:
        """Delete every attempt; returns how many. The file stays (empty), as does its schema."""
        with self._connect(write=False) as db:
            if db is None:
                return 0
            count = db.execute("DELETE FROM attempts").rowcount
            db.execute("VACUUM")  # deleted stories must not linger in free pages of the file
        return int(count)

    # --- reading ---------------------------------------------------------------------------------

    def get(self, attempt_id: int) -> AttemptRecord:
        with self._connect(write=False) as db:
            row = None if db is None else db.execute("SELECT * FROM attempts WHERE id = ?", (attempt_id,)).fetchone()
        if row is None:
            raise AttemptNotFound(f"no attempt {attempt_id} in the history ({self.path}); see coach history list")
        return _from_row(row)

    def attempts(self, question_key: str | None = None) -> list[AttemptRecord]:
        """Every attempt, oldest first; only those at one question (bank id or own text) when given."""
        with self._connect(write=False) as db:
            rows = [] if db is None else db.execute("SELECT * FROM attempts ORDER BY created_at, id").fetchall()
        records = [_from_row(row) for row in rows]
        if question_key:
            records = [r for r in records if r.question_key == question_key]
        return records

    def count(self) -> int:
        with self._connect(write=False) as db:
            return 0 if db is None else int(db.execute("SELECT count(*) FROM attempts").fetchone()[0])

    def schema_version(self) -> int:
        with self._connect(write=False) as db:
            return 0 if db is None else schema_version(db)

    def damaged_copies(self) -> list[Path]:
        """Damaged files moved aside earlier (kept for the user to inspect or delete)."""
        return sorted(p for p in self.path.parent.glob(self.path.name + ".damaged-*") if not p.name.endswith(("-wal", "-shm")))

    # --- plumbing --------------------------------------------------------------------------------

    def _update(self, attempt_id: int, sql: str, params: tuple[Any, ...]) -> None:
        with self._connect(write=False) as db:
            changed = 0 if db is None else db.execute(sql, params).rowcount
        if not changed:
            raise AttemptNotFound(f"no attempt {attempt_id} in the history ({self.path}); see coach history list")

    @contextmanager
    def _connect(self, *, write: bool) -> Iterator[sqlite3.Connection | None]:
        """A migrated connection in autocommit mode; None when there is no file yet and ``write`` is False."""
        if not write and not self.path.exists():
            yield None
            return
        try:
            if write:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise self._error(exc) from exc
        try:
            db.row_factory = sqlite3.Row
            check_version(db)  # before anything writes: a newer coach's file is left exactly as it is
            _ensure_wal(db, self.timeout_s)
            db.execute("PRAGMA synchronous = NORMAL")  # with WAL: durable enough, never corrupts
            db.execute("PRAGMA secure_delete = ON")  # a deleted story is overwritten, not left in free pages
            migrate(db)
            yield db
        except SchemaTooNew as exc:
            raise HistoryError(
                f"history file {self.path} was written by a newer version of coach ({exc}); upgrade coach"
            ) from exc
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        finally:
            db.close()

    def _error(self, exc: BaseException) -> HistoryError:
        name = getattr(exc, "sqlite_errorname", "") or ""
        if name.startswith(_DAMAGED):
            aside = self._move_aside()
            where = f"it was moved to {aside}" if aside else "it is left in place"
            return HistoryDamaged(
                f"history file {self.path} is damaged ({exc}); {where} and a new history starts with the next "
                "saved attempt",
                str(aside) if aside else None,
            )
        if name.startswith(_BUSY):
            return HistoryBusy(f"history file {self.path} is locked by another program ({exc}); try again")
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return HistoryError(
            f"history file {self.path} cannot be used ({detail}); check the folder's permissions, "
            "or set COACH_HOME to another folder"
        )

    def _move_aside(self) -> Path | None:
        """Rename the damaged file (and its WAL) to ``<name>.damaged-<UTC time>``; never overwrite one."""
        if _is_sound(self.path):  # another process already replaced it with a fresh history
            return None
        stamp = self._now().strftime("%Y%m%dT%H%M%SZ")
        aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        n = 1
        while aside.exists():
            n += 1
            aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}-{n}")
        try:
            os.rename(self.path, aside)
        except OSError:
            return None
        for suffix in ("-wal", "-shm", "-journal"):
            companion = Path(str(self.path) + suffix)
            if companion.exists():
                try:
                    os.rename(companion, Path(str(aside) + suffix))
                except OSError:
                    pass
        return aside


def _is_sound(path: Path) -> bool:
    try:
        db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=0.5)
    except sqlite3.Error:
        return False
    try:
        return bool(db.execute("PRAGMA quick_check").fetchone()[0] == "ok")
    except sqlite3.Error:
        return False
    finally:
        db.close()


def _to_row(record: AttemptRecord) -> tuple[Any, ...]:
    data = record.model_dump(mode="json")
    values: list[Any] = []
    for column in _COLUMNS:
        value = data[column]
        if column in _JSON_COLUMNS:
            value = None if value is None else json.dumps(value, ensure_ascii=False)
        elif column == "my_story":
            value = int(value)
        values.append(value)
    return tuple(values)


def _from_row(row: sqlite3.Row) -> AttemptRecord:
    data: dict[str, Any] = {key: row[key] for key in row.keys() if not key.startswith("_")}
    try:
        for column in _JSON_COLUMNS:
            raw = data.get(column)
            data[column] = None if raw is None else json.loads(raw)
    except ValueError as exc:
        raise HistoryError(f"attempt {data.get('id')} in the history cannot be read (bad JSON in a column)") from exc
    data["my_story"] = bool(data.get("my_story", 0))
    try:
        return AttemptRecord.model_validate(data)
    except ValueError as exc:  # a row edited by hand into something else
        raise HistoryError(f"attempt {data.get('id')} in the history cannot be read ({exc.__class__.__name__})") from exc


def _ensure_wal(db: sqlite3.Connection, timeout_s: float) -> None:
    """Put the file in WAL mode (it stays so: later connections only read the mode). Switching needs an
    exclusive lock, and SQLite answers "locked" at once, without its busy timeout, while another
    process is creating or migrating the same new file: wait for it here, up to ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if str(db.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not str(getattr(exc, "sqlite_errorname", "")).startswith(_BUSY) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)
