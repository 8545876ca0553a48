"""The streamed practice handlers: the interviewer's questions show while the model writes."""

from __future__ import annotations

import json
import threading

import pytest

from coach.errors import UsageError
from coach.interviewer import partial_reply
from coach.interviewer.questions import load_questions
from coach.models import Assessment, FollowUp
from coach.rubric.loader import Rubric
from coach.service import InterviewerReply
from coach.web.practice import KEEP, PracticeServices, PracticeView
from coach.web.practice_stream import WRITING, answer_in_chat_streamed, streamed, submit_answer_streamed
from tests.support.ui_fakes import FOLLOWUP_ANSWER, WEAK_STORY

QUESTION = "How many <b>payments</b> were declined?"


class WritingInterviewer:
    """Reports its reply piece by piece to the listener, as coach.interviewer.llm does while streaming, then answers."""

    name = "fake/writer"

    def __init__(self) -> None:
        self.proceed = threading.Event()

    def ask(self, *, story: str, question: str, assessment: Assessment, rubric: Rubric) -> InterviewerReply:
        listener = partial_reply.current_listener()
        assert listener is not None  # the web app listens
        reply = json.dumps({"followups": [{"question": QUESTION, "targets": []}]})
        cut = reply.index("payments")
        listener(reply[:cut])
        self.proceed.wait(5)  # the page shows the draft before the model goes on
        listener(reply)
        return InterviewerReply(followups=[FollowUp(question=QUESTION, source="llm")])


def submit(svc: PracticeServices, writer: WritingInterviewer) -> list[PracticeView]:
    views = []
    for view in submit_answer_streamed(svc, "ml-incident", "", WEAK_STORY, "openai/x", "http://127.0.0.1:9/v1", False, "star-l", None):
        views.append(view)
        writer.proceed.set()  # the first draft was seen: let the model finish
    return views


def test_the_draft_question_shows_before_the_scored_view() -> None:
    writer = WritingInterviewer()
    svc = PracticeServices(questions=load_questions(), make_interviewer=lambda settings: writer,
                           default_model="openai/x", default_api_base="http://127.0.0.1:9/v1")  # the operator's model
    views = submit(svc, writer)
    drafts, final = views[:-1], views[-1]
    assert drafts, "no draft was shown while the model wrote"
    first = drafts[0]
    assert WRITING in str(first.status) and first.score is KEEP and first.state is KEEP
    assert first.chat == [{"role": "assistant", "content": "How many &lt;b&gt;…"}]
    assert "<b>" not in json.dumps(first.chat)  # model text is escaped like user text
    assert final.state is not KEEP and final.state.current.session.assessment.mode == "llm"  # type: ignore[union-attr]


def test_a_follow_up_answer_keeps_the_chat_and_adds_the_draft() -> None:
    writer = WritingInterviewer()
    writer.proceed.set()
    svc = PracticeServices(questions=load_questions(), make_interviewer=lambda settings: writer,
                           default_model="openai/x", default_api_base="http://127.0.0.1:9/v1")  # the operator's model
    state = list(submit_answer_streamed(svc, "ml-incident", "", WEAK_STORY, "openai/x", "http://127.0.0.1:9/v1", False, "star-l", None))[-1].state
    writer.proceed.clear()
    views: list[PracticeView] = []
    for view in answer_in_chat_streamed(svc, FOLLOWUP_ANSWER, state):  # type: ignore[arg-type]
        views.append(view)
        writer.proceed.set()
    assert len(views) >= 2
    chat = views[0].chat
    assert isinstance(chat, list) and chat[-2]["role"] == "user" and chat[-1]["content"].endswith("…")
    assert views[-1].state is not KEEP


def test_offline_yields_only_the_final_view() -> None:
    svc = PracticeServices(questions=load_questions())
    views = list(submit_answer_streamed(svc, "ml-incident", "", WEAK_STORY, "", "", True, "star-l", None))
    assert len(views) == 1 and views[0].state is not KEEP


def test_an_error_in_the_handler_reaches_the_caller() -> None:
    def broken() -> PracticeView:
        raise UsageError("bad settings")

    with pytest.raises(UsageError, match="bad settings"):
        list(streamed(broken, lambda questions: PracticeView()))
