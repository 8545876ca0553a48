"""HTML for the Progress tab: a score chart (inline SVG), most-missed criteria, the attempts table,
two attempts side by side and the story bank. Pure functions, no gradio; user text goes through
:func:`coach.web.webview.esc` like everywhere else on the page."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence

from coach.history import AttemptRecord
from coach.web.webview import colour, empty, esc

CHART_W, CHART_H = 640, 260
_LEFT, _RIGHT, _TOP, _BOTTOM = 36, 12, 12, 30
_PALETTE = ("#0f172a", "#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d")
MISSED_SHOWN = 6


def chart(records: Sequence[AttemptRecord], titles: Mapping[str, str], names: Mapping[str, str], per_question: bool) -> str:
    """Scores over time, oldest left. One question: overall (thick) and each component; all: overall per question."""
    if not records:
        return empty("No attempts yet: score an answer on the Practice tab and it appears here.")
    n = len(records)
    plot_w, plot_h = CHART_W - _LEFT - _RIGHT, CHART_H - _TOP - _BOTTOM

    def x(i: int) -> float:
        return _LEFT + (plot_w / 2 if n == 1 else i * plot_w / (n - 1))

    def y(score: int) -> float:
        return _TOP + (100 - score) / 100 * plot_h

    parts = [
        f'<svg id="progress-svg" viewBox="0 0 {CHART_W} {CHART_H}" width="100%" role="img" '
        'aria-label="Scores over time" xmlns="http://www.w3.org/2000/svg" style="max-width:720px">'
    ]
    for level in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{_LEFT}" x2="{CHART_W - _RIGHT}" y1="{y(level):.1f}" y2="{y(level):.1f}" stroke="#e2e8f0"/>'
            f'<text x="{_LEFT - 6}" y="{y(level) + 4:.1f}" font-size="10" text-anchor="end" fill="#64748b">{level}</text>'
        )
    step = max(1, n // 12)
    for i, record in enumerate(records):
        if i % step == 0 or i == n - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{CHART_H - 10}" font-size="10" text-anchor="middle" fill="#64748b">#{record.id}</text>'
            )
    legend: list[tuple[str, str]] = []
    if per_question:
        components = list(dict.fromkeys(cid for r in records for cid in r.components))
        for cid in components:
            points = [(i, r.components[cid]) for i, r in enumerate(records) if cid in r.components]
            parts.append(_series(points, x, y, colour(cid), 1.5, f"component:{cid}", dashed=True))
            legend.append((names.get(cid, cid), colour(cid)))
        parts.append(_series([(i, r.overall) for i, r in enumerate(records)], x, y, _PALETTE[0], 3, "overall"))
        legend.insert(0, ("Overall", _PALETTE[0]))
    else:
        keys = list(dict.fromkeys(r.question_key for r in records))
        for k, key in enumerate(keys):
            ink = _PALETTE[k % len(_PALETTE)]
            points = [(i, r.overall) for i, r in enumerate(records) if r.question_key == key]
            parts.append(_series(points, x, y, ink, 2.5, "overall"))
            legend.append((titles.get(key, key), ink))
    for i, record in enumerate(records):
        tip = f"#{record.id} {record.created_at[:16].replace('T', ' ')} · {titles.get(record.question_key, '')}: {record.overall}"
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(record.overall):.1f}" r="3.5" fill="#0f172a"><title>{esc(tip)}</title></circle>'
        )
    parts.append("</svg>")
    keys_html = "".join(
        f'<span class="coach-legend-item" style="border-color:{ink}">{esc(label)}</span>' for label, ink in legend
    )
    return f'<div class="coach-progress-chart">{"".join(parts)}<div class="coach-legend">{keys_html}</div></div>'


def _series(
    points: list[tuple[int, int]], x: Callable[[int], float], y: Callable[[int], float], ink: str, width: float,
    name: str, dashed: bool = False,
) -> str:
    coords = " ".join(f"{x(i):.1f},{y(score):.1f}" for i, score in points)
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    return (
        f'<polyline class="coach-series" data-series="{esc(name)}" data-points="{len(points)}" points="{coords}" '
        f'fill="none" stroke="{ink}" stroke-width="{width}"{dash}/>'
    )


def most_missed(records: Sequence[AttemptRecord], names: Mapping[str, str]) -> str:
    """The criteria missed most often across these attempts, with how often."""
    if not records:
        return ""
    counts = Counter(cid for r in records for cid in r.criteria_missing)
    if not counts:
        return '<p class="coach-status-ok">Every criterion was met in every attempt shown.</p>'
    order = {cid: i for i, cid in enumerate(dict.fromkeys(cid for r in records for cid in (*r.criteria_met, *r.criteria_missing)))}
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], order.get(kv[0], 0)))[:MISSED_SHOWN]
    total = len(records)
    items = "".join(
        f'<li class="coach-missed" data-criterion="{esc(cid)}"><b>{esc(names.get(cid, cid))}</b> <code>{esc(cid)}</code> '
        f"— missed in {count} of {total} attempt{'s' if total != 1 else ''}</li>"
        for cid, count in ranked
    )
    return f'<ul id="missed-list">{items}</ul>'


def attempts_table(records: Sequence[AttemptRecord], titles: Mapping[str, str]) -> str:
    """Newest first: id, time, question, rubric, score (→ after follow-ups), level, mode, story bank mark."""
    if not records:
        return ""
    rows = []
    for r in reversed(records):
        score = f"{r.overall}" if r.final_overall == r.overall else f"{r.overall} → {r.final_overall}"
        pace = "" if r.delivery is None or r.delivery.words_per_minute is None else f"{r.delivery.words_per_minute:.0f} wpm"
        rows.append(
            f'<tr data-attempt="{r.id}"><td>#{r.id}</td><td>{esc(r.created_at[:16].replace("T", " "))}</td>'
            f"<td>{esc(titles.get(r.question_key, r.question))}</td><td>{esc(r.rubric)}</td><td>{score}</td>"
            f"<td>{r.level} · {esc(r.level_label)}</td><td>{esc(r.model or r.mode)}</td><td>{esc(pace)}</td>"
            f"<td>{'★' if r.my_story else ''}</td></tr>"
        )
    head = "".join(f"<th>{h}</th>" for h in ("#", "when (UTC)", "question", "rubric", "score", "level", "mode", "delivery", "my story"))
    return f'<table class="coach-compare-table" id="attempts-table"><tr>{head}</tr>{"".join(rows)}</table>'


def compare(a: AttemptRecord, b: AttemptRecord, names: Mapping[str, str], titles: Mapping[str, str]) -> str:
    """Two attempts side by side: score delta, component scores, criteria gained and lost, both texts."""
    delta = b.overall - a.overall
    sign = "+" if delta > 0 else ""
    note = ""
    if a.question_key != b.question_key:
        note = '<p class="coach-status-warn">These attempts answer different questions.</p>'
    elif a.rubric != b.rubric:
        note = '<p class="coach-status-warn">These attempts were scored with different rubrics.</p>'
    components = list(dict.fromkeys([*a.components, *b.components]))
    rows = "".join(
        f"<tr><td>{esc(names.get(cid, cid))}</td><td>{a.components.get(cid, '–')}</td><td>{b.components.get(cid, '–')}</td></tr>"
        for cid in components
    )
    gained = [cid for cid in b.criteria_met if cid in a.criteria_missing]
    lost = [cid for cid in b.criteria_missing if cid in a.criteria_met]
    flags_cleared = [f for f in a.red_flags if f not in b.red_flags]
    flags_new = [f for f in b.red_flags if f not in a.red_flags]

    def listing(ids: list[str], css: str) -> str:
        if not ids:
            return '<p class="coach-empty">none</p>'
        return "<ul>" + "".join(f'<li class="{css}">{esc(names.get(i, i))} <code>{esc(i)}</code></li>' for i in ids) + "</ul>"

    def label(r: AttemptRecord) -> str:
        return f"#{r.id} · {r.created_at[:16].replace('T', ' ')}"

    return (
        '<div class="coach-compare" id="history-compare">'
        f"{note}<div>Score: {a.overall} → <b>{b.overall}</b> <span id=\"history-delta\">({sign}{delta})</span></div>"
        f'<table class="coach-compare-table"><tr><th>component</th><th>{esc(label(a))}</th><th>{esc(label(b))}</th></tr>'
        f"<tr><td><b>overall</b></td><td>{a.overall}</td><td>{b.overall}</td></tr>{rows}</table>"
        '<div class="coach-compare-cols">'
        f'<div><h4>Criteria gained</h4>{listing(gained, "coach-flip-met")}</div>'
        f'<div><h4>Criteria lost</h4>{listing(lost, "coach-flip-missing")}</div>'
        f'<div><h4>Red flags cleared</h4>{listing(flags_cleared, "coach-flip-met")}</div>'
        f'<div><h4>New red flags</h4>{listing(flags_new, "coach-flip-missing")}</div>'
        "</div>"
        '<div class="coach-compare-cols">'
        f'<div style="flex:1"><h4>{esc(label(a))}</h4><div class="coach-story" id="compare-text-a">{esc(a.story)}</div></div>'
        f'<div style="flex:1"><h4>{esc(label(b))}</h4><div class="coach-story" id="compare-text-b">{esc(b.story)}</div></div>'
        "</div></div>"
    )


def story_bank(records: Sequence[AttemptRecord], titles: Mapping[str, str]) -> str:
    """Per question, the attempts marked "my story": its versions, oldest first, each text on request."""
    mine = [r for r in records if r.my_story]
    if not mine:
        return empty("Mark an attempt as “my story” to keep its versions here, question by question.")
    blocks = []
    for key in dict.fromkeys(r.question_key for r in mine):
        versions = [r for r in mine if r.question_key == key]
        items = "".join(
            f'<li data-attempt="{r.id}"><details><summary>version {n} · #{r.id} · '
            f'{esc(r.created_at[:10])} · {r.overall}/100</summary><div class="coach-story">{esc(r.story)}</div></details></li>'
            for n, r in enumerate(versions, 1)
        )
        blocks.append(f'<div class="coach-story-bank-question"><h4>{esc(titles.get(key, key))}</h4><ol>{items}</ol></div>')
    return f'<div id="story-bank-list">{"".join(blocks)}</div>'
