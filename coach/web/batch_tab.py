"""The web app's Batch tab as plain functions (no gradio here; coach.web.ui lays it out and wires them in).

An uploaded file goes through the same readers, runner and report as `coach batch`
(:func:`score_upload`, which returns what a page shows: table rows, the HTML report, and a results
file to offer for download). Around it, what a web page needs: the upload is checked first (type,
size, emptiness, binary content) so a bad file gets one plain sentence in the page instead of a
traceback; the table is capped; and the report is shown inside a sandboxed iframe, so the report's
own styles cannot leak into the page and no script can ever run in it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from coach.batch.readers import CSV_SUFFIXES, JSONL_SUFFIXES, TEXT_SUFFIXES, open_input
from coach.batch.report import Cohort, to_html
from coach.batch.runner import Runner, run_batch
from coach.batch.writers import FileSink, LineEncoder, OutputFormat, iter_output
from coach.errors import CoachError, UsageError
from coach.rubric.loader import Rubric
from coach.service import Interviewer
from coach.web import webview as view
from coach.web.practice import PracticeServices, settings_from_form

#: The page's results table: one column per value of a row that :func:`score_upload` returns.
TABLE_HEADERS = ["id", "overall", "level", "top missing / error"]
TABLE_TYPES: list[Literal["str", "number"]] = ["str", "number", "str", "str"]  # gradio's Dataframe datatypes
#: Rows shown in the page's table; the report and the results file always cover every answer.
TABLE_ROWS = 500
#: Larger uploads are refused: at the upload route (coach.web.ui passes it to gradio as max_file_size), and
#: here again with a message (the CLI, `coach batch`, has no such limit).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ACCEPTED_SUFFIXES = tuple(sorted({*CSV_SUFFIXES, *JSONL_SUFFIXES, *TEXT_SUFFIXES}))
REPORT_HEIGHT_PX = 900
_SNIFF_BYTES = 8192

FOLLOWUPS_RUBRIC = "rubric"
FOLLOWUPS_MODEL = "model"
_FOLDER_PREFIX = "coach-batch-"
#: Results are offered for download right after scoring; older result folders are swept away.
RESULTS_MAX_AGE_S = 3600.0


def sweep_old_results(max_age_s: float = RESULTS_MAX_AGE_S, now: float | None = None) -> int:
    """Delete this app's result folders older than ``max_age_s`` from the temp folder; how many went."""
    cutoff = (time.time() if now is None else now) - max_age_s
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(_FOLDER_PREFIX + "*"):
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except OSError:
            continue  # vanished meanwhile, or not ours to touch
    return removed


def score_upload(
    path: str,
    rubric: Rubric,
    interviewer: Interviewer | None = None,
    *,
    fmt: OutputFormat = "csv",
    out_dir: str | None = None,
    concurrency: int = 4,
) -> tuple[list[list[str | int]], str, str]:
    """(rows for a table, report HTML, path of the results file). UsageError for an unusable upload.

    ``interviewer`` None → offline follow-ups. The results file is written to a fresh temporary
    folder (or ``out_dir``) named after the upload, e.g. ``answers.results.csv``.
    """
    source = open_input(path)
    encoder = LineEncoder(fmt, rubric)
    if out_dir is None:
        sweep_old_results()
    folder = out_dir or tempfile.mkdtemp(prefix=_FOLDER_PREFIX)
    results = os.path.join(folder, f"{Path(path).stem}.results.{fmt}")
    cohort = Cohort(rubric)
    sink = FileSink(results, truncate=True)
    try:
        header = encoder.header()
        if header:
            sink.write(header)
        runner = Runner(
            rubric,
            encoder,
            interviewer=interviewer,
            followups="llm" if interviewer is not None else "offline",
            concurrency=concurrency,
            processes=min(os.cpu_count() or 1, concurrency),
        )
        run_batch(source.rows(), runner, sink, on_outcome=lambda outcome: cohort.add(outcome.summary))
    finally:
        sink.close()
    rows: list[list[str | int]] = [
        [row.id, "" if row.overall is None else row.overall, row.level or "error",
         f"error: {row.error}" if row.error is not None else ", ".join(row.top_missing)]
        for row in cohort.table
    ]
    return rows, to_html(cohort, f"Batch report — {Path(path).name}"), results


@dataclass
class BatchView:
    """Everything the Batch tab shows after an upload, in coach.web.ui's order."""

    status: str
    rows: list[list[str | int]] = field(default_factory=list)
    report: str = ""
    files: list[str] = field(default_factory=list)

    def values(self) -> list[object]:
        return [self.status, self.rows, self.report, self.files or None]


def model_choice(services: PracticeServices) -> str | None:
    """The label of the model configured at start, if any: the Batch tab offers it for follow-ups."""
    settings = settings_from_form(services.default_model, services.default_api_base, services.default_offline)
    return settings.model if settings is not None else None


def check_upload(path: str | None) -> Path:
    """The upload as a Path, or a UsageError in plain words (never the server's temp path)."""
    if not path:
        raise UsageError("Choose a file first: a .csv/.tsv (an answer column), .jsonl, or .txt/.md (stories separated by lines of ---).")
    file = Path(path)
    name = file.name
    if file.suffix.lower() not in ACCEPTED_SUFFIXES:
        raise UsageError(
            f"{name}: unsupported file type {file.suffix or '(no extension)'!r}; upload one of "
            f"{', '.join(ACCEPTED_SUFFIXES)}."
        )
    try:
        size = file.stat().st_size
        with file.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise UsageError(f"{name}: the upload could not be read ({exc.strerror}); try again.") from exc
    if size > MAX_UPLOAD_BYTES:
        raise UsageError(
            f"{name} is larger than the {MAX_UPLOAD_BYTES // 2**20} MB the web page takes ({size:,} bytes). "
            "Split it, or score it on the command line with `coach batch` (no size limit)."
        )
    if not head.strip():
        raise UsageError(f"{name} is empty: there are no answers to score.")
    if b"\x00" in head:
        raise UsageError(f"{name} looks like a binary file, not text; save it as UTF-8 text ({', '.join(ACCEPTED_SUFFIXES)}).")
    return file


def score_batch_upload(
    services: PracticeServices, path: str | None, rubric_id: str | None, followups: str = FOLLOWUPS_RUBRIC
) -> BatchView:
    """Score every answer of an uploaded file; a bad upload becomes a message, never an exception."""
    try:
        file = check_upload(path)
        rubric = services.load_rubric(rubric_id or services.default_rubric)
    except CoachError as exc:
        return BatchView(status=view.status(str(exc), "error"))
    notices: list[str] = []
    interviewer = None
    if followups == FOLLOWUPS_MODEL:
        settings = settings_from_form(services.default_model, services.default_api_base, services.default_offline)
        try:
            interviewer = services.interviewer_for(settings)
        except CoachError as exc:
            notices.append(f"{exc}; follow-ups come from the rubric.")
    try:
        rows, report, results = score_upload(str(file), rubric, interviewer)
    except CoachError as exc:
        return BatchView(status=view.status(_for_the_page(str(exc), file), "error"))
    except (OSError, UnicodeError) as exc:
        return BatchView(status=view.status(f"{file.name} could not be read ({type(exc).__name__}); check it is UTF-8 text.", "error"))
    if not rows:
        return BatchView(status=view.status(f"{file.name}: no answers found in the file.", "warn"))
    report_file = Path(results).with_name(f"{file.stem}.report.html")
    report_file.write_text(report, encoding="utf-8")
    total, errors = _tally(results, rubric)
    message = f"Scored {total - errors} of {total} answers from {file.name}"
    message += f"; {errors} could not be scored (see the table)." if errors else "."
    if total > TABLE_ROWS:
        message += f" The table shows the first {TABLE_ROWS}; the report and the results file cover all {total}."
    if notices:
        message += " " + " ".join(notices)
    return BatchView(
        status=view.status(message, "warn" if errors else "ok"),
        rows=rows[:TABLE_ROWS],
        report=report_frame(report),
        files=[results, str(report_file)],
    )


def report_frame(report_html: str) -> str:
    """The report inside an iframe with an empty ``sandbox``: no scripts, no forms, no navigation of
    the page, its own styles. The report escapes user text already; this is the second wall."""
    return (
        f'<iframe id="batch-report-frame" title="Batch report" sandbox="" referrerpolicy="no-referrer" '
        f'style="width:100%;height:{REPORT_HEIGHT_PX}px;border:1px solid #e2e8f0;border-radius:.4rem" '
        f'srcdoc="{view.esc(report_html)}"></iframe>'
    )


def _for_the_page(message: str, file: Path) -> str:
    """Reader messages are written for the CLI: show the file's name, not the server's temp path, and
    no command-line flags."""
    return message.replace(str(file), file.name).replace("name it with --column", "rename that column to answer")


def _tally(results: str, rubric: Rubric) -> tuple[int, int]:
    """(answers, error lines) over the whole results file; the table rows are capped."""
    total = errors = 0
    for summary in iter_output(results, LineEncoder("csv", rubric)):
        total += 1
        errors += summary.error is not None
    return total, errors
