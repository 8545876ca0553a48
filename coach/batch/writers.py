"""Result records, their JSONL / CSV lines, and the output that is written one whole line at a time.

A record is the ``coach score --format json`` object with the answer's ``id`` first, or
``{"id": …, "error": "why"}``. Each line is written with a single unbuffered write, so a killed run
leaves at most a partial *last* line, which ``--resume`` cuts away before appending.

CSV cells never contain a line break (they are replaced by spaces), so one record is one physical
line in both formats — that is what makes the tail repair and the resume scan simple and exact.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

from coach.csvsafe import neutralise, restore
from coach.errors import UsageError
from coach.models import Assessment
from coach.rubric.loader import Rubric

OutputFormat = Literal["jsonl", "csv"]
FORMATS: tuple[OutputFormat, ...] = ("jsonl", "csv")
#: Joins follow-up questions and notices in one CSV cell.
CSV_JOIN = " | "


def choose_format(requested: str | None, out: str | None) -> OutputFormat:
    """--format wins; otherwise the --out extension (.csv → csv); otherwise JSONL."""
    if requested:
        for known in FORMATS:
            if requested == known:
                return known
        raise UsageError(f"--format {requested!r}: choose jsonl or csv")
    if out and Path(out).suffix.lower() == ".csv":
        return "csv"
    return "jsonl"


def result_record(row_id: str, assessment: Assessment) -> dict[str, Any]:
    return {"id": row_id, **assessment.model_dump(mode="json")}


def error_record(row_id: str, error: str) -> dict[str, Any]:
    return {"id": row_id, "error": error}


@dataclass(frozen=True)
class AnswerSummary:
    """What the cohort report and the closing summary need from one line (from JSON or CSV alike)."""

    id: str
    error: str | None = None
    overall: int = 0
    level: int = 0
    level_label: str = ""
    mode: str = ""
    missing: tuple[str, ...] = ()
    met: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    notices: int = 0


def summary_of(record: dict[str, Any]) -> AnswerSummary:
    row_id = str(record.get("id", ""))
    if record.get("error") is not None:
        return AnswerSummary(id=row_id, error=str(record["error"]))
    criteria = record.get("criteria") or {}
    flags = record.get("red_flags") or {}
    return AnswerSummary(
        id=row_id,
        overall=int(record.get("overall", 0)),
        level=int(record.get("level", 0)),
        level_label=str(record.get("level_label", "")),
        mode=str(record.get("mode", "")),
        missing=tuple(cid for cid, result in criteria.items() if not result.get("met")),
        met=tuple(cid for cid, result in criteria.items() if result.get("met")),
        flags=tuple(fid for fid, result in flags.items() if result.get("raised")),
        notices=len(record.get("notices") or []),
    )


class LineEncoder:
    """Record → one output line (ending in "\\n"), for the chosen format and rubric."""

    def __init__(self, fmt: OutputFormat, rubric: Rubric) -> None:
        self.fmt = fmt
        self.components = [c.id for c in rubric.components]
        self.criteria = [c.id for c in rubric.criteria()]
        self.flags = [f.id for f in rubric.red_flags]
        self.columns = (
            ["id", "error", "overall", "level", "level_label", "mode"]
            + [f"score.{cid}" for cid in self.components]
            + self.criteria
            + self.flags
            + ["followups", "notices"]
        )

    def header(self) -> str | None:
        return _csv_line(self.columns) if self.fmt == "csv" else None

    def encode(self, record: dict[str, Any]) -> str:
        if self.fmt == "jsonl":
            return json.dumps(record, ensure_ascii=False) + "\n"
        return _csv_line(self.csv_cells(record))

    def csv_cells(self, record: dict[str, Any]) -> list[str]:
        if record.get("error") is not None:
            return [str(record["id"]), str(record["error"])] + [""] * (len(self.columns) - 2)
        components = record.get("components", {})
        criteria = record.get("criteria", {})
        flags = record.get("red_flags", {})
        return (
            [str(record["id"]), "", str(record["overall"]), str(record["level"]), record["level_label"], record["mode"]]
            + [str(components.get(cid, {}).get("score", "")) for cid in self.components]
            + [_bool(criteria.get(cid, {}).get("met")) for cid in self.criteria]
            + [_bool(flags.get(fid, {}).get("raised")) for fid in self.flags]
            + [CSV_JOIN.join(f["question"] for f in record.get("followups", [])), CSV_JOIN.join(record.get("notices", []))]
        )

    def summary_from_csv(self, cells: dict[str, str]) -> AnswerSummary:
        row_id = cells.get("id", "")
        if cells.get("error"):
            return AnswerSummary(id=row_id, error=cells["error"])
        return AnswerSummary(
            id=row_id,
            overall=_int(cells.get("overall")),
            level=_int(cells.get("level")),
            level_label=cells.get("level_label", ""),
            mode=cells.get("mode", ""),
            missing=tuple(cid for cid in self.criteria if cells.get(cid) == "false"),
            met=tuple(cid for cid in self.criteria if cells.get(cid) == "true"),
            flags=tuple(fid for fid in self.flags if cells.get(fid) == "true"),
            notices=len([n for n in cells.get("notices", "").split(CSV_JOIN) if n]),
        )


def _bool(value: object) -> str:
    return "" if value is None else ("true" if value else "false")


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def _csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([neutralise(" ".join(str(c).splitlines())) for c in cells])
    return buffer.getvalue()


# ── Where the lines go ───────────────────────────────────────────────────────────────────────────


class LineSink:
    """Writes whole lines; each ``write`` reaches the OS before it returns (no half line on a kill)."""

    path: str | None = None

    def write(self, line: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class StreamSink(LineSink):
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, line: str) -> None:
        self.stream.write(line)
        self.stream.flush()


class FileSink(LineSink):
    """Appends to a file through an unbuffered descriptor: one ``os.write`` loop per line."""

    def __init__(self, path: str, truncate: bool) -> None:
        self.path = path
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if truncate else os.O_APPEND)
        try:
            self.fd: int | None = os.open(path, flags, 0o644)
        except OSError as exc:
            raise UsageError(f"--out {path}: cannot be written ({exc.strerror})") from exc

    def write(self, line: str) -> None:
        assert self.fd is not None, "write after close"
        data = memoryview(line.encode("utf-8"))
        while data:
            written = os.write(self.fd, data)
            data = data[written:]

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


# ── Resume: what is already in the output ────────────────────────────────────────────────────────


@dataclass
class ExistingOutput:
    """What an earlier run already wrote: the ids to skip on resume."""

    ids: set[str] = field(default_factory=set)
    needs_header: bool = True
    repaired_bytes: int = 0


def repair_tail(path: str) -> int:
    """Cut a partial last line (a killed write) away; returns the number of bytes removed."""
    with open(path, "rb+") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        position = size
        while position > 0:
            step = min(_TAIL_STEP, position)
            handle.seek(position - step)
            block = handle.read(step)
            newline = block.rfind(b"\n")
            if newline != -1:
                keep = position - step + newline + 1
                break
            position -= step
        else:
            keep = 0
        if keep < size:
            handle.truncate(keep)
        return size - keep


_TAIL_STEP = 1 << 16


def read_existing(path: str, encoder: LineEncoder, on_summary: Callable[[AnswerSummary], None]) -> ExistingOutput:
    """Scan an earlier run's output (after repairing its tail); UsageError if it is not one of ours.

    Each line's summary goes to ``on_summary`` (the cohort statistics) instead of being kept.
    """
    existing = ExistingOutput()
    if not os.path.exists(path):
        return existing
    existing.repaired_bytes = repair_tail(path)
    for summary in iter_output(path, encoder):
        existing.ids.add(summary.id)
        on_summary(summary)
    existing.needs_header = encoder.fmt == "csv" and os.path.getsize(path) == 0
    return existing


def iter_output(path: str, encoder: LineEncoder) -> Iterator[AnswerSummary]:
    """Summaries of every line of a batch output file, in order (the report re-reads outputs this way)."""
    with open(path, encoding="utf-8", newline="") as handle:
        if encoder.fmt == "csv":
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                return
            if header != encoder.columns:
                raise UsageError(
                    f"{path}: its CSV columns differ from this run's (another rubric or not a coach batch output); "
                    "choose another --out"
                )
            for cells in reader:
                yield encoder.summary_from_csv(dict(zip(header, map(restore, cells), strict=False)))
            return
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                raise UsageError(f"{path}: line {number} is not JSON; not a coach batch output? choose another --out") from None
            if not isinstance(record, dict) or "id" not in record:
                raise UsageError(f"{path}: line {number} has no id; not a coach batch output? choose another --out")
            yield summary_of(record)
