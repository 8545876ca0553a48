"""The Gradio web app: the only module that imports gradio.

:func:`build_app` lays out the page and wires components to the plain handlers of coach.web.practice;
the services (transcriber, interviewer factory, question bank) come in as a parameter. Nothing heavy
is imported here beyond gradio: litellm and faster-whisper load when first used.
:func:`launch` starts it with the safe defaults (127.0.0.1, share off, optional login).
"""

from __future__ import annotations

from coach.startup import apply_env_defaults

apply_env_defaults(web=True)  # before gradio is imported (a no-op when the entry point did it already)

from collections.abc import Callable, Iterator, Sequence  # noqa: E402
from typing import Any  # noqa: E402

import gradio as gr  # noqa: E402

from coach.textfmt import md_escape  # noqa: E402
from coach.web import batch_tab as batch  # noqa: E402
from coach.web import drills_tab as drills  # noqa: E402
from coach.web import practice  # noqa: E402
from coach.web import practice_stream  # noqa: E402
from coach.web import ui_progress  # noqa: E402
from coach.web import webview as view  # noqa: E402
from coach.web.practice import KEEP, PracticeServices, PracticeState, PracticeView  # noqa: E402

TITLE = "STAR-L Coach"

#: Extra tabs (e.g. Batch) are functions called inside the gr.Tabs block; each builds one gr.Tab.
TabBuilder = Callable[[], None]

CSS = """
.coach-score-main { font-size: 2.4rem; font-weight: 700; }
.coach-level, .coach-mode { color: #475569; }
.coach-mode { font-size: .9rem; margin-top: .2rem; }
.coach-notices { margin: .4rem 0 0 1rem; color: #92400e; }
.coach-bar-row { display: flex; align-items: center; gap: .5rem; margin: .25rem 0; }
.coach-bar-label { width: 6rem; }
.coach-bar-track { flex: 1; background: #e2e8f0; height: .9rem; border-radius: .45rem; overflow: hidden; }
.coach-bar { display: block; height: 100%; }
.coach-bar-value { width: 4.5rem; text-align: right; font-variant-numeric: tabular-nums; }
.coach-story { white-space: pre-wrap; line-height: 1.7; }
.coach-seg { color: inherit; padding: 0 .1rem; }
.coach-legend-item { border-left: .6rem solid; padding: 0 .5rem; margin-right: .5rem; font-size: .85rem; }
.coach-criterion { list-style: none; margin: .3rem 0; }
.coach-missing { color: #b91c1c; font-size: .9rem; margin-left: 1.4rem; }
.coach-met .coach-mark { color: #059669; } .coach-unmet .coach-mark { color: #b91c1c; }
.coach-quote { margin: .2rem 0 .2rem 1.4rem; padding-left: .5rem; border-left: 3px solid #cbd5e1; color: #334155; font-size: .9rem; }
.coach-flag { list-style: none; color: #b91c1c; }
.coach-status-error { color: #b91c1c; font-weight: 600; } .coach-status-warn { color: #92400e; }
.coach-status-ok { color: #047857; }
.coach-empty { color: #64748b; font-style: italic; }
.coach-coaching { white-space: pre-wrap; }
.coach-compare-cols { display: flex; gap: 2rem; }
.coach-compare-table td, .coach-compare-table th { padding: .1rem .8rem; }
#timer-box { font-size: 1.3rem; font-variant-numeric: tabular-nums; }
#timer-box[data-state="near"] #timer-value { color: #b45309; }
#timer-box[data-state="over"] #timer-value { color: #b91c1c; }
#drill-budget-box[data-state="over"] #drill-words { color: #b91c1c; font-weight: 700; }
#timer-box button { font-size: .8rem; margin-left: .3rem; padding: .1rem .5rem; border: 1px solid #cbd5e1; border-radius: .3rem; }
"""

TIMER_HTML = (
    '<div id="timer-box" data-state="ok" title="Interviewers expect about 2 minutes">'
    'Answer time <span id="timer-value">0:00</span> <span class="coach-empty">/ 2:00 target</span>'
    '<button id="timer-start" type="button">Start</button><button id="timer-reset" type="button">Reset</button>'
    '<div id="timer-note" class="coach-empty" style="font-size:.8rem">starts when you type or record</div></div>'
)

#: Runs in the browser when the timer renders: a client-side clock (no server round trips). It starts
#: on the first keystroke in the answer or a click on the microphone, stops on Score, resets on Try again.
TIMER_JS = """
if (!window.__coachTimer) {
  const t = { start: null, elapsed: 0, id: null };
  const fmt = (s) => Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  const seconds = () => t.start ? Math.floor((Date.now() - t.start) / 1000) + t.elapsed : t.elapsed;
  const render = () => {
    const value = document.querySelector("#timer-value");
    const box = document.querySelector("#timer-box");
    if (!value || !box) return;
    const s = seconds();
    value.textContent = fmt(s);
    box.dataset.state = s > 120 ? "over" : s >= 105 ? "near" : "ok";
    box.dataset.running = t.start ? "yes" : "no";
  };
  window.__coachTimer = {
    start() { if (t.start) return; t.start = Date.now(); t.id = setInterval(render, 500); render(); },
    stop() { if (!t.start) return; t.elapsed = seconds(); t.start = null; clearInterval(t.id); render(); },
    reset() { t.start = null; t.elapsed = 0; clearInterval(t.id); render(); },
    seconds,
  };
  document.addEventListener("input", (e) => {
    if (e.target.closest && e.target.closest("#story")) window.__coachTimer.start();
  }, true);
  document.addEventListener("click", (e) => {
    const hit = (sel) => e.target.closest && e.target.closest(sel);
    if (hit("#timer-start")) window.__coachTimer.start();
    else if (hit("#timer-reset") || hit("#try-again-btn")) window.__coachTimer.reset();
    else if (hit("#submit-btn")) window.__coachTimer.stop();
    else if (hit("#audio button") && /record/i.test((e.target.closest("button").getAttribute("aria-label") || "") + e.target.closest("button").textContent)) window.__coachTimer.start();
  }, true);
}
"""

SETTINGS_NOTE = (
    "**Keys are never typed here.** A hosted model reads its key from the provider's own environment "
    "variable (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, …) on the machine running the app. "
    "A local model (Ollama, llama.cpp, vLLM, LM Studio) needs only a model and an API base, e.g. "
    "`ollama_chat/llama3.1` or `openai/<name>` with `http://127.0.0.1:8000/v1`. "
    "The model and API base are the ones this server was started with (`coach serve --model … --api-base …`); "
    "tick *Offline* to use the rubric only. The score always comes from the "
    "rubric; a model only asks the follow-up questions and writes coaching prose."
)


def _outputs(result: PracticeView) -> list[Any]:
    """The view's values for gradio, plus whether coaching should stream next (only after a new score)."""
    rescored = result.state is not KEEP and result.score is not KEEP and result.chat not in (KEEP, [])
    return [gr.skip() if value is KEEP else value for value in result.values()] + [rescored]


def build_app(services: PracticeServices, extra_tabs: Sequence[TabBuilder] = ()) -> gr.Blocks:
    """The page. Handlers are coach.web.practice functions bound to ``services``."""
    bank = services.questions
    demo = gr.Blocks(title=TITLE, analytics_enabled=False)  # not "with … as demo": gradio's __enter__ is untyped
    with demo:
        state = gr.State(PracticeState())
        coach_next = gr.State(False)  # set by a handler that produced a new score: stream coaching for it
        gr.Markdown(
            f"# {TITLE}\nPractise the production-incident story: Situation, Task, Action, Result, Learning.",
            elem_id="header",
        )
        with gr.Tabs(elem_id="tabs"):
            with gr.Tab("Practice", id="practice", elem_id="tab-practice"):
                with gr.Row():
                    with gr.Column(scale=3):
                        question = gr.Dropdown(
                            choices=[(q.title, q.id) for q in bank.questions],
                            value=bank.default.id,
                            label="Question",
                            elem_id="question",
                        )
                        question_text = gr.Markdown(md_escape(bank.default.text), elem_id="question-text")
                        custom_question = gr.Textbox(
                            label="…or type your own question", placeholder="Optional", elem_id="custom-question"
                        )
                        with gr.Accordion("Hints: symptoms, common causes, investigation steps", open=False, elem_id="hints-accordion"):
                            hints = gr.HTML(practice.question_hints(services, bank.default.id), elem_id="hints")
                    with gr.Column(scale=1, min_width=220):
                        gr.HTML(TIMER_HTML, js_on_load=TIMER_JS, elem_id="answer-timer")
                story = gr.Textbox(
                    label="Your answer (type, paste, or record below; a transcript stays editable)",
                    lines=9,
                    max_lines=30,
                    placeholder="Last spring our fraud model started blocking good payments…",
                    elem_id="story",
                )
                audio = gr.Audio(
                    sources=["microphone", "upload"],
                    type="filepath",
                    label="Or speak your answer (microphone or an audio file)",
                    elem_id="audio",
                )
                with gr.Row():
                    submit = gr.Button("Score my answer", variant="primary", elem_id="submit-btn")
                    again = gr.Button("Try again", elem_id="try-again-btn")
                status = gr.HTML("", elem_id="status")
                with gr.Row():
                    with gr.Column():
                        score = gr.HTML(view.empty("Score an answer to see feedback here."), elem_id="score")
                        chart = gr.HTML("", elem_id="chart")
                        coaching = gr.HTML("", elem_id="coaching")
                    with gr.Column():
                        chat = gr.Chatbot(
                            label="Interviewer",
                            elem_id="chat",
                            height=360,
                            feedback_options=None,
                            placeholder="The interviewer's follow-up questions appear here.",
                        )
                        followup_answer = gr.Textbox(
                            label="Your answer to the interviewer", lines=2, elem_id="followup-answer"
                        )
                        answer_btn = gr.Button("Answer", elem_id="answer-btn")
                with gr.Row():  # the guide's "interview signal": technical depth beside leadership
                    with gr.Column():
                        gr.Markdown("### Technical depth")
                        depth = gr.HTML("", elem_id="depth-panel")
                    with gr.Column():
                        gr.Markdown("### Leadership")
                        leadership = gr.HTML("", elem_id="leadership-panel")
                gr.Markdown("### Your story, sentence by sentence")
                highlights = gr.HTML("", elem_id="highlights")
                with gr.Row():
                    with gr.Column(scale=3):
                        gr.Markdown("### Checklist")
                        checklist = gr.HTML("", elem_id="checklist")
                    with gr.Column(scale=2):
                        gr.Markdown("### Red flags")
                        flags = gr.HTML("", elem_id="red-flags")
                        gr.Markdown("### Delivery")
                        delivery = gr.HTML("", elem_id="delivery")
                gr.Markdown("### Last two attempts")
                comparison = gr.HTML(
                    view.empty("Press Try again and answer once more: the last two attempts are compared here."),
                    elem_id="comparison",
                )

            ui_progress.build_progress_tab(services)

            with gr.Tab("Settings", id="settings", elem_id="tab-settings"):
                gr.Markdown(SETTINGS_NOTE, elem_id="settings-note")
                model = gr.Textbox(
                    value=services.default_model,
                    label="Model (LiteLLM model string; empty = offline rubric)",
                    placeholder="ollama_chat/llama3.1",
                    interactive=services.allow_caller_model,  # otherwise the operator's (coach.interviewer.model_policy)
                    elem_id="model",
                )
                api_base = gr.Textbox(
                    value=services.default_api_base,
                    label="API base (for local or OpenAI-compatible servers)",
                    placeholder="http://127.0.0.1:11434",
                    interactive=services.allow_caller_model,
                    elem_id="api-base",
                )
                offline = gr.Checkbox(
                    value=services.default_offline, label="Offline: never call a model", elem_id="offline",
                    interactive=not services.default_offline,  # the operator's --offline cannot be undone here
                )
                rubric = gr.Dropdown(
                    choices=services.rubric_ids(), value=services.default_rubric, label="Rubric", elem_id="rubric"
                )
                ui_progress.settings_switch(services, state)
                check = gr.Button("Check model", elem_id="check-model-btn")
                model_status = gr.HTML("", elem_id="model-status")

            for build_tab in extra_tabs:
                build_tab()

        view_outputs = [
            status, story, score, chart, highlights, checklist, flags, delivery, comparison, chat,
            followup_answer, coaching, depth, leadership, state, coach_next,
        ]
        assert len(view_outputs) == len(PracticeView.names()) + 1

        def on_question(question_id: str | None) -> tuple[str, str]:
            text = practice.resolve_question(services, question_id, None)
            return md_escape(text), practice.question_hints(services, question_id)

        def on_submit(
            question_id: str | None, own_question: str | None, story_text: str, model_name: str | None,
            base: str | None, is_offline: bool, rubric_id: str | None, current: PracticeState,
        ) -> Iterator[list[Any]]:
            for result in practice_stream.submit_answer_streamed(  # the model's questions show as they come
                services, question_id, own_question, story_text, model_name, base, is_offline, rubric_id, current
            ):
                yield _outputs(result)

        def on_answer(answer: str, current: PracticeState) -> Iterator[list[Any]]:
            for result in practice_stream.answer_in_chat_streamed(services, answer, current):
                yield _outputs(result)

        def on_try_again(current: PracticeState) -> list[Any]:
            return _outputs(practice.try_again(services, current))

        def on_audio(path: str | None, current: PracticeState) -> list[Any]:
            return _outputs(practice.transcribe_audio(services, path, current))

        def on_coaching(current: PracticeState, wanted: bool) -> Iterator[Any]:
            if not wanted:  # the answer was refused (empty, bad settings): keep what is shown
                yield gr.skip()
                return
            yield from practice.stream_coaching(services, current)

        def on_check(model_name: str | None, base: str | None, is_offline: bool) -> str:
            return practice.check_model(services, model_name, base, is_offline)

        question.change(on_question, [question], [question_text, hints], api_name="question")
        gr.on(
            [audio.upload, audio.stop_recording], on_audio, [audio, state], view_outputs, api_name="transcribe"
        )
        submit.click(
            on_submit,
            [question, custom_question, story, model, api_base, offline, rubric, state],
            view_outputs,
            api_name="score",
        ).then(on_coaching, [state, coach_next], [coaching], api_name="coaching")
        gr.on(
            [answer_btn.click, followup_answer.submit], on_answer, [followup_answer, state], view_outputs,
            api_name="answer_followup",
        ).then(on_coaching, [state, coach_next], [coaching], api_name="coaching_after_followup")
        again.click(on_try_again, [state], view_outputs, api_name="try_again")
        check.click(on_check, [model, api_base, offline], [model_status], api_name="check_model")
    return demo


BATCH_NOTE = (
    "Score a whole cohort at once, with the same code as `coach batch`. Upload a **.csv / .tsv** (an "
    "`answer`, `story`, `text` or `response` column; optional `id` and `question` columns), a **.jsonl** "
    "file, or a **.txt / .md** file with stories separated by lines of `---`. Up to "
    f"{batch.MAX_UPLOAD_BYTES // 2**20} MB here (the limit for any upload to this app); `coach batch` on the command line has no limit. "
    "Scores always come from the rubric."
)


def batch_tab(services: PracticeServices) -> TabBuilder:
    """The Batch tab (an extra tab for :func:`build_app`): upload a file, see the table and the
    cohort report, download the results. Logic in coach.web.batch_tab; this only lays it out."""

    def build() -> None:
        model = batch.model_choice(services)
        choices = [("Rubric follow-ups (fast, offline)", batch.FOLLOWUPS_RUBRIC)]
        if model:
            choices.append((f"Model follow-ups from {model} (slower; the rubric asks when it fails)", batch.FOLLOWUPS_MODEL))
        with gr.Tab("Batch", id="batch", elem_id="tab-batch"):
            gr.Markdown(BATCH_NOTE, elem_id="batch-note")
            with gr.Row():
                upload = gr.File(
                    label="Answers file",
                    file_count="single",
                    file_types=list(batch.ACCEPTED_SUFFIXES),
                    type="filepath",
                    elem_id="batch-upload",
                )
                with gr.Column():
                    rubric = gr.Dropdown(
                        choices=services.rubric_ids(), value=services.default_rubric, label="Rubric", elem_id="batch-rubric"
                    )
                    followups = gr.Radio(
                        choices=choices, value=batch.FOLLOWUPS_RUBRIC, label="Follow-up questions in the results",
                        elem_id="batch-followups",
                    )
                    run = gr.Button("Score the file", variant="primary", elem_id="batch-run-btn")
            status = gr.HTML("", elem_id="batch-status")
            table = gr.Dataframe(
                headers=batch.TABLE_HEADERS,
                datatype=batch.TABLE_TYPES,
                interactive=False,
                wrap=True,
                max_height=420,
                label=f"Results (first {batch.TABLE_ROWS} rows)",
                elem_id="batch-table",
            )
            downloads = gr.File(label="Download: results (CSV) and report (HTML)", file_count="multiple",
                                interactive=False, elem_id="batch-downloads")
            gr.Markdown("### Cohort report")
            report = gr.HTML("", elem_id="batch-report")

            def on_run(path: str | None, rubric_id: str | None, choice: str | None) -> list[Any]:
                return batch.score_batch_upload(services, path, rubric_id, choice or batch.FOLLOWUPS_RUBRIC).values()

            outputs = [status, table, report, downloads]
            run.click(on_run, [upload, rubric, followups], outputs, api_name="batch")
            upload.upload(on_run, [upload, rubric, followups], outputs, api_name="batch_upload")

    return build


#: Runs in the browser: keeps the Drills tab's word count live as the message is typed (no round trips).
DRILL_BUDGET_JS = """
if (!window.__drillBudget) {
  window.__drillBudget = true;
  document.addEventListener("input", (e) => {
    if (!(e.target.closest && e.target.closest("#drill-message"))) return;
    const box = document.querySelector("#drill-budget-box"), count = document.querySelector("#drill-words");
    if (!box || !count) return;
    const n = e.target.value.trim() ? e.target.value.trim().split(/\\s+/).length : 0;
    count.textContent = String(n);
    const max = Number(box.dataset.maxWords || 0);
    box.dataset.state = max && n > max ? "over" : "ok";
  }, true);
}
"""


def drills_tab(services: PracticeServices) -> TabBuilder:
    """The Drills tab (an extra tab for :func:`build_app`): incident-communication drills. Logic in
    coach.web.drills_tab; this only lays it out and wires it."""

    def build() -> None:
        bank = drills.default_bank()
        first_drill, first_brief = drills.DRILLS[0], bank.briefs[0].id
        brief_html, budget_html = drills.brief_panel(services, bank, first_drill, first_brief)
        with gr.Tab("Drills", id="drills", elem_id="tab-drills"):
            with gr.Row():
                kind = gr.Dropdown(choices=drills.drill_choices(services), value=first_drill, label="Drill", elem_id="drill-kind")
                brief = gr.Dropdown(choices=drills.brief_choices(bank), value=first_brief, label="Incident brief", elem_id="drill-brief")
                another = gr.Button("Another brief", elem_id="drill-next-brief")
            brief_text = gr.HTML(brief_html, elem_id="drill-brief-text")
            budget = gr.HTML(budget_html, js_on_load=DRILL_BUDGET_JS, elem_id="drill-budget")
            message = gr.Textbox(label="Your message", lines=7, max_lines=30, elem_id="drill-message")
            with gr.Row():
                run = gr.Button("Score my message", variant="primary", elem_id="drill-score-btn")
                again = gr.Button("Try again", elem_id="drill-again-btn")
                reveal = gr.Button("Show a model message", elem_id="drill-model-btn")
                model = drills.rewrite_available(services)
                rewrite = gr.Button(f"Suggest a rewrite ({model})" if model else "Suggest a rewrite",
                                    visible=model is not None, elem_id="drill-rewrite-btn")
            status = gr.HTML("", elem_id="drill-status")
            with gr.Row():
                with gr.Column():
                    score = gr.HTML(view.empty("Score a message to see the checklist here."), elem_id="drill-score")
                    checklist = gr.HTML("", elem_id="drill-checklist")
                with gr.Column():
                    order = gr.HTML("", elem_id="drill-order")
                    gr.Markdown("### Red flags")
                    flags = gr.HTML("", elem_id="drill-flags")
            model_text = gr.HTML("", elem_id="drill-model")
            rewrite_text = gr.HTML("", elem_id="drill-rewrite")
            gr.Markdown("### Your attempts")
            compare = gr.HTML("", elem_id="drill-compare")
            state = gr.State(drills.DrillState())

            def on_brief(drill: str | None, brief_id: str | None) -> tuple[str, str, str, str]:
                return (*drills.brief_panel(services, bank, drill, brief_id), "", "")

            def on_another(brief_id: str | None) -> str:
                return drills.next_brief(bank, brief_id)

            def on_score(drill: str | None, brief_id: str | None, text: str | None, current: drills.DrillState) -> list[Any]:
                return drills.score_drill(services, bank, drill, brief_id, text, current).values()

            gr.on([kind.change, brief.change], on_brief, [kind, brief], [brief_text, budget, model_text, rewrite_text],
                  api_name="drill_brief")
            another.click(on_another, [brief], [brief], api_name="drill_next_brief")
            run.click(on_score, [kind, brief, message, state],
                      [status, budget, score, checklist, order, flags, compare, state], api_name="drill_score")
            again.click(drills.try_again, [state], [status, message, model_text, rewrite_text], api_name="drill_try_again")
            reveal.click(lambda d, b: drills.reveal_model(services, bank, d, b), [kind, brief], [model_text],
                         api_name="drill_model")
            rewrite.click(lambda d, b, t: drills.suggest_rewrite(services, bank, d, b, t), [kind, brief, message],
                          [rewrite_text], api_name="drill_rewrite")

    return build


def launch(
    demo: gr.Blocks,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: tuple[str, str] | None = None,
    *,
    prevent_thread_lock: bool = False,
    quiet: bool = False,
) -> None:
    """Serve ``demo``: bound to ``host`` (127.0.0.1 unless told), share off, login when ``auth`` is set."""
    demo.queue(default_concurrency_limit=4)
    demo.launch(
        server_name=host,
        server_port=port,
        share=False,
        auth=auth,
        auth_message="STAR-L Coach: log in with the COACH_AUTH credentials" if auth else None,
        prevent_thread_lock=prevent_thread_lock,
        quiet=quiet,
        show_error=False,
        css=CSS,
        footer_links=["api", "settings"],
        max_file_size=batch.MAX_UPLOAD_BYTES,  # refused at the upload route, before it reaches the temp dir
        run_history=False,  # answers are personal: do not keep them in the browser's run history
    )
