"""`coach score [FILE or -]`: score one story."""

from __future__ import annotations

import argparse
import re
import sys

from coach.errors import UsageError
from coach.inputs import read_story
from coach.interviewer.questions import load_questions
from coach.report.render import to_json, to_markdown, to_text
from coach.rubric.loader import DEFAULT_RUBRIC, load_rubric
from coach.scoring.depth import Probing
from coach.service import Interviewer, evaluate

HELP = "score one story (a file, or - for stdin)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", default="-", help="story file (UTF-8 text), or - for stdin (default)")
    parser.add_argument("--rubric", default=DEFAULT_RUBRIC, help="rubric id or path to a rubric .yaml")
    parser.add_argument(
        "--question", default=None,
        help="the interview question answered: its text, or a question-bank id (a scenario id adds technical depth)",
    )
    parser.add_argument("--save", action="store_true", help="keep this attempt in the practice history (coach history list)")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    add_model_arguments(parser)


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """--model / --api-base / --offline / --redact, shared by every command that may use an LLM."""
    parser.add_argument("--model", default=None, help="LiteLLM model string (default: $COACH_MODEL; none: offline)")
    parser.add_argument("--api-base", default=None, help="base URL of an OpenAI-compatible or Ollama server ($COACH_API_BASE)")
    parser.add_argument("--offline", action="store_true", help="never call a model, even if one is configured")
    parser.add_argument("--redact", default=None, help="comma-separated terms to hide from a hosted model ($COACH_REDACT)")


def run(args: argparse.Namespace) -> int:
    if sys.stdin.isatty() and args.file == "-":
        raise UsageError("no story given: pass a file, or pipe the story in (coach score story.txt)")
    rubric = load_rubric(args.rubric)
    text, _ = read_story(args.file)
    interviewer, notices = interviewer_from_args(args)
    question_id, question, probing = resolve_question(args.question)
    assessment = evaluate(text, rubric, interviewer, question=question, notices=notices, probing=probing)
    if args.format == "json":
        sys.stdout.write(to_json(assessment) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(to_markdown(assessment, rubric))
    else:
        sys.stdout.write(to_text(assessment, rubric))
    if args.save:
        from coach.cli.commands.history import save_scored

        save_scored(assessment, story=text, question_id=question_id, question=question or rubric.question,
                    model=interviewer.name if interviewer else None)
    return 0


def resolve_question(given: str | None) -> tuple[str | None, str | None, Probing]:
    """(bank id, text, probing): a question-bank id becomes its text and (for a scenario) its depth items;
    other text stays as is, with no id."""
    bank = load_questions()
    question = bank.find(given.strip()) if given else None
    if question is None and given and re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)+", given.strip()):
        known = ", ".join(q.id for q in bank.questions)
        raise UsageError(f"no question {given.strip()!r} in the question bank (known: {known}); or pass the question's text")
    if question is None:
        return None, given, bank.probing(None)
    return question.id, question.text, bank.probing(question.id)


def interviewer_from_args(args: argparse.Namespace) -> tuple[Interviewer | None, list[str]]:
    """The configured LLM interviewer, or (None, notices) for offline mode. litellm is imported only here."""
    from coach.config import llm_settings_from

    settings = llm_settings_from(args)
    if settings is None:
        return None, []
    from coach.interviewer.llm import LiteLLMInterviewer

    return LiteLLMInterviewer(settings), []
