"""The web practice app's logic as plain functions: no gradio here, so tests call them directly.

coach.web.ui wires these handlers to components. Services (the transcriber, the interviewer factory, the
question bank, the rubric loader) are injected through :class:`PracticeServices`, so tests pass fakes
and nothing heavy is imported until it is used: the default interviewer factory imports coach.interviewer.llm
(and so litellm) the first time a model is actually asked, and the default transcriber imports
coach.speech.transcribe (and faster-whisper) at the first recording.

Every handler returns a :class:`PracticeView`; a field left as :data:`KEEP` means "leave that part of
the page as it is" (coach.web.ui turns it into ``gr.skip()``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Final, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from coach.config import LLMSettings
from coach.errors import CoachError, LLMError, UsageError
from coach.history import DeliveryRecord, HistoryStore
from coach.interviewer.interview import InterviewSession, answer_followup, start_interview
from coach.interviewer.model_policy import caller_settings, choose_settings
from coach.interviewer.questions import QuestionBank
from coach.models import Assessment
from coach.rubric.loader import DEFAULT_RUBRIC, Rubric, available_rubrics, load_rubric
from coach.scoring.depth import LeadershipSignal
from coach.service import Interviewer, with_notices
from coach.textfmt import md_escape
from coach.web import depth_render
from coach.web import webview as view
from coach.web.practice_history import save_attempt, save_exchange


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


#: "Leave this output as it is."
KEEP: Final = _Keep()

OFFLINE_LABEL = "offline rubric"
SPEECH_EXTRA_MISSING = (
    "Speech input needs the speech extra (pip install 'star-l-coach[speech]'); "
    "you can still type or paste your answer."
)


@runtime_checkable
class TranscriptLike(Protocol):
    """What the web app reads from coach.speech.transcribe.Transcript."""

    text: str
    duration_s: float
    words_per_minute: float | None  # None: no speaking time to measure a pace over
    fillers: dict[str, int]
    filler_count: int


@runtime_checkable
class StreamingInterviewer(Protocol):
    """The optional extras of coach.interviewer.llm.LiteLLMInterviewer that the web app uses when present."""

    name: str

    def stream_feedback(self, *, story: str, question: str, assessment: Assessment, rubric: Rubric) -> Iterator[str]: ...


@runtime_checkable
class CheckableInterviewer(Protocol):
    name: str

    def check_reachable(self) -> tuple[bool, str]: ...


TranscribeFn = Callable[[str], Any]
InterviewerFactory = Callable[[LLMSettings], "Interviewer | None"]


def default_transcriber(path: str) -> TranscriptLike:
    """coach.speech.transcribe.transcribe_file, imported at first use (faster-whisper is an optional extra)."""
    try:
        from coach.speech.transcribe import transcribe_file
    except ImportError as exc:
        raise UsageError(SPEECH_EXTRA_MISSING) from exc
    try:
        result: TranscriptLike = transcribe_file(path)
    except ImportError as exc:  # coach.speech.transcribe imports faster-whisper lazily too
        raise UsageError(SPEECH_EXTRA_MISSING) from exc
    return result


def default_make_interviewer(settings: LLMSettings) -> Interviewer | None:
    """coach.interviewer.llm.LiteLLMInterviewer, imported (with litellm) the first time a model is used."""
    try:
        from coach.interviewer.llm import LiteLLMInterviewer
    except ImportError as exc:
        raise UsageError(f"the LLM client could not be loaded ({exc}); using the offline rubric") from exc
    interviewer: Interviewer = LiteLLMInterviewer(settings)
    return interviewer


@dataclass
class PracticeServices:
    """Everything the handlers need, injected (the composition root is coach.cli.commands.serve)."""

    questions: QuestionBank
    #: The Settings tab's initial values (from --model/--api-base/--offline or COACH_MODEL/COACH_API_BASE).
    default_model: str = ""
    default_api_base: str = ""
    #: The operator's --offline: no endpoint calls a model, whatever a caller sends (coach.interviewer.model_policy).
    default_offline: bool = False
    #: The operator's --allow-caller-model: callers may name any model and API base (off: only the above).
    allow_caller_model: bool = False
    default_rubric: str = DEFAULT_RUBRIC
    transcribe: TranscribeFn = default_transcriber
    make_interviewer: InterviewerFactory = default_make_interviewer
    load_rubric: Callable[[str], Rubric] = load_rubric
    #: The practice history (None: nothing is saved; coach.cli.commands.serve passes one unless COACH_HISTORY=off).
    history: HistoryStore | None = None
    _interviewers: dict[LLMSettings, Interviewer | None] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def rubric_ids(self) -> list[str]:
        """The rubrics a story can be practised against: narrative ones (the drills have their own tab)."""
        ids = [rid for rid in available_rubrics() if self.load_rubric(rid).narrative]
        return ids if self.default_rubric in ids else [self.default_rubric, *ids]

    def settings_for(self, model: str | None, api_base: str | None, offline: bool) -> LLMSettings | None:
        """A caller's Settings fields → the settings this server allows (coach.interviewer.model_policy), or UsageError."""
        return choose_settings(
            model, api_base, offline, operator_model=self.default_model, operator_api_base=self.default_api_base,
            operator_offline=self.default_offline, allow_caller=self.allow_caller_model,
        )

    def interviewer_for(self, settings: LLMSettings | None) -> Interviewer | None:
        """One interviewer per settings, made on first use (constructors do no network I/O)."""
        if settings is None:
            return None
        with self._lock:
            if settings not in self._interviewers:
                self._interviewers[settings] = self.make_interviewer(settings)
            return self._interviewers[settings]


class SpokenAnswer(DeliveryRecord):
    """A spoken answer's transcript and its delivery metrics (as the history keeps them), kept from
    transcription until the answer is scored. The full metrics are coach.speech.delivery.Delivery."""

    transcript: str

    @classmethod
    def from_transcript(cls, transcript: TranscriptLike) -> SpokenAnswer:
        return cls(
            transcript=transcript.text,
            duration_s=float(transcript.duration_s),
            words_per_minute=None if transcript.words_per_minute is None else float(transcript.words_per_minute),
            fillers=dict(transcript.fillers),
            filler_count=int(transcript.filler_count),
        )

    def matches(self, story: str) -> bool:
        """Still the spoken answer (perhaps corrected), not a different story typed after recording."""
        spoken = set(self.transcript.lower().split())
        typed = set(story.lower().split())
        return bool(spoken) and len(spoken & typed) >= 0.5 * len(spoken)


class Attempt(BaseModel):
    number: int
    question: str
    rubric_id: str
    settings: LLMSettings | None = None
    #: The story as first told, before any follow-up answer: what Try again compares.
    first_telling: Assessment
    session: InterviewSession
    delivery: SpokenAnswer | None = None
    question_id: str | None = None
    #: Its id in the practice history once saved (follow-up answers update that record).
    history_id: int | None = None


class PracticeState(BaseModel):
    """Per-browser-session state (a gr.State): the attempts so far and a pending transcription."""

    attempts: list[Attempt] = Field(default_factory=list)
    delivery: SpokenAnswer | None = None
    #: The Settings switch "save my attempts": on unless the user turns it off for this session.
    save_history: bool = True

    @property
    def current(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None


ChatMessage = dict[str, str]


@dataclass
class PracticeView:
    """Every output of the practice tab, in coach.web.ui's order. KEEP leaves a part of the page unchanged."""

    status: str | _Keep = KEEP
    story: str | _Keep = KEEP
    score: str | _Keep = KEEP
    chart: str | _Keep = KEEP
    highlights: str | _Keep = KEEP
    checklist: str | _Keep = KEEP
    flags: str | _Keep = KEEP
    delivery: str | _Keep = KEEP
    comparison: str | _Keep = KEEP
    chat: list[ChatMessage] | _Keep = KEEP
    followup_answer: str | _Keep = KEEP
    coaching: str | _Keep = KEEP
    depth: str | _Keep = KEEP
    leadership: str | _Keep = KEEP
    state: PracticeState | _Keep = KEEP

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def values(self) -> list[Any]:
        return [getattr(self, name) for name in self.names()]


# --- small pure helpers ---------------------------------------------------------------------------


def resolve_question(services: PracticeServices, question_id: str | None, custom_question: str | None) -> str:
    """The user's own question when typed, else the bank's question."""
    own = (custom_question or "").strip()
    if own:
        return own
    if question_id:
        try:
            return services.questions.get(question_id).text
        except KeyError as exc:
            raise UsageError(str(exc.args[0])) from None
    return services.questions.default.text


def settings_from_form(model: str | None, api_base: str | None, offline: bool) -> LLMSettings | None:
    """Settings fields → LLMSettings, or None for offline (the operator's own, e.g. for the Batch tab).
    A caller's fields go through PracticeServices.settings_for, which applies the operator's policy."""
    return caller_settings(model, api_base, offline)


def chat_messages(session: InterviewSession) -> list[ChatMessage]:
    """The follow-up interview as an interviewer's chat (messages format), rebuilt from the session."""
    scores = session.history
    messages: list[ChatMessage] = []
    first = scores[0] if scores else session.assessment.overall
    opening = f"Thanks. That answer scores **{first}/100**."
    questions = [turn.question for turn in session.turns] + ([session.pending] if session.pending else [])
    for index, question in enumerate(questions):
        if index == 0:
            lead = opening
        else:
            before, now = scores[index - 1], scores[index]
            lead = f"Now **{now}/100** ({_signed(now - before)})."
        messages.append({"role": "assistant", "content": f"{lead} {md_escape(question.question)}"})
        if index < len(session.turns):
            messages.append({"role": "user", "content": md_escape(session.turns[index].answer)})
    if session.pending is None:
        final = scores[-1] if scores else session.assessment.overall
        if session.turns:
            change = _signed(final - scores[len(session.turns) - 1])
            messages.append(
                {"role": "assistant", "content": f"Now **{final}/100** ({change}). That's all I wanted to ask. "
                 "Press *Try again* to tell the whole story once more, with what you added here."}
            )
        else:
            messages.append(
                {"role": "assistant", "content": f"{opening} Your story already covers what I would ask about."}
            )
    return messages


def _signed(delta: int) -> str:
    return f"+{delta}" if delta > 0 else str(delta)


def render_attempt(
    state: PracticeState, rubric: Rubric, status: str = "", signals: Sequence[LeadershipSignal] = ()
) -> PracticeView:
    """The full feedback for the current attempt, and the comparison with the one before."""
    attempt = state.current
    assert attempt is not None
    session = attempt.session
    assessment = session.assessment
    previous = session.history[-2] if len(session.history) > 1 else None
    delivery = (
        view.delivery(attempt.delivery.duration_s, attempt.delivery.words_per_minute, attempt.delivery.fillers, attempt.delivery.filler_count)
        if attempt.delivery
        else view.empty("Delivery metrics appear for spoken answers (record or upload audio).")
    )
    return PracticeView(
        status=status,
        score=view.score_card(assessment, attempt.number, previous),
        chart=view.component_chart(assessment, rubric),
        highlights=view.highlighted_story(session.combined_story(), assessment, rubric),
        checklist=view.checklist(assessment, rubric),
        flags=view.red_flags(assessment, rubric),
        delivery=delivery,
        comparison=render_comparison(state, rubric),
        chat=chat_messages(session),
        followup_answer="",
        depth=depth_render.depth_panel(assessment.depth),
        leadership=depth_render.leadership_panel(assessment, signals),
        state=state,
    )


def render_comparison(state: PracticeState, rubric: Rubric) -> str:
    if len(state.attempts) < 2:
        return view.empty("Press Try again and answer once more: the last two attempts are compared here.")
    before, after = state.attempts[-2], state.attempts[-1]
    # Each attempt as first told: follow-up answers help within an attempt, Try again measures the retelling.
    return view.comparison(
        before.first_telling, after.first_telling, rubric, f"attempt {before.number}", f"attempt {after.number}"
    )


# --- handlers -------------------------------------------------------------------------------------


def submit_answer(
    services: PracticeServices,
    question_id: str | None,
    custom_question: str | None,
    story: str,
    model: str | None,
    api_base: str | None,
    offline: bool,
    rubric_id: str | None,
    state: PracticeState | None,
) -> PracticeView:
    """Score a new attempt and open the follow-up interview."""
    state = (state or PracticeState()).model_copy(deep=True)
    try:
        question = resolve_question(services, question_id, custom_question)
        rubric_id = rubric_id or services.default_rubric
        rubric = services.load_rubric(rubric_id)
        settings = services.settings_for(model, api_base, offline)
    except CoachError as exc:
        return PracticeView(status=view.status(str(exc), "error"))
    interviewer, notices = _interviewer(services, settings)
    # The bank's probes always; a scenario question's depth items only when it is the question answered.
    probing = services.questions.probing(None if (custom_question or "").strip() else question_id)
    try:
        session = start_interview(story or "", rubric, interviewer, question=question, probing=probing)
    except CoachError as exc:
        return PracticeView(status=view.status(str(exc), "error"))
    session = session.model_copy(update={"assessment": with_notices(session.assessment, notices, first=True)})
    delivery = state.delivery if state.delivery and state.delivery.matches(story) else None
    attempt = Attempt(
        number=len(state.attempts) + 1,
        question=question,
        rubric_id=rubric_id,
        settings=settings if interviewer is not None else None,
        first_telling=session.assessment,
        session=session,
        delivery=delivery,
        question_id=None if (custom_question or "").strip() else (question_id or services.questions.default.id),
    )
    state.attempts.append(attempt)
    state.delivery = None
    not_saved = save_attempt(services, state, attempt, settings)
    status = (
        view.status(f"Scored, but not saved to your history: {not_saved}", "warn")
        if not_saved
        else view.status("Scored. Answer the interviewer's follow-up below.", "ok")
    )
    return render_attempt(state, rubric, status, services.questions.leadership)


def answer_in_chat(services: PracticeServices, answer: str, state: PracticeState | None) -> PracticeView:
    """The candidate answers the pending follow-up: the combined story is re-scored, the next question asked."""
    state = (state or PracticeState()).model_copy(deep=True)
    attempt = state.current
    if attempt is None:
        return PracticeView(status=view.status("Score an answer first; then the interviewer asks follow-ups.", "warn"))
    if attempt.session.done:
        return PracticeView(status=view.status("The interview for this attempt is over: press Try again for a new attempt.", "warn"))
    try:
        rubric = services.load_rubric(attempt.rubric_id)
    except CoachError as exc:
        return PracticeView(status=view.status(str(exc), "error"))
    interviewer, notices = _interviewer(services, attempt.settings)
    try:
        session = answer_followup(attempt.session, answer or "", rubric, interviewer)
    except CoachError as exc:
        return PracticeView(status=view.status(str(exc), "error"))
    attempt.session = session.model_copy(update={"assessment": with_notices(session.assessment, notices, first=True)})
    not_saved = save_exchange(services, attempt)
    status = (
        view.status(f"Re-scored, but your answer was not saved to your history: {not_saved}", "warn")
        if not_saved
        else view.status("Re-scored with your answer.", "ok")
    )
    return render_attempt(state, rubric, status, services.questions.leadership)


def try_again(services: PracticeServices, state: PracticeState | None) -> PracticeView:
    """A fresh attempt at the same question: clear the answer, the feedback and the chat; keep history."""
    state = (state or PracticeState()).model_copy(deep=True)
    state.delivery = None
    done = len(state.attempts)
    comparison: str | _Keep = KEEP
    if done:
        comparison = view.empty(f"Attempt {done + 1}: answer again. It is compared with attempt {done} once scored.")
    cleared = view.empty("Score an answer to see feedback here.")
    return PracticeView(
        status=view.status(f"Attempt {done + 1}: tell the story again.", "info"),
        story="",
        score=cleared,
        chart="",
        highlights="",
        checklist="",
        flags="",
        delivery="",
        comparison=comparison,
        chat=[],
        followup_answer="",
        coaching="",
        depth="",
        leadership="",
        state=state,
    )


def transcribe_audio(services: PracticeServices, audio_path: str | None, state: PracticeState | None) -> PracticeView:
    """Speech → the story box (editable before scoring); delivery metrics kept for the next score."""
    if not audio_path:
        return PracticeView()
    state = (state or PracticeState()).model_copy(deep=True)
    try:
        transcript = services.transcribe(str(audio_path))
    except CoachError as exc:
        return PracticeView(status=view.status(str(exc), "error"))
    text = str(transcript.text).strip()
    if not text:
        return PracticeView(status=view.status("No speech was recognised in the recording; try again closer to the microphone.", "warn"))
    state.delivery = SpokenAnswer.from_transcript(transcript)
    seconds = state.delivery.duration_s
    return PracticeView(
        status=view.status(
            f"Transcribed {int(seconds) // 60}:{int(seconds) % 60:02d} of speech. Correct the text if needed, then press Score.",
            "ok",
        ),
        story=text,
        state=state,
    )


def stream_coaching(services: PracticeServices, state: PracticeState | None) -> Iterator[str]:
    """Coaching prose from the model, streamed; a plain note in offline mode. Never changes the score."""
    attempt = state.current if state else None
    if attempt is None:
        yield ""
        return
    assessment = attempt.session.assessment
    if attempt.settings is None:
        yield view.empty("Offline rubric mode: configure a model in Settings for coaching prose from an interviewer.")
        return
    if assessment.mode != "llm":
        yield view.empty("The model did not answer (see the notices above); the feedback comes from the rubric.")
        return
    interviewer = services.interviewer_for(attempt.settings)
    rubric = services.load_rubric(attempt.rubric_id)
    if not isinstance(interviewer, StreamingInterviewer):
        yield view.coaching(assessment.feedback) if assessment.feedback else ""
        return
    text = ""
    try:
        for chunk in interviewer.stream_feedback(
            story=attempt.session.combined_story(), question=attempt.question, assessment=assessment, rubric=rubric
        ):
            text += chunk
            yield view.coaching(text, done=False)
    except LLMError as exc:
        yield view.coaching(text) + view.status(f"Coaching stopped: {exc.reason}.", "warn")
        return
    yield view.coaching(text)


def check_model(services: PracticeServices, model: str | None, api_base: str | None, offline: bool) -> str:
    """Is the configured model reachable? Shown in Settings before the user relies on it."""
    try:
        settings = services.settings_for(model, api_base, offline)
    except CoachError as exc:
        return view.status(str(exc), "error")
    if settings is None:
        return view.status(f"Offline mode: answers are scored by the {OFFLINE_LABEL}; no model is called.", "info")
    try:
        interviewer = services.interviewer_for(settings)
    except CoachError as exc:
        return view.status(str(exc), "error")
    if not isinstance(interviewer, CheckableInterviewer):
        return view.status(f"{settings.model}: this client cannot be checked; it will be tried at the first answer.", "warn")
    try:
        ok, detail = interviewer.check_reachable()
    except CoachError as exc:
        ok, detail = False, str(exc)
    # The client names the model too ("openai/x answered in 0.2 s", "openai/x: …"): say it once.
    detail = detail.removeprefix(f"{settings.model}: ").removeprefix(f"{settings.model} ")
    if ok:
        return view.status(f"✓ {settings.model} is reachable{': ' + detail if detail else ''}", "ok")
    return view.status(
        f"✗ {settings.model} is not reachable{': ' + detail if detail else ''}. Answers will be scored by the {OFFLINE_LABEL}.",
        "error",
    )


def question_hints(services: PracticeServices, question_id: str | None) -> str:
    try:
        question = services.questions.get(question_id) if question_id else services.questions.default
    except KeyError as exc:
        return view.status(str(exc.args[0]), "error")
    hints = question.hints
    return view.hints_html(hints.symptoms, hints.causes, hints.investigation)


def _interviewer(services: PracticeServices, settings: LLMSettings | None) -> tuple[Interviewer | None, list[str]]:
    """The interviewer for these settings, or None with a notice when it cannot even be created."""
    try:
        return services.interviewer_for(settings), []
    except CoachError as exc:
        return None, [f"{exc} — scored by the {OFFLINE_LABEL}."]
