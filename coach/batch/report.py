"""Cohort statistics and the batch report (HTML with inline SVG charts, or Markdown).

The statistics are counters fed one :class:`AnswerSummary` at a time, so they can be built while a
run writes its output, or afterwards by re-reading the output file (which is how a resumed run gets a
report over every line, old and new). Only the answers table grows with the cohort, and it is capped.

The HTML page is self-contained: inline CSS and SVG, no scripts, no external assets. Every piece of
user text (ids, error messages) is escaped by the templates (coach/templates/batch_report.*.j2): HTML by
autoescape, Markdown through ``coach.textfmt.md_cell``.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from coach.batch.writers import AnswerSummary
from coach.rubric.loader import Rubric
from coach.templating import render_template

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

def to_html(cohort: Cohort, title: str = "Batch report") -> str:
    """The self-contained HTML page (coach/templates/batch_report.html.j2, autoescaped)."""
    mean = cohort.mean()
    shown = len(cohort.table)
    return render_template(
        "batch_report.html.j2",
        title=title,
        rubric=cohort.rubric,
        cards=[
            ("answers", str(cohort.answers)),
            ("scored", str(cohort.scored)),
            ("errors", str(cohort.errors)),
            ("mean score", f"{mean:.1f}" if mean is not None else "–"),
        ],
        histogram=_histogram_chart(cohort.histogram),
        levels=_bar_chart([(label, count, str(count)) for label, count in cohort.level_counts()], max(cohort.scored, 1)),
        criteria=_bar_chart(
            [(f"{name} ({cid})", rate, f"{rate:.0%}") for cid, name, rate in cohort.hit_rates()], 1.0, label_width=400
        ),
        flags=_bar_chart([(f"{name} ({fid})", count, str(count)) for fid, name, count in cohort.flag_counts()],
                         max(cohort.scored, 1), label_width=400),
        table_note=f"The first {shown:,} of {cohort.answers:,} answers." if cohort.answers > shown else None,
        table=cohort.table,
    )


def _histogram_chart(bins: list[int]) -> dict[str, object]:
    """The score histogram's geometry (the template draws it as SVG): one bar per ten points."""
    width, height, pad, base = 640, 200, 30, 170
    peak = max(bins) or 1
    bar = (width - 2 * pad) / len(bins)
    bars = []
    for i, count in enumerate(bins):
        h = (base - 20) * count / peak
        x = pad + i * bar
        bars.append({
            "x": f"{x + 2:.1f}", "y": f"{base - h:.1f}", "width": f"{bar - 4:.1f}", "height": f"{h:.1f}",
            "title": f"{i * 10}–{i * 10 + 9 if i < len(bins) - 1 else 100}: {count}", "count": count,
            "mid": f"{x + bar / 2:.1f}", "count_y": f"{base - h - 4:.1f}", "from": i * 10,
        })
    return {"width": width, "height": height + 10, "pad": pad, "base": base, "right": width - pad,
            "tick_y": base + 16, "axis_x": width / 2, "axis_y": base + 34, "bars": bars}


def _bar_chart(items: list[tuple[str, float, str]], scale: float, label_width: int = 140) -> dict[str, object]:
    """Horizontal bars' geometry: (label, value, value text) each; the template escapes the texts."""
    row, bar_width = 22, 360
    bars = []
    for i, (label, value, text) in enumerate(items):
        y = i * row + 4
        w = bar_width * (value / scale if scale else 0)
        bars.append({"label": label, "text": text, "y": y + 2, "text_y": y + 14, "width": f"{w:.1f}",
                     "text_x": f"{label_width + w + 6:.1f}"})
    return {"width": label_width + bar_width + 60, "height": row * len(items) + 6, "label_width": label_width,
            "label_x": label_width - 6, "bar_height": row - 6, "bars": bars}


# ── Markdown ─────────────────────────────────────────────────────────────────────────────────────


def to_markdown(cohort: Cohort, title: str = "Batch report") -> str:
    """The same report as Markdown (coach/templates/batch_report.md.j2)."""
    mean = cohort.mean()
    peak = max(cohort.histogram) or 1
    shown = len(cohort.table)
    return render_template(
        "batch_report.md.j2",
        title=title,
        rubric=cohort.rubric,
        answers=cohort.answers,
        scored=cohort.scored,
        errors=cohort.errors,
        mean=f"{mean:.1f}" if mean is not None else "–",
        histogram=[
            {"range": f"{i * 10}–{100 if i == _BINS - 1 else i * 10 + 9}", "count": count,
             "bar": "█" * round(20 * count / peak)}
            for i, count in enumerate(cohort.histogram)
        ],
        levels=cohort.level_counts(),
        criteria=[(cid, name, f"{rate:.0%}") for cid, name, rate in cohort.hit_rates()],
        flags=cohort.flag_counts(),
        table_note=f"The first {shown:,} of {cohort.answers:,} answers." if cohort.answers > shown else None,
        table=cohort.table,
    )
