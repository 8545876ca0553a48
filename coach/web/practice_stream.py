"""The practice handlers, streamed: the interviewer's questions appear in the chat while the model writes.

A slow local model takes seconds per reply; a chat that stays blank that long looks broken. These
wrappers run the handler (coach.web.practice) in a worker thread with a coach.interviewer.partial_reply listener set,
and yield a preview view each time more of a question can be read, then the handler's own view.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from coach.interviewer import partial_reply
from coach.web import webview as view
from coach.web.practice import (
    ChatMessage,
    PracticeServices,
    PracticeState,
    PracticeView,
    answer_in_chat,
    chat_messages,
    submit_answer,
)
from coach.textfmt import md_escape

#: How often the page is refreshed while the model writes.
POLL_S = 0.25
WRITING = "The interviewer is writing…"


def streamed(
    work: Callable[[], PracticeView], preview: Callable[[list[str]], PracticeView], poll_s: float = POLL_S
) -> Iterator[PracticeView]:
    """Run ``work`` with a listener; yield ``preview(questions so far)`` whenever they change, then its view."""
    latest: list[str] = [""]
    outcome: list[PracticeView] = []
    failure: list[BaseException] = []
    done = threading.Event()

    def run() -> None:
        try:
            with partial_reply.listening(lambda text: latest.__setitem__(0, text)):
                outcome.append(work())
        except BaseException as exc:  # handed to the caller's thread below
            failure.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name="practice-stream", daemon=True).start()
    shown: list[str] = []
    while not done.wait(poll_s):
        questions = partial_reply.partial_questions(latest[0])
        if questions and questions != shown:
            shown = questions
            yield preview(questions)
    if failure:
        raise failure[0]
    yield outcome[0]


def _writing(chat: list[ChatMessage], questions: list[str]) -> PracticeView:
    draft = " ".join(md_escape(q) for q in questions)
    return PracticeView(status=view.status(WRITING, "info"), chat=[*chat, {"role": "assistant", "content": draft}])


def submit_answer_streamed(
    services: PracticeServices,
    question_id: str | None,
    custom_question: str | None,
    story: str,
    model: str | None,
    api_base: str | None,
    offline: bool,
    rubric_id: str | None,
    state: PracticeState | None,
) -> Iterator[PracticeView]:
    """:func:`coach.web.practice.submit_answer`, with the interviewer's questions shown as they are written."""
    yield from streamed(
        lambda: submit_answer(services, question_id, custom_question, story, model, api_base, offline, rubric_id, state),
        lambda questions: _writing([], questions),
    )


def answer_in_chat_streamed(services: PracticeServices, answer: str, state: PracticeState | None) -> Iterator[PracticeView]:
    """:func:`coach.web.practice.answer_in_chat`, with the next questions shown as they are written."""
    attempt = state.current if state else None
    chat = chat_messages(attempt.session) if attempt else []
    chat = [*chat, {"role": "user", "content": md_escape(answer or "")}]
    yield from streamed(lambda: answer_in_chat(services, answer, state), lambda questions: _writing(chat, questions))
