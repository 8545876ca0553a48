"""Which rubric cues no example exercises: each cue line should be shown working by one of its
criterion's (or red flag's) own example sentences, met or missing.

    python -m tests.support.cue_coverage [RUBRIC ...] > tests/data/unexercised_cues.txt   # rewrite the allowed list
    python -m tests.support.cue_coverage --bank > tests/data/unexercised_bank_cues.txt     # the question bank's

The question bank's cues (rubrics/questions.yaml: a depth item's `cues`/`also`, a probe's `when`/`skip`)
are held to the same rule by their own examples (a depth item's met/missing sentences, a probe's stories).

The allowed list (tests/data/unexercised_cues.txt) names the cues that may stay unexercised, with
the reason in its header; tests/rubric/test_cue_coverage.py fails on any other, and on a listed cue that is
exercised now or gone (so the list only shrinks as examples are added).
"""

from __future__ import annotations

import re
import sys

from coach.interviewer.questions import QuestionBank, load_questions
from coach.rubric.loader import Criterion, Cue, RedFlag, Rubric, available_rubrics, cue_regexes, load_rubric

HEADER = """\
# Rubric cues that no example of their own criterion or red flag exercises yet, allowed because they
# were migrated as they were from the regex rubric (issue 9): each still needs an example sentence.
# When you add one, remove the line (python -m tests.support.cue_coverage > tests/data/unexercised_cues.txt).
# A new cue must come with an example: it may not be added here.
# item<TAB>list<TAB>cue
"""


def _label(entry: Cue) -> str:
    return entry if isinstance(entry, str) else str(entry.model_dump(exclude_defaults=True))


BANK_HEADER = """\
# Question-bank cues (depth items, probes) that no example of their own item or probe exercises yet,
# allowed because they were converted as they were from the bank's regular expressions: each still needs
# an example sentence. When you add one, remove the line
# (python -m tests.support.cue_coverage --bank > tests/data/unexercised_bank_cues.txt).
# A new cue must come with an example: it may not be added here.
# item<TAB>list<TAB>cue
"""


def _missed(label: str, lists: list[tuple[str, list[Cue]]], texts: list[str]) -> list[str]:
    out: list[str] = []
    for name, entries in lists:
        for entry in entries:
            patterns = [re.compile(regex, re.IGNORECASE) for regex in cue_regexes([entry])]
            if not any(p.search(text) for p in patterns for text in texts):
                out.append(f"{label}\t{name}\t{_label(entry)}")
    return out


def bank_unexercised(bank: QuestionBank) -> list[str]:
    out: list[str] = []
    for question in bank.questions:
        for item in question.depth:
            texts = item.examples.met + item.examples.missing
            out += _missed(f"questions:{question.id}/{item.id}", [("cues", item.cues), ("also", item.also)], texts)
    for probe in bank.probing().probes:
        texts = probe.examples.asks + probe.examples.skips
        out += _missed(f"probes:{probe.id}", [("when", probe.when), ("skip", probe.skip)], texts)
    return out


def unexercised(rubric: Rubric) -> list[str]:
    items: list[Criterion | RedFlag] = [*rubric.criteria(), *rubric.red_flags]
    out: list[str] = []
    for item in items:
        texts = item.examples.met_texts() + item.examples.missing
        cues = item.cues
        lists = [("any", cues.any), ("late", cues.late), ("unless", cues.unless), ("steps", cues.steps)]
        lists += [(f"also[{i}]", group) for i, group in enumerate(cues.also)]
        out += _missed(f"{rubric.id}:{item.id}", lists, texts)
    return out


if __name__ == "__main__":
    if sys.argv[1:] == ["--bank"]:
        sys.stdout.write(BANK_HEADER + "".join(line + "\n" for line in bank_unexercised(load_questions())))
        sys.exit(0)
    ids = sys.argv[1:] or sorted(available_rubrics())  # every shipped rubric unless named
    sys.stdout.write(HEADER + "".join(line + "\n" for rubric_id in ids for line in unexercised(load_rubric(rubric_id))))
