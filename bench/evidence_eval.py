"""Evidence and highlight metrics against the gold quotes, as ../shared/eval/README.md defines them.

- hit@1: of the criteria both the scorer and the label call met, the share whose first quoted span
  overlaps one of the gold quotes (character spans).
- precision: of every span quoted for a criterion both call met (and a red flag both raise), the share
  that overlaps a gold quote of that criterion or flag.
- highlight: of the sentence segments that overlap any gold criterion quote, the share whose component
  is the component of one of those quotes' criteria (a segment with no component counts as wrong).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coach.models import Assessment


def gold_spans(text: str, quotes: list[str]) -> list[tuple[int, int]]:
    """Every occurrence of each quote in the text, as (start, end)."""
    spans: list[tuple[int, int]] = []
    for quote in quotes:
        if not quote:
            continue
        at = text.find(quote)
        while at >= 0:
            spans.append((at, at + len(quote)))
            at = text.find(quote, at + 1)
    return spans


def overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < b and a < end for a, b in spans)


@dataclass
class EvidenceCounts:
    hit: int = 0
    judged: int = 0
    precise: int = 0
    quoted: int = 0
    highlighted_right: int = 0
    highlighted: int = 0

    def add(self, other: EvidenceCounts) -> None:
        for name in ("hit", "judged", "precise", "quoted", "highlighted_right", "highlighted"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def share(a: int, b: int) -> float | None:
        return a / b if b else None

    @property
    def hit_at_1(self) -> float | None:
        return self.share(self.hit, self.judged)

    @property
    def precision(self) -> float | None:
        return self.share(self.precise, self.quoted)

    @property
    def highlight(self) -> float | None:
        return self.share(self.highlighted_right, self.highlighted)


def evidence_counts(row: dict[str, Any], assessment: Assessment) -> EvidenceCounts:
    """The counts behind the three metrics for one labelled row (no ``evidence``: all zero)."""
    counts = EvidenceCounts()
    gold: dict[str, list[str]] = row.get("evidence") or {}
    if not gold:
        return counts
    text: str = row["text"]
    spans = {key: gold_spans(text, quotes) for key, quotes in gold.items()}
    for cid, result in assessment.criteria.items():
        if not (row["labels"].get(cid) and result.met):
            continue
        truth = spans.get(cid, [])
        counts.judged += 1  # met with nothing quoted counts as a miss
        counts.hit += bool(result.evidence) and overlaps(result.evidence[0].start, result.evidence[0].end, truth)
        counts.quoted += len(result.evidence)
        counts.precise += sum(overlaps(s.start, s.end, truth) for s in result.evidence)
    for fid, flag in assessment.red_flags.items():
        if row["red_flags"].get(fid) and flag.raised:
            truth = spans.get(fid, [])
            counts.quoted += len(flag.evidence)
            counts.precise += sum(overlaps(s.start, s.end, truth) for s in flag.evidence)
    component_of = {cid: result.component for cid, result in assessment.criteria.items()}
    for segment in assessment.segments:
        wanted = {
            component_of[cid]
            for cid, cspans in spans.items()
            if cid in component_of and overlaps(segment.start, segment.end, cspans)
        }
        if wanted:
            counts.highlighted += 1
            counts.highlighted_right += segment.component in wanted
    return counts
