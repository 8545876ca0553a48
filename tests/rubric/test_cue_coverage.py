"""Every cue line is exercised by an example of its own criterion, or allowed in tests/data with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.interviewer.questions import load_questions
from coach.rubric.loader import available_rubrics, load_rubric
from tests.support.cue_coverage import bank_unexercised, unexercised

ALLOWED = Path(__file__).resolve().parent.parent / "data" / "unexercised_cues.txt"
BANK_ALLOWED = Path(__file__).resolve().parent.parent / "data" / "unexercised_bank_cues.txt"


def _allowed(path: Path = ALLOWED) -> set[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line for line in lines if line and not line.startswith("#")}


def test_every_cue_is_exercised_or_allowed() -> None:
    found = {line for rubric_id in available_rubrics() for line in unexercised(load_rubric(rubric_id))}
    new = sorted(found - _allowed())
    assert not new, "cues no example exercises (add an example sentence):\n" + "\n".join(new[:20])


def test_the_allowed_list_only_shrinks() -> None:
    found = {line for rubric_id in available_rubrics() for line in unexercised(load_rubric(rubric_id))}
    stale = sorted(line for line in _allowed() - found)
    assert not stale, "exercised now or removed, take them off tests/data/unexercised_cues.txt:\n" + "\n".join(stale[:20])


@pytest.mark.parametrize("path", [ALLOWED, BANK_ALLOWED], ids=["rubrics", "bank"])
def test_the_header_gives_the_reason(path: Path) -> None:
    assert "allowed because" in path.read_text(encoding="utf-8")


def test_every_bank_cue_is_exercised_or_allowed() -> None:
    found = set(bank_unexercised(load_questions()))
    new = sorted(found - _allowed(BANK_ALLOWED))
    assert not new, "question-bank cues no example exercises (add an example):\n" + "\n".join(new[:20])
    stale = sorted(_allowed(BANK_ALLOWED) - found)
    assert not stale, "exercised now or removed, take them off " + BANK_ALLOWED.name + ":\n" + "\n".join(stale[:20])
