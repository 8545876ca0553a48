"""Rubric files: YAML in, a validated, compiled :class:`Rubric` out.

A rubric is data: components, criteria, weights, detection cues, follow-up questions and examples.
A malformed file fails with a :class:`RubricError` naming the file, the field and the problem.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from coach.errors import RubricError
from coach.resources import data_dir
from coach.rubric.cues import Cue, CueList, Pattern, WordGroup, cue_regexes
from coach.rubric.drill_params import DrillParams
from coach.rubric.linear import problem
from coach.rubric.yamldata import parse_model, read_text

DEFAULT_RUBRIC = "star-l"

#: Detectors implemented in coach.scoring.detectors (its registry); "cues" is the generic one. The two
#: absence detectors raise a red flag when none of its ``absent_when_met`` criteria is met and its
#: cues find nothing (``absent_measured``: no cue sentence that holds a measure). The last six are
#: the drills' form checks (coach.scoring.drill_detectors), configured by the item's ``params``.
Detector = Literal["cues", "timeline", "metrics", "duration", "absent", "absent_measured",
                   "with_shape", "shape_count", "length", "order", "items", "either"]
_COLOUR = r"^#[0-9a-fA-F]{6}$"


__all__ = ["Cue", "Pattern", "WordGroup", "cue_regexes"]  # the cue entries live in coach.rubric.cues; re-exported


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cues(_Strict):
    """Words and phrases (coach.rubric.cuelang) matched case-insensitively, sentence by sentence.

    A match of ``any`` counts when its sentence (or one within ``window`` sentences of it) also
    matches one of each list in ``also``, its clause matches none of ``unless``, and (with
    ``first_person``) its sentence speaks as "I". The criterion is met when at least
    ``min_sentences`` sentences and ``min_matches`` matches count. ``late`` cues count like
    ``any`` but only past the first ``LATE_FROM`` share of the story, where outcomes are told (so
    "dropped by 40%" is an outcome there and an impact in the opening). ``steps`` is extra
    vocabulary for the timeline detector (the action verbs whose order makes an account).
    """

    any: CueList = Field(default_factory=list)
    late: CueList = Field(default_factory=list)
    also: list[CueList] = Field(default_factory=list)
    unless: CueList = Field(default_factory=list)
    steps: CueList = Field(default_factory=list)
    first_person: bool = False
    window: int = Field(default=0, ge=0)
    min_sentences: int = Field(default=1, ge=1)
    min_matches: int = Field(default=1, ge=1)


class Examples(_Strict):
    """Sentences the test suite scores: each ``met`` one alone meets the criterion, no ``missing`` one does.

    A ``met`` example may mark in square brackets the words a reader would quote as the evidence
    ("Paged at 2 a.m., [we declared a SEV-1]."): the scorer's evidence must cover them.
    """

    met: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)

    @field_validator("met")
    @classmethod
    def _one_mark(cls, examples: list[str]) -> list[str]:
        for example in examples:
            opened, closed = example.count("["), example.count("]")
            if (opened, closed) not in ((0, 0), (1, 1)) or example.find("[") > example.find("]"):
                raise ValueError(f"{example!r}: mark one span, as [these words]")
        return examples

    def met_texts(self) -> list[str]:
        """The ``met`` sentences without their marks."""
        return [text for text, _ in self.marked()]

    def marked(self) -> list[tuple[str, tuple[int, int] | None]]:
        """Each ``met`` sentence without its marks, and the (start, end) of the marked words, if any."""
        out: list[tuple[str, tuple[int, int] | None]] = []
        for example in self.met:
            start = example.find("[")
            if start < 0:
                out.append((example, None))
                continue
            end = example.index("]") - 1
            out.append((example.replace("[", "", 1).replace("]", "", 1), (start, end)))
        return out


class Criterion(_Strict):
    id: str
    name: str
    description: str
    weight: float = Field(default=1.0, gt=0)
    #: How strongly this criterion's evidence claims a sentence for its component when highlighting.
    highlight_weight: float = Field(default=1.0, ge=0)
    detector: Detector = "cues"
    cues: Cues = Field(default_factory=Cues)
    #: Limits and shapes for the drill detectors (coach.rubric.drill_params).
    params: DrillParams = Field(default_factory=DrillParams)
    followup: str
    #: When this other criterion is met, the follow-up opens by quoting its evidence (specific, not generic).
    followup_after: str | None = None
    examples: Examples = Field(default_factory=Examples)


class Component(_Strict):
    id: str
    name: str
    weight: float = Field(gt=0)
    #: The colour of its bar and highlighted sentences in the web app (#rrggbb).
    colour: str | None = Field(default=None, pattern=_COLOUR)
    #: Headings that mark the sentences after them as this component ("Lessons learned:").
    heading_words: list[str] = Field(default_factory=list)
    criteria: list[Criterion] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_prefixed(self) -> Component:
        for criterion in self.criteria:
            if not criterion.id.startswith(self.id + "."):
                raise ValueError(f"criterion id {criterion.id!r} must start with {self.id + '.'!r}")
        return self


class RedFlag(_Strict):
    id: str
    name: str
    description: str
    detector: Detector = "cues"
    cues: Cues = Field(default_factory=Cues)
    params: DrillParams = Field(default_factory=DrillParams)
    penalty: float = Field(default=5.0, ge=0, le=100)
    followup: str
    #: When raised, the offline interviewer asks its ``followup`` (absence flags need not: the
    #: missing criteria's own questions ask for the same thing).
    ask_when_raised: bool = False
    #: For the absence detectors: the criteria whose being met means the thing is there.
    absent_when_met: list[str] = Field(default_factory=list)
    examples: Examples = Field(default_factory=Examples)


class Cap(_Strict):
    """A ceiling on the overall score when all of ``missing`` are missing (e.g. "we" with no "I")."""

    missing: list[str] = Field(min_length=1)
    max_overall: int = Field(ge=0, le=100)
    notice: str


class Level(_Strict):
    level: int = Field(ge=1, le=5)
    label: str
    min_score: int = Field(ge=0, le=100)


class Rubric(_Strict):
    id: str
    name: str
    description: str = ""
    version: int = 1
    question: str
    #: Words that mark a story as being about this rubric's topic (for the off-topic notice).
    topic_cues: CueList = Field(default_factory=list)
    topic_notice: str = ""
    #: A narrative answer is expected: an answer that does not read as a story is capped. Drill
    #: messages (a four-line status update) are not stories and set this to false.
    narrative: bool = True
    levels: list[Level] = Field(min_length=1)
    components: list[Component] = Field(min_length=1)
    red_flags: list[RedFlag] = Field(default_factory=list)
    caps: list[Cap] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Rubric:
        seen: set[str] = set()
        criterion_ids = {c.id for c in self.criteria()}
        for criterion in self.criteria():
            if criterion.followup_after and criterion.followup_after not in criterion_ids:
                raise ValueError(f"{criterion.id}: followup_after names unknown criterion {criterion.followup_after!r}")
        for criterion in self.criteria():
            unknown_ids = [cid for cid in criterion.params.sequence if cid not in criterion_ids]
            if unknown_ids:
                raise ValueError(f"{criterion.id}: params.sequence names unknown criterion {unknown_ids[0]!r}")
            for pattern in [*criterion.params.each_needs, *criterion.params.section, *criterion.params.section_end]:
                why = problem(pattern)
                if why is not None:
                    raise ValueError(f"{criterion.id}: params: {why}")
        for flag in self.red_flags:
            unknown = [cid for cid in flag.absent_when_met if cid not in criterion_ids]
            if unknown:
                raise ValueError(f"{flag.id}: absent_when_met names unknown criterion {unknown[0]!r}")
        headings: dict[str, str] = {}
        for component in self.components:
            for word in component.heading_words:
                other = headings.setdefault(word.lower(), component.id)
                if other != component.id:
                    raise ValueError(f"heading word {word!r} is used by {other!r} and {component.id!r}")
        for index, cap in enumerate(self.caps):
            unknown = [cid for cid in cap.missing if cid not in criterion_ids]
            if unknown:
                raise ValueError(f"caps[{index}]: unknown criterion {unknown[0]!r}")
        for cid in [c.id for c in self.criteria()] + [f.id for f in self.red_flags]:
            if cid in seen:
                raise ValueError(f"id {cid!r} is used twice")
            seen.add(cid)
        levels = sorted(self.levels, key=lambda lv: lv.min_score)
        if levels[0].min_score != 0:
            raise ValueError("levels: the lowest level must have min_score 0")
        if [lv.level for lv in levels] != sorted(lv.level for lv in levels):
            raise ValueError("levels: a higher level must need a higher min_score")
        return self

    def criteria(self) -> list[Criterion]:
        return [criterion for component in self.components for criterion in component.criteria]

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.criteria():
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)

    def level_for(self, overall: int) -> Level:
        return max((lv for lv in self.levels if overall >= lv.min_score), key=lambda lv: lv.min_score)

    def ids(self) -> set[str]:
        return {c.id for c in self.criteria()} | {f.id for f in self.red_flags}


def rubric_schema() -> str:
    """The JSON Schema of rubric files, from the models that validate them."""
    import json

    schema = Rubric.model_json_schema()
    schema["title"] = "Rubric (coach rubric file)"
    return json.dumps(schema, indent=2, ensure_ascii=False)


def rubrics_dir() -> Path:
    return data_dir("rubrics")


def available_rubrics() -> dict[str, Path]:
    """Rubric id (file stem) → path, for the shipped rubric files."""
    return {
        path.stem: path
        for path in sorted(rubrics_dir().glob("*.yaml"))
        if not path.stem.startswith(("questions", "briefs"))
    }


def load_rubric(id_or_path: str | Path = DEFAULT_RUBRIC) -> Rubric:
    """Load a shipped rubric by id, or any rubric file by path."""
    text = str(id_or_path)
    known = available_rubrics()
    if text in known:
        return _load_cached(str(known[text]))
    path = Path(text)
    if path.suffix in {".yaml", ".yml"} or path.exists() or "/" in text:
        return _load_cached(str(path.resolve()))
    names = ", ".join(sorted(known)) or "none"
    raise RubricError(text, f"no such rubric (known: {names}; or give a path to a .yaml file)")


@lru_cache(maxsize=32)
def _load_cached(path: str) -> Rubric:
    return parse_rubric_file(Path(path))


def parse_rubric_file(path: Path) -> Rubric:
    return parse_rubric_text(read_text(path), str(path))


def parse_rubric_text(raw: str, source: str = "<rubric>") -> Rubric:
    return parse_model(raw, source, Rubric, "id, name, question, levels, components")
