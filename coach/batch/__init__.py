"""Batch scoring: a file of answers in, one result line per answer and a cohort report out.

- readers:  input files → a stream of :class:`~coach.batch.readers.Row` (CSV/TSV, JSONL, text with
            ``---`` separators, a folder of .txt/.md). Bad rows become rows carrying an error.
- runner:   rows → ordered :class:`~coach.batch.runner.Outcome` lines (scoring in worker processes,
            follow-ups from one shared interviewer in a bounded thread pool).
- writers:  the JSONL / CSV line encoders and the append-only, line-at-a-time output sink (resume).
- report:   cohort statistics and the HTML / Markdown report (inline SVG, all user text escaped).
- progress: the stderr progress bar and the closing summary.
- web:      the web app's Batch tab as plain functions: upload checks, ``score_upload``, the page's
            table and report frame (no gradio import here; coach.web.ui lays it out).

Nothing here imports litellm or gradio.
"""
