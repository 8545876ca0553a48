"""The cue language (coach/rubric/cuelang.py), the shipped rubrics written in it, and the migration script."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from coach.rubric.cuelang import CueError, compile_words, to_regexes
from coach.rubric.linear import problem
from coach.rubric.loader import available_rubrics, cue_regexes, load_rubric, parse_rubric_text

ROOT = Path(__file__).resolve().parent.parent.parent
MIGRATE = ROOT / "scripts" / "migrate_rubric.py"


@pytest.mark.parametrize(
    ("cue", "finds", "misses"),
    [
        ("dashboard", ["the dashboard showed"], ["dashboards", "mydashboard"]),
        ("customer(s)", ["a customer", "customers saw"], ["customerservice"]),
        ("check(ed|ing)", ["check", "checked it", "checking"], ["checks", "checker"]),
        ("on(-| )call", ["oncall", "on-call", "on call"], ["on  call"]),
        ("organi{s|z}ation", ["organisation", "organization"], ["organiation"]),
        ("{page|alert}(d|ed)", ["paged", "alerted", "page"], ["pager"]),
        ("restor*", ["restore", "restoring"], ["unrestored"]),
        ("restor+", ["restored"], ["restor now"]),
        ("affect…", ["affected", "affect"], ["unaffected"]),
        ("root cause", ["the root cause was"], ["root  cause", "rootcause"]),
        ("$", ["cost $5"], ["five dollars"]),
    ],
)
def test_cues_find_what_they_say(cue: str, finds: list[str], misses: list[str]) -> None:
    pattern = re.compile(compile_words(cue), re.IGNORECASE)
    assert problem(pattern.pattern) is None
    for text in finds:
        assert pattern.search(text), (cue, text)
    for text in misses:
        assert not pattern.search(text), (cue, text)


def test_word_groups_carry_their_exceptions() -> None:
    [store] = to_regexes([{"words": ["store(s)"], "not_after": ["feature"], "not_before": ["table(s)"]}])
    pattern = re.compile(store, re.IGNORECASE)
    assert pattern.search("our stores were empty") and pattern.search("the store")
    assert not pattern.search("the feature store broke") and not pattern.search("store tables")


@pytest.mark.parametrize(
    ("entry", "message"),
    [("two  spaces", "single spaces"), (" padded", "single spaces"), ("a*b", "end a cue"),
     ("caf\u00e9", "non-ASCII"), ("x(|y)", "empty choice"), ("back\\slash", "not allowed"),
     ({"pattern": "\\bx"}, "why"), ({"words": []}, "list of cues"), ({"words": ["a"], "nope": 1}, "unknown key")],
)
def test_bad_cues_are_named(entry: object, message: str) -> None:
    with pytest.raises(CueError, match=message):
        to_regexes([entry])


def test_shipped_cues_compile_to_safe_patterns() -> None:
    for rubric_id in available_rubrics():
        rubric = load_rubric(rubric_id)
        items = [*rubric.criteria(), *rubric.red_flags]
        lists = [rubric.topic_cues] + [lst for it in items for lst in
                                        (it.cues.any, it.cues.late, it.cues.unless, it.cues.steps, *it.cues.also)]
        for entries in lists:
            for regex in cue_regexes(entries):
                assert problem(regex) is None, regex


# The briefs bank is not a rubric: its model messages are literal blocks whose line breaks are the message.
_RUBRIC_FILES = sorted(p for p in (ROOT / "rubrics").glob("*.yaml") if not p.name.startswith("briefs"))


@pytest.mark.parametrize("path", _RUBRIC_FILES, ids=lambda p: p.name)
def test_no_rubric_line_is_longer_than_120_characters(path: Path) -> None:
    long = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if len(line) > 120]
    assert not long, f"{path.name}: lines {long[:10]} are over 120 characters"


def test_most_cues_are_words_not_patterns() -> None:
    rubric = load_rubric("star-l")
    entries = [e for it in [*rubric.criteria(), *rubric.red_flags]
               for lst in (it.cues.any, it.cues.late, it.cues.unless, it.cues.steps, *it.cues.also) for e in lst]
    words = sum(1 for e in entries if not hasattr(e, "pattern"))
    assert words / len(entries) > 0.85


OLD = r"""
# Old format: regular expressions.
id: old
name: Old
question: Tell me about it.
levels: [{level: 1, label: low, min_score: 0}]
components:
  - id: situation
    name: Situation
    weight: 1
    criteria:
      - id: situation.context
        name: Context
        description: d
        followup: What happened?
        cues:
          any:
            - '\b(?:models?|pipelines?|fail(?:ed|ing)?|restor\w+|on[- ]?call|(?<!feature )stores?)\b(?! (?:tables?|ids?))'
            - '\b\d{1,2}\s?[ap]m\b'
        examples:
          met: [The model failed at 2am.]
          missing: [Nothing happened.]
red_flags:
  - id: red_flag.no_metrics
    name: No metrics
    description: d
    detector: no_metrics
    cues: {any: ['\b(?:users?|revenue)\b']}
    followup: How much?
    examples: {met: [It went fine.], missing: [We lost 5% of revenue.]}
"""


def _migrate(tmp_path: Path, text: str, *extra: str) -> str:
    old = tmp_path / "old.yaml"
    old.write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, str(MIGRATE), str(old), *extra], capture_output=True, text=True, check=True)
    return done.stdout


def test_migration_keeps_what_the_cues_find(tmp_path: Path) -> None:
    new_text = _migrate(tmp_path, OLD)
    new = parse_rubric_text(new_text)
    old_any = yaml.safe_load(OLD)["components"][0]["criteria"][0]["cues"]["any"]
    old_pattern = re.compile("|".join(f"(?:{p})" for p in old_any), re.IGNORECASE)
    new_pattern = re.compile("|".join(f"(?:{p})" for p in cue_regexes(new.criteria()[0].cues.any)), re.IGNORECASE)
    for text in ["the models failed", "feature store", "our stores", "store tables", "restored at 3pm",
                 "oncall", "on-call", "the pipeline", "failing", "restor"]:
        assert [m.span() for m in old_pattern.finditer(text)] == [m.span() for m in new_pattern.finditer(text)], text
    flag = new.red_flags[0]
    assert flag.detector == "absent_measured" and flag.absent_when_met == []
    assert new.components[0].heading_words and new.components[0].colour


def test_migration_is_idempotent_and_keeps_marked_examples(tmp_path: Path) -> None:
    once = _migrate(tmp_path, OLD)
    twice = _migrate(tmp_path, once)
    assert once == twice
    edited = tmp_path / "edited.yaml"
    edited.write_text(once.replace("The model failed at 2am.", "'[The model failed] at 2am.'"), encoding="utf-8")
    again = _migrate(tmp_path, OLD, "--examples-from", str(edited))
    assert "[The model failed] at 2am." in again
