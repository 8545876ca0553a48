"""Shared pieces of the history tests: a scored record to save, and an old (version 1) history file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from coach.history import AttemptRecord, record_from
from coach.rubric.loader import load_rubric
from coach.scoring.scorer import score
from tests.support.ui_fakes import FOLLOWUP_ANSWER, WEAK_STORY

STRONG_STORY = WEAK_STORY + " " + FOLLOWUP_ANSWER


def scored_record(story: str = WEAK_STORY, question_id: str | None = "ml-incident", question: str = "Q?", **extra: object) -> AttemptRecord:
    assessment = score(story, load_rubric("star-l"))
    record = record_from(assessment, story=story, question=question, question_id=question_id)
    return record.model_copy(update=extra) if extra else record


#: The history file as coach wrote it at schema version 1 (m001_attempts only): frozen here, as a
#: user's old file would be, so the upgrade path is tested against what was released, not the code.
V1_SCHEMA = """
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
);
CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL);
INSERT INTO _migrations VALUES ('m001_attempts', '2026-10-01T09:00:00+00:00');
INSERT INTO attempts (created_at, question_id, question, rubric, story, overall, level, level_label, mode, model,
    components, criteria_met, criteria_missing, red_flags, delivery, exchange, source)
VALUES ('2026-10-01T09:05:00+00:00', 'ml-incident', 'Tell me about a failure.', 'star-l',
    'Our model failed and I rolled it back.', 41, 2, 'weak', 'offline', NULL,
    '{"situation": 60, "task": 30, "action": 50, "result": 40, "learning": 0}',
    '["situation.context", "task.role"]', '["learning.prevention"]', '["red_flag.no_learning"]', NULL,
    '[{"question": "How long?", "targets": ["result.duration"], "answer": "Two hours.", "overall_after": 47}]', 'cli');
PRAGMA user_version = 1;
"""


def write_v1_history(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript(V1_SCHEMA)
    db.commit()
    db.close()
