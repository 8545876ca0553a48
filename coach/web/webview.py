"""HTML fragments for the web app: score, component chart, highlighted story, checklist, flags, delivery.

Pure functions from assessments to strings, no gradio here. Every piece of user-derived text (the
story, quotes from it, answers, transcripts, model prose, notices) goes through :func:`esc`, which
escapes HTML and also the characters gradio's HTML templates treat specially (``$ { }``), so a story
can never inject markup or script. No external assets: colours and bars are inline CSS.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from coach.errors import RubricError
from coach.models import Assessment, Span
from coach.rubric.loader import Rubric, load_rubric
from coach.textfmt import clip, clock

#: Two minutes: the length interviewers expect for a behavioral answer.
TARGET_SECONDS = 120
#: Speaking rates (words per minute) that listeners follow comfortably.
COMFORTABLE_WPM = (110, 170)
_MAX_QUOTE = 220

_FALLBACK_COLOUR = "#64748b"
_TEMPLATE_CHARS = str.maketrans({"$": "&#36;", "{": "&#123;", "}": "&#125;", "`": "&#96;"})


def esc(text: object) -> str:
    """HTML-escape ``text`` (quotes too) and neutralise template syntax (``${…}``, ``{{…}}``)."""
    return html.escape(str(text), quote=True).translate(_TEMPLATE_CHARS)


def colours(assessment: Assessment, rubric: Rubric | None = None) -> dict[str, str]:
    """Component id → its colour from the rubric (``colour:``), grey where the rubric gives none."""
    if rubric is None:
        try:
            rubric = load_rubric(assessment.rubric)
        except RubricError:
            return {}
    return {c.id: c.colour for c in rubric.components if c.colour}


def colour(component_id: str | None, palette: dict[str, str] | None = None) -> str:
    return (palette or {}).get(component_id or "", _FALLBACK_COLOUR)


def mode_label(assessment: Assessment) -> str:
    """What produced this result: "offline rubric", or the model that asked the questions."""
    if assessment.mode == "llm" and assessment.model:
        return f"model {assessment.model} (score from the rubric)"
    return "offline rubric"


def empty(message: str, elem: str = "p") -> str:
    return f'<{elem} class="coach-empty">{esc(message)}</{elem}>'


def score_card(assessment: Assessment, attempt: int | None = None, previous: int | None = None) -> str:
    a = assessment
    change = ""
    if previous is not None:
        delta = a.overall - previous
        sign = "+" if delta > 0 else ""
        change = f' <span class="coach-delta" id="score-delta">({sign}{delta})</span>'
    label = f"Attempt {attempt} · " if attempt else ""
    notices = "".join(f'<li class="coach-notice">{esc(n)}</li>' for n in a.notices)
    return (
        '<div class="coach-score">'
        f'<div class="coach-score-main"><span id="overall-score">{a.overall}</span>/100'
        f"{change}</div>"
        f'<div class="coach-level" id="score-level">{esc(label)}level {a.level} · {esc(a.level_label)}</div>'
        f'<div class="coach-mode" id="score-mode">mode: {esc(mode_label(a))}</div>'
        + (f'<ul class="coach-notices" id="notices">{notices}</ul>' if notices else "")
        + "</div>"
    )


def component_chart(assessment: Assessment, rubric: Rubric | None = None) -> str:
    """One horizontal bar per component, width = score, plain CSS."""
    palette = colours(assessment, rubric)
    rows = []
    for cid, result in assessment.components.items():
        rows.append(
            f'<div class="coach-bar-row" data-component="{esc(cid)}">'
            f'<span class="coach-bar-label">{esc(result.name)}</span>'
            f'<span class="coach-bar-track"><span class="coach-bar" '
            f'style="width:{int(result.score)}%;background:{colour(cid, palette)}"></span></span>'
            f'<span class="coach-bar-value">{int(result.score)} · {result.met}/{result.total}</span>'
            "</div>"
        )
    return f'<div class="coach-chart">{"".join(rows)}</div>'


def highlighted_story(story: str, assessment: Assessment, rubric: Rubric | None = None) -> str:
    """The story with each sentence coloured by the STAR-L component it was attributed to."""
    palette = colours(assessment, rubric)
    legend = "".join(
        f'<span class="coach-legend-item" style="border-color:{colour(cid, palette)}">{esc(c.name)}</span>'
        for cid, c in assessment.components.items()
    )
    parts: list[str] = []
    cursor = 0
    for segment in sorted(assessment.segments, key=lambda s: s.start):
        start, end = max(segment.start, cursor), min(segment.end, len(story))
        if start >= end:
            continue
        if start > cursor:
            parts.append(esc(story[cursor:start]))
        text = esc(story[start:end])
        if segment.component:
            name = assessment.components[segment.component].name if segment.component in assessment.components else segment.component
            parts.append(
                f'<mark class="coach-seg" data-component="{esc(segment.component)}" title="{esc(name)}" '
                f'style="background:{colour(segment.component, palette)}22;'
                f'border-bottom:3px solid {colour(segment.component, palette)}">'
                f"{text}</mark>"
            )
        else:
            parts.append(f'<span class="coach-seg coach-seg-none">{text}</span>')
        cursor = end
    if cursor < len(story):
        parts.append(esc(story[cursor:]))
    return f'<div class="coach-legend">{legend}</div><div class="coach-story">{"".join(parts)}</div>'


def checklist(assessment: Assessment, rubric: Rubric) -> str:
    palette = colours(assessment, rubric)
    blocks = []
    for component in rubric.components:
        result = assessment.components.get(component.id)
        items = []
        for criterion in component.criteria:
            outcome = assessment.criteria.get(criterion.id)
            if outcome is None:
                continue
            mark, css = ("✓", "met") if outcome.met else ("✗", "unmet")
            detail = quotes(outcome.evidence) if outcome.met else f'<div class="coach-missing">missing: {esc(criterion.description)}</div>'
            items.append(
                f'<li class="coach-criterion coach-{css}" data-criterion="{esc(criterion.id)}" data-met="{str(outcome.met).lower()}">'
                f'<span class="coach-mark">{mark}</span> <b>{esc(criterion.name)}</b> '
                f'<code>{esc(criterion.id)}</code>{detail}</li>'
            )
        score = f" — {result.score}/100" if result else ""
        blocks.append(
            f'<div class="coach-component"><h4 style="color:{colour(component.id, palette)}">{esc(component.name)}{score}</h4>'
            f'<ul>{"".join(items)}</ul></div>'
        )
    return f'<div class="coach-checklist">{"".join(blocks)}</div>'


def red_flags(assessment: Assessment, rubric: Rubric) -> str:
    raised = [(flag, assessment.red_flags[flag.id]) for flag in rubric.red_flags if flag.id in assessment.red_flags and assessment.red_flags[flag.id].raised]
    if not raised:
        return '<div class="coach-flags coach-flags-none">No red flags.</div>'
    items = "".join(
        f'<li class="coach-flag" data-flag="{esc(flag.id)}">⚑ <b>{esc(flag.name)}</b> <code>{esc(flag.id)}</code>: '
        f"{esc(flag.description)}{quotes(result.evidence)}</li>"
        for flag, result in raised
    )
    return f'<div class="coach-flags"><ul>{items}</ul></div>'


def quotes(spans: Iterable[Span], limit: int = 2) -> str:
    out = "".join(f'<blockquote class="coach-quote">“{esc(clip(span.text, _MAX_QUOTE))}”</blockquote>' for span in list(spans)[:limit])
    return out


def delivery(duration_s: float, words_per_minute: float | None, fillers: dict[str, int], filler_count: int) -> str:
    """Delivery metrics for a spoken answer, each with what good looks like."""
    minutes = duration_s / 60 if duration_s > 0 else 0
    over = duration_s > TARGET_SECONDS * 1.25
    under = duration_s < TARGET_SECONDS * 0.5
    length_note = "longer than the 2-minute target: tighten it" if over else "shorter than the 2-minute target: add detail" if under else "about the 2-minute target"
    low, high = COMFORTABLE_WPM
    if words_per_minute is None:  # no speaking time was measured
        pace, pace_note = "not measured", "no speaking time to measure it over"
    else:
        pace = f"{words_per_minute:.0f} words/min"
        pace_note = "fast: slow down" if words_per_minute > high else "slow: pick up the pace" if words_per_minute < low else "comfortable"
    rate = filler_count / minutes if minutes else 0.0
    top = ", ".join(f"{esc(word)} ×{count}" for word, count in sorted(fillers.items(), key=lambda kv: (-kv[1], kv[0]))[:5] if count)
    return (
        '<div class="coach-delivery">'
        f'<div>Length: <b id="delivery-duration">{clock(duration_s)}</b> — {length_note}</div>'
        f'<div>Pace: <b id="delivery-wpm">{pace}</b> — {pace_note} ({low}–{high} is easy to follow)</div>'
        f'<div>Fillers: <b id="delivery-fillers">{filler_count}</b> ({rate:.1f}/min){": " + top if top else ""}</div>'
        "</div>"
    )


def coaching(text: str, *, done: bool = True) -> str:
    cursor = "" if done else '<span class="coach-cursor">▍</span>'
    return f'<div class="coach-coaching">{esc(text)}{cursor}</div>'


def hints_html(symptoms: list[str], causes: list[str], investigation: list[str]) -> str:
    sections = [("Symptoms to describe", symptoms), ("Common causes", causes), ("Investigation steps", investigation)]
    body = "".join(
        f"<h4>{esc(title)}</h4><ul>{''.join(f'<li>{esc(item)}</li>' for item in items)}</ul>" for title, items in sections if items
    )
    return f'<div class="coach-hints">{body or "No hints for this question."}</div>'


def comparison(
    before: Assessment, after: Assessment, rubric: Rubric, before_label: str, after_label: str
) -> str:
    """The last two attempts side by side: scores, the change, and the criteria that flipped."""
    delta = after.overall - before.overall
    sign = "+" if delta > 0 else ""
    rows = "".join(
        f"<tr><td>{esc(c.name)}</td><td>{before.components[cid].score if cid in before.components else '–'}</td>"
        f"<td>{c.score}</td></tr>"
        for cid, c in after.components.items()
    )
    now_met = [c for c in rubric.criteria() if c.id in before.criteria and c.id in after.criteria and not before.criteria[c.id].met and after.criteria[c.id].met]
    now_missing = [c for c in rubric.criteria() if c.id in before.criteria and c.id in after.criteria and before.criteria[c.id].met and not after.criteria[c.id].met]

    def listing(items: list[object], css: str, empty_text: str) -> str:
        if not items:
            return f'<p class="coach-empty">{esc(empty_text)}</p>'
        return "<ul>" + "".join(f'<li class="{css}">{esc(getattr(i, "name"))} <code>{esc(getattr(i, "id"))}</code></li>' for i in items) + "</ul>"

    return (
        '<div class="coach-compare">'
        '<div class="coach-compare-head">Each attempt as first told, before follow-up answers. '
        f'Score: {before.overall} → <b>{after.overall}</b> '
        f'<span id="compare-delta">({sign}{delta})</span></div>'
        f'<table class="coach-compare-table"><tr><th>component</th><th>{esc(before_label)}</th><th>{esc(after_label)}</th></tr>'
        f"<tr><td><b>overall</b></td><td>{before.overall}</td><td>{after.overall}</td></tr>{rows}</table>"
        f'<div class="coach-compare-cols"><div><h4>Newly met</h4>{listing(list(now_met), "coach-flip-met", "none")}</div>'
        f'<div><h4>Now missing</h4>{listing(list(now_missing), "coach-flip-missing", "none")}</div></div>'
        "</div>"
    )


def status(message: str, kind: str = "info") -> str:
    """A one-line status for errors and progress; kind is info, ok, warn or error."""
    if not message:
        return ""
    return f'<div class="coach-status coach-status-{esc(kind)}">{esc(message)}</div>'

