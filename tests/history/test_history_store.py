"""The practice history store: round trip, concurrency, migrations, damaged and locked files, privacy."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from coach.errors import AttemptNotFound, HistoryBusy, HistoryDamaged, HistoryError
from coach.history import ExchangeTurn, HistoryStore, history_path
from coach.history.export import to_csv, to_jsonl
from coach.history.migrations import MIGRATIONS
from tests.conftest import REPO_ROOT, clean_env
from tests.support.history_support import STRONG_STORY, scored_record, write_v1_history


def test_coach_home_moves_the_file_and_nothing_is_created_before_the_first_save(coach_home: Path) -> None:
    store = HistoryStore()
    assert store.path == history_path() == coach_home / "history.db"
    assert store.attempts() == [] and store.count() == 0
    assert not store.path.exists()  # reading an empty history creates nothing
    saved = store.add(scored_record())
    assert store.path.exists() and saved.id == 1 and saved.created_at.endswith("+00:00")


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.db")
    record = scored_record(model="openai/local", source="cli")
    saved = store.add(record)
    store.update_exchange(saved.id, [ExchangeTurn(question="How long?", targets=["result.duration"], answer="2 h", overall_after=55)])
    back = store.get(saved.id)
    assert back.model_dump(exclude={"exchange"}) == saved.model_dump(exclude={"exchange"})
    assert back.final_overall == 55 and back.exchange[0].answer == "2 h"
    assert set(back.criteria_met).isdisjoint(back.criteria_missing)
    assert len(back.criteria_met) + len(back.criteria_missing) == 15
    assert back.components.keys() == {"situation", "task", "action", "result", "learning"}
    store.set_my_story(saved.id)
    assert store.get(saved.id).my_story is True
    with pytest.raises(AttemptNotFound, match="no attempt 99"):
        store.get(99)
    with pytest.raises(AttemptNotFound):
        store.delete(99)


def test_n_threads_times_m_attempts_give_n_times_m_rows(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.db")  # one store shared by every thread, as in the web app
    n, m = 8, 25
    record = scored_record()
    errors: list[BaseException] = []
    start = threading.Barrier(n)

    def worker(t: int) -> None:
        start.wait()
        try:
            for i in range(m):
                store.add(record.model_copy(update={"story": f"thread {t} attempt {i}"}))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = store.attempts()
    assert len(rows) == n * m
    assert len({r.id for r in rows}) == n * m
    assert {r.story for r in rows} == {f"thread {t} attempt {i}" for t in range(n) for i in range(m)}


_WRITER = """
import sys
from coach.history import HistoryStore
from tests.support.history_support import scored_record
store = HistoryStore(sys.argv[1])
record = scored_record()
for i in range(int(sys.argv[3])):
    store.add(record.model_copy(update={"story": f"{sys.argv[2]} {i}"}))
"""


def test_two_processes_and_threads_writing_a_new_file_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "h.db"  # does not exist yet: both processes race to create and migrate it
    m = 40
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), f"proc{p}", str(m)], cwd=REPO_ROOT, env=clean_env())
        for p in range(2)
    ]
    store = HistoryStore(path)
    record = scored_record()

    def worker(t: int) -> None:
        for i in range(20):
            store.add(record.model_copy(update={"story": f"tab{t} {i}"}))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [proc.wait(timeout=120) for proc in procs] == [0, 0]
    stories = [r.story for r in store.attempts()]
    assert len(stories) == 2 * m + 2 * 20
    assert set(stories) == {f"proc{p} {i}" for p in range(2) for i in range(m)} | {f"tab{t} {i}" for t in range(2) for i in range(20)}
    assert store.schema_version() == len(MIGRATIONS)


def test_migrations_are_named_append_only_and_recorded(tmp_path: Path) -> None:
    names = [fn.__name__ for fn in MIGRATIONS]
    # Released migrations never change or move: new ones are added at the end.
    assert names[:3] == ["m001_attempts", "m002_story_bank", "m003_attempts_by_question"]
    assert names == sorted(names) and len(set(names)) == len(names)
    store = HistoryStore(tmp_path / "h.db")
    store.add(scored_record())
    db = sqlite3.connect(store.path)
    assert [row[0] for row in db.execute("SELECT name FROM _migrations ORDER BY name")] == names
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_a_version_1_file_is_upgraded_in_place_and_keeps_its_attempts(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    write_v1_history(path)
    store = HistoryStore(path)
    [old] = store.attempts()
    assert store.schema_version() == len(MIGRATIONS)
    assert (old.id, old.overall, old.source, old.my_story, old.final_overall) == (1, 41, "cli", False, 47)
    assert old.story == "Our model failed and I rolled it back."
    store.set_my_story(old.id)  # the column m002 added works on the old row
    new = store.add(scored_record())
    assert new.id == 2 and [r.id for r in store.attempts()] == [1, 2]
    db = sqlite3.connect(path)
    applied = [row[0] for row in db.execute("SELECT name FROM _migrations ORDER BY name")]
    indexes = [row[1] for row in db.execute("PRAGMA index_list(attempts)")]
    db.close()
    assert applied == [fn.__name__ for fn in MIGRATIONS]
    assert "attempts_by_question" in indexes


def test_a_file_from_a_newer_coach_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    write_v1_history(path)
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    before = path.read_bytes()
    with pytest.raises(HistoryError, match="newer version of coach"):
        HistoryStore(path).attempts()
    assert path.read_bytes() == before


def test_a_garbage_file_is_moved_aside_untouched_and_a_new_history_starts(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    garbage = os.urandom(3000) + b"not a database"
    path.write_bytes(garbage)
    store = HistoryStore(path)
    with pytest.raises(HistoryDamaged) as caught:
        store.add(scored_record())
    message = str(caught.value)
    assert str(path) in message and "damaged" in message and "\n" not in message
    aside = Path(caught.value.aside or "")
    assert aside.name.startswith("history.db.damaged-") and aside.read_bytes() == garbage
    assert store.damaged_copies() == [aside]
    assert store.add(scored_record()).id == 1  # a fresh file; the damaged one is kept, not overwritten
    assert aside.read_bytes() == garbage


def test_a_file_damaged_inside_is_detected_on_read_and_kept_aside(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    store = HistoryStore(path)
    for i in range(40):
        store.add(scored_record(story=STRONG_STORY + f" Attempt {i}."))
    with path.open("r+b") as handle:  # overwrite a page in the middle of the table with noise
        handle.seek(4096 * 3)
        handle.write(b"\xa5" * 4096)
    damaged = path.read_bytes()
    with pytest.raises(HistoryDamaged, match="damaged"):
        store.attempts()
    [aside] = store.damaged_copies()
    assert aside.read_bytes() == damaged and not path.exists()


def test_a_locked_file_makes_writes_fail_fast_while_reads_go_on(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.db", timeout_s=0.2)
    store.add(scored_record())
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        started = time.monotonic()
        with pytest.raises(HistoryBusy, match="locked by another program"):
            store.add(scored_record())
        assert time.monotonic() - started < 3
        assert len(store.attempts()) == 1  # WAL: readers are not blocked by a writer
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.damaged_copies() == []  # a lock is not damage: nothing moved
    assert store.add(scored_record()).id == 2


def test_an_unopenable_path_is_a_clear_error_and_is_not_moved(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    path.mkdir()
    with pytest.raises(HistoryError, match="cannot be used") as caught:
        HistoryStore(path).add(scored_record())
    assert not isinstance(caught.value, HistoryDamaged) and path.is_dir()


def test_deleted_stories_do_not_linger_in_the_file(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.db")
    marker = "Zanzibar-quokka-7741"
    keep = store.add(scored_record())
    gone = store.add(scored_record(story=STRONG_STORY + f" {marker}."))
    store.delete(gone.id)
    assert marker.encode() not in _all_bytes(tmp_path)
    assert [r.id for r in store.attempts()] == [keep.id]
    store.add(scored_record(story=STRONG_STORY + f" {marker}."))
    assert store.delete_all() == 2 and store.attempts() == []
    assert marker.encode() not in _all_bytes(tmp_path)


def test_exports_are_one_line_an_attempt_and_formula_safe(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.db")
    store.add(scored_record())
    store.add(scored_record(story="=HYPERLINK(\"http://x\") our model failed and I rolled it back", question_id=None))
    records = store.attempts()
    lines = to_jsonl(records).splitlines()
    assert [json.loads(line)["id"] for line in lines] == [1, 2]
    assert json.loads(lines[0])["criteria_missing"] == records[0].criteria_missing
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(to_csv(records))))
    assert [row["id"] for row in rows] == ["1", "2"]
    assert rows[0]["situation_score"] == str(records[0].components["situation"])
    assert rows[1]["story"].startswith("'=HYPERLINK")  # a spreadsheet shows it, never runs it


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file())
