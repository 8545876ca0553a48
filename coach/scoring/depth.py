"""Scenario depth and depth probes: what a story shows beyond the STAR-L checklist.

Both are data in the question bank (rubrics/questions.yaml):

- a scenario question's ``depth`` items are the investigation steps an interviewer listens for in that
  scenario (e.g. "checked recent deployments"); the result is reported apart from the STAR-L score,
  which stays comparable across questions;
- the bank's ``probes`` are the questions a good interviewer asks even a complete story ("why roll
  back rather than fix forward?"), each asked when its ``when`` cues occur in the story (no ``when``:
  any story) and never when its ``skip`` cues show the story already answers it.

Cues are lists in the rubric's cue language (coach.rubric.cuelang: one word or phrase a line, ``{pattern, why}``
only where structure needs one), matched sentence by sentence by the linear-time engine, so a cue in a
user's bank can never make matching slow. No criterion id
is named here: the leadership signals list the criteria they read, in the data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from coach.models import Assessment, DepthItemResult, DepthReport, FollowUp, Span
from coach.rubric.cues import Cue, CueList
from coach.rubric.linear import LinearPattern
from coach.scoring.matching import Doc, compile_cues
from coach.scoring.segment import segment

#: Follow-up targets of bank questions: "depth.<item id>" and "probe.<probe id>" (never a criterion id).
DEPTH_PREFIX = "depth."
PROBE_PREFIX = "probe."
_QUOTE_WORDS = 14
_MAX_EVIDENCE = 2
_CUE: TypeAdapter[Cue] = TypeAdapter(Cue)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DepthExamples(_Strict):
    """Sentences the tests run: each ``met`` one alone shows the item, no ``missing`` one does."""

    met: list[str] = Field(min_length=1)
    missing: list[str] = Field(min_length=1)


class DepthItem(_Strict):
    """One investigation step of a scenario, found when a sentence matches ``cues`` (and ``also``, if given)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    label: str = Field(min_length=1)
    cues: CueList = Field(min_length=1)
    #: When given, the same sentence must also match one of these (e.g. "schema" near "changed").
    also: CueList = Field(default_factory=list)
    followup: str = Field(min_length=1)
    examples: DepthExamples


class ProbeExamples(_Strict):
    """Stories (a sentence or two) the tests run: the probe is asked of each ``asks`` one, of no ``skips`` one."""

    asks: list[str] = Field(min_length=1)
    skips: list[str] = Field(min_length=1)


class Probe(_Strict):
    """A question an interviewer asks even a complete story, chosen by what the story says."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    question: str = Field(min_length=1)
    #: Asked only when the story says one of these (empty: asked of any story); a matching sentence is quoted.
    when: CueList = Field(default_factory=list)
    #: Which matching sentence to quote: the first (a cause is found early), the last (a fix is told late), none.
    quote: Literal["first", "last", "none"] = "first"
    #: Never asked when the story says one of these: it already answers the question.
    skip: CueList = Field(min_length=1)
    examples: ProbeExamples


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


def _story(text: str) -> Doc:
    """A story segmented once for all the depth items and probes asked of it."""
    return Doc(segment(text))


def _sentences_matching(doc: Doc, cues: Sequence[Cue], also: Sequence[Cue] = ()) -> list[Span]:
    """The sentences of the story that match one of ``cues`` (and one of ``also``, when given), in order."""
    pattern = _compiled(cues)
    if pattern is None:
        return []
    found = doc.sentences_matching(pattern)
    if also:
        found &= doc.sentences_matching(_compiled(also))
    text, sentences = doc.text, doc.seg.sentences
    return [Span(text=text[s.start : s.end], start=s.start, end=s.end) for s in (sentences[i] for i in sorted(found))]


def _compiled(entries: Sequence[Cue]) -> LinearPattern | None:
    # Word cues are their own key; a mapping (frozen, but it holds lists) is keyed by its JSON.
    return _compiled_list(tuple((e, "") if isinstance(e, str) else ("", e.model_dump_json()) for e in entries))


@lru_cache(maxsize=512)
def _compiled_list(entries: tuple[tuple[str, str], ...]) -> LinearPattern | None:
    """Compiled once per distinct list."""
    return compile_cues([word or _CUE.validate_json(mapping) for word, mapping in entries])


def depth_item_met(text: str, item: DepthItem) -> list[Span]:
    """The evidence that ``text`` shows ``item`` (empty: it does not)."""
    return _sentences_matching(_story(text), item.cues, item.also)


def assess_depth(text: str, question_id: str, title: str, items: Iterable[DepthItem]) -> DepthReport:
    doc = _story(text)
    results: dict[str, DepthItemResult] = {}
    for item in items:
        evidence = _sentences_matching(doc, item.cues, item.also)
        results[item.id] = DepthItemResult(label=item.label, met=bool(evidence), evidence=evidence[:_MAX_EVIDENCE])
    met = sum(1 for r in results.values() if r.met)
    return DepthReport(question=question_id, title=title, met=met, total=len(results), items=results)


def probe_applies(text: str, probe: Probe) -> tuple[bool, Span | None]:
    """Whether to ask ``probe`` about ``text``, and the sentence that prompted it (None: asked of any story)."""
    return _probe_applies(_story(text), probe)


def _probe_applies(doc: Doc, probe: Probe) -> tuple[bool, Span | None]:
    if _sentences_matching(doc, probe.skip):
        return False, None
    if not probe.when:
        return True, None
    prompts = _sentences_matching(doc, probe.when)
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
    doc = _story(text)
    out: list[FollowUp] = []
    for probe in probes:
        target = PROBE_PREFIX + probe.id
        if target in done:
            continue
        applies, prompt = _probe_applies(doc, probe)
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
