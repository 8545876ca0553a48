"""Texts for checking the linear-time matcher against Python's re: every cue list of the shipped rubric,
the words of its examples, odd Unicode, and a Hypothesis strategy of word salad made of them."""

from __future__ import annotations

import re

from hypothesis import strategies as st

from coach.rubric.loader import Criterion, RedFlag, Rubric, cue_regexes, load_rubric

RUBRIC = load_rubric()


def _cue_lists(rubric: Rubric) -> list[tuple[str, ...]]:
    lists = [rubric.topic_cues]
    items: list[Criterion | RedFlag] = [*rubric.criteria(), *rubric.red_flags]
    for item in items:
        cues = item.cues
        lists += [cues.any, cues.late, cues.unless, cues.steps, *cues.also]
    return [tuple(cue_regexes(entries)) for entries in lists if entries]


LISTS = _cue_lists(RUBRIC)
ODD = ["İ", "ı", "ſ", "K", "ß", "é", "e\u0301", "\u200b", "\u00a0", "\x0b", "\x1c", "１２", "٣", "€", "£", "$", "%",
       "—", "’", "😀", "\n"]
WORDS = sorted(
    {w for p in RUBRIC.criteria() for s in p.examples.met_texts() + p.examples.missing for w in re.findall(r"\S+", s)}
    | {w for f in RUBRIC.red_flags for s in f.examples.met_texts() + f.examples.missing for w in re.findall(r"\S+", s)}
    | {"I", "i", "we", "The", "feature store", "data store", "customer features", "pricing team", "checked in",
       "checked logs", "with Sam", "with Sam Lee", "i.e.", "I'm", "’I", "fix the issue", "fix the cache", "2pm"}
)


#: Stories of up to 50 pieces: rubric words, odd characters, spaces and punctuation.
WORD_SALAD = st.lists(st.sampled_from(WORDS + ODD + [" ", ". ", ", ", "\n", "-", "'"]), max_size=50)
