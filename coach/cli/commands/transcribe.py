"""`coach transcribe AUDIO [--json] [--backend local|hosted] [--model M] [--score]`: speech → transcript
plus delivery metrics (pace, fillers, hedges, pauses, length), optionally scored against the rubric.

Module-level imports stay light: faster_whisper / av / litellm load inside coach.speech.transcribe's run path.
"""

from __future__ import annotations

import argparse
import json
import sys

HELP = "transcribe a spoken answer (offline by default) and report pace, fillers, hedges, pauses and length"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("audio", help="the recording (WAV, MP3, M4A, OGG, WebM; 1 s to 15 minutes)")
    parser.add_argument("--json", action="store_true", help="print one JSON object (text, duration_s, words_per_minute, fillers, …)")
    parser.add_argument(
        "--backend", choices=("local", "hosted"), default=None,
        help="local faster-whisper (default, offline) or hosted via LiteLLM ($COACH_STT_BACKEND)",
    )
    parser.add_argument(
        "--model", default=None,
        help="speech model: tiny.en (default), a CTranslate2 folder, or a hosted one such as whisper-1 ($COACH_STT_MODEL)",
    )
    parser.add_argument("--score", action="store_true", help="also score what was said against the rubric (offline)")
    parser.add_argument("--rubric", default=None, help="rubric id or path for --score (default: star-l)")


def run(args: argparse.Namespace) -> int:
    from coach.speech.delivery import delivery_lines
    from coach.speech.transcribe import transcribe_file

    transcript = transcribe_file(args.audio, backend=args.backend, model=args.model)
    assessment = rubric = None
    if args.score:
        from coach.rubric.loader import DEFAULT_RUBRIC, load_rubric
        from coach.service import evaluate

        rubric = load_rubric(args.rubric or DEFAULT_RUBRIC)
        assessment = evaluate(transcript.text, rubric)
    if args.json:
        payload = transcript.model_dump(mode="json")
        if assessment is not None:
            payload["assessment"] = assessment.model_dump(mode="json")
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return 0
    lines = [
        f"Transcript ({transcript.backend}: {transcript.model}, {transcript.duration_s:.1f} s):",
        "",
        transcript.text,
        "",
        "Delivery:",
    ]
    lines += [f"  {line}" for line in delivery_lines(transcript.delivery)]
    sys.stdout.write("\n".join(lines) + "\n")
    if assessment is not None and rubric is not None:
        from coach.report.render import to_text

        sys.stdout.write("\n" + to_text(assessment, rubric))
    return 0
