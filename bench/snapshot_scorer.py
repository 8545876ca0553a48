"""Snapshot the scorer's output over a large, varied corpus, to prove an optimisation changes nothing.

    python bench/snapshot_scorer.py write SNAPSHOT   # score every text, store its JSON
    python bench/snapshot_scorer.py check SNAPSHOT   # score again, compare byte for byte
    python bench/snapshot_scorer.py compare OLD.yaml NEW.yaml --old-root DIR

``--rubric PATH`` scores with another rubric file (``check`` then scores the stored texts). ``compare``
proves a migration changed nothing: it scores the corpus with OLD.yaml on the engine checked out in
DIR (e.g. ``git worktree add /tmp/old main``, run in a subprocess) and with NEW.yaml on this one, and
compares the outputs byte for byte. The corpus comes from OLD.yaml's examples.

The corpus is deterministic (fixed seed): every story of ../shared/eval/devset.jsonl (when present),
every story of tests/support/core_stories.py, every example sentence of the rubric, the stand-in stories of
bench/scorer_speed.py, and a few thousand variants of them — sentence shuffles, lower-cased and
unpunctuated transcripts, fillers, headings, random Unicode (including letters that change length
when lower-cased), numbers, times and money mixed in, splices, truncations, word salads, and
empty-ish or junk inputs. Each entry is ``coach.report.render.to_json(score(text, rubric))``; ``check``
scores the stored texts again, reports the first differing entries and exits 1 when any differs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.paths import DEVSET  # noqa: E402
from bench.scorer_speed import generated_stories  # noqa: E402
from coach.report.render import to_json  # noqa: E402
from coach.rubric.loader import Rubric, load_rubric  # noqa: E402
from coach.scoring.scorer import score  # noqa: E402

SEED = 20240611
VARIANTS_PER_BASE = 40

FILLERS = ["um", "uh", "umm", "like", "you know", "so yeah", "basically", "I mean", "kind of", "so um", "and then uh"]
HEADINGS = ["Situation:", "**Task:**", "# Actions -", "Result —", "Lessons learned:", "Context:", "What I did:",
            "Takeaways:", "Outcome:", "Role:", "Background:", "Learning:"]
# Characters that stress offsets and case folding: "İ" grows when lower-cased, "ß"/"ﬁ" when
# upper-cased, combining marks, zero-width and bidi marks, full-width digits, emoji, surrogates-free astral.
ODD_CHARS = ["İ", "ı", "ß", "ﬁ", "ǅ", "Σ", "ς", "é", "e\u0301", "\u200b", "\u200d", "\u202e", "\u00a0", "\u2028",
             "\u2029", "\u3000", "１２３", "٣", "€", "£", "$", "%", "—", "–", "“", "”", "’", "…", "😀", "🚀", "\t",
             "\r\n", "\x00", "\x0b", "𝔘𝔫𝔦", "ΚΑΙ", "Straße", "İstanbul", "DİYARBAKIR", "i̇", "K", "Å"]
NUMBERS = ["3", "42", "2:15", "3am", "7 p.m.", "40%", "$1.2M", "€300", "1,250", "99.9%", "v2.3.1", "Python 3.9",
           "2023", "Q3", "p99", "SEV-1", "P0", "5 engineers", "two hours", "half an hour", "75 minutes",
           "3x", "10k", "12ms", "2h30m", "the next morning", "by Friday", "one week", "a team of 4", "30 days",
           "Jan 5th", "3rd", "0.5", "100", "twenty", "a couple of", "dozens of", "1.5 hrs", "overnight"]
JUNK = ["", " ", "\n", "\n\n\n", ".", "...", "I", "i", "we", "fine", "ok.", "?!", "-", "İ", "ß" * 50, "a" * 500,
        "1 2 3 4 5 6 7 8 9 10", "I I I I I we we we was was was", "\x00\x01\x02", "😀" * 30,
        "lorem ipsum " * 60, "word " * 400, ". " * 200, "\n" * 100, "I was. " * 50, "http://x.y/z?a=1&b=2 " * 20]


def base_texts(examples: Examples) -> list[str]:
    texts: list[str] = []
    if DEVSET.is_file():
        texts += [json.loads(line)["text"] for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]
    from tests.support import core_stories

    for name in sorted(vars(core_stories)):
        value = getattr(core_stories, name)
        if name.startswith("_") and name != "_RAMBLE_UNIT":
            continue
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            texts += [v for _, v in sorted(value.items()) if isinstance(v, str)]
    for met, missing in examples:
        texts += met + missing
        texts.append(" ".join(met + missing))
    texts += generated_stories()
    return texts


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def variants(text: str, rng: random.Random, vocabulary: list[str], others: list[str]) -> list[str]:
    """Deterministic mutations of one story."""
    out: list[str] = []
    sentences = _sentences(text) or [text]
    words = text.split()
    for _ in range(VARIANTS_PER_BASE):
        kind = rng.randrange(16)
        if kind == 0:  # sentence shuffle
            shuffled = sentences[:]
            rng.shuffle(shuffled)
            out.append(" ".join(shuffled))
        elif kind == 1:  # spoken transcript: lower-case, no punctuation
            out.append(re.sub(r"[.,!?;:\n]+", " ", text).lower())
        elif kind == 2:  # fillers inserted
            out.append(" ".join(w if rng.random() > 0.15 else f"{rng.choice(FILLERS)} {w}" for w in words))
        elif kind == 3:  # odd Unicode sprinkled in
            chars = list(text)
            for _ in range(rng.randint(1, 12)):
                chars.insert(rng.randint(0, len(chars)), rng.choice(ODD_CHARS))
            out.append("".join(chars))
        elif kind == 4:  # numbers mixed in
            out.append(" ".join(w if rng.random() > 0.1 else f"{w} {rng.choice(NUMBERS)}" for w in words))
        elif kind == 5:  # upper-case / title-case
            out.append(text.upper() if rng.random() < 0.5 else text.title())
        elif kind == 6:  # headings before sentences
            out.append("\n".join(f"{rng.choice(HEADINGS)} {s}" if rng.random() < 0.3 else s for s in sentences))
        elif kind == 7:  # splice with another story
            other = rng.choice(others)
            out.append(text[: rng.randint(0, len(text))] + other[rng.randint(0, len(other)) :])
        elif kind == 8:  # truncated at a random character
            out.append(text[: rng.randint(0, len(text))])
        elif kind == 9:  # word salad from the corpus vocabulary
            out.append(" ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 400))))
        elif kind == 10:  # drop random words
            out.append(" ".join(w for w in words if rng.random() > 0.3))
        elif kind == 11:  # replace random words with corpus words
            out.append(" ".join(w if rng.random() > 0.2 else rng.choice(vocabulary) for w in words))
        elif kind == 12:  # duplicated / long
            out.append((text + ("\n\n" if rng.random() < 0.5 else " ")) * rng.randint(2, 6))
        elif kind == 13:  # punctuation noise
            out.append(" ".join(w + rng.choice(["", "", ",", ".", "!", "?", ";", " -", ":", "...", "\n", "—"]) for w in words))
        elif kind == 14:  # everything on one line, or every word on its own line
            out.append(" ".join(text.split()) if rng.random() < 0.5 else "\n".join(words))
        else:  # swap case of random characters
            out.append("".join(c.swapcase() if rng.random() < 0.1 else c for c in text))
    return out


def corpus(examples: Examples) -> list[str]:
    rng = random.Random(SEED)
    bases = base_texts(examples)
    stories = [t for t in bases if len(t.split()) >= 40]
    vocabulary = sorted({w for t in bases for w in t.split()})
    texts = list(bases) + JUNK
    for text in bases:
        texts += variants(text, rng, vocabulary, stories)
    for _ in range(200):  # random junk: printable and not
        alphabet = rng.choice([" abcdefghij.,\n", "".join(ODD_CHARS), "0123456789:%$., ", "Ii we my . \n"])
        texts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 600))))
    texts.append(" ".join(stories) * 3)  # one very long story
    return texts


def run(texts: list[str], rubric: Rubric) -> list[str]:
    return [to_json(score(text, rubric)) for text in texts]


_OLD_ENGINE = """
import json, sys
from pathlib import Path
from coach.report.render import to_json
from coach.rubric.loader import parse_rubric_file
from coach.scoring.scorer import score
rubric = parse_rubric_file(Path(sys.argv[1]))
texts = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
Path(sys.argv[3]).write_text(json.dumps([to_json(score(t, rubric)) for t in texts]), encoding="utf-8")
"""


def compare(old: Path, new: Path, old_root: Path) -> int:
    import os
    import subprocess
    import tempfile

    texts_for = corpus(_examples_only(old))
    with tempfile.TemporaryDirectory() as tmp:
        texts_path, out_path = Path(tmp) / "texts.json", Path(tmp) / "old.json"
        texts_path.write_text(json.dumps(texts_for), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(old_root.resolve())}
        done = subprocess.run([sys.executable, "-c", _OLD_ENGINE, str(old.resolve()), str(texts_path), str(out_path)],
                              cwd=old_root, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"the old engine failed: {done.stderr.strip().splitlines()[-1:]}")
            return 1
        before = json.loads(out_path.read_text(encoding="utf-8"))
    after = run(texts_for, load_rubric(new))
    differing = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
    for i in differing[:5]:
        print(f"--- entry {i}: {texts_for[i][:120]!r}")
    status = "IDENTICAL" if not differing else f"{len(differing)} DIFFER"
    print(f"compared {len(after)} outputs of {old} (old engine) and {new}: {status}")
    return 1 if differing else 0


Examples = list[tuple[list[str], list[str]]]


def examples_of(rubric: Rubric) -> Examples:
    """Each criterion's and red flag's (met, missing) example sentences, as the scorer sees them."""
    found = [(c.examples.met_texts(), c.examples.missing) for c in rubric.criteria()]
    return found + [(f.examples.met_texts(), f.examples.missing) for f in rubric.red_flags]


def _examples_only(path: Path) -> Examples:
    """The same, read without the engine (the file may be of an older format)."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = [c for comp in data.get("components", []) for c in comp.get("criteria", [])] + data.get("red_flags", [])
    out: Examples = []
    for item in items:
        examples = item.get("examples", {})
        out.append(([_plain(t) for t in examples.get("met", [])], [_plain(t) for t in examples.get("missing", [])]))
    return out


def _plain(example: object) -> str:
    """An example's sentence without its evidence marks ("[" and "]")."""
    text = str(example)
    return text.replace("[", "").replace("]", "") if text.count("[") == 1 and text.count("]") == 1 else text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["write", "check", "compare"])
    parser.add_argument("snapshot", type=Path, help="the snapshot file (compare: the old rubric file)")
    parser.add_argument("new", type=Path, nargs="?", help="compare: the migrated rubric file")
    parser.add_argument("--rubric", type=Path, help="score with this rubric file instead of the shipped one")
    parser.add_argument("--old-root", type=Path, help="compare: a checkout of the old engine")
    args = parser.parse_args()
    if args.mode == "compare":
        if args.new is None or args.old_root is None:
            parser.error("compare needs OLD.yaml NEW.yaml --old-root DIR")
        return compare(args.snapshot, args.new, args.old_root)

    rubric = load_rubric(args.rubric) if args.rubric else load_rubric()
    texts = corpus(examples_of(rubric))
    if args.mode == "check":  # score the texts the snapshot holds (the rubric's examples may have grown)
        texts = [json.loads(line)["text"] for line in args.snapshot.read_text(encoding="utf-8").split("\n") if line]
    started = time.perf_counter()
    outputs = run(texts, rubric)
    elapsed = time.perf_counter() - started
    digest = hashlib.sha256("\x1e".join(outputs).encode("utf-8")).hexdigest()
    if args.mode == "write":
        with args.snapshot.open("w", encoding="utf-8") as fh:
            for text, output in zip(texts, outputs):
                fh.write(json.dumps({"text": text, "json": output}, ensure_ascii=False) + "\n")
        print(f"wrote {len(outputs)} outputs to {args.snapshot} in {elapsed:.1f} s (sha256 {digest[:16]})")
        return 0
    # split on "\n" only: str.splitlines() would also cut at U+2028 and friends inside the JSON strings
    stored = [json.loads(line) for line in args.snapshot.read_text(encoding="utf-8").split("\n") if line]
    if len(stored) != len(outputs):
        print(f"corpus size changed: {len(stored)} stored, {len(outputs)} now")
        return 1
    differing = [i for i, (old, new) in enumerate(zip(stored, outputs)) if old["text"] != texts[i] or old["json"] != new]
    for i in differing[:5]:
        print(f"--- entry {i}: {texts[i][:120]!r}")
        old_lines, new_lines = stored[i]["json"].splitlines(), outputs[i].splitlines()
        for a, b in zip(old_lines, new_lines):
            if a != b:
                print(f"  was: {a.strip()[:150]}\n  now: {b.strip()[:150]}")
                break
    status = "IDENTICAL" if not differing else f"{len(differing)} DIFFER"
    print(f"compared {len(outputs)} outputs in {elapsed:.1f} s: {status} (sha256 {digest[:16]})")
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
