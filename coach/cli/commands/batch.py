"""`coach batch INPUT`: score a file of answers — one result line per answer, in order, plus a report.

Output goes to --out, or to stdout when --out is omitted (so `coach batch answers.csv | jq` works;
--resume then is not possible, since there is no file to resume). The progress bar and the summary
go to stderr, so they never mix with the results.

Exit codes: 0 every row scored; 1 some rows are error lines (all others written); 2 bad usage;
130 interrupted (Ctrl-C) — run the same command with --resume to continue.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from coach.cli.commands.score import add_model_arguments
from coach.errors import InputError, UsageError
from coach.rubric.loader import DEFAULT_RUBRIC

HELP = "score a file of answers (CSV/TSV, JSONL, text with --- separators, or a folder)"
REPORT_SUFFIXES = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", help="a .csv/.tsv/.jsonl file, a .txt/.md file with stories separated by --- lines, or a folder of .txt/.md files")
    parser.add_argument("--out", default=None, help="results file (default: stdout); .csv selects CSV")
    parser.add_argument("--format", choices=("jsonl", "csv"), default=None, help="results format (default: from --out's extension, else jsonl)")
    parser.add_argument("--report", default=None, help="also write a cohort report: PATH.html or PATH.md")
    parser.add_argument("--rubric", default=DEFAULT_RUBRIC, help="rubric id or path to a rubric .yaml")
    parser.add_argument("--column", default=None, help="the answer column/key (default: answer, story, text or response)")
    parser.add_argument("--concurrency", type=int, default=4, help="model calls at once; scoring uses up to this many processes (default 4)")
    parser.add_argument("--no-followups", action="store_true", help="scores only: no follow-up questions, no model calls")
    parser.add_argument("--resume", action="store_true", help="skip answers whose id is already in --out, append the rest")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no summary on stderr")
    add_model_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from coach.batch.progress import Progress, summary_text
    from coach.batch.readers import open_input
    from coach.batch.report import Cohort, to_html, to_markdown
    from coach.batch.runner import Followups, Runner, run_batch
    from coach.batch.writers import ExistingOutput, FileSink, LineEncoder, LineSink, StreamSink, choose_format, read_existing
    from coach.config import llm_settings_from
    from coach.rubric.loader import load_rubric

    if args.resume and not args.out:
        raise UsageError("--resume needs --out (the results file to continue)")
    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    report_kind = None
    if args.report:
        report_kind = REPORT_SUFFIXES.get(Path(args.report).suffix.lower())
        if report_kind is None:
            raise UsageError(f"--report {args.report}: end the name in .html or .md")
    if args.out and Path(args.out).resolve() == Path(args.input).resolve():
        raise UsageError("--out is the input file; choose another results file")
    rubric = load_rubric(args.rubric)
    fmt = choose_format(args.format, args.out)
    source = open_input(args.input, args.column)
    encoder = LineEncoder(fmt, rubric)

    followups: Followups = "none"
    settings = None
    if not args.no_followups:
        # Settings, not an interviewer: the runner's scoring workers each build their own and ask there.
        settings = llm_settings_from(args)
        followups = "llm" if settings is not None else "offline"

    cohort = Cohort(rubric)
    existing = ExistingOutput()
    sink: LineSink
    if args.out:
        if args.resume:
            existing = read_existing(args.out, encoder, cohort.add)
        sink = FileSink(args.out, truncate=not args.resume)
    else:
        sink = StreamSink(sys.stdout)
    header = encoder.header()
    if header and existing.needs_header:
        sink.write(header)

    show_progress = not args.quiet and sys.stderr.isatty()
    progress = Progress(sys.stderr, source.count() if show_progress else None, show_progress)
    runner = Runner(
        rubric,
        encoder,
        llm_settings=settings,
        followups=followups,
        concurrency=args.concurrency,
        processes=min(os.cpu_count() or 1, args.concurrency),
    )

    def on_outcome(outcome) -> None:  # type: ignore[no-untyped-def]
        cohort.add(outcome.summary)
        progress.advance()

    started = time.monotonic()
    try:
        result = run_batch(
            source.rows(), runner, sink, skip_ids=existing.ids, on_outcome=on_outcome, on_skip=lambda _: progress.skip()
        )
    finally:
        sink.close()
        progress.finish()
    output = args.out or "<stdout>"
    if result.interrupted:
        print(f"coach: interrupted after {result.written:,} rows; run the same command with --resume to continue"
              + ("" if args.out else " (with --out to write a results file)"), file=sys.stderr)
        return 130
    if result.written == 0 and result.skipped == 0:
        raise InputError(
            f"{args.input}: no answers found (a CSV needs rows under its header; a text file, stories "
            "between lines of ---); nothing was scored"
        )
    if args.report:
        text = to_html(cohort, _title(args.input)) if report_kind == "html" else to_markdown(cohort, _title(args.input))
        try:
            Path(args.report).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--report {args.report}: cannot be written ({exc.strerror})") from exc
        output += f"; report: {args.report}"
    if not args.quiet:
        sys.stderr.write(summary_text(cohort, output, time.monotonic() - started, result.written, result.skipped))
    return 1 if cohort.errors else 0


def _title(input_path: str) -> str:
    return f"Batch report — {Path(input_path).name}"
