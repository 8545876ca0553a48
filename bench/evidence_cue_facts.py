"""Does the evidence ranker quote better for knowing how the cues hit each sentence? (issue 9 part 5)

Four per-criterion features of each hit sentence: log(1 + the criterion's matches in it), a match from
the main ``any`` list (not only ``late`` or a timeline ``steps`` verb), its first match in the sentence's
first clause, and its share of the criterion's matches in the story. They ship now (coach.scoring.evidence,
from the matches the detectors keep); this runs ``--check`` of bench/train_evidence_ranker.py (5-fold by
story on tune rows) with them and without them (the facts emptied for this process), on the usual fold
split and on others (``--seeds``), so a gain can be told from noise. ``cue_spans`` and ``cue_values`` are
the plain, slow definitions (a second full search) the tests hold the run-time features to.

    python bench/evidence_cue_facts.py                  # fold seeds "", 1, 2, 3 (~3 min)
    python bench/evidence_cue_facts.py --seeds ""       # the usual split only

Measured (2026-11-30; pooled over devset + train + outside tune rows; hit@1 / precision / highlight):
  fold seed   without                  with                     hit@1 per file with (devset, train, outside)
  ""          0.798 / 0.687 / 0.831    0.808 / 0.719 / 0.843    0.878 (0.859), 0.803 (0.796), 0.664 (0.664)
  "1"         0.786 / 0.684 / 0.818    0.806 / 0.707 / 0.833    0.881 (0.849), 0.796 (0.778), 0.672 (0.672)
  "2"         0.783 / 0.686 / 0.823    0.806 / 0.714 / 0.838    0.862 (0.842), 0.807 (0.786), 0.664 (0.625)
  "3"         0.786 / 0.681 / 0.824    0.807 / 0.709 / 0.836    0.855 (0.842), 0.807 (0.788), 0.688 (0.641)
hit@1 +0.010 to +0.022 (mean +0.018), precision +0.02 to +0.03, highlights +0.01 on every split: beyond
noise. hit_share carries most of it (usual split, among seven candidates: without it 0.797, alone 0.800;
the four without cue_matches 0.807); tried beside them and dropped as noise: distinct matched words, the
longest match, the number of other criteria hitting the sentence, "has the most matches", the share of
main-list matches, other L2 strengths and loss weights.

Why it is not shipped: the counts cost what the rules save. The detectors find the *first* match per
sentence and skip to the next sentence; counting every match as a second pass over the story cost +20%
scoring time (0.22 ms of 1.53 ms a story, devset). Taking every match in the detectors' own pass instead
is as fast (RE2 scans the same bytes: 0.138 vs 0.135 ms a story for the met criteria's ``any`` lists), and
the features then cost +1.6-1.9% in-process (alternated; bench/scorer_speed.py across processes on the
busy machine: +2.9% ms a story, median of five), but it changes the rules' hits: a task.responsibility cue
matches across sentences ("before the morning peak. Task: … we had to"), and a full pass lets that one
match swallow the next sentences' hits that the per-sentence pass finds (21 of 36,676 snapshot outputs
differ with the ranker off; over the 38,644 snapshot texts the two passes disagree 37 times, all on
task.responsibility's two ``.*`` cues, "before the <deadline> … had to" and "had to … before the", each
with a match crossing a sentence end). Checking every match for a crossing would cost about 2% more
(estimated: ~80 matches a story, ~0.5 µs each). Once no cue can match across a sentence end (bound those
two ``.*`` to one sentence in rubrics/star-l.yaml, or have matching stop at sentence ends), the counts
come free from the detectors' pass and the four features can ship within the +3% budget.

Since then (same day): the two ``.*`` cues are bounded to one sentence (no eval verdict moved). Wired as a
lazy second search in the scorer, 5-fold on the tune rows gave 0.798 / 0.687 / 0.831 → 0.808 / 0.719 /
0.843, at +25% scoring time (bench/scorer_speed.py, alternated: 1.26 → 1.58 ms a story): not shipped.
Shipped instead from the detectors' own pass (CompiledCues.every_match: a qualifying sentence's later
matches too, one RE2 call each): every criterion's verdict and hit sentences identical over 38,644
snapshot texts; 5-fold 0.798 / 0.687 / 0.831 → 0.807 / 0.719 / 0.844; scoring time within the machine's
noise (five alternated pairs of bench/scorer_speed.py: -8% to +12%).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench.train_evidence_ranker as trainer  # noqa: E402
import coach.scoring.scorer as scorer  # noqa: E402
from bench.eval_split import select  # noqa: E402
from bench.paths import EVAL_DIR  # noqa: E402
from coach.rubric.loader import load_rubric  # noqa: E402
from coach.scoring import evidence  # noqa: E402
from coach.scoring.detectors import Facts  # noqa: E402
from coach.scoring.segment import Segmented  # noqa: E402

CUE_FEATURES = ("cue_matches", "main_cue", "first_clause", "hit_share")


def cue_spans(facts: Facts, cid: str) -> list[tuple[int, int, bool]]:
    """(sentence, start, from the main list) of every match of ``cid``'s cues in the sentences they hit,
    in text order: a second, full pass (the slow way; exact for measuring)."""
    rubric = load_rubric("star-l")
    criterion, _, cues = next(c for c in scorer._compiled(rubric).criteria if c[0].id == cid)
    doc, hits = facts.doc, set(facts.results[cid][1])
    index = doc.seg.sentence_index
    if criterion.detector in ("cues", "timeline"):
        found = cues.matches(doc)
    elif criterion.detector in ("metrics", "duration"):
        found = cues.matches(doc, apply_unless=False)
    else:
        return []
    late = {start for start, _ in doc.matches(cues.late)}
    out = [(i, start, start not in late) for i, start in found]
    if criterion.detector == "timeline":
        out += [(index(start), start, False) for start, _ in doc.matches(cues.steps)]
    return sorted((m for m in out if m[0] in hits), key=lambda m: m[1])


def cue_values(seg: Segmented, found: list[tuple[int, int, bool]]) -> dict[int, tuple[float, ...]]:
    """Per hit sentence, ``CUE_FEATURES`` from its matches (``cue_spans``)."""
    out: dict[int, tuple[float, ...]] = {}
    for index in sorted({m[0] for m in found}):
        mine = [m for m in found if m[0] == index]
        first_clause = seg.clause_span(mine[0][1])[0] <= seg.sentences[index].start
        main = any(m[2] for m in mine)
        out[index] = (math.log1p(len(mine)), float(main), float(first_clause), len(mine) / len(found))
    return out


def without_cue_facts() -> None:
    """The scorer's ranker facts without the cue facts (for this process only): the baseline to compare."""
    plain_story = scorer._story_facts

    def story_facts(facts: Facts, compiled: Any) -> evidence.StoryFacts:
        return dataclasses.replace(plain_story(facts, compiled), cue_matches={})

    setattr(scorer, "_story_facts", story_facts)  # score and detections look it up per call


def run(rows: list[dict[str, Any]], seed: str, label: str) -> None:
    table = trainer._table()
    settings = trainer.Settings()
    items = trainer.examples(rows, table) + trainer.rubric_examples(table, settings.examples)
    counts = trainer.check(rows, items, settings, seed=seed)
    line = "  ".join(f"{name.split('.')[0]} {c.hit_at_1:.3f}" for name, c in sorted(counts.items()) if name != "pooled")
    pooled = counts["pooled"]
    print(f"fold seed {seed!r:5} {label:8} pooled hit@1 {pooled.hit_at_1:.3f} ({pooled.hit}/{pooled.judged})  "
          f"prec {pooled.precision:.3f}  highlight {pooled.highlight:.3f}   ({line})", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="*", default=["", "1", "2", "3"],
                        help="fold splits (train_evidence_ranker --seed)")
    args = parser.parse_args()
    rows = []
    for name in trainer.SETS:
        for line in (EVAL_DIR / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append({**json.loads(line), "_file": name})
    rows = select(rows, "tune")
    for seed in args.seeds:
        run(rows, seed, "with")
    without_cue_facts()
    for seed in args.seeds:
        run(rows, seed, "without")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
