"""`coach score` end to end: output formats, the JSON contract, stdin, and every bad input → one line + exit code."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from coach.cli import main
from coach.interviewer.questions import load_questions
from tests.support.contract_ids import COMPONENTS, CRITERIA, LEVEL_LABELS, RED_FLAGS
from tests.support.core_stories import STRONG

LABELS = set(LEVEL_LABELS)

pytestmark = pytest.mark.usefixtures("no_model_env")


@pytest.fixture
def story_file(tmp_path: Path) -> Path:
    path = tmp_path / "story.txt"
    path.write_text(STRONG, encoding="utf-8")
    return path


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def _one_error_line(err: str) -> str:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    assert lines[0].startswith("coach") and "error" in lines[0], lines[0]
    return lines[0]


def assert_contract(data: dict) -> None:
    """The JSON contract of DESIGN.md, checked key by key."""
    assert data["rubric"] == "star-l"
    assert isinstance(data["overall"], int) and 0 <= data["overall"] <= 100
    assert isinstance(data["level"], int) and 1 <= data["level"] <= 5
    assert data["level_label"] in LABELS
    assert list(data["components"]) == COMPONENTS
    for component in data["components"].values():
        assert isinstance(component["score"], int) and 0 <= component["score"] <= 100
    assert list(data["criteria"]) == CRITERIA
    for result in data["criteria"].values():
        assert isinstance(result["met"], bool)
        assert isinstance(result["evidence"], list)
        for span in result["evidence"]:
            assert set(span) >= {"text", "start", "end"}
            assert isinstance(span["start"], int) and isinstance(span["end"], int)
    assert list(data["red_flags"]) == RED_FLAGS
    for flag in data["red_flags"].values():
        assert isinstance(flag["raised"], bool) and isinstance(flag["evidence"], list)
    assert isinstance(data["followups"], list)
    for followup in data["followups"]:
        assert isinstance(followup["question"], str) and followup["question"].strip()
        assert isinstance(followup["targets"], list)
        assert followup["source"] in {"rubric", "llm"}
    assert data["mode"] == "offline"
    assert isinstance(data["notices"], list)


# --- output formats, in process ---------------------------------------------------------------------


def test_json_output_follows_the_contract(story_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(story_file), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    data = json.loads(out)
    assert_contract(data)
    for result in data["criteria"].values():
        for span in result["evidence"]:
            assert STRONG[span["start"] : span["end"]] == span["text"]
    # Followups offline come from the rubric and target real criterion ids, or the question bank's probes.
    probes = {f"probe.{p.id}" for p in load_questions().probes}
    for followup in data["followups"]:
        assert followup["source"] == "rubric"
        assert set(followup["targets"]) <= set(CRITERIA) | set(RED_FLAGS) | probes


def test_json_for_a_vague_story_has_rubric_followups(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "vague.txt"
    path.write_text(
        "I was on call when the model broke. We fixed it and it worked again after a while. "
        "The team was happy and we moved on to other work after the problem was gone for good.",
        encoding="utf-8",
    )
    assert main(["score", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert_contract(data)
    assert 1 <= len(data["followups"]) <= 3
    assert all(f["targets"] for f in data["followups"])


def test_text_report_has_score_checklist_and_mode(story_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(story_file)]) == 0
    out = capsys.readouterr().out
    assert "STAR-L score:" in out and "/100" in out
    assert "mode: offline" in out
    for cid in CRITERIA:
        assert f"[{cid}]" in out
    assert "✓" in out


def test_markdown_report(story_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(story_file), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# STAR-L score:")
    assert "| component | score | criteria met |" in out
    assert "- [x]" in out
    for cid in CRITERIA:
        assert f"`{cid}`" in out


def test_stdin_dash(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _stdin(monkeypatch, STRONG.encode("utf-8"))
    assert main(["score", "-", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert_contract(data)


def test_stdin_and_file_give_the_same_json(
    story_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["score", str(story_file), "--format", "json"]) == 0
    from_file = capsys.readouterr().out
    _stdin(monkeypatch, STRONG.encode("utf-8"))
    assert main(["score", "-", "--format", "json"]) == 0
    assert capsys.readouterr().out == from_file


def test_explicit_offline_flag_with_a_model_configured(
    story_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COACH_MODEL", "openai/never-called")
    assert main(["score", str(story_file), "--format", "json", "--offline"]) == 0
    assert json.loads(capsys.readouterr().out)["mode"] == "offline"


# --- bad input: one clear line on stderr, the contract's exit code ----------------------------------


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


BAD_INPUTS = {
    "empty": (b"", "empty"),
    "whitespace": (b"  \n\t  \r\n ", "empty"),
    "one_megabyte": (b"word " * 200_000, "too long"),
    # 1 + 2k bytes: the size cap cuts a character in half; still "too long", not "invalid UTF-8".
    "one_megabyte_multibyte": (("a" + "\u00e9" * 500_000).encode("utf-8"), "too long"),
    "binary": (bytes(range(256)) * 64, "binary"),
    "invalid_utf8": (b"I was on call \xff\xfe when the model broke", "UTF-8"),
    "latin1": ("The caf\u00e9 ordering model broke".encode("latin-1"), "UTF-8"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_file(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, words = BAD_INPUTS[case]
    path = _write(tmp_path, f"{case}.txt", data)
    assert main(["score", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    line = _one_error_line(err)
    assert str(path) in line
    assert words.lower() in line.lower()


@pytest.mark.parametrize("case", ["empty", "whitespace", "binary", "invalid_utf8"])
def test_bad_input_on_stdin(case: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    data, words = BAD_INPUTS[case]
    _stdin(monkeypatch, data)
    assert main(["score", "-"]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "<stdin>" in line and words.lower() in line.lower()


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.txt"
    assert main(["score", str(missing)]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert str(missing) in line and "no such file" in line


def test_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(tmp_path)]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "folder" in line


def test_unknown_rubric_id(story_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(story_file), "--rubric", "no-such-rubric"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    line = _one_error_line(err)
    assert "no-such-rubric" in line and "star-l" in line  # names the unknown id and the known ones


def test_broken_rubric_yaml_names_file_and_line(
    story_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rubric = tmp_path / "broken.yaml"
    rubric.write_text("id: broken\nname: Broken\ncomponents: [\n  - id: x\n", encoding="utf-8")
    assert main(["score", str(story_file), "--rubric", str(rubric)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert str(rubric) in line
    assert "line " in line and "YAML" in line


def test_invalid_rubric_names_file_and_field(
    story_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], repo_root: Path
) -> None:
    good = (repo_root / "rubrics" / "star-l.yaml").read_text(encoding="utf-8")
    bad = good.replace("  - id: situation\n    name: Situation\n    weight: 1.0\n", "  - id: situation\n    name: Situation\n    weight: heavy\n", 1)
    assert bad != good
    rubric = tmp_path / "bad-weight.yaml"
    rubric.write_text(bad, encoding="utf-8")
    assert main(["score", str(story_file), "--rubric", str(rubric)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert str(rubric) in line and "components[situation].weight" in line


def test_missing_rubric_path(story_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(story_file), "--rubric", str(tmp_path / "gone.yaml")]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "gone.yaml" in line and "not found" in line


@pytest.mark.parametrize(
    "argv",
    [
        ["score", "story.txt", "--bogus"],
        ["score", "story.txt", "--format", "pdf"],
        ["no-such-command"],
        [],
    ],
    ids=["unknown-flag", "bad-format", "unknown-command", "no-command"],
)
def test_bad_usage_exits_2_with_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    _one_error_line(err)


# --- through a real process -------------------------------------------------------------------------


def test_subprocess_json_from_a_file(run_cli, story_file: Path) -> None:  # type: ignore[no-untyped-def]
    proc = run_cli(["score", str(story_file), "--format", "json"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert_contract(json.loads(proc.stdout))


def test_subprocess_stdin_text_report(run_cli) -> None:  # type: ignore[no-untyped-def]
    proc = run_cli(["score", "-"], input=STRONG)
    assert proc.returncode == 0, proc.stderr
    assert "STAR-L score:" in proc.stdout


def test_subprocess_bad_input_and_usage(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    binary = _write(tmp_path, "model.bin", bytes(range(256)) * 8)
    proc = run_cli(["score", str(binary)])
    assert proc.returncode == 1
    assert "binary" in _one_error_line(proc.stderr)
    proc = run_cli(["score", "-", "--rubric", "nope"], input=STRONG)
    assert proc.returncode == 2
    assert "nope" in _one_error_line(proc.stderr)
    proc = run_cli(["score", "--bogus"])
    assert proc.returncode == 2
    _one_error_line(proc.stderr)
