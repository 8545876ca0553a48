"""Technical depth and leadership, rendered as HTML panels for the web app (the CLI's text and
Markdown show depth through coach/templates/score.*.j2).

Depth is shown apart from the STAR-L score (it is not part of it). Every piece of story text goes
through coach.web.webview.esc.
"""

from __future__ import annotations

from collections.abc import Iterable

from coach.models import Assessment, DepthReport
from coach.scoring.depth import LeadershipSignal, leadership
from coach.web import webview as view


def depth_panel(report: DepthReport | None) -> str:
    """The web app's technical-depth panel: which investigation steps of the scenario the story shows."""
    if report is None:
        return view.empty("Pick a scenario question (gradual degradation, sudden drop, latency spike, silent "
                          "failure) to see which investigation steps your story shows.")
    items = []
    for item_id, item in report.items.items():
        mark, css = ("✓", "met") if item.met else ("✗", "unmet")
        detail = view.quotes(item.evidence, limit=1) if item.met else '<div class="coach-missing">not shown yet</div>'
        items.append(
            f'<li class="coach-criterion coach-{css}" data-depth="{view.esc(item_id)}" data-met="{str(item.met).lower()}">'
            f'<span class="coach-mark">{mark}</span> {view.esc(item.label)}{detail}</li>'
        )
    return (
        f'<div class="coach-depth"><div class="coach-depth-head"><b>{view.esc(report.title)}</b>: '
        f'<span id="depth-count">{report.met}/{report.total}</span> investigation steps '
        '<span class="coach-empty">(not part of the STAR-L score)</span></div>'
        f'<ul>{"".join(items)}</ul></div>'
    )


def leadership_panel(assessment: Assessment, signals: Iterable[LeadershipSignal]) -> str:
    """The leadership panel: ownership, communication, stakeholders, process, read from rubric criteria."""
    shown = leadership(assessment, signals)
    if not shown:
        return view.empty("This rubric has no leadership signals.")
    items = []
    for signal, met, evidence in shown:
        mark, css = ("✓", "met") if met else ("✗", "unmet")
        detail = view.quotes(evidence, limit=1) if met else f'<div class="coach-missing">{view.esc(signal.missing)}</div>'
        items.append(
            f'<li class="coach-criterion coach-{css}" data-signal="{view.esc(signal.label.lower())}" '
            f'data-met="{str(met).lower()}"><span class="coach-mark">{mark}</span> <b>{view.esc(signal.label)}</b>{detail}</li>'
        )
    met_count = sum(1 for _, met, _ in shown if met)
    return (
        f'<div class="coach-leadership"><div><span id="leadership-count">{met_count}/{len(shown)}</span> leadership signals</div>'
        f'<ul>{"".join(items)}</ul></div>'
    )
