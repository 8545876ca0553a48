"""The history as JSONL (one full record a line) or CSV (one row an attempt, a column per component).

Both are for the user's own tools: a spreadsheet, jq, a backup. CSV cells that a spreadsheet would
run as a formula are neutralised the way every CSV of the project is (coach.csvsafe).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Literal

from coach.csvsafe import neutralise
from coach.history.records import AttemptRecord

ExportFormat = Literal["csv", "jsonl"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "jsonl")
_BASE_COLUMNS = (
    "id", "created_at", "question_id", "question", "rubric", "overall", "level", "level_label", "mode", "model",
    "source", "my_story", "final_overall", "followups_answered",
)
_TAIL_COLUMNS = (
    "criteria_met", "criteria_missing", "red_flags", "duration_s", "words_per_minute", "filler_count", "story",
)


def to_jsonl(records: Iterable[AttemptRecord]) -> str:
    return "".join(json.dumps(r.model_dump(mode="json"), ensure_ascii=False) + "\n" for r in records)


def to_csv(records: Sequence[AttemptRecord]) -> str:
    components = list(dict.fromkeys(cid for r in records for cid in r.components))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*_BASE_COLUMNS, *(f"{cid}_score" for cid in components), *_TAIL_COLUMNS])
    for r in records:
        d = r.delivery
        writer.writerow(
            [
                r.id, r.created_at, r.question_id or "", neutralise(r.question), r.rubric, r.overall, r.level,
                r.level_label, r.mode, r.model or "", r.source, int(r.my_story), r.final_overall, len(r.exchange),
                *(r.components.get(cid, "") for cid in components),
                " ".join(r.criteria_met), " ".join(r.criteria_missing), " ".join(r.red_flags),
                "" if d is None else d.duration_s,
                "" if d is None or d.words_per_minute is None else round(d.words_per_minute, 1),
                "" if d is None else d.filler_count,
                neutralise(r.story),
            ]
        )
    return buffer.getvalue()


def export(records: Sequence[AttemptRecord], fmt: ExportFormat) -> str:
    return to_csv(records) if fmt == "csv" else to_jsonl(records)

