"""Convert a rubric file of the old format into the current one, mechanically and re-runnably.

    python scripts/migrate_rubric.py OLD.yaml > NEW.yaml

What the old engine knew by criterion id now lives in the rubric file, so this script adds it where
the old engine would have applied it (only for ids the rubric has):

* components ``situation`` … ``learning`` get the ``colour`` the web app gave them and the
  ``heading_words`` the scorer recognised ("Lessons learned:" starts the Learning part);
* the ``no_metrics`` / ``no_learning`` detectors become ``absent_measured`` / ``absent`` with the
  ``absent_when_met`` criteria the old engine named;
* the red flags the offline interviewer asked about (lone hero, blame) get ``ask_when_raised``.

Cues are rewritten by coach.cuelang (words one per line, endings in brackets, raw patterns only
where structure needs one). A file already in the current format passes through unchanged in
meaning. Proof that scoring is unchanged: ``python bench/snapshot_scorer.py compare OLD.yaml NEW.yaml``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.yamlwrite import dump_rubric  # noqa: E402

# --- what the old engine hard-coded (coach/webview.py, coach/scorer.py, coach/detectors.py, followups)
OLD_COLOURS = {"situation": "#2563eb", "task": "#7c3aed", "action": "#059669", "result": "#d97706",
               "learning": "#db2777"}
OLD_HEADINGS = {
    "situation": ["situation", "context", "background"],
    "task": ["task", "role"],
    "action": ["action", "actions", "what i did"],
    "result": ["result", "results", "outcome"],
    "learning": ["learning", "learnings", "lesson", "lessons", "lesson learned", "lessons learned", "takeaway",
                 "takeaways"],
}
OLD_ABSENCE = {
    "no_metrics": ("absent_measured", ["result.metrics", "result.duration"]),
    "no_learning": ("absent", ["learning.prevention", "learning.process"]),
}
OLD_ASKED_FLAGS = ("red_flag.lone_hero", "red_flag.blame")


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    criterion_ids = {c["id"] for comp in data.get("components", []) for c in comp.get("criteria", [])}
    for component in data.get("components", []):
        cid = component.get("id")
        if cid in OLD_COLOURS and "colour" not in component:
            component["colour"] = OLD_COLOURS[cid]
        if cid in OLD_HEADINGS and "heading_words" not in component:
            component["heading_words"] = list(OLD_HEADINGS[cid])
        _reorder(component, ["id", "name", "weight", "colour", "heading_words", "criteria"])
    for flag in data.get("red_flags", []):
        detector = flag.get("detector")
        if detector in OLD_ABSENCE:
            new_detector, needs = OLD_ABSENCE[detector]
            flag["detector"] = new_detector
            flag.setdefault("absent_when_met", [cid for cid in needs if cid in criterion_ids])
        if flag.get("id") in OLD_ASKED_FLAGS:
            flag.setdefault("ask_when_raised", True)
        _reorder(flag, ["id", "name", "description", "detector", "absent_when_met", "cues", "penalty", "followup",
                        "ask_when_raised", "examples"])
    return data


def _reorder(mapping: dict[str, Any], order: list[str]) -> None:
    """Put known keys in a readable order, others after them in their old order."""
    items = list(mapping.items())
    mapping.clear()
    for key in order:
        for k, v in items:
            if k == key:
                mapping[k] = v
    for k, v in items:
        if k not in mapping:
            mapping[k] = v


def header_comments(text: str) -> list[str]:
    """The comment lines that open the file."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return lines


def key_comments(text: str) -> dict[str, list[str]]:
    """Comment blocks just above a top-level key (after the header), by key."""
    out: dict[str, list[str]] = {}
    pending: list[str] = []
    started = False
    for line in text.splitlines():
        if line.startswith("#"):
            if started:
                pending.append(line)
            continue
        started = True
        if line and not line[0].isspace() and ":" in line:
            if pending:
                out[line.split(":", 1)[0]] = pending
            pending = []
        elif line.strip():
            pending = []
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    args = parser.parse_args(argv)
    text = args.old.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        print(f"{args.old}: not a rubric (expected a mapping)", file=sys.stderr)
        return 2
    sys.stdout.write(dump_rubric(migrate(data), header_comments(text), key_comments(text)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
