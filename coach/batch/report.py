"""Cohort statistics and the batch report (HTML with inline SVG charts, or Markdown).

The statistics are counters fed one :class:`AnswerSummary` at a time, so they can be built while a
run writes its output, or afterwards by re-reading the output file (which is how a resumed run gets a
report over every line, old and new). Only the answers table grows with the cohort, and it is capped.

The HTML page is self-contained: inline CSS and SVG, no scripts, no external assets. Every piece of
user text (ids, error messages) goes through ``html.escape``; in Markdown through ``coach.textfmt.md_cell``.
"""

from __future__ import annotations

import html
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from coach.batch.writers import AnswerSummary
from coach.rubric import Rubric
from coach.textfmt import md_cell

#: Rows shown in the answers table; the statistics always cover every answer.
TABLE_LIMIT = 5_000
TOP_MISSING = 3
_BINS = 10


@dataclass
class TableRow:
    id: str
    overall: int | None
    level: str
    top_missing: tuple[str, ...]
    error: str | None


@dataclass
class Cohort:
    """Running statistics over the answers of one output."""

    rubric: Rubric
    table_limit: int = TABLE_LIMIT
    scored: int = 0
    errors: int = 0
    total_score: int = 0
    histogram: list[int] = field(default_factory=lambda: [0] * _BINS)
    met: Counter[str] = field(default_factory=Counter)
    flags: Counter[str] = field(default_factory=Counter)
    levels: Counter[str] = field(default_factory=Counter)
    modes: Counter[str] = field(default_factory=Counter)
    table: list[TableRow] = field(default_factory=list)
    _rank: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Missing criteria are listed heaviest first: what costs the answer the most points.
        for component in self.rubric.components:
            total = sum(c.weight for c in component.criteria)
            for criterion in component.criteria:
                self._rank[criterion.id] = component.weight * criterion.weight / total

    @property
    def answers(self) -> int:
        return self.scored + self.errors

    def add(self, summary: AnswerSummary) -> None:
        if summary.error is not None:
            self.errors += 1
            self._table(TableRow(summary.id, None, "", (), summary.error))
            return
        self.scored += 1
        self.total_score += summary.overall
        self.histogram[min(summary.overall // (100 // _BINS), _BINS - 1)] += 1
        self.met.update(summary.met)
        self.flags.update(summary.flags)
        self.levels[summary.level_label or str(summary.level)] += 1
        self.modes[summary.mode] += 1
        top = tuple(sorted(summary.missing, key=lambda cid: -self._rank.get(cid, 0))[:TOP_MISSING])
        self._table(TableRow(summary.id, summary.overall, summary.level_label, tuple(sys.intern(c) for c in top), None))

    def _table(self, row: TableRow) -> None:
        if len(self.table) < self.table_limit:
            self.table.append(row)

    def mean(self) -> float | None:
        return self.total_score / self.scored if self.scored else None

    def hit_rates(self) -> list[tuple[str, str, float]]:
        """(criterion id, name, share of scored answers meeting it), most-missed first."""
        rates = [(c.id, c.name, self.met[c.id] / self.scored if self.scored else 0.0) for c in self.rubric.criteria()]
        return sorted(rates, key=lambda item: item[2])

    def most_missed(self, n: int = 3) -> list[tuple[str, float]]:
        return [(cid, 1 - rate) for cid, _, rate in self.hit_rates()[:n]] if self.scored else []

    def level_counts(self) -> list[tuple[str, int]]:
        return [(lv.label, self.levels[lv.label]) for lv in sorted(self.rubric.levels, key=lambda lv: lv.level)]

    def flag_counts(self) -> list[tuple[str, str, int]]:
        return [(f.id, f.name, self.flags[f.id]) for f in self.rubric.red_flags]


def cohort_of(summaries: Iterable[AnswerSummary], rubric: Rubric) -> Cohort:
    cohort = Cohort(rubric)
    for summary in summaries:
        cohort.add(summary)
    return cohort


# ── HTML ─────────────────────────────────────────────────────────────────────────────────────────

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1000px;
padding:0 1rem;color:#1d2733}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #dde3ea}
.muted{color:#5c6b7a}.cards{display:flex;gap:1rem;flex-wrap:wrap}
.card{border:1px solid #dde3ea;border-radius:8px;padding:.6rem 1rem;min-width:8rem}
.card b{display:block;font-size:1.5rem}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{text-align:left;padding:.3rem .5rem;
border-bottom:1px solid #edf0f3;vertical-align:top}td.num{text-align:right}.err{color:#a4262c}
svg text{font:12px system-ui,sans-serif;fill:#1d2733}
"""


def to_html(cohort: Cohort, title: str = "Batch report") -> str:
    e = html.escape
    mean = cohort.mean()
    cards = [
        ("answers", str(cohort.answers)),
        ("scored", str(cohort.scored)),
        ("errors", str(cohort.errors)),
        ("mean score", f"{mean:.1f}" if mean is not None else "–"),
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f'<p class="muted">Rubric: {e(cohort.rubric.name)} ({e(cohort.rubric.id)}). '
        "Scores come from the deterministic rubric scorer.</p>",
        '<div class="cards">' + "".join(f"<div class=card><b>{e(v)}</b>{e(k)}</div>" for k, v in cards) + "</div>",
        "<h2>Score distribution</h2>",
        _histogram_svg(cohort.histogram),
        "<h2>Levels</h2>",
        _bars_svg([(label, count, str(count)) for label, count in cohort.level_counts()], max(cohort.scored, 1)),
        "<h2>Criteria: share of answers meeting each (most-missed first)</h2>",
        _bars_svg(
            [(f"{name} ({cid})", rate, f"{rate:.0%}") for cid, name, rate in cohort.hit_rates()], 1.0, label_width=400
        ),
        "<h2>Red flags raised</h2>",
        _bars_svg([(f"{name} ({fid})", count, str(count)) for fid, name, count in cohort.flag_counts()],
                  max(cohort.scored, 1), label_width=400),
        "<h2>Answers</h2>",
    ]
    if cohort.answers > len(cohort.table):
        parts.append(f'<p class="muted">The first {len(cohort.table):,} of {cohort.answers:,} answers.</p>')
    parts.append("<table><thead><tr><th>id</th><th>score</th><th>level</th><th>top missing</th></tr></thead><tbody>")
    for row in cohort.table:
        if row.error is not None:
            parts.append(f'<tr><td>{e(row.id)}</td><td colspan=3 class="err">error: {e(row.error)}</td></tr>')
        else:
            missing = ", ".join(row.top_missing) or "—"
            parts.append(
                f'<tr><td>{e(row.id)}</td><td class="num">{row.overall}</td><td>{e(row.level)}</td>'
                f"<td>{e(missing)}</td></tr>"
            )
    parts += ["</tbody></table>", "</body></html>", ""]
    return "\n".join(parts)


def _histogram_svg(bins: list[int]) -> str:
    width, height, pad, base = 640, 200, 30, 170
    peak = max(bins) or 1
    bar = (width - 2 * pad) / len(bins)
    out = [f'<svg role="img" aria-label="score histogram" width="{width}" height="{height + 10}" '
           f'viewBox="0 0 {width} {height + 10}" xmlns="http://www.w3.org/2000/svg">']
    for i, count in enumerate(bins):
        h = (base - 20) * count / peak
        x = pad + i * bar
        out.append(f'<rect x="{x + 2:.1f}" y="{base - h:.1f}" width="{bar - 4:.1f}" height="{h:.1f}" fill="#3b6ea5">'
                   f"<title>{i * 10}–{i * 10 + 9 if i < len(bins) - 1 else 100}: {count}</title></rect>")
        out.append(f'<text x="{x + bar / 2:.1f}" y="{base - h - 4:.1f}" text-anchor="middle">{count}</text>')
        out.append(f'<text x="{x + bar / 2:.1f}" y="{base + 16}" text-anchor="middle">{i * 10}</text>')
    out.append(f'<line x1="{pad}" y1="{base}" x2="{width - pad}" y2="{base}" stroke="#8896a4"/>')
    out.append(f'<text x="{width / 2}" y="{base + 34}" text-anchor="middle">overall score</text></svg>')
    return "".join(out)


def _bars_svg(items: list[tuple[str, float, str]], scale: float, label_width: int = 140) -> str:
    """Horizontal bars: (label, value, value text); labels are escaped here."""
    row, bar_width = 22, 360
    height = row * len(items) + 6
    width = label_width + bar_width + 60
    out = [f'<svg role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           'xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value, text) in enumerate(items):
        y = i * row + 4
        w = bar_width * (value / scale if scale else 0)
        out.append(f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end">{html.escape(label)}</text>')
        out.append(f'<rect x="{label_width}" y="{y + 2}" width="{w:.1f}" height="{row - 6}" fill="#3b6ea5"/>')
        out.append(f'<text x="{label_width + w + 6:.1f}" y="{y + 14}">{html.escape(text)}</text>')
    out.append("</svg>")
    return "".join(out)


# ── Markdown ─────────────────────────────────────────────────────────────────────────────────────


def to_markdown(cohort: Cohort, title: str = "Batch report") -> str:
    mean = cohort.mean()
    lines = [
        f"# {md_cell(title)}",
        "",
        f"Rubric: {md_cell(cohort.rubric.name)} (`{cohort.rubric.id}`). Answers: {cohort.answers}, scored: "
        f"{cohort.scored}, errors: {cohort.errors}, mean score: {f'{mean:.1f}' if mean is not None else '–'}.",
        "",
        "## Score distribution",
        "",
        "| score | answers | |",
        "|---|---:|---|",
    ]
    peak = max(cohort.histogram) or 1
    for i, count in enumerate(cohort.histogram):
        upper = 100 if i == _BINS - 1 else i * 10 + 9
        lines.append(f"| {i * 10}–{upper} | {count} | {'█' * round(20 * count / peak)} |")
    lines += ["", "## Levels", "", "| level | answers |", "|---|---:|"]
    lines += [f"| {md_cell(label)} | {count} |" for label, count in cohort.level_counts()]
    lines += ["", "## Criteria (most-missed first)", "", "| criterion | id | met by |", "|---|---|---:|"]
    lines += [f"| {md_cell(name)} | `{cid}` | {rate:.0%} |" for cid, name, rate in cohort.hit_rates()]
    lines += ["", "## Red flags", "", "| red flag | id | raised |", "|---|---|---:|"]
    lines += [f"| {md_cell(name)} | `{fid}` | {count} |" for fid, name, count in cohort.flag_counts()]
    lines += ["", "## Answers", ""]
    if cohort.answers > len(cohort.table):
        lines += [f"The first {len(cohort.table):,} of {cohort.answers:,} answers.", ""]
    lines += ["| id | score | level | top missing |", "|---|---:|---|---|"]
    for row in cohort.table:
        if row.error is not None:
            lines.append(f"| {md_cell(row.id)} | | error | {md_cell(row.error)} |")
        else:
            lines.append(f"| {md_cell(row.id)} | {row.overall} | {md_cell(row.level)} | {md_cell(', '.join(row.top_missing) or '—')} |")
    return "\n".join(lines) + "\n"

