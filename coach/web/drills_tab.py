"""The web app's Drills tab as plain functions (no gradio here; coach.web.ui lays it out).

Incident-communication drills: choose a drill (executive update, technical update, postmortem), get
an incident brief from the bank (rubrics/briefs.yaml), write the message under the drill's word
budget, and see the rubric's checklist with quoted evidence, the format's expected order beside the
order you wrote, and red flags. A model message can be revealed; Try again compares attempts. The
score always comes from the rubric; with a model configured at start, the model may suggest a
rewrite (coach.interviewer.llm, prompts/drill_rewrite_*.j2), which is shown as prose and never scored for you.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from coach.errors import CoachError, LLMError
from coach.interviewer.prompts import STORY_CLOSE, STORY_OPEN, Message, grounding, quote_story, render, render_static
from coach.models import Assessment
from coach.rubric.briefs import Brief, BriefBank, load_briefs
from coach.rubric.briefs import DRILLS as DRILLS  # re-exported for coach.web.ui
from coach.rubric.loader import Criterion, Rubric
from coach.scoring.scorer import score
from coach.scoring.segment import words
from coach.web import webview as view
from coach.web.practice import PracticeServices, settings_from_form

#: A drill message is a few lines; anything longer is a paste gone wrong.
MAX_MESSAGE_CHARS = 6000
_MAX_REWRITE_CHARS = 4000


@runtime_checkable
class Rewriter(Protocol):
    """What the tab needs of a model client (coach.interviewer.llm.LiteLLMInterviewer has it): one plain completion."""

    name: str

    def complete(self, messages: list[Message]) -> str: ...


@dataclass(frozen=True)
class DrillAttempt:
    drill: str
    brief_id: str
    message: str
    assessment: Assessment


@dataclass
class DrillState:
    attempts: list[DrillAttempt] = field(default_factory=list)

    def previous(self, drill: str, brief_id: str) -> DrillAttempt | None:
        """The last attempt at this drill on this brief (what a new attempt is compared with)."""
        return next((a for a in reversed(self.attempts) if a.drill == drill and a.brief_id == brief_id), None)


@dataclass
class DrillView:
    """Everything a scoring shows, in coach.web.ui's order."""

    status: str
    budget: str = ""
    score: str = ""
    checklist: str = ""
    order: str = ""
    flags: str = ""
    compare: str = ""
    state: DrillState = field(default_factory=DrillState)

    def values(self) -> list[object]:
        return [self.status, self.budget, self.score, self.checklist, self.order, self.flags, self.compare, self.state]


def drill_choices(services: PracticeServices) -> list[tuple[str, str]]:
    return [(services.load_rubric(drill).name, drill) for drill in DRILLS]


def brief_choices(bank: BriefBank) -> list[tuple[str, str]]:
    return [(f"{brief.title} ({brief.scenario})", brief.id) for brief in bank.briefs]


def next_brief(bank: BriefBank, brief_id: str | None) -> str:
    """The brief after ``brief_id`` in the bank, wrapping around: "Another brief"."""
    ids = [brief.id for brief in bank.briefs]
    return ids[(ids.index(brief_id) + 1) % len(ids)] if brief_id in ids else ids[0]


def brief_panel(services: PracticeServices, bank: BriefBank, drill: str | None, brief_id: str | None) -> tuple[str, str]:
    """(the brief with the drill's expected order, the word budget) for the chosen drill and brief."""
    try:
        rubric, brief = _drill(services, drill), _brief(bank, brief_id)
    except (CoachError, KeyError) as exc:
        return view.status(_reason(exc), "error"), ""
    expected = " → ".join(rubric.criterion(cid).name for cid in _sequence(rubric))
    body = (
        f'<div class="drill-brief"><div class="drill-brief-title"><b>{view.esc(brief.title)}</b> '
        f'<span class="coach-empty">({view.esc(brief.scenario)})</span></div>'
        f'<p id="drill-brief-body">{view.esc(brief.brief)}</p>'
        f'<div class="drill-task"><b>{view.esc(rubric.question)}</b> Format: '
        f'<span id="drill-expected-format">{view.esc(expected)}</span></div></div>'
    )
    return body, budget(rubric, "")


def budget(rubric: Rubric, message: str) -> str:
    """The drill's word budget with the message's count (kept live in the page by BUDGET_JS)."""
    limits = _length(rubric)
    count = len(words(message))
    if limits is None:
        return (
            f'<div id="drill-budget-box" data-max-words="0">Words: <span id="drill-words">{count}</span> '
            '<span class="coach-empty">· no word budget: an outline with short sections</span></div>'
        )
    max_words = limits.params.max_words or 0
    state = "over" if max_words and count > max_words else "ok"
    sentences = f" · at most {limits.params.max_sentences} sentences" if limits.params.max_sentences else ""
    return (
        f'<div id="drill-budget-box" data-max-words="{max_words}" data-state="{state}">Word budget: '
        f'<span id="drill-words">{count}</span> / <span id="drill-max-words">{max_words}</span> words{sentences}</div>'
    )


def score_drill(
    services: PracticeServices, bank: BriefBank, drill: str | None, brief_id: str | None, message: str | None,
    state: DrillState | None,
) -> DrillView:
    """Score a drill message with its rubric; bad input becomes a sentence in the page, never an exception."""
    state = state or DrillState()
    text = (message or "").strip()
    try:
        rubric, brief = _drill(services, drill), _brief(bank, brief_id)
    except (CoachError, KeyError) as exc:
        return DrillView(status=view.status(_reason(exc), "error"), state=state)
    if not text:
        return DrillView(status=view.status("Write your message first: the brief above says what you know.", "error"),
                         budget=budget(rubric, ""), state=state)
    if len(text) > MAX_MESSAGE_CHARS:
        return DrillView(status=view.status(
            f"That is {len(text):,} characters; a drill message is a few lines (the limit here is {MAX_MESSAGE_CHARS:,}).",
            "error"), budget=budget(rubric, text), state=state)
    assessment = score(text, rubric)
    before = state.previous(rubric.id, brief.id)
    attempts = [*state.attempts, DrillAttempt(rubric.id, brief.id, text, assessment)]
    number = sum(1 for a in attempts if a.drill == rubric.id and a.brief_id == brief.id)
    compare = (
        view.comparison(before.assessment, assessment, rubric, f"attempt {number - 1}", f"attempt {number}")
        if before is not None
        else view.empty("Press Try again and write it once more: your attempts are compared here.")
    )
    return DrillView(
        status=view.status(f"Scored by the {rubric.name} rubric (offline, deterministic).", "ok"),
        budget=budget(rubric, text),
        score=view.score_card(assessment, attempt=number, previous=before.assessment.overall if before else None),
        checklist=view.checklist(assessment, rubric),
        order=order_panel(assessment, rubric),
        flags=view.red_flags(assessment, rubric),
        compare=compare,
        state=DrillState(attempts),
    )


def order_panel(assessment: Assessment, rubric: Rubric) -> str:
    """The format's expected order beside the order the message tells its elements in."""
    sequence = _sequence(rubric)
    present = [
        (assessment.criteria[cid].evidence[0].start, cid)
        for cid in sequence
        if assessment.criteria[cid].met and assessment.criteria[cid].evidence
    ]
    yours = [cid for _, cid in sorted(present)]
    missing = [cid for cid in sequence if cid not in yours]
    expected_items = "".join(f"<li>{view.esc(rubric.criterion(cid).name)}</li>" for cid in sequence)
    your_items = "".join(f'<li data-criterion="{view.esc(cid)}">{view.esc(rubric.criterion(cid).name)}</li>' for cid in yours)
    order = next((c for c in rubric.criteria() if c.detector == "order"), None)
    in_order = assessment.criteria[order.id].met if order else yours == [cid for cid in sequence if cid in yours]
    verdict = (
        '<p id="drill-order-verdict" class="coach-status-ok">✓ in the format\'s order</p>'
        if in_order
        else f'<p id="drill-order-verdict" class="coach-status-error">✗ out of order: {view.esc(order.followup if order else "follow the expected order")}</p>'
    )
    absent = (
        f'<p class="coach-empty" id="drill-order-missing">Not in your message: '
        f'{view.esc(", ".join(rubric.criterion(cid).name for cid in missing))}</p>'
        if missing else ""
    )
    return (
        '<div class="coach-compare-cols drill-order">'
        f'<div><h4>Expected order</h4><ol id="drill-order-expected">{expected_items}</ol></div>'
        f'<div><h4>Your order</h4><ol id="drill-order-yours">{your_items or "<li class=coach-empty>none found</li>"}</ol>'
        f"{absent}</div></div>{verdict}"
    )


def reveal_model(services: PracticeServices, bank: BriefBank, drill: str | None, brief_id: str | None) -> str:
    """The bank's model message for this drill and brief, with its own score (it is graded too)."""
    try:
        rubric, brief = _drill(services, drill), _brief(bank, brief_id)
    except (CoachError, KeyError) as exc:
        return view.status(_reason(exc), "error")
    text = brief.model.for_drill(rubric.id)
    graded = score(text, rubric)
    return (
        f'<div class="drill-model"><div class="coach-empty">A model message for this brief — '
        f'it scores {graded.overall}/100 on the same rubric:</div>'
        f'<div id="drill-model-text" class="coach-story">{view.esc(text)}</div></div>'
    )


def try_again(state: DrillState | None) -> tuple[str, str, str, str]:
    """Clear the message for another attempt; the last attempt stays for the comparison. Returns
    (status, message, model panel, rewrite panel)."""
    done = len(state.attempts) if state else 0
    note = "Write it again: the next score is compared with your last attempt." if done else "Write your message below."
    return view.status(note, "info"), "", "", ""


def rewrite_available(services: PracticeServices) -> str | None:
    """The model configured at start (the operator's), or None: the rewrite button shows only with one."""
    settings = settings_from_form(services.default_model, services.default_api_base, services.default_offline)
    return settings.model if settings is not None else None


def suggest_rewrite(
    services: PracticeServices, bank: BriefBank, drill: str | None, brief_id: str | None, message: str | None
) -> str:
    """A rewrite suggested by the configured model, as prose beside the score it never changes."""
    text = (message or "").strip()
    try:
        rubric, brief = _drill(services, drill), _brief(bank, brief_id)
        settings = settings_from_form(services.default_model, services.default_api_base, services.default_offline)
        if settings is None:
            return view.status("Offline: no model is configured, so there is no rewrite suggestion. The model message shows a strong answer.", "info")
        if not text:
            return view.status("Write your message first; the model suggests a rewrite of it.", "error")
        interviewer = services.interviewer_for(settings)
        if not isinstance(interviewer, Rewriter):
            return view.status(f"{settings.model} cannot suggest rewrites here; the rubric's checklist says what to add.", "warn")
        reply = interviewer.complete(rewrite_messages(text[:MAX_MESSAGE_CHARS], brief, score(text, rubric), rubric))
    except (CoachError, KeyError) as exc:
        return view.status(_reason(exc), "warn" if isinstance(exc, LLMError) else "error")
    reply = reply.strip()[:_MAX_REWRITE_CHARS]
    if not reply:
        return view.status("The model returned nothing; the rubric's checklist says what to add.", "warn")
    return (
        view.status(f"Suggested by {settings.model}. The score comes from the rubric only: paste it in and score it to see.", "info")
        + f'<div id="drill-rewrite-text" class="coach-coaching">{view.esc(reply)}</div>'
    )


def rewrite_messages(message: str, brief: Brief, assessment: Assessment, rubric: Rubric) -> list[Message]:
    markers = {"story_open": STORY_OPEN, "story_close": STORY_CLOSE}
    limits = _length(rubric)
    system = render_static(
        "drill_rewrite_system", format=rubric.description, limits=limits.description if limits else "none", **markers
    )
    grounded = grounding(assessment, rubric)
    user = render(
        "drill_rewrite_user", drill_name=rubric.name, brief=quote_story(brief.brief), story=quote_story(message),
        missing=grounded["missing"], flags=grounded["flags"], **markers,
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def default_bank() -> BriefBank:
    return load_briefs()


def _drill(services: PracticeServices, drill: str | None) -> Rubric:
    if drill not in DRILLS:
        raise KeyError(f"Choose a drill: {', '.join(DRILLS)}.")
    return services.load_rubric(drill)


def _brief(bank: BriefBank, brief_id: str | None) -> Brief:
    return bank.get(brief_id or "")


def _sequence(rubric: Rubric) -> list[str]:
    """The format's elements in order: the order criterion's sequence, else every criterion that quotes evidence."""
    order = next((c for c in rubric.criteria() if c.detector == "order"), None)
    if order is not None:
        return list(order.params.sequence)
    return [c.id for c in rubric.criteria() if c.detector not in {"length", "order"} and c.params.max_hits is None]


def _length(rubric: Rubric) -> Criterion | None:
    return next((c for c in rubric.criteria() if c.detector == "length"), None)


def _reason(exc: BaseException) -> str:
    return str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
