"""The stderr progress bar (only on a terminal) and the closing summary."""

from __future__ import annotations

import time
from typing import TextIO

from coach.batch.report import Cohort
from coach.textfmt import clock

_BAR = 24
_EVERY_S = 0.1


class Progress:
    """``[#####·····] 1,234/10,000 12% 250/s ETA 0:35`` redrawn in place, at most ten times a second.

    ``total`` may be None (unknown): then no bar and no ETA, only the count and the rate.
    """

    def __init__(self, stream: TextIO, total: int | None, enabled: bool) -> None:
        self.stream = stream
        self.total = total
        self.enabled = enabled
        self.done = 0
        self.skipped = 0
        self.started = time.monotonic()
        self._drawn = 0.0
        self._width = 0

    def skip(self) -> None:
        self.skipped += 1
        self.done += 1
        self._maybe_draw()

    def advance(self) -> None:
        self.done += 1
        self._maybe_draw()

    def _maybe_draw(self) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._drawn >= _EVERY_S or (self.total is not None and self.done >= self.total):
            self._drawn = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = max(now - self.started, 1e-9)
        worked = self.done - self.skipped
        rate = worked / elapsed
        text = f"{self.done:,}"
        if self.total:
            share = min(self.done / self.total, 1.0)
            filled = int(_BAR * share)
            eta = (self.total - self.done) / rate if rate > 0 else None
            text = (f"[{'#' * filled}{'·' * (_BAR - filled)}] {self.done:,}/{self.total:,} {share:4.0%} "
                    f"{rate:,.0f}/s ETA {clock(eta)}")
        else:
            text += f" {rate:,.0f}/s"
        pad = " " * max(0, self._width - len(text))
        self._width = len(text)
        self.stream.write("\r" + text + pad)
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()


def summary_text(cohort: Cohort, output: str, elapsed_s: float, written: int, skipped: int) -> str:
    """The closing lines on stderr: counts, mean, most-missed criteria, where the results are."""
    mean = cohort.mean()
    lines = [
        f"scored {cohort.scored:,}, errors {cohort.errors:,}"
        + (f", mean score {mean:.1f}" if mean is not None else "")
        + f" — {written:,} lines written in {elapsed_s:.1f} s"
        + (f", {skipped:,} already done (resumed)" if skipped else ""),
    ]
    if cohort.modes.get("llm"):
        lines.append("follow-ups: " + ", ".join(f"{mode} {count:,}" for mode, count in sorted(cohort.modes.items()))
                     + " (offline rows say why in their notices)")
    missed = cohort.most_missed(3)
    if missed:
        lines.append("most missed: " + ", ".join(f"{cid} ({share:.0%})" for cid, share in missed))
    lines.append(f"output: {output}")
    return "\n".join(lines) + "\n"
