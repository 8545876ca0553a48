"""The Drills tab's plain handlers (coach.web.drills_tab): brief and budget, scoring with evidence and the
order panel, attempts compared, the model message, escaping, and the rewrite suggestion — a fake model
client, and the real LiteLLM client against a respx mock (no network). The model never scores."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import respx

from coach.config import LLMSettings
from coach.errors import LLMTimeout
from coach.interviewer.llm import LiteLLMInterviewer
from coach.interviewer.prompts import Message
from coach.interviewer.questions import load_questions
from coach.rubric.briefs import load_briefs
from coach.web import drills_tab as drills
from coach.web.practice import PracticeServices
from tests.support.llm_mocks import OPENAI_LOCAL_BASE, OPENAI_LOCAL_URL, isolated_litellm, openai_chat

BANK = load_briefs()
BRIEF = BANK.briefs[0].id
GUIDE = (
    "40% of transactions flagged incorrectly. Root cause identified - upstream data issue. "
    "Fix deploying now, ETA 15 minutes. Next update at 3:30 PM."
)
XSS = '<img src=x onerror="window.__xss=1"> <script>alert(1)</script>'


class FakeRewriter:
    def __init__(self, reply: str | BaseException, name: str = "fake/rewriter") -> None:
        self.name = name
        self.reply = reply
        self.calls: list[list[Message]] = []

    def complete(self, messages: list[Message]) -> str:
        self.calls.append(messages)
        if isinstance(self.reply, BaseException):
            raise self.reply
        return self.reply


def services(model: str = "", client: object | None = None) -> PracticeServices:
    return PracticeServices(
        questions=load_questions(), default_model=model, make_interviewer=lambda settings: client  # type: ignore[arg-type,return-value]
    )


def test_brief_panel_shows_the_brief_the_expected_order_and_the_budget() -> None:
    brief, budget = drills.brief_panel(services(), BANK, "exec-update", BRIEF)
    assert BANK.get(BRIEF).title in brief and "Business impact → Current status → ETA → Next update time" in brief
    assert 'data-max-words="75"' in budget and "at most 4 sentences" in budget
    _, pm_budget = drills.brief_panel(services(), BANK, "postmortem", BRIEF)
    assert "no word budget" in pm_budget
    error, _ = drills.brief_panel(services(), BANK, "haiku", BRIEF)
    assert "Choose a drill" in error


def test_next_brief_cycles_through_the_bank() -> None:
    ids = [b.id for b in BANK.briefs]
    assert drills.next_brief(BANK, ids[0]) == ids[1] and drills.next_brief(BANK, ids[-1]) == ids[0]
    assert drills.next_brief(BANK, "nope") == ids[0]


def test_score_shows_evidence_order_and_flags_then_compares_attempts() -> None:
    svc = services()
    first = drills.score_drill(svc, BANK, "exec-update", BRIEF, "We are rolling back a bad release. About 20% of checkouts are failing.", None)
    assert "Attempt 1" in first.score and "coach-status-ok" in first.status
    assert 'data-criterion="exec.order" data-met="false"' in first.checklist
    assert "✗ out of order" in first.order
    yours = first.order.split('id="drill-order-yours"')[1]
    assert yours.index("Current status") < yours.index("Business impact")  # the order as written
    second = drills.score_drill(svc, BANK, "exec-update", BRIEF, GUIDE, first.state)
    assert "Attempt 2" in second.score and 'id="overall-score">100<' in second.score
    assert "✓ in the format" in second.order and "Newly met" in second.compare and "exec.eta" in second.compare
    assert len(second.state.attempts) == 2 and len(first.state.attempts) == 1  # state is not mutated in place


def test_blame_is_a_red_flag_with_its_quote() -> None:
    view = drills.score_drill(services(), BANK, "tech-update", BRIEF, "fct_orders failing since 04:00. The data team messed up again.", None)
    assert 'data-flag="flag.blame"' in view.flags and "messed up again" in view.flags


def test_bad_input_is_a_sentence_not_an_exception() -> None:
    assert "Write your message first" in drills.score_drill(services(), BANK, "exec-update", BRIEF, "   ", None).status
    assert "a drill message is a few lines" in drills.score_drill(services(), BANK, "exec-update", BRIEF, "x " * 4000, None).status
    assert "no brief" in drills.score_drill(services(), BANK, "exec-update", "nope", GUIDE, None).status


def test_user_text_is_escaped_everywhere() -> None:
    view = drills.score_drill(services(), BANK, "exec-update", BRIEF, f"{XSS} 30% of customers can't pay. {XSS}", None)
    for html in view.values()[:-1]:
        assert "<img" not in str(html) and "<script" not in str(html)


def test_model_message_is_revealed_with_its_own_score() -> None:
    html = drills.reveal_model(services(), BANK, "tech-update", BRIEF)
    assert "scores 100/100" in html and drills.view.esc(BANK.get(BRIEF).model.tech_update) in html


def test_try_again_clears_the_message_and_the_reveals() -> None:
    status, message, model, rewrite = drills.try_again(drills.DrillState())
    assert message == model == rewrite == "" and "Write your message" in status


def test_rewrite_offline_says_so_and_calls_nothing() -> None:
    fake = FakeRewriter("never")
    html = drills.suggest_rewrite(services("", fake), BANK, "exec-update", BRIEF, GUIDE)
    assert "Offline" in html and fake.calls == []
    assert drills.rewrite_available(services("")) is None and drills.rewrite_available(services("ollama/llama3.1")) == "ollama/llama3.1"


def test_rewrite_from_a_model_is_prose_beside_the_score_never_a_score() -> None:
    fake = FakeRewriter(f"Customers affected. {XSS}")
    html = drills.suggest_rewrite(services("ollama/llama3.1", fake), BANK, "exec-update", BRIEF, "Working on it, will update.")
    assert "Suggested by ollama/llama3.1" in html and "score comes from the rubric" in html
    assert "<img" not in html and "&lt;img" in html
    system, user = fake.calls[0]
    assert "never give or change a score" in system["content"]
    assert "exec.eta" in user["content"] and BANK.get(BRIEF).brief.split()[0] in user["content"]
    assert "Working on it, will update." in user["content"]


def test_rewrite_failure_is_a_warning() -> None:
    html = drills.suggest_rewrite(services("ollama/llama3.1", FakeRewriter(LLMTimeout(attempts=2))), BANK, "exec-update", BRIEF, GUIDE)
    assert "coach-status-warn" in html and "timed out" in html


@pytest.fixture
def _litellm_clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from isolated_litellm(monkeypatch, key=None)


@pytest.mark.usefixtures("_litellm_clean")
def test_rewrite_through_the_litellm_client_and_a_prompt_template() -> None:
    client = LiteLLMInterviewer(LLMSettings(model="openai/local", api_base=OPENAI_LOCAL_BASE))
    svc = PracticeServices(questions=load_questions(), default_model="openai/local", default_api_base=OPENAI_LOCAL_BASE,
                           make_interviewer=lambda settings: client)
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(OPENAI_LOCAL_URL).mock(return_value=openai_chat("About 38% of EU card payments are declined. [ETA]"))
        html = drills.suggest_rewrite(svc, BANK, "exec-update", BRIEF, "Working on it, will update.")
    assert route.call_count == 1
    sent = json.loads(route.calls[0].request.content)["messages"]
    assert sent[0]["role"] == "system" and "never give or change a score" in sent[0]["content"]
    assert "<story>\nWorking on it, will update.\n</story>" in sent[1]["content"]
    assert "[ETA]" in html and "openai/local" in html
