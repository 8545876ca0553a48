"""Input files → a stream of rows, one per answer, in file order.

Every reader is a generator that holds one row at a time, so memory stays flat however long the
file is. A row that cannot be read (undecodable bytes, a malformed CSV record or JSON line, a
missing answer, a story too large) is still a row: it carries ``error`` and becomes an error line in
the output, so nothing is dropped silently. Only problems with the whole input (no such path, an
unknown answer column, an unsupported file type) raise :class:`UsageError` — before any row is read.

Ids: the ``id`` column/key when present, otherwise the 1-based position (CSV/TSV: data record
number, header excluded; JSONL: line number; text: story number; folder: the file name). A row
whose id column/key is blank gets ``(no id) row N`` (:func:`blank_id`), not a number a real id holds. Ids are
strings with whitespace collapsed, so they survive CSV output and match exactly on ``--resume``.
A repeated id is an error row (``--resume`` skips rows by id, so ids must be unique).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from coach.errors import InputError, UsageError
from coach.inputs import MAX_STORY_CHARS, decode_story

#: Answer columns/keys tried in this order (case-insensitive) when --column is not given.
ANSWER_COLUMNS = ("answer", "story", "text", "response")
ID_COLUMN = "id"
QUESTION_COLUMN = "question"
#: Bytes kept for one answer (UTF-8 is at most 4 bytes a character) before it is refused as too long.
MAX_ANSWER_BYTES = MAX_STORY_CHARS * 4
#: A JSONL line may carry an id, a question and the answer (JSON escapes can double the size).
MAX_LINE_BYTES = MAX_ANSWER_BYTES * 2 + 65_536
_READ_CHUNK = 1 << 16

CSV_SUFFIXES = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
FOLDER_SUFFIXES = {".txt", ".md", ".markdown"}


@dataclass(frozen=True)
class Row:
    """One answer to score, or (``error`` set) the reason it cannot be scored."""

    id: str
    text: str = ""
    question: str | None = None
    error: str | None = None


class InputSource:
    """A validated input: ``rows()`` streams it (again, each call), ``count()`` counts its rows."""

    kind = "input"

    def __init__(self, path: Path) -> None:
        self.path = path

    def rows(self) -> Iterator[Row]:
        seen: set[str] = set()
        for row in self._raw_rows():
            if row.id in seen:
                row = Row(id=row.id, error=f"{self._where(row)}: duplicate id {row.id!r}; ids must be unique")
            else:
                seen.add(row.id)
            yield row

    def count(self) -> int:
        return sum(1 for _ in self._raw_rows())

    def _raw_rows(self) -> Iterator[Row]:
        raise NotImplementedError

    def _where(self, row: Row) -> str:
        return f"id {row.id}"


def open_input(path: str, column: str | None = None) -> InputSource:
    """Check ``path`` is something we can read and pick its reader; UsageError (exit 2) if not."""
    file = Path(path)
    if file.is_dir():
        return FolderSource(file)
    if not file.exists():
        raise UsageError(f"{path}: no such file or folder")
    try:
        with file.open("rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror})") from exc
    suffix = file.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return CsvSource(file, CSV_SUFFIXES[suffix], column)
    if suffix in JSONL_SUFFIXES:
        return JsonlSource(file, column)
    if suffix in TEXT_SUFFIXES:
        return TextSource(file)
    raise UsageError(
        f"{path}: unsupported input type {suffix or '(no extension)'!r}; give a .csv, .tsv, .jsonl, "
        ".txt or .md file (stories separated by lines of ---), or a folder of .txt/.md files"
    )


def normalise_id(value: object) -> str:
    return " ".join(str(value).split())


def blank_id(number: int) -> str:
    """The id of a row whose id is blank: not its bare number, which a real id ("1") may already be."""
    return f"(no id) row {number}"


def _answer(data: bytes | str, source: str) -> str:
    """Decode an answer's bytes (or re-check a surrogate-escaped str) exactly as `coach score` does."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    return decode_story(data, source)


def _too_long(source: str, size: int) -> str:
    return (
        f"{source}: the story is too long (over {size:,} bytes; the limit is {MAX_STORY_CHARS:,} characters, "
        "about 20 minutes spoken); trim it to the answer you would give"
    )


# ── CSV / TSV ────────────────────────────────────────────────────────────────────────────────────


class CsvSource(InputSource):
    kind = "csv"

    def __init__(self, path: Path, delimiter: str, column: str | None) -> None:
        super().__init__(path)
        self.delimiter = delimiter
        # An oversized answer must reach check_story (a clear error row), not trip the csv module.
        csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_BYTES))
        with self._open() as handle:
            header = next(csv.reader(handle, delimiter=delimiter), None)
        if not header:
            raise UsageError(f"{path}: the file is empty (expected a header row naming the answer column)")
        if any(_undecodable(cell) for cell in header):
            raise UsageError(f"{path}: the header row is not valid UTF-8; save the file as UTF-8")
        self.header = [cell.strip() for cell in header]
        lowered = [cell.lower() for cell in self.header]
        if column is not None:
            if column.lower() not in lowered:
                raise UsageError(f"{path}: no column {column!r} (columns: {', '.join(self.header)})")
            self.answer_index = lowered.index(column.lower())
        else:
            found = next((lowered.index(name) for name in ANSWER_COLUMNS if name in lowered), None)
            if found is None:
                raise UsageError(
                    f"{path}: no answer column (looked for {', '.join(ANSWER_COLUMNS)}; columns: "
                    f"{', '.join(self.header)}); name it with --column"
                )
            self.answer_index = found
        self.id_index = lowered.index(ID_COLUMN) if ID_COLUMN in lowered else None
        self.question_index = lowered.index(QUESTION_COLUMN) if QUESTION_COLUMN in lowered else None

    def _open(self) -> io.TextIOWrapper:
        # surrogateescape: a bad byte spoils only its own row (checked per cell), not the whole file.
        return open(self.path, encoding="utf-8-sig", errors="surrogateescape", newline="")

    def _raw_rows(self) -> Iterator[Row]:
        with self._open() as handle:
            reader = csv.reader(handle, delimiter=self.delimiter)
            next(reader, None)  # header
            number = 0
            while True:
                try:
                    record = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    number += 1
                    yield Row(id=str(number), error=f"row {number} (line {reader.line_num}): malformed CSV ({exc})")
                    continue
                if not record:
                    continue  # a blank line is not a row
                number += 1
                yield self._row(record, number, reader.line_num)

    def _row(self, record: list[str], number: int, line: int) -> Row:
        source = f"row {number} (line {line})"
        row_id = str(number)
        if self.id_index is not None and self.id_index < len(record):
            candidate = record[self.id_index]
            row_id = blank_id(number)
            if not _undecodable(candidate) and candidate.strip():
                row_id = normalise_id(candidate)
        if len(record) != len(self.header):
            return Row(id=row_id, error=f"{source}: has {len(record)} fields, the header has {len(self.header)}")
        try:
            text = _answer(record[self.answer_index], source)
        except InputError as exc:
            return Row(id=row_id, error=str(exc))
        question = None
        if self.question_index is not None:
            raw = record[self.question_index]
            if _undecodable(raw):
                return Row(id=row_id, error=f"{source}: the question is not valid UTF-8; save the file as UTF-8")
            question = raw.strip() or None
        return Row(id=row_id, text=text, question=question)


def _undecodable(cell: str) -> bool:
    try:
        cell.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# ── JSONL ────────────────────────────────────────────────────────────────────────────────────────


class JsonlSource(InputSource):
    kind = "jsonl"

    def __init__(self, path: Path, column: str | None) -> None:
        super().__init__(path)
        self.column = column.lower() if column else None

    def _raw_rows(self) -> Iterator[Row]:
        with open(self.path, "rb") as handle:
            for number, raw, too_long in _lines(handle, MAX_LINE_BYTES):
                if too_long:
                    yield Row(id=str(number), error=_too_long(f"line {number}", MAX_LINE_BYTES))
                    continue
                if not raw.strip():
                    continue
                yield self._row(raw, number)

    def _row(self, raw: bytes, number: int) -> Row:
        source = f"line {number}"
        try:
            line = decode_story(raw, source)
        except InputError as exc:
            return Row(id=str(number), error=str(exc))
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            return Row(id=str(number), error=f"{source}: not valid JSON ({exc.msg} at column {exc.colno})")
        if not isinstance(data, dict):
            return Row(id=str(number), error=f"{source}: expected a JSON object, got {type(data).__name__}")
        keys = {str(key).lower(): key for key in data}
        row_id = str(number)
        if ID_COLUMN in keys:
            row_id = blank_id(number)
            if data[keys[ID_COLUMN]] is not None and not isinstance(data[keys[ID_COLUMN]], (dict, list)):
                row_id = normalise_id(data[keys[ID_COLUMN]]) or row_id
        if _has_lone_surrogates(line, data):
            safe_id = row_id if not _undecodable(row_id) else str(number)
            return Row(id=safe_id, error=f"{source}: contains an invalid \\u escape (a lone surrogate)")
        wanted = (self.column,) if self.column else ANSWER_COLUMNS
        key = next((keys[name] for name in wanted if name in keys), None)
        if key is None:
            return Row(id=row_id, error=f"{source}: no answer field (expected one of: {', '.join(wanted)})")
        answer = data[key]
        if not isinstance(answer, str):
            return Row(id=row_id, error=f"{source}: the answer field {key!r} is not a string")
        question = data.get(keys[QUESTION_COLUMN]) if QUESTION_COLUMN in keys else None
        if question is not None and not isinstance(question, str):
            return Row(id=row_id, error=f"{source}: the question field is not a string")
        try:
            text = _answer(answer, source)  # a NUL character in JSON text is still binary junk
        except InputError as exc:
            return Row(id=row_id, error=str(exc))
        return Row(id=row_id, text=text, question=(question or "").strip() or None)


def _has_lone_surrogates(line: str, data: dict[str, object]) -> bool:
    """A JSON escape like \\ud800 decodes to a str that cannot be written back as UTF-8."""
    if "\\u" not in line:
        return False
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _lines(handle: BinaryIO, limit: int) -> Iterator[tuple[int, bytes, bool]]:
    """(1-based line number, line bytes, too long) — a line over ``limit`` is skipped, not buffered."""
    number = 0
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = handle.readline(_READ_CHUNK)
            yield number, b"", True
            continue
        yield number, line, False


# ── Text / Markdown with --- separators ──────────────────────────────────────────────────────────


class TextSource(InputSource):
    kind = "text"

    def _where(self, row: Row) -> str:
        return f"story {row.id}"

    def _raw_rows(self) -> Iterator[Row]:
        number = 0
        held_empty = 0  # empty chunks: errors between stories, ignored at the start and the end
        for chunk, oversize in self._chunks():
            blank = not oversize and not chunk.strip()
            if blank:
                held_empty += 1 if number else 0
                continue
            for _ in range(held_empty):
                number += 1
                yield Row(id=str(number), error=f"story {number}: the story is empty (two --- lines in a row)")
            held_empty = 0
            number += 1
            source = f"story {number}"
            if oversize:
                yield Row(id=str(number), error=_too_long(source, MAX_ANSWER_BYTES))
                continue
            try:
                yield Row(id=str(number), text=_answer(chunk, source).strip("\n"))
            except InputError as exc:
                yield Row(id=str(number), error=str(exc))

    def _chunks(self) -> Iterator[tuple[bytes, bool]]:
        with open(self.path, "rb") as handle:
            parts: list[bytes] = []
            size = 0
            oversize = False
            for _, line, too_long in _lines(handle, MAX_ANSWER_BYTES):
                if not too_long and line.strip() == b"---":
                    yield b"".join(parts), oversize
                    parts, size, oversize = [], 0, False
                    continue
                if too_long or size + len(line) > MAX_ANSWER_BYTES:
                    oversize, parts = True, []
                    continue
                if not oversize:
                    parts.append(line)
                    size += len(line)
            yield b"".join(parts), oversize


# ── A folder of .txt / .md files ─────────────────────────────────────────────────────────────────


class FolderSource(InputSource):
    kind = "folder"

    def _where(self, row: Row) -> str:
        return row.id

    def _entries(self) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(self.path) as entries:
                files = [e for e in entries if not e.name.startswith(".") and e.is_file()]
        except OSError as exc:
            raise UsageError(f"{self.path}: cannot be read ({exc.strerror})") from exc
        return sorted(files, key=lambda e: e.name)

    def count(self) -> int:
        return len(self._entries())

    def _raw_rows(self) -> Iterator[Row]:
        for entry in self._entries():
            name = normalise_id(entry.name)
            if Path(entry.name).suffix.lower() not in FOLDER_SUFFIXES:
                yield Row(id=name, error=f"{entry.name}: not a .txt or .md file")
                continue
            try:
                with open(entry.path, "rb") as handle:
                    data = handle.read(MAX_ANSWER_BYTES + 1)
            except OSError as exc:
                yield Row(id=name, error=f"{entry.name}: cannot be read ({exc.strerror})")
                continue
            if len(data) > MAX_ANSWER_BYTES:
                yield Row(id=name, error=_too_long(entry.name, MAX_ANSWER_BYTES))
                continue
            try:
                yield Row(id=name, text=_answer(data, entry.name))
            except InputError as exc:
                yield Row(id=name, error=str(exc))

