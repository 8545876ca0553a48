"""Saving from the web practice flow and the Progress tab's handlers, called directly (no gradio)."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from pathlib import Path

import pytest

from coach.history import HistoryStore
from coach.interviewer.questions import load_questions
from coach.web import practice, practice_history, progress
from coach.web.practice import PracticeServices, PracticeState
from tests.support.fakes import FakeInterviewer
from tests.support.history_support import STRONG_STORY, scored_record
from tests.support.speech_audio import write_wav
from tests.support.ui_fakes import FOLLOWUP_ANSWER, WEAK_STORY, FakeTranscriber

XSS = '<img src=x onerror="window.__xss=1">'


def services(history: HistoryStore | None, **overrides: object) -> PracticeServices:
    return PracticeServices(questions=load_questions(), history=history, **overrides)  # type: ignore[arg-type]


def submit(svc: PracticeServices, story: str, state: PracticeState | None = None, question_id: str = "ml-incident",
           custom: str = "", model: str = "", api_base: str = ""):  # type: ignore[no-untyped-def]
    return practice.submit_answer(svc, question_id, custom, story, model, api_base, False, "star-l", state)


def test_each_scored_attempt_is_saved_with_its_followup_exchange(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.db")
    svc = services(store)
    first = submit(svc, WEAK_STORY)
    assert "Scored." in first.status and "not saved" not in first.status
    attempt = first.state.current
    assert attempt.history_id == 1
    saved = store.get(1)
    assert (saved.question_id, saved.story, saved.overall, saved.source) == ("ml-incident", WEAK_STORY, attempt.first_telling.overall, "web")
    assert saved.question == load_questions().get("ml-incident").text and saved.exchange == []

    second = practice.answer_in_chat(svc, FOLLOWUP_ANSWER, first.state)
    [turn] = store.get(1).exchange
    assert turn.answer == FOLLOWUP_ANSWER and turn.overall_after == second.state.current.session.assessment.overall
    assert turn.question == attempt.session.pending.question and store.get(1).final_overall > saved.overall

    again = practice.try_again(svc, second.state)
    submit(svc, STRONG_STORY, again.state, custom="My own question?")
    assert [(r.id, r.question_id, r.question) for r in store.attempts()][1] == (2, None, "My own question?")


def test_spoken_answers_keep_delivery_metrics(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.db")
    svc = services(store, transcribe=FakeTranscriber(text=WEAK_STORY))
    heard = practice.transcribe_audio(svc, str(write_wav(tmp_path / "a.wav")), None)
    submit(svc, WEAK_STORY, heard.state)
    delivery = store.get(1).delivery
    assert delivery is not None and delivery.filler_count == 3 and delivery.duration_s == 60.0


def test_the_settings_switch_and_history_off_save_nothing(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.db")
    state = practice_history.set_save_history(None, False)
    result = submit(services(store), WEAK_STORY, state)
    assert "Scored." in result.status and result.state.current.history_id is None
    assert store.attempts() == [] and not store.path.exists()
    assert submit(services(None), WEAK_STORY).state.current.history_id is None
    assert "COACH_HISTORY=off" in progress.load(services(None), None).status


def test_a_locked_history_never_stops_scoring(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "history.db", timeout_s=0.2)
    store.add(scored_record())
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = submit(services(store), WEAK_STORY)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert 'id="overall-score"' in result.score and result.state.current.history_id is None
    assert "not saved to your history" in result.status and "locked by another program" in result.status
    assert store.count() == 1 and "1 attempt" in progress.load(services(store), None).status


@pytest.mark.parametrize("damage", ["garbage", "directory"])
def test_a_broken_history_never_stops_scoring(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "history.db"
    if damage == "garbage":
        path.write_bytes(b"definitely not sqlite" * 100)
    else:
        path.mkdir()
    result = submit(services(HistoryStore(path)), WEAK_STORY)
    assert 'id="overall-score"' in result.score  # the score is shown
    assert "coach-status-warn" in result.status and "not saved to your history" in result.status
    assert str(path) in result.status.replace("&#x27;", "'")
    shown = progress.load(services(HistoryStore(path)), None)
    if damage == "garbage":  # moved aside by the failed save: the tab reads a new, empty history
        assert "0 attempts" in shown.status and len(list(tmp_path.glob("history.db.damaged-*"))) == 1
    else:
        assert "coach-status-error" in shown.status and "cannot be used" in shown.status


def _history(tmp_path: Path) -> HistoryStore:
    store = HistoryStore(tmp_path / "h.db")
    store.add(scored_record(WEAK_STORY))
    store.add(scored_record(STRONG_STORY + " " + XSS))
    store.add(scored_record(WEAK_STORY + " I wrote a runbook afterwards."))
    store.add(scored_record(STRONG_STORY, question_id=None, question="Why do you want this job?"))
    return store


def test_progress_shows_a_chart_the_most_missed_a_table_and_the_last_two_compared(tmp_path: Path) -> None:
    svc = services(_history(tmp_path))
    everything = progress.load(svc, None)
    assert [value for _, value in everything.questions] == ["", "ml-incident", "Why do you want this job?"]
    assert "4 attempts" in everything.status
    # all questions: one overall line per question
    assert re.findall(r'data-series="overall" data-points="(\d)"', everything.chart) == ["3", "1"]
    assert everything.table.count("<tr data-attempt=") == 4
    assert (everything.first, everything.second) == (3, 4)

    one = progress.load(svc, "ml-incident")
    assert "3 attempts at “Production ML failure under pressure”" in one.status
    assert re.findall(r'data-series="(overall|component:\w+)" data-points="3"', one.chart) == [
        "component:situation", "component:task", "component:action", "component:result", "component:learning", "overall",
    ]
    assert one.chart.count("<circle") == 3
    assert (one.first, one.second) == (2, 3) and [value for _, value in one.attempts] == [3, 2, 1]
    missed = re.findall(r'data-criterion="([\w.]+)"', one.missed)
    assert missed and "missed in 3 of 3 attempts" in one.missed
    assert 'id="history-delta"' in one.comparison and "Criteria gained" in one.comparison and "Criteria lost" in one.comparison
    # #2 (strong) → #3 (weak + runbook): metrics lost, the runbook's process criterion kept or gained
    assert "result.metrics" in one.comparison.split("Criteria lost")[1]
    assert XSS not in one.comparison and "&lt;img src=x" in one.comparison  # the texts, escaped


def test_compare_any_two_mark_a_story_delete_and_delete_all(tmp_path: Path) -> None:
    store = _history(tmp_path)
    svc = services(store)
    picked = progress.compare(svc, "ml-incident", 1, 2)
    delta = store.get(2).overall - store.get(1).overall
    assert (picked.first, picked.second) == (1, 2) and f"(+{delta})" in picked.comparison
    assert "coach-status-warn" in progress.compare(svc, None, 2, 2).status

    marked = progress.toggle_my_story(svc, "ml-incident", 1, 2)
    assert "now in your story bank" in marked.status and store.get(2).my_story
    progress.toggle_my_story(svc, "ml-incident", 2, 3)
    bank = progress.load(svc, None).story_bank
    assert bank.count("<li data-attempt=") == 2 and "version 2 · #3" in bank
    assert "left your story bank" in progress.toggle_my_story(svc, None, 1, 3).status

    deleted = progress.delete_one(svc, "ml-incident", 3)
    assert "Deleted attempt #3" in deleted.status and [r.id for r in store.attempts()] == [1, 2, 4]
    refused = progress.delete_all(svc, confirmed=False)
    assert "coach-status-warn" in refused.status and store.count() == 3
    cleared = progress.delete_all(svc, confirmed=True)
    assert "Deleted all 3 attempts" in cleared.status and store.count() == 0
    assert "No attempts yet" in cleared.chart


def test_export_gives_a_file_to_download(tmp_path: Path) -> None:
    svc = services(_history(tmp_path))
    status, path = progress.export_file(svc, "csv")
    assert "Exported 4 attempts as CSV" in status and path is not None
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8"))))
    assert [row["id"] for row in rows] == ["1", "2", "3", "4"]
    _, jsonl = progress.export_file(svc, "jsonl")
    assert jsonl and [json.loads(line)["id"] for line in Path(jsonl).read_text(encoding="utf-8").splitlines()] == [1, 2, 3, 4]


def test_no_provider_key_reaches_the_database_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = "sk-test-DO-NOT-STORE-5f3a9c1e7b"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    monkeypatch.setenv("ANTHROPIC_API_KEY", key + "-anthropic")
    store = HistoryStore(tmp_path / "h.db")
    svc = services(store, make_interviewer=lambda settings: FakeInterviewer.web(name=settings.model),
                   default_model="openai/local-model", default_api_base="http://127.0.0.1:9/v1")  # the operator's
    first = submit(svc, WEAK_STORY, model="openai/local-model", api_base="http://127.0.0.1:9/v1")
    practice.answer_in_chat(svc, FOLLOWUP_ANSWER, first.state)
    saved = store.get(1)
    assert saved.mode == "llm" and saved.model == "openai/local-model"  # the model by name only
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert data and key.encode() not in data and b"sk-test" not in data
    assert b"Authorization" not in data and b"Bearer" not in data and b"127.0.0.1:9" not in data
