"""How fast is the scorer? Median time per story, per 300 words, beside a bare ``re.findall(r"\\w+")`` pass.

Both are measured in the same run, interleaved story by story, over several repetitions (medians),
so the ratio holds on a noisy shared machine. Stories: ../shared/eval/devset.jsonl (or PATH); when
that file is missing, deterministic generated stories stand in. Target: ≤ 1 ms per 300-word story.

    python bench/scorer_speed.py [PATH] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.paths import DEVSET  # noqa: E402
from coach.rubric.loader import load_rubric  # noqa: E402
from coach.scoring.scorer import score  # noqa: E402
from coach.service import evaluate  # noqa: E402

DEFAULT_SET = DEVSET
TARGET_MS_PER_300_WORDS = 1.0
_WORD = re.compile(r"\w+")


def load_texts(path: Path) -> tuple[list[str], str]:
    if path.is_file():
        texts = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return texts, f"{path} ({len(texts)} stories)"
    return generated_stories(), f"{len(generated_stories())} generated stories ({path} not found)"


def generated_stories(count: int = 48) -> list[str]:
    """Deterministic incident-like stories of 80-400 words, for when the devset is not around."""
    parts = [
        "I was the on-call engineer for the {s} when I was paged at {h} a.m. because {c} were affected.",
        "The {s} started returning wrong results after a release and we declared a SEV-{n}.",
        "First I checked the dashboards, then I queried the logs and compared the feature distributions.",
        "After that I rolled back the release and posted status updates to the {t} team every {n}0 minutes.",
        "The error rate went back to {n}% from {m}% and the whole incident took about {n} hours.",
        "Afterwards I added an alert on null features and we wrote a runbook for the on-call rotation.",
        "So um yeah we kind of looked at it for a while and then i think it got better eventually.",
        "There was a lot going on that quarter with the reorg and new people joining the {t} team.",
    ]
    rng = random.Random(0)
    stories = []
    for _ in range(count):
        sentences = [
            rng.choice(parts).format(
                s=rng.choice(["fraud model", "ranking service", "feature pipeline", "search index"]),
                c=rng.choice(["customers", "merchants", "riders"]),
                t=rng.choice(["payments", "data platform", "support"]),
                h=rng.randint(1, 11), n=rng.randint(1, 9), m=rng.randint(20, 90),
            )
            for _ in range(rng.randint(6, 28))
        ]
        stories.append(" ".join(sentences))
    return stories


def _time_ns(fn: Callable[[str], object], text: str) -> int:
    start = time.perf_counter_ns()
    fn(text)
    return time.perf_counter_ns() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(DEFAULT_SET))
    parser.add_argument("--repeat", type=int, default=9, help="repetitions over all stories (default 9)")
    args = parser.parse_args()

    texts, source = load_texts(Path(args.path))
    rubric = load_rubric()
    words = [max(1, len(_WORD.findall(t))) for t in texts]

    start = time.perf_counter_ns()
    score(texts[0], rubric)  # first call: compiles the rubric's cues
    first_call_ms = (time.perf_counter_ns() - start) / 1e6
    for text in texts:  # warm up both sides
        score(text, rubric)
        _WORD.findall(text)

    contenders: dict[str, Callable[[str], object]] = {
        "scorer": lambda t: score(t, rubric),
        "evaluate": lambda t: evaluate(t, rubric),  # scorer + offline follow-ups, what the CLI runs
        "regex": _WORD.findall,
    }
    per_story: dict[str, list[list[int]]] = {name: [[] for _ in texts] for name in contenders}
    for _ in range(args.repeat):
        for i, text in enumerate(texts):  # interleaved: the same noise hits every contender
            for name, fn in contenders.items():
                per_story[name][i].append(_time_ns(fn, text))

    # Per story: the median over repetitions; then the median over stories.
    median_ns = {name: [statistics.median(runs) for runs in stories] for name, stories in per_story.items()}
    per_300 = {name: [ns * 300 / w for ns, w in zip(values, words)] for name, values in median_ns.items()}

    def ms(values: list[float]) -> float:
        return statistics.median(values) / 1e6

    print(f"stories: {source}; words median {statistics.median(words):.0f} (min {min(words)}, max {max(words)}); "
          f"{args.repeat} repetitions")
    print(f"first call (compiles the rubric): {first_call_ms:.1f} ms")
    print(f"{'':10} {'ms/story':>10} {'ms/300 words':>13} {'p90 ms/300w':>12} {'× regex':>9}")
    regex_300 = statistics.median(per_300["regex"])
    for name in contenders:
        p90 = statistics.quantiles(per_300[name], n=10)[-1] / 1e6
        ratio = statistics.median(per_300[name]) / regex_300
        print(f"{name:10} {ms(median_ns[name]):10.3f} {ms(per_300[name]):13.3f} {p90:12.3f} {ratio:9.0f}")
    verdict = "meets" if ms(per_300["scorer"]) <= TARGET_MS_PER_300_WORDS else "MISSES"
    print(f"scorer {verdict} the target of ≤ {TARGET_MS_PER_300_WORDS:g} ms per 300-word story")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
