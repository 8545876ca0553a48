"""`coach score --save` and `coach history …`: the contract's commands, output and exit codes."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from coach.cli import main
from coach.history import HistoryStore
from tests.conftest import RunCli
from tests.support.history_support import STRONG_STORY, scored_record, write_v1_history
from tests.support.ui_fakes import WEAK_STORY


@pytest.fixture
def stories(tmp_path: Path) -> tuple[Path, Path]:
    weak, strong = tmp_path / "weak.txt", tmp_path / "strong.txt"
    weak.write_text(WEAK_STORY, encoding="utf-8")
    strong.write_text(STRONG_STORY, encoding="utf-8")
    return weak, strong


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("no_model_env")
def test_save_then_list_show_export_delete(stories: tuple[Path, Path], coach_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    weak, strong = stories
    code, out, err = run(capsys, "score", str(weak), "--save", "--question", "ml-incident", "--format", "json")
    assert code == 0 and json.loads(out)["overall"] >= 0  # the score is printed as usual
    assert "saved as attempt 1" in err and str(coach_home / "history.db") in err
    assert run(capsys, "score", str(strong), "--save", "--question", "ml-incident")[0] == 0
    assert run(capsys, "score", str(strong), "--save", "--question", "What went wrong at your last job?")[0] == 0

    code, out, _ = run(capsys, "history", "list", "--format", "json")
    listed = json.loads(out)
    assert code == 0 and [item["id"] for item in listed] == [1, 2, 3]
    for key in ("id", "created_at", "question", "rubric", "overall", "level", "mode"):
        assert all(key in item for item in listed)
    assert listed[0]["question_id"] == "ml-incident" and "production ML system" in listed[0]["question"]
    assert listed[2]["question_id"] is None and listed[2]["question"] == "What went wrong at your last job?"
    assert listed[1]["overall"] > listed[0]["overall"] and listed[0]["mode"] == "offline"

    code, out, _ = run(capsys, "history", "list", "--question", "ml-incident")
    assert code == 0 and len(out.splitlines()) == 3  # a header and two attempts

    code, out, _ = run(capsys, "history", "show", "2", "--format", "json")
    shown = json.loads(out)
    assert code == 0 and shown["story"] == STRONG_STORY and shown["source"] == "cli"
    code, out, _ = run(capsys, "history", "show", "1")
    assert code == 0 and "missing:" in out and WEAK_STORY in out

    out_file = Path(str(coach_home)) / "export.csv"
    assert run(capsys, "history", "export", "--format", "csv", "--out", str(out_file))[0] == 0
    rows = list(csv.DictReader(io.StringIO(out_file.read_text(encoding="utf-8"))))
    assert [r["id"] for r in rows] == ["1", "2", "3"] and rows[1]["story"] == STRONG_STORY
    code, out, _ = run(capsys, "history", "export", "--format", "jsonl")
    assert code == 0 and [json.loads(line)["id"] for line in out.splitlines()] == [1, 2, 3]

    code, _, err = run(capsys, "history", "delete", "2")
    assert code == 0 and "deleted attempt 2" in err
    assert [item["id"] for item in json.loads(run(capsys, "history", "list", "--format", "json")[1])] == [1, 3]
    code, _, err = run(capsys, "history", "delete", "--all")
    assert code == 0 and "deleted 2 attempts" in err
    assert json.loads(run(capsys, "history", "list", "--format", "json")[1]) == []


def test_exit_codes_no_such_attempt_is_1_bad_usage_is_2(run_cli: RunCli, capsys: pytest.CaptureFixture[str]) -> None:
    missing = run_cli(["history", "show", "7"])
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1 and "no attempt 7" in missing.stderr
    code, _, err = run(capsys, "history", "delete", "7")
    assert code == 1 and err.count("\n") == 1
    for bad in (["history"], ["history", "delete"], ["history", "delete", "3", "--all"], ["history", "show", "abc"],
                ["history", "export"], ["history", "export", "--format", "xml"]):
        with pytest.raises(SystemExit) as exited:
            main(bad)
        err = capsys.readouterr().err
        assert exited.value.code == 2, bad
        assert "Traceback" not in err and err.count("\n") == 1, bad
    code, out, _ = run(capsys, "history", "list")
    assert code == 0 and "No attempts saved yet" in out


def test_a_damaged_file_never_stops_scoring_and_list_says_what_is_wrong(
    run_cli: RunCli, stories: tuple[Path, Path], coach_home: Path
) -> None:
    db = coach_home / "history.db"
    garbage = b"\x00\x01 this is not sqlite " * 200
    db.write_bytes(garbage)
    listed = run_cli(["history", "list"])
    assert listed.returncode == 1
    [line] = listed.stderr.splitlines()
    assert str(db) in line and "damaged" in line and "file is not a database" in line and "moved to" in line
    [aside] = coach_home.glob("history.db.damaged-*")
    assert aside.read_bytes() == garbage  # kept aside, byte for byte

    db.write_bytes(garbage)  # damaged again: now scoring with --save
    scored = run_cli(["score", str(stories[0]), "--save", "--format", "json"])
    assert scored.returncode == 0 and json.loads(scored.stdout)["overall"] >= 0
    assert "not saved" in scored.stderr and "damaged" in scored.stderr and "Traceback" not in scored.stderr
    assert sorted(p.read_bytes() == garbage for p in coach_home.glob("history.db.damaged-*")) == [True, True]
    again = run_cli(["score", str(stories[0]), "--save"])
    assert again.returncode == 0 and "saved as attempt 1" in again.stderr  # a fresh history
    notes = run_cli(["history", "list"])
    assert notes.returncode == 0 and notes.stderr.count("kept aside") == 2


def test_a_locked_file_never_stops_scoring_and_list_says_it_is_locked(run_cli: RunCli, stories: tuple[Path, Path], coach_home: Path) -> None:
    HistoryStore().add(scored_record())
    holder = sqlite3.connect(coach_home / "history.db", isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("DELETE FROM attempts WHERE id = 0")  # takes and keeps the exclusive lock
    try:
        scored = run_cli(["score", str(stories[0]), "--save"], COACH_HISTORY_TIMEOUT="0.3")
        assert scored.returncode == 0 and "STAR-L score" in scored.stdout
        assert "not saved" in scored.stderr and "locked" in scored.stderr
        listed = run_cli(["history", "list"], COACH_HISTORY_TIMEOUT="0.3")
        assert listed.returncode == 1
        [line] = listed.stderr.splitlines()
        assert "locked by another program" in line and str(coach_home / "history.db") in line
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert list(coach_home.glob("*.damaged-*")) == []


def test_an_old_history_file_is_upgraded_by_list(run_cli: RunCli, coach_home: Path) -> None:
    write_v1_history(coach_home / "history.db")
    listed = run_cli(["history", "list", "--format", "json"])
    assert listed.returncode == 0
    [old] = json.loads(listed.stdout)
    assert old["overall"] == 41 and old["final_overall"] == 47 and old["my_story"] is False


def test_history_off_saves_nothing(run_cli: RunCli, stories: tuple[Path, Path], coach_home: Path) -> None:
    result = run_cli(["score", str(stories[0]), "--save"], COACH_HISTORY="off")
    assert result.returncode == 0 and "COACH_HISTORY=off" in result.stderr
    assert not (coach_home / "history.db").exists()
    assert run_cli(["history", "path"]).stdout.strip() == str(coach_home / "history.db")


@pytest.mark.usefixtures("no_model_env")
def test_a_provider_key_in_play_never_reaches_the_database_file(
    stories: tuple[Path, Path], coach_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import httpx
    import respx

    from tests.support.llm_mocks import OPENAI_LOCAL_BASE, OPENAI_LOCAL_URL, followups_json, openai_sse

    key = "sk-test-NEVER-IN-THE-DB-8d1f0a2b"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    sent: list[str] = []

    def reply(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers.get("authorization", ""))
        # a server on this machine is streamed to (coach.config: LLMSettings.stream)
        return openai_sse([followups_json(("How many customers were affected?", ["situation.impact"]))])

    with respx.mock(assert_all_called=True) as mock:
        mock.post(OPENAI_LOCAL_URL).mock(side_effect=reply)
        code, _, err = run(capsys, "score", str(stories[0]), "--model", "openai/local", "--api-base", OPENAI_LOCAL_BASE, "--save")
    assert code == 0 and "saved as attempt 1" in err
    assert sent and key in sent[0]  # the key was really in play: LiteLLM sent it to the model
    saved = HistoryStore().get(1)
    assert (saved.mode, saved.model) == ("llm", "openai/local")
    data = b"".join(p.read_bytes() for p in coach_home.iterdir() if p.is_file())
    assert data and key.encode() not in data and b"Bearer" not in data and OPENAI_LOCAL_BASE.encode() not in data
