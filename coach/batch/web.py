"""Batch scoring for the web app's Batch tab — plain functions, no gradio import (the UI wires them in).

``score_upload(path, rubric)`` scores an uploaded file with the same readers, runner and report as
`coach batch`, and returns what a page shows: table rows, the HTML report, and a results file to
offer for download.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from coach.batch.readers import open_input
from coach.batch.report import Cohort, to_html
from coach.batch.runner import Runner, run_batch
from coach.batch.writers import FileSink, LineEncoder, OutputFormat
from coach.rubric import Rubric
from coach.service import Interviewer

TABLE_HEADERS = ["id", "score", "level", "top missing / error"]
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
