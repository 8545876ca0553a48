"""Saving practice attempts to the history (coach.history), for coach.web.practice's handlers.

A save that fails (a damaged, locked or unreadable file) returns why, in one line, and the handler
shows the score anyway with that notice: the history never stops scoring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from coach.config import LLMSettings
from coach.errors import HistoryError
from coach.history import DeliveryRecord, ExchangeTurn, record_from

if TYPE_CHECKING:  # coach.web.practice imports this module
    from coach.web.practice import Attempt, PracticeServices, PracticeState


def save_attempt(
    services: PracticeServices, state: PracticeState, attempt: Attempt, settings: LLMSettings | None
) -> str:
    """Keep the first telling in the history; "" when saved or not wanted, else why it was not saved."""
    if services.history is None or not state.save_history:
        return ""
    record = record_from(
        attempt.first_telling,
        story=attempt.session.story,
        question=attempt.question,
        question_id=attempt.question_id,
        model=settings.model if settings else None,  # the name only: keys stay in the provider's env vars
        delivery=DeliveryRecord(**attempt.delivery.model_dump(exclude={"transcript"})) if attempt.delivery else None,
    )
    try:
        attempt.history_id = services.history.add(record).id
    except HistoryError as exc:  # a damaged or locked file never stops scoring
        return str(exc)
    return ""


def save_exchange(services: PracticeServices, attempt: Attempt) -> str:
    """Record the follow-up exchange so far on the saved attempt; "" when saved or not saved at all."""
    if services.history is None or attempt.history_id is None:
        return ""
    session = attempt.session
    exchange = [
        ExchangeTurn(question=turn.question.question, targets=turn.question.targets, answer=turn.answer,
                     overall_after=session.history[index + 1])
        for index, turn in enumerate(session.turns)
    ]
    try:
        services.history.update_exchange(attempt.history_id, exchange)
    except HistoryError as exc:
        return str(exc)
    return ""


def set_save_history(state: PracticeState | None, on: bool) -> PracticeState:
    """The Settings switch: save this session's next attempts (or not)."""
    from coach.web.practice import PracticeState

    state = (state or PracticeState()).model_copy(deep=True)
    state.save_history = bool(on)
    return state
