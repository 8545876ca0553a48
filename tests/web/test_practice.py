"""The web app's handlers, called directly: no gradio, no server, no network."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from coach.config import LLMSettings
from coach.errors import LLMUnavailable, UsageError
from coach.interviewer.questions import load_questions
from coach.web import practice
from coach.web.practice import KEEP, PracticeServices, PracticeState
from tests.support.fakes import FakeInterviewer
from tests.support.speech_audio import write_wav
from tests.support.ui_fakes import (
    FOLLOWUP_ANSWER,
    WEAK_STORY,
    FakeTranscriber,
    FakeTranscript,
)

WEAK = WEAK_STORY
FOLLOWUP = FOLLOWUP_ANSWER
XSS = 'Our model <img src=x onerror="window.__xss=1"> failed <script>window.__xss=2</script> and I fixed it.'


def services(**overrides: object) -> PracticeServices:
    overrides.setdefault("allow_caller_model", True)  # these tests name their model per call
    return PracticeServices(questions=load_questions(), **overrides)  # type: ignore[arg-type]


def submit(svc: PracticeServices, story: str = WEAK, state: PracticeState | None = None, model: str = "", **kw: object):  # type: ignore[no-untyped-def]
    return practice.submit_answer(
        svc, kw.get("question_id", "ml-incident"), kw.get("custom", ""), story, model, kw.get("api_base", ""),
        bool(kw.get("offline", False)), "star-l", state,
    )


def test_submit_scores_offline_and_opens_the_interview() -> None:
    result = submit(services())
    assert isinstance(result.state, PracticeState)
    attempt = result.state.current
    assert attempt is not None and attempt.number == 1 and attempt.settings is None
    assert 'id="overall-score">' + str(attempt.session.assessment.overall) in result.score
    assert "mode: offline rubric" in result.score
    # one bar per component, the story highlighted by component, the 15-criterion checklist
    assert result.chart.count('class="coach-bar-row"') == 5
    assert 'data-component="situation"' in result.highlights and "<mark" in result.highlights
    assert result.checklist.count('data-criterion="') == 15
    assert "missing:" in result.checklist and "“" in result.checklist  # evidence quoted, gaps named
    # the interviewer opens with the first follow-up, which targets a missing criterion
    assert result.chat and result.chat[0]["role"] == "assistant"
    assert attempt.session.pending is not None
    assert attempt.session.pending.question.split("—")[0][:20] in result.chat[0]["content"].replace("\\", "")
    assert set(attempt.session.pending.targets) <= set(attempt.session.assessment.missing()) | set(
        attempt.session.assessment.raised_flags()
    )


def test_empty_story_is_one_clear_error_and_changes_nothing_else() -> None:
    result = submit(services(), story="   ")
    assert "empty" in result.status and "coach-status-error" in result.status
    assert result.score is KEEP and result.state is KEEP and result.chat is KEEP


def test_answering_a_followup_rescores_the_combined_story() -> None:
    svc = services()
    first = submit(svc)
    before = first.state.current.session.assessment.overall
    second = practice.answer_in_chat(svc, FOLLOWUP, first.state)
    session = second.state.current.session
    assert session.history == [before, session.assessment.overall]
    assert session.assessment.overall > before
    assert f"(+{session.assessment.overall - before})" in second.score
    assert FOLLOWUP.split(".")[0].replace(".", "") in session.combined_story()
    # the chat shows question, the candidate's answer, the new score and the next question
    roles = [m["role"] for m in second.chat]
    assert roles[:3] == ["assistant", "user", "assistant"]
    assert f"{session.assessment.overall}/100" in second.chat[2]["content"]
    # the next question does not ask again about what the answer just covered
    if session.pending is not None:
        assert session.pending.question != first.state.current.session.pending.question
    # the first state was not mutated (gr.State values are per session and must not alias)
    assert len(first.state.current.session.turns) == 0


def test_answer_before_any_score_is_a_warning() -> None:
    result = practice.answer_in_chat(services(), "something", None)
    assert "Score an answer first" in result.status and result.state is KEEP


def test_try_again_clears_the_page_and_the_last_two_attempts_are_compared() -> None:
    svc = services()
    first = submit(svc)
    cleared = practice.try_again(svc, first.state)
    assert cleared.story == "" and cleared.chat == [] and "Attempt 2" in cleared.status
    better = WEAK + " " + FOLLOWUP
    second = submit(svc, better, cleared.state)
    assert [a.number for a in second.state.attempts] == [1, 2]
    a1, a2 = (a.session.assessment for a in second.state.attempts)
    assert a2.overall > a1.overall
    assert f"({'+' if a2.overall > a1.overall else ''}{a2.overall - a1.overall})" in second.comparison
    flipped = [cid for cid in a1.criteria if not a1.criteria[cid].met and a2.criteria[cid].met]
    assert flipped, "the better story should meet criteria the first one missed"
    for cid in flipped:
        assert f"<code>{cid}</code>" in second.comparison
    assert "Newly met" in second.comparison and "Now missing" in second.comparison


def test_user_text_is_escaped_everywhere_it_is_rendered() -> None:
    svc = services()
    result = submit(svc, XSS)
    html_out = result.highlights + result.checklist + result.flags + result.score
    assert "<img" not in html_out and "<script" not in html_out
    assert "&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;" in result.highlights
    answered = practice.answer_in_chat(svc, "<b>bold</b> ${alert(1)} {{value}}", result.state)
    chat_user = answered.chat[1]["content"]
    assert "<b>" not in chat_user and "&lt;b&gt;" in chat_user
    assert "${" not in answered.highlights and "{{" not in answered.highlights
    custom = submit(svc, WEAK, custom='<script>alert("q")</script> Why?')
    assert custom.state.current.question.startswith("<script>")  # kept as typed, escaped when shown


def test_custom_question_wins_over_the_bank() -> None:
    svc = services()
    assert practice.resolve_question(svc, "latency-spike", "  My own question?  ") == "My own question?"
    assert practice.resolve_question(svc, "latency-spike", "") == svc.questions.get("latency-spike").text
    with pytest.raises(UsageError, match="no question 'nope'"):
        practice.resolve_question(svc, "nope", "")


def test_hints_show_symptoms_causes_and_steps() -> None:
    hints = practice.question_hints(services(), "silent-failure")
    assert "Symptoms" in hints and "Common causes" in hints and "Investigation steps" in hints
    assert "default" in hints


def test_llm_mode_uses_the_injected_interviewer_and_streams_coaching() -> None:
    fake = FakeInterviewer.web()
    made: list[LLMSettings] = []

    def factory(settings: LLMSettings) -> FakeInterviewer:
        made.append(settings)
        return fake

    svc = services(make_interviewer=factory)
    result = submit(svc, model="openai/test-model", api_base="http://127.0.0.1:9/v1")
    assessment = result.state.current.session.assessment
    assert assessment.mode == "llm" and assessment.model == fake.name
    assert f"mode: model {fake.name}" in result.score
    assert result.chat[0]["content"].startswith("Thanks.") and "\\[LLM\\]" in result.chat[0]["content"]
    assert made == [LLMSettings(model="openai/test-model", api_base="http://127.0.0.1:9/v1", stream=True)]
    chunks = list(practice.stream_coaching(svc, result.state))
    assert len(chunks) == len(fake.feedback) + 1  # one update per chunk, then the final one
    assert "Lead with" in chunks[0] and "quantify" not in chunks[0]
    assert "&lt;b&gt;quantify&lt;/b&gt;" in chunks[-1]  # model prose is escaped like user text
    # the follow-up answer goes through the same interviewer; one interviewer per settings
    practice.answer_in_chat(svc, FOLLOWUP, result.state)
    assert fake.methods.count("ask") == 2 and len(made) == 1


def test_llm_failure_falls_back_to_the_rubric_with_a_notice() -> None:
    fake = FakeInterviewer.web(fail_with=LLMUnavailable("the model could not be reached (connection refused)"))
    svc = services(make_interviewer=lambda settings: fake)
    result = submit(svc, model="ollama_chat/llama3.1")
    assessment = result.state.current.session.assessment
    assert assessment.mode == "offline" and "mode: offline rubric" in result.score
    assert "connection refused" in result.score  # the notice is shown
    coaching = list(practice.stream_coaching(svc, result.state))
    assert "did not answer" in coaching[-1] and "stream_feedback" not in fake.methods


def test_interviewer_that_cannot_be_created_means_offline_with_a_notice() -> None:
    def broken(settings: LLMSettings) -> None:
        raise UsageError("the LLM client could not be loaded (no module named 'litellm')")

    result = submit(services(make_interviewer=broken), model="gpt-4o-mini")
    assert result.state.current.session.assessment.mode == "offline"
    assert "could not be loaded" in result.score


def test_offline_switch_and_empty_model_never_create_an_interviewer() -> None:
    def refuse(settings: LLMSettings) -> None:
        raise AssertionError("no interviewer should be made offline")

    svc = services(make_interviewer=refuse)
    assert submit(svc, model="gpt-4o-mini", offline=True).state.current.settings is None
    assert submit(svc, model="  ").state.current.settings is None
    assert "Offline rubric mode" in list(practice.stream_coaching(svc, submit(svc).state))[0]


def test_bad_api_base_is_a_clear_error() -> None:
    result = submit(services(), model="openai/x", api_base="ftp://example")
    assert "must be an http:// or https:// URL" in result.status


def test_check_model_reports_reachability() -> None:
    fake = FakeInterviewer.web()
    svc = services(make_interviewer=lambda s: fake)
    assert "✓ openai/x is reachable" in practice.check_model(svc, "openai/x", "http://127.0.0.1:9/v1", False)
    fake.reachable = (False, "connection refused")
    svc2 = services(make_interviewer=lambda s: fake)
    message = practice.check_model(svc2, "openai/x", "", False)
    assert "not reachable: connection refused" in message and "offline rubric" in message
    assert "Offline mode" in practice.check_model(svc, "openai/x", "", True)


def test_transcription_fills_the_story_and_delivery_metrics_follow_the_score(tmp_path: Path) -> None:
    transcriber = FakeTranscriber(text=WEAK)
    svc = services(transcribe=transcriber)
    heard = practice.transcribe_audio(svc, str(write_wav(tmp_path / "a.wav", 2.0)), None)
    assert heard.story == WEAK and "Transcribed 2:00" in heard.status
    assert heard.score is KEEP  # nothing is scored before the user has checked the transcript
    edited = WEAK.replace("stale", "stale and wrong")
    scored = submit(svc, edited, heard.state)
    assert 'id="delivery-duration">2:00' in scored.delivery and "Fillers" in scored.delivery
    assert scored.state.delivery is None  # consumed by this attempt
    typed = submit(svc, FOLLOWUP, heard.state)  # a different, typed story: no delivery metrics
    assert "appear for spoken answers" in typed.delivery


def test_a_transcript_without_a_measured_pace_still_scores(tmp_path: Path) -> None:
    # coach.speech.transcribe.Transcript.words_per_minute is None when no speaking time was measured.
    svc = services(transcribe=lambda path: FakeTranscript(text=WEAK, duration_s=90.0, words_per_minute=None))
    heard = practice.transcribe_audio(svc, str(write_wav(tmp_path / "a.wav")), None)
    assert heard.story == WEAK and "Transcribed 1:30" in heard.status
    scored = submit(svc, WEAK, heard.state)
    assert 'id="delivery-wpm">not measured<' in scored.delivery and 'id="delivery-duration">1:30' in scored.delivery


def test_bad_audio_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "not.wav"
    bad.write_bytes(b"not audio at all")
    result = practice.transcribe_audio(services(transcribe=FakeTranscriber(text="x")), str(bad), None)
    assert "not a readable audio file" in result.status and result.story is KEEP


def test_missing_speech_extra_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "coach.speech.transcribe", None)  # import fails like a missing module
    result = practice.transcribe_audio(services(), str(write_wav(tmp_path / "a.wav")), None)
    assert "star-l-coach[speech]" in result.status and "type or paste" in result.status


def test_default_interviewer_factory_reports_a_missing_llm_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "coach.interviewer.llm", None)
    with pytest.raises(UsageError, match="could not be loaded"):
        practice.default_make_interviewer(LLMSettings(model="gpt-4o-mini"))


def test_handlers_module_imports_neither_gradio_nor_litellm() -> None:
    import subprocess

    code = "import sys, coach.web.practice, coach.web.webview, coach.interviewer.questions; print(sorted(m for m in ('gradio', 'litellm', 'faster_whisper') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_practice_rubric_choice_lists_narrative_rubrics_only() -> None:
    ids = practice.PracticeServices(questions=load_questions()).rubric_ids()
    assert "star-l" in ids and not {"exec-update", "tech-update", "postmortem"} & set(ids)
