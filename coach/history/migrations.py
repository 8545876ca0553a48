"""The history database's schema as named, append-only migrations (the simonw/llm way).

Each migration is a function applied once, in order, inside one transaction; its name is recorded
in ``_migrations`` and the count in ``PRAGMA user_version`` (the schema version). Never edit or
reorder a released migration: add a new one at the end. A file with a higher version than this code
knows was written by a newer coach and is refused rather than guessed at.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = []


class SchemaTooNew(Exception):
    def __init__(self, found: int, known: int) -> None:
        self.found, self.known = found, known
        super().__init__(f"schema version {found}, this coach knows up to {known}")


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_attempts(db: sqlite3.Connection) -> None:
    db.execute(
        """
        CREATE TABLE attempts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at TEXT NOT NULL,
            question_id TEXT,
            question TEXT NOT NULL,
            rubric TEXT NOT NULL,
            story TEXT NOT NULL,
            overall INTEGER NOT NULL,
            level INTEGER NOT NULL,
            level_label TEXT NOT NULL,
            mode TEXT NOT NULL,
            model TEXT,
            components TEXT NOT NULL,
            criteria_met TEXT NOT NULL,
            criteria_missing TEXT NOT NULL,
            red_flags TEXT NOT NULL,
            delivery TEXT,
            exchange TEXT NOT NULL DEFAULT '[]',
            source TEXT NOT NULL DEFAULT 'web'
        )
        """
    )


@migration
def m002_story_bank(db: sqlite3.Connection) -> None:
    """An attempt marked "my story" for its question; the marked ones are the story's versions."""
    db.execute("ALTER TABLE attempts ADD COLUMN my_story INTEGER NOT NULL DEFAULT 0")


@migration
def m003_attempts_by_question(db: sqlite3.Connection) -> None:
    """Progress is read per question, in time order."""
    db.execute("CREATE INDEX attempts_by_question ON attempts (question_id, created_at)")


def schema_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def check_version(db: sqlite3.Connection) -> int:
    """The file's schema version; SchemaTooNew when a newer coach wrote it. Reads only."""
    version = schema_version(db)
    if version > len(MIGRATIONS):
        raise SchemaTooNew(version, len(MIGRATIONS))
    return version


def migrate(db: sqlite3.Connection) -> int:
    """Apply the migrations this file lacks; returns the schema version. ``db`` is in autocommit mode."""
    latest = len(MIGRATIONS)
    version = check_version(db)
    if version == latest:
        return version
    db.execute("BEGIN IMMEDIATE")  # one writer migrates; another process waits, then finds it done
    try:
        version = check_version(db)  # another process may have migrated while we waited for the lock
        db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        applied = {row[0] for row in db.execute("SELECT name FROM _migrations")}
        for fn in MIGRATIONS[version:]:
            if fn.__name__ in applied:
                continue
            fn(db)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                (fn.__name__, datetime.now(UTC).isoformat(timespec="seconds")),
            )
        db.execute(f"PRAGMA user_version = {latest}")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:  # sqlite may already have rolled back (disk full, corruption)
            db.execute("ROLLBACK")
        raise
    return latest
