"""Scenario depth and depth probes: what a story shows beyond the STAR-L checklist.

Both are data in the question bank (rubrics/questions.yaml):

- a scenario question's ``depth`` items are the investigation steps an interviewer listens for in that
  scenario (e.g. "checked recent deployments"); the result is reported apart from the STAR-L score,
  which stays comparable across questions;
- the bank's ``probes`` are the questions a good interviewer asks even a complete story ("why roll
  back rather than fix forward?"), each asked when its ``when`` cues occur in the story (no ``when``:
  any story) and never when its ``skip`` cues show the story already answers it.

Cues are plain case-insensitive word/phrase alternations matched sentence by sentence; validation
refuses look-arounds and nested quantifiers, so a cue can never make matching slow. No criterion id
is named here: the leadership signals list the criteria they read, in the data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from coach.models import Assessment, DepthItemResult, DepthReport, FollowUp, Span
from coach.segment import segment

#: Follow-up targets of bank questions: "depth.<item id>" and "probe.<probe id>" (never a criterion id).
DEPTH_PREFIX = "depth."
PROBE_PREFIX = "probe."
_QUOTE_WORDS = 14
_MAX_EVIDENCE = 2
_LOOKAROUND = re.compile(r"\(\?<?[=!]")
_QUANTIFIER = re.compile(r"[*+?]|\{\d")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_cue(pattern: str) -> str:
    if _LOOKAROUND.search(pattern):
        raise ValueError(f"cue {pattern!r}: look-arounds are not allowed (list exceptions under skip instead)")
    if _nested_quantifier(pattern):
        raise ValueError(f"cue {pattern!r}: a quantified group holds another quantifier (slow to match)")
    try:
        re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"invalid cue {pattern!r}: {exc}") from exc
    return pattern


def _nested_quantifier(pattern: str) -> bool:
    """A quantified group that itself holds a quantifier — (a+)+, (?:\\w*s)? — can match in exponential time."""
    stack: list[bool] = []  # per open group: does it hold a quantifier?
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":  # a character class: skip to its end
            i += 2 if pattern[i + 1 : i + 2] == "]" else 1
            while i < len(pattern) and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif ch == "(":
            stack.append(False)
            if pattern.startswith("(?", i):  # (?: (?P<name> (?i) — the ? is no quantifier
                i += 2
                continue
        elif ch == ")":
            inner = stack.pop() if stack else False
            if inner and _QUANTIFIER.match(pattern, i + 1):
                return True
            if stack:
                stack[-1] = stack[-1] or inner
        elif _QUANTIFIER.match(pattern, i) and stack:
            stack[-1] = True
        i += 1
    return False


class DepthExamples(_Strict):
    """Sentences the tests run: each ``met`` one alone shows the item, no ``missing`` one does."""

    met: list[str] = Field(min_length=1)
    missing: list[str] = Field(min_length=1)


class DepthItem(_Strict):
    """One investigation step of a scenario, found when a sentence matches ``cues`` (and ``also``, if given)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    label: str = Field(min_length=1)
    cues: list[str] = Field(min_length=1)
    #: When given, the same sentence must also match one of these (e.g. "schema" near "changed").
    also: list[str] = Field(default_factory=list)
    followup: str = Field(min_length=1)
    examples: DepthExamples

    @field_validator("cues", "also")
    @classmethod
    def _cues_valid(cls, patterns: list[str]) -> list[str]:
        return [_check_cue(p) for p in patterns]


class ProbeExamples(_Strict):
    """Stories (a sentence or two) the tests run: the probe is asked of each ``asks`` one, of no ``skips`` one."""

    asks: list[str] = Field(min_length=1)
    skips: list[str] = Field(min_length=1)


class Probe(_Strict):
    """A question an interviewer asks even a complete story, chosen by what the story says."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    question: str = Field(min_length=1)
    #: Asked only when the story says one of these (empty: asked of any story); a matching sentence is quoted.
    when: list[str] = Field(default_factory=list)
    #: Which matching sentence to quote: the first (a cause is found early), the last (a fix is told late), none.
    quote: Literal["first", "last", "none"] = "first"
    #: Never asked when the story says one of these: it already answers the question.
    skip: list[str] = Field(min_length=1)
    examples: ProbeExamples

    @field_validator("when", "skip")
    @classmethod
    def _cues_valid(cls, patterns: list[str]) -> list[str]:
        return [_check_cue(p) for p in patterns]


class LeadershipSignal(_Strict):
    """A leadership signal of the guide's "interview signal", read from one rubric criterion."""

    label: str = Field(min_length=1)
    criterion: str = Field(min_length=1)
    #: What the signal means, shown when it is missing.
    missing: str = Field(min_length=1)


class Probing(_Strict):
    """What the offline interviewer asks beyond rubric gaps: a scenario's depth items and the probe bank."""

    question_id: str = ""
    title: str = ""
    depth: list[DepthItem] = Field(default_factory=list)
    probes: list[Probe] = Field(default_factory=list)


# --- matching --------------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None


def _sentences_matching(text: str, cues: Sequence[str], also: Sequence[str] = ()) -> list[Span]:
    """The sentences of ``text`` that match one of ``cues`` (and one of ``also``, when given), in order."""
    pattern, extra = _compiled(tuple(cues)), _compiled(tuple(also))
    if pattern is None:
        return []
    seg = segment(text)
    found: list[Span] = []
    for sentence in seg.sentences:
        chunk = text[sentence.start : sentence.end]
        if pattern.search(chunk) and (extra is None or extra.search(chunk)):
            found.append(Span(text=chunk, start=sentence.start, end=sentence.end))
    return found


def depth_item_met(text: str, item: DepthItem) -> list[Span]:
    """The evidence that ``text`` shows ``item`` (empty: it does not)."""
    return _sentences_matching(text, item.cues, item.also)


def assess_depth(text: str, question_id: str, title: str, items: Iterable[DepthItem]) -> DepthReport:
    results: dict[str, DepthItemResult] = {}
    for item in items:
        evidence = depth_item_met(text, item)
        results[item.id] = DepthItemResult(label=item.label, met=bool(evidence), evidence=evidence[:_MAX_EVIDENCE])
    met = sum(1 for r in results.values() if r.met)
    return DepthReport(question=question_id, title=title, met=met, total=len(results), items=results)


def probe_applies(text: str, probe: Probe) -> tuple[bool, Span | None]:
    """Whether to ask ``probe`` about ``text``, and the sentence that prompted it (None: asked of any story)."""
    if _sentences_matching(text, probe.skip):
        return False, None
    if not probe.when:
        return True, None
    prompts = _sentences_matching(text, probe.when)
    if not prompts:
        return False, None
    return True, None if probe.quote == "none" else prompts[0] if probe.quote == "first" else prompts[-1]


# --- follow-up questions ---------------------------------------------------------------------------


def depth_followups(report: DepthReport | None, items: Iterable[DepthItem]) -> list[FollowUp]:
    """One question per depth item the story does not show, in the question bank's order."""
    if report is None:
        return []
    return [
        FollowUp(question=item.followup, targets=[DEPTH_PREFIX + item.id], source="rubric")
        for item in items
        if item.id in report.items and not report.items[item.id].met
    ]


def probe_followups(text: str, probes: Iterable[Probe], asked: Iterable[str] = ()) -> list[FollowUp]:
    """The probes this story calls for, in bank order, leaving out those already asked (by target)."""
    done = set(asked)
    out: list[FollowUp] = []
    for probe in probes:
        target = PROBE_PREFIX + probe.id
        if target in done:
            continue
        applies, prompt = probe_applies(text, probe)
        if not applies:
            continue
        question = probe.question if prompt is None else f'You said "{_short_quote(prompt.text)}". {probe.question}'
        out.append(FollowUp(question=question, targets=[target], source="rubric"))
    return out


def bank_followups(
    text: str, report: DepthReport | None, probing: Probing, asked: Iterable[str] = ()
) -> list[FollowUp]:
    """Missing depth first, then the probes this story calls for; nothing whose target was asked."""
    done = set(asked)
    depth = [f for f in depth_followups(report, probing.depth) if not set(f.targets) & done]
    return depth + probe_followups(text, probing.probes, done)


def merge_followups(gaps: list[FollowUp], bank: list[FollowUp], limit: int) -> list[FollowUp]:
    """Rubric-gap questions first, but one slot kept for the first bank question (missing depth, or a
    probe of a story with no gap left), so a scenario answer always hears about its depth."""
    if not bank:
        return gaps[:limit]
    return (gaps[: limit - 1] + bank[:1] + gaps[limit - 1 :] + bank[1:])[:limit]


def is_bank_question(followup: FollowUp) -> bool:
    """A depth or probe question (asked even of a complete story), not a question about a rubric gap."""
    return bool(followup.targets) and all(t.startswith((DEPTH_PREFIX, PROBE_PREFIX)) for t in followup.targets)


def leadership(assessment: Assessment, signals: Iterable[LeadershipSignal]) -> list[tuple[LeadershipSignal, bool, list[Span]]]:
    """Each signal the assessment's rubric has, with whether its criterion is met and the evidence."""
    out: list[tuple[LeadershipSignal, bool, list[Span]]] = []
    for signal in signals:
        result = assessment.criteria.get(signal.criterion)
        if result is not None:
            out.append((signal, result.met, list(result.evidence)))
    return out


def _short_quote(text: str) -> str:
    words = text.split()
    quote = " ".join(words[:_QUOTE_WORDS]).rstrip(".,;:!?")
    return quote + ("…" if len(words) > _QUOTE_WORDS else "")
