"""One line of a rubric's cue lists, and the check every cue list passes (rubric cues, a drill's
alternative cue sets): words in the cue language (coach.rubric.cuelang), a word group with exceptions,
or a named regular expression that must be safe for the linear-time matcher (coach.rubric.linear).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from coach.rubric.cuelang import CueError, to_regexes
from coach.rubric.linear import problem


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WordGroup(_Strict):
    """Cues with word exceptions: ``store(s)``, but not right after "feature" or before "table(s)"."""

    words: list[str] = Field(min_length=1)
    not_after: list[str] = Field(default_factory=list)
    not_before: list[str] = Field(default_factory=list)


class Pattern(_Strict):
    """A regular expression, where the structure needs one (numbers, "I" as a word, gaps of any words)."""

    pattern: str
    why: str = Field(min_length=1)


#: One line of a cue list: words in the cue language (coach.rubric.cuelang), a word group, or a pattern.
Cue = str | WordGroup | Pattern


def cue_regexes(entries: list[Cue]) -> list[str]:
    """The regular expressions a cue list stands for, in order."""
    return to_regexes([e.model_dump(exclude_defaults=True) if isinstance(e, BaseModel) else e for e in entries])


def check_cues(entries: list[Cue]) -> None:
    """Each cue must read in the cue language, and each pattern be safe for the linear-time matcher
    (coach.rubric.linear). Words compile to safe expressions by construction: only patterns need the check."""
    try:
        regexes = cue_regexes(entries)
    except CueError as exc:
        raise ValueError(str(exc)) from exc
    if len(regexes) == len(entries) and all(isinstance(e, str) for e in entries):
        return
    for entry in entries:
        if isinstance(entry, str):
            continue
        for regex in cue_regexes([entry]):
            why = problem(regex)
            if why is not None:
                raise ValueError(why)


def _checked(entries: list[Cue]) -> list[Cue]:
    check_cues(entries)
    return entries


#: A cue list as data files hold it, checked when the file loads (see :func:`check_cues`).
CueList = Annotated[list[Cue], AfterValidator(_checked)]
