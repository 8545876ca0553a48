"""Offline follow-up questions, chosen from the rubric by what the story is missing.

An interviewer asks about the biggest gaps first: a raised red flag (sole credit, blame) before a
missing criterion, and a missing criterion of a heavier component before a lighter one. Where the
story did say something related, the question opens by quoting it, so it is about this story.
"""

from __future__ import annotations

from coach.models import Assessment, FollowUp
from coach.rubric.loader import Rubric

MAX_FOLLOWUPS = 3
_QUOTE_WORDS = 14


def offline_followups(assessment: Assessment, rubric: Rubric, limit: int = MAX_FOLLOWUPS) -> list[FollowUp]:
    if not assessment.is_story:
        return [
            FollowUp(
                question=f"Let's start over with a real example: {rubric.question} "
                "What happened, what did you do, and how did it end?",
                targets=[c.id for c in rubric.components[0].criteria],
                source="rubric",
            )
        ]
    questions: list[FollowUp] = []
    for flag in rubric.red_flags:
        if flag.ask_when_raised and assessment.red_flags[flag.id].raised:
            questions.append(FollowUp(question=flag.followup, targets=[flag.id], source="rubric"))
    for criterion_id in priority_gaps(assessment, rubric):
        criterion = rubric.criterion(criterion_id)
        question = criterion.followup
        related = assessment.criteria.get(criterion.followup_after or "")
        if related is not None and related.met and related.evidence:
            question = f'You said "{_short_quote(related.evidence[0].text)}". {question}'
        questions.append(FollowUp(question=question, targets=[criterion_id], source="rubric"))
    return questions[:limit]


def priority_gaps(assessment: Assessment, rubric: Rubric) -> list[str]:
    """Missing criterion ids, most important first (component weight × criterion weight; rubric order breaks ties)."""
    weighted: list[tuple[float, int, str]] = []
    order = 0
    for component in rubric.components:
        for criterion in component.criteria:
            if not assessment.criteria[criterion.id].met:
                weighted.append((-component.weight * criterion.weight, order, criterion.id))
            order += 1
    return [cid for _, _, cid in sorted(weighted)]


def _short_quote(text: str) -> str:
    words = text.split()
    quote = " ".join(words[:_QUOTE_WORDS]).rstrip(".,;:!?")
    return quote + ("…" if len(words) > _QUOTE_WORDS else "")
