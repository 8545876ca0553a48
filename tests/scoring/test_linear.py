"""Linear-time cue matching (coach/rubric/linear.py): same matches as ``re``, and no rubric can hang scoring."""

from __future__ import annotations

import copy
import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings

from coach.cli import main
from coach.rubric.linear import LinearPattern, ascii_view, compile_linear, problem
from coach.rubric.loader import Cues, Pattern, load_rubric
from coach.scoring.matching import Doc, compile_any, runs_on_lowered
from coach.scoring.scorer import _compiled, score
from coach.scoring.segment import segment
from tests.support import core_stories
from tests.support.cue_texts import LISTS, WORD_SALAD

RUBRIC = load_rubric()


def _expected(patterns: tuple[str, ...], pattern: LinearPattern, doc: Doc) -> list[tuple[int, int]]:
    text = doc._lowered() if runs_on_lowered(pattern) else doc.text
    return [m.span() for m in re.compile(pattern.pattern, pattern.flags).finditer(text)]


def _check(text: str) -> None:
    doc = Doc(segment(text))
    for patterns in LISTS:
        pattern = compile_any(patterns)
        assert pattern is not None
        assert doc.matches(pattern) == _expected(patterns, pattern, doc), (pattern.pattern[:80], text[:80])


@pytest.mark.parametrize(
    "text",
    [core_stories.STRONG, core_stories.TRANSCRIPT, core_stories.TEAM_CONFLICT, core_stories.STRONG.upper(),
     core_stories.STRONG.replace("i", "İ"), core_stories.TRANSCRIPT.replace("s", "ſ"), "", "I", "i.e. we",
     "The feature store and our stores; pricing team and pricing. I checked in, then checked logs with Sam Lee."],
)
def test_rubric_cues_match_as_re_does(text: str) -> None:
    _check(text)


@settings(max_examples=120, deadline=None)
@given(WORD_SALAD)
def test_rubric_cues_match_as_re_does_on_word_salad(pieces: list[str]) -> None:
    _check(" ".join(pieces))
    _check("".join(pieces))


def test_the_view_keeps_offsets_and_classes() -> None:
    text = "İstanbul’s café — \u212a\u00a0٣ ok"
    view, chars = ascii_view(text, fold=True)
    assert chars is not None and chars[-1] == len(text)
    assert view.decode("utf-8") == "istanbul’s caf_ — k\f9 ok"
    assert ascii_view("plain text", fold=False) == (b"plain text", None)


@pytest.mark.parametrize(
    ("pattern", "why"),
    [("(a+)+$", "nested repetition"), (r"(\w+\s?)*x", "nested repetition"), (r"(a)\1", "back-references"),
     (r"(?:(?<!x)a)+", "inside a repeated group"), (r"a(?!\w*\w*z)", "one thing at most"), ("café", "non-ASCII"),
     ("(", "invalid regular expression")],
)
def test_unsafe_cues_are_rejected(pattern: str, why: str) -> None:
    found = problem(pattern)
    assert found is not None and why in found


@pytest.mark.parametrize("pattern", [r"\bcheck(?:ed|ing)?\b", r"(?:the\s+|an?\s+)*owner", r"(?<![\w'])[Ii] was\b",
                                     r"\bpricing(?! team)", r"\$\s?\d"])
def test_ordinary_cues_are_accepted(pattern: str) -> None:
    assert problem(pattern) is None


# RE2 takes one path through a group of choices; a look-around on that path that fails must not hide
# the group's other choices (re tries them), and an author's own capture must not shift which
# look-around is checked where.
@pytest.mark.parametrize(
    ("pattern", "text"),
    [(r"(?:^|(?<=: )|(?<=- ))contacted", "x: contacted y - contacted z"),
     (r"(?:foo(?!bar)|fo)o?", "foobar"),
     (r"(?:(?<=a )b|c)?d", "a bd cd xd"),
     (r"(?:(?<=a )b|c)??d", "a bd cd xd"),
     (r"x(?:(?<=x)(?:a|(?<!q)b)|c)y", "xay xby xcy"),
     (r"(i)n(?!i)", "inx ini"),
     (r"(?P<first>i)n(?!i)", "inx ini"),
     (r"\b(?:we|I)(?: then)? (?:paged|(?<!not )called)\b", "I then paged, we called, I did not called")],
)
def test_a_look_around_among_choices_matches_as_re_does(pattern: str, text: str) -> None:
    assert problem(pattern) is None
    linear = compile_any((pattern,))
    assert linear is not None
    doc = Doc(segment(text))
    want = _expected((pattern,), linear, doc)
    assert want and doc.matches(linear) == want


def test_too_many_choices_around_look_arounds_are_rejected() -> None:
    pattern = "".join(f"(?:(?<={a}){b}|{c})" for a, b, c in ("abc", "def", "ghi", "jkl", "mno", "pqr", "stu"))
    found = problem(pattern)
    assert found is not None and "too many choices" in found


def _hostile_rubric(tmp_path: Path) -> Path:
    data: dict[str, Any] = copy.deepcopy(yaml.safe_load(Path(RUBRIC_PATH).read_text(encoding="utf-8")))
    data["components"][0]["criteria"][0]["cues"]["any"].append({"pattern": "(a+)+$", "why": "hostile"})
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


RUBRIC_PATH = Path(__file__).resolve().parent.parent.parent / "rubrics" / "star-l.yaml"


def test_validate_rejects_a_hostile_cue_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _hostile_rubric(tmp_path)
    assert main(["rubrics", "validate", str(path)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert str(path) in lines[0] and "situation.context" in lines[0] and "nested repetition" in lines[0]


@pytest.mark.timeout(60)
def test_a_hostile_rubric_cannot_hang_scoring() -> None:
    """Even cues that slipped past validation (built directly) run in linear time."""
    raw = [Pattern.model_construct(pattern=p, why="hostile") for p in ["(a+)+$", r"(\w+\s?)*$", r"(?:a|a)*b"]]
    hostile = Cues.model_construct(**{**Cues().model_dump(), "any": raw,
                                      "unless": [Pattern.model_construct(pattern=r"(x+x+)+y", why="hostile")]})
    first = RUBRIC.components[0]
    criterion = first.criteria[0].model_copy(update={"cues": hostile})
    component = first.model_copy(update={"criteria": [criterion, *first.criteria[1:]]})
    rubric = RUBRIC.model_copy(update={"components": [component, *RUBRIC.components[1:]]})
    _compiled(rubric)  # compiling is not what is timed
    for story in ["a" * 50_000, "aaaa " * 10_000, "x" * 49_999 + "!", ("I was paged. " * 4000)[:50_000]]:
        # CPU time, not wall time: backtracking burns CPU, while a busy shared machine only stretches the wall.
        started = time.process_time()
        score(story, rubric)
        assert time.process_time() - started < 1.0, story[:20]


def test_compiled_patterns_are_shared() -> None:
    assert compile_linear(("\\bfoo\\b",)) is compile_linear(("\\bfoo\\b",))
    assert compile_linear(()) is None


def test_the_direct_search_finds_what_the_public_search_finds() -> None:
    import re2

    from coach.rubric.linear import portable_searcher, searcher

    regex = re2.compile(rb"\b(?:chec(k)|(user)s?)\b")
    view = b"we check users, checks and a user"
    fast, portable = searcher(regex), portable_searcher(regex)
    for pos in range(len(view) + 1):
        assert fast(view, pos) == portable(view, pos)
