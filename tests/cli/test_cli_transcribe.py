"""`coach transcribe`: JSON shape, readable output, exit codes, light imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from coach.cli import main
from tests.support.speech_audio import ROOT, STORY, speak

ENV = {"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}


def coach(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "coach", *args], capture_output=True, text=True, env=ENV,
                          cwd=ROOT, timeout=120)


@pytest.mark.parametrize("name", ["answer.mp3", "missing.wav"])
def test_bad_audio_exits_1_with_one_line_and_no_traceback(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".mp3"):
        path.write_text("this is a text file, renamed\n")
    result = coach("transcribe", str(path), "--json")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"coach: error: {path}: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_bad_usage_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["transcribe", "x.wav", "--backend", "cloud"])
    assert caught.value.code == 2
    monkeypatch.setenv("COACH_STT_BACKEND", "cloud")
    assert main(["transcribe", str(tmp_path / "x.wav")]) == 2
    assert "speech backend 'cloud' is unknown" in capsys.readouterr().err


def test_the_command_module_imports_no_speech_or_llm_library() -> None:
    code = ("import sys, coach.cli; coach.cli.build_parser(); "
            "print(sorted(m for m in ('faster_whisper', 'av', 'ctranslate2', 'litellm', 'gradio', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_json_and_text_output_on_real_speech(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wav = speak(STORY, tmp_path / "story.wav")
    assert main(["transcribe", str(wav), "--json", "--score"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert {"text", "duration_s", "words_per_minute", "fillers", "filler_count"} <= payload.keys()
    assert isinstance(payload["fillers"], dict) and payload["filler_count"] == sum(payload["fillers"].values())
    assert payload["backend"] == "local" and payload["words"][0].keys() == {"text", "start", "end"}
    assert payload["delivery"]["pace_range_wpm"] == [130, 160]
    assert payload["assessment"]["rubric"] == "star-l" and payload["assessment"]["criteria"]["result.resolution"]["met"]

    assert main(["transcribe", str(wav), "--score"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Transcript (local: tiny.en, ")
    assert "Delivery:" in text and "Pace: " in text and "words/min" in text and "STAR-L score: " in text
