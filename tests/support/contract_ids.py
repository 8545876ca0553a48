"""The public ids of DESIGN.md, written out once for the tests (the rubric must match them, not define them)."""

from __future__ import annotations

COMPONENTS = ["situation", "task", "action", "result", "learning"]
CRITERIA = [
    "situation.context", "situation.impact", "situation.severity",
    "task.role", "task.responsibility", "task.stakeholders",
    "action.timeline", "action.technical_steps", "action.ownership", "action.communication",
    "result.resolution", "result.metrics", "result.duration",
    "learning.prevention", "learning.process",
]
RED_FLAGS = ["red_flag.lone_hero", "red_flag.blame", "red_flag.no_metrics", "red_flag.no_learning"]
LEVEL_LABELS = ["unacceptable", "weak", "adequate", "strong", "outstanding"]
