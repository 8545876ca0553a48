"""The Progress tab's logic as plain functions (no gradio; coach.web.ui_progress lays it out).

Everything is read back from the practice history (:class:`coach.history.HistoryStore`, injected
through :class:`coach.web.practice.PracticeServices`), so two tabs and the CLI see the same attempts.
A history that cannot be read gives one status line; the rest of the page stays usable.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from coach.errors import CoachError, HistoryError
from coach.history import AttemptRecord, HistoryStore
from coach.history.export import ExportFormat, export
from coach.web import progress_view as pview
from coach.web import webview as view
from coach.web.practice import PracticeServices

ALL = ""  # the question filter's "all questions" value
_EXPORT_PREFIX = "coach-history-"
EXPORT_MAX_AGE_S = 3600.0
HISTORY_OFF = "The practice history is off (COACH_HISTORY=off): attempts are not saved, so there is no progress to show."


@dataclass
class ProgressView:
    """What the Progress tab shows. Choices are (label, value) pairs for dropdowns."""

    status: str = ""
    questions: list[tuple[str, str]] = field(default_factory=lambda: [("All questions", ALL)])
    question: str = ALL
    chart: str = ""
    missed: str = ""
    table: str = ""
    attempts: list[tuple[str, int]] = field(default_factory=list)
    first: int | None = None
    second: int | None = None
    comparison: str = ""
    story_bank: str = ""


def load(services: PracticeServices, question: str | None, first: int | None = None, second: int | None = None, status: str = "") -> ProgressView:
    """The whole tab for one question filter; compares ``first`` and ``second`` (default: the last two)."""
    store = services.history
    if store is None:
        return ProgressView(status=view.status(HISTORY_OFF, "info"))
    try:
        everything = store.attempts()
    except HistoryError as exc:
        return ProgressView(status=view.status(str(exc), "error"))
    titles = _titles(services, everything)
    names = _names(services, everything)
    keys = list(dict.fromkeys(r.question_key for r in everything))
    question = question if question in keys else ALL
    records = [r for r in everything if r.question_key == question] if question else everything
    ids = [r.id for r in records]
    if first not in ids or second not in ids or first == second:
        first, second = (ids[-2], ids[-1]) if len(ids) >= 2 else (None, None)
    by_id = {r.id: r for r in records}
    comparison = (
        pview.compare(by_id[first], by_id[second], names, titles)
        if first is not None and second is not None
        else view.empty("Two attempts are compared here once you have saved two.")
    )
    counted = f"{len(records)} attempt{'s' if len(records) != 1 else ''}" + (f" at “{titles[question]}”" if question else "")
    return ProgressView(
        status=status or view.status(f"{counted} · history file: {store.path}", "info"),
        questions=[("All questions", ALL), *((titles[k], k) for k in keys)],
        question=question,
        chart=pview.chart(records, titles, names, per_question=bool(question) or len(keys) == 1),
        missed=pview.most_missed(records, names),
        table=pview.attempts_table(records, titles),
        attempts=[(_label(r, titles), r.id) for r in reversed(records)],
        first=first,
        second=second,
        comparison=comparison,
        story_bank=pview.story_bank(everything, titles),
    )


def compare(services: PracticeServices, question: str | None, first: int | None, second: int | None) -> ProgressView:
    if first is None or second is None or first == second:
        shown = load(services, question, first, second)
        shown.status = view.status("Pick two different attempts to compare.", "warn")
        return shown
    return load(services, question, first, second)


def toggle_my_story(services: PracticeServices, question: str | None, first: int | None, second: int | None) -> ProgressView:
    """Mark the second attempt (the newer one being compared) as "my story", or unmark it."""
    store = services.history
    if store is None or second is None:
        return load(services, question, first, second, view.status("Pick an attempt (the right-hand one) first.", "warn"))
    try:
        mine = not store.get(second).my_story
        store.set_my_story(second, mine)
    except HistoryError as exc:
        return load(services, question, first, second, view.status(str(exc), "error"))
    said = f"Attempt #{second} is now in your story bank." if mine else f"Attempt #{second} left your story bank."
    return load(services, question, first, second, view.status(said, "ok"))


def delete_one(services: PracticeServices, question: str | None, attempt_id: int | None) -> ProgressView:
    store = services.history
    if store is None or attempt_id is None:
        return load(services, question, status=view.status("Pick the attempt to delete first.", "warn"))
    try:
        store.delete(attempt_id)
    except HistoryError as exc:
        return load(services, question, status=view.status(str(exc), "error"))
    return load(services, question, status=view.status(f"Deleted attempt #{attempt_id}.", "ok"))


def delete_all(services: PracticeServices, confirmed: bool) -> ProgressView:
    store = services.history
    if store is None:
        return load(services, ALL)
    if not confirmed:
        return load(services, ALL, status=view.status("Tick “Yes, delete every attempt” first.", "warn"))
    try:
        count = store.delete_all()
    except HistoryError as exc:
        return load(services, ALL, status=view.status(str(exc), "error"))
    return load(services, ALL, status=view.status(f"Deleted all {count} attempts.", "ok"))


def export_file(services: PracticeServices, fmt: str | None) -> tuple[str, str | None]:
    """(status, path of a fresh export file to download). Old export folders are swept away."""
    store = services.history
    if store is None:
        return view.status(HISTORY_OFF, "info"), None
    chosen: ExportFormat = "jsonl" if fmt == "jsonl" else "csv"
    try:
        records = store.attempts()
        text = export(records, chosen)
    except CoachError as exc:
        return view.status(str(exc), "error"), None
    _sweep_exports()
    folder = Path(tempfile.mkdtemp(prefix=_EXPORT_PREFIX))
    path = folder / f"coach-history-{datetime.now(UTC):%Y%m%d-%H%M%S}.{chosen}"
    path.write_text(text, encoding="utf-8")
    return view.status(f"Exported {len(records)} attempts as {chosen.upper()}.", "ok"), str(path)


def _sweep_exports(max_age_s: float = EXPORT_MAX_AGE_S) -> None:
    """Exports hold stories: do not leave them in the temp folder longer than an hour."""
    cutoff = time.time() - max_age_s
    for folder in Path(tempfile.gettempdir()).glob(_EXPORT_PREFIX + "*"):
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def _label(record: AttemptRecord, titles: dict[str, str]) -> str:
    when = record.created_at[:16].replace("T", " ")
    return f"#{record.id} · {when} · {record.overall}/100 · {titles.get(record.question_key, '')[:40]}"


def _titles(services: PracticeServices, records: list[AttemptRecord]) -> dict[str, str]:
    """Question key → a short title: the bank's title for a bank question, else the question's own words."""
    titles: dict[str, str] = {}
    for record in records:
        key = record.question_key
        if key in titles:
            continue
        title = " ".join(record.question.split())
        if record.question_id:
            try:
                title = services.questions.get(record.question_id).title
            except KeyError:
                title = record.question_id
        titles[key] = title if len(title) <= 60 else title[:59] + "…"
    return titles


def _names(services: PracticeServices, records: list[AttemptRecord]) -> dict[str, str]:
    """Criterion and component ids → names, from the rubrics the attempts were scored with."""
    names: dict[str, str] = {}
    for rubric_id in dict.fromkeys(r.rubric for r in records):
        try:
            rubric = services.load_rubric(rubric_id)
        except CoachError:
            continue  # a rubric removed since: the ids stand in for names
        names.update({c.id: c.name for c in rubric.components})
        names.update({c.id: c.name for c in rubric.criteria()})
        names.update({f.id: f.name for f in rubric.red_flags})
    return names


def saving_note(store: HistoryStore | None) -> str:
    """The Settings switch's note: where attempts are saved, or why they are not."""
    if store is None:
        return "Attempts are not saved (COACH_HISTORY=off)."
    return f"Saved on this computer only, in {store.path} (delete that file to erase the history)."
