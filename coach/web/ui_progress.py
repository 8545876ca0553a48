"""The Progress tab and the Settings switch "save my attempts", laid out with gradio.

Part of the UI layer (like coach.web.ui, which alone imports this module): the logic is in
coach.web.progress, the HTML in coach.web.progress_view; this only places components and wires events.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from coach.web import practice_history, progress
from coach.web.practice import PracticeServices
from coach.web.progress import ProgressView

PROGRESS_NOTE = (
    "Every scored attempt is kept **on this computer only**, in one SQLite file (see Settings to switch "
    "saving off). Pick a question to see its scores over time, the criteria you miss most, and any two "
    "attempts side by side."
)


def settings_switch(services: PracticeServices, state: gr.State) -> None:
    """The Settings tab's "save my attempts" checkbox (per browser session)."""
    switch = gr.Checkbox(
        value=services.history is not None,
        interactive=services.history is not None,
        label="Save my attempts in the practice history (Progress tab)",
        info=progress.saving_note(services.history),
        elem_id="save-history",
    )
    switch.change(practice_history.set_save_history, [state, switch], [state], api_name="save_history")


def build_progress_tab(services: PracticeServices) -> None:
    """Inside gr.Tabs: the Progress tab. Reloaded each time it is opened."""
    with gr.Tab("Progress", id="progress", elem_id="tab-progress") as tab:
        gr.Markdown(PROGRESS_NOTE, elem_id="progress-note")
        with gr.Row():
            question = gr.Dropdown(choices=[("All questions", progress.ALL)], value=progress.ALL, label="Question",
                                   elem_id="progress-question", scale=3)
            refresh = gr.Button("Refresh", elem_id="progress-refresh-btn", scale=1)
        status = gr.HTML("", elem_id="progress-status")
        gr.Markdown("### Scores over time")
        chart = gr.HTML("", elem_id="progress-chart")
        gr.Markdown("### Most-missed criteria")
        missed = gr.HTML("", elem_id="progress-missed")
        gr.Markdown("### Compare two attempts")
        with gr.Row():
            first = gr.Dropdown(choices=[], label="Earlier", elem_id="compare-first")
            second = gr.Dropdown(choices=[], label="Later", elem_id="compare-second")
        with gr.Row():
            compare_btn = gr.Button("Compare", elem_id="compare-btn")
            mine_btn = gr.Button("★ Mark / unmark the later one as my story", elem_id="my-story-btn")
            delete_btn = gr.Button("Delete the later one", variant="stop", elem_id="delete-attempt-btn")
        comparison = gr.HTML("", elem_id="progress-compare")
        gr.Markdown("### All attempts")
        table = gr.HTML("", elem_id="progress-table")
        gr.Markdown("### Story bank")
        bank = gr.HTML("", elem_id="story-bank")
        with gr.Accordion("Export or delete everything", open=False, elem_id="history-manage"):
            with gr.Row():
                fmt = gr.Radio(choices=[("CSV", "csv"), ("JSONL", "jsonl")], value="csv", label="Format",
                               elem_id="export-format")
                export_btn = gr.Button("Export", elem_id="export-btn")
            export_file = gr.File(label="Download", interactive=False, elem_id="export-file")
            confirm = gr.Checkbox(value=False, label="Yes, delete every attempt", elem_id="delete-all-confirm")
            delete_all_btn = gr.Button("Delete all attempts", variant="stop", elem_id="delete-all-btn")

        outputs = [status, question, chart, missed, table, first, second, comparison, bank]

        def shown(result: ProgressView) -> list[Any]:
            return [
                result.status,
                gr.update(choices=result.questions, value=result.question),
                result.chart,
                result.missed,
                result.table,
                gr.update(choices=result.attempts, value=result.first),
                gr.update(choices=result.attempts, value=result.second),
                result.comparison,
                result.story_bank,
            ]

        def on_load(key: str | None) -> list[Any]:
            return shown(progress.load(services, key))

        def on_compare(key: str | None, a: int | None, b: int | None) -> list[Any]:
            return shown(progress.compare(services, key, a, b))

        def on_mine(key: str | None, a: int | None, b: int | None) -> list[Any]:
            return shown(progress.toggle_my_story(services, key, a, b))

        def on_delete(key: str | None, b: int | None) -> list[Any]:
            return shown(progress.delete_one(services, key, b))

        def on_delete_all(yes: bool) -> list[Any]:
            return [*shown(progress.delete_all(services, yes)), False]

        def on_export(chosen: str | None) -> tuple[str, str | None]:
            return progress.export_file(services, chosen)

        tab.select(on_load, [question], outputs, api_name="progress")
        refresh.click(on_load, [question], outputs, api_name="progress_refresh")
        question.input(on_load, [question], outputs, api_name="progress_question")
        compare_btn.click(on_compare, [question, first, second], outputs, api_name="progress_compare")
        mine_btn.click(on_mine, [question, first, second], outputs, api_name="progress_my_story")
        delete_btn.click(on_delete, [question, second], outputs, api_name="progress_delete")
        delete_all_btn.click(on_delete_all, [confirm], [*outputs, confirm], api_name="progress_delete_all")
        export_btn.click(on_export, [fmt], [status, export_file], api_name="progress_export")
