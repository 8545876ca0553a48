"""`coach serve`: the web practice app (same as `python app.py`), offline unless a model is configured.

Binds 127.0.0.1:7860 by default; share links are never made; COACH_AUTH=user:pass turns on a login.
gradio is imported only in run() (by coach.web.ui), litellm only when a model is first used — or in a
background thread after the page is already being served, when a model is configured at start.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading

from coach.cli.commands.score import add_model_arguments
from coach.errors import UsageError
from coach.rubric.loader import DEFAULT_RUBRIC

HELP = "serve the web practice app (default http://127.0.0.1:7860, offline unless a model is set)"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"interface to bind (default {DEFAULT_HOST}: this machine only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--rubric", default=DEFAULT_RUBRIC, help="the rubric selected at start (changeable in Settings)")
    add_model_arguments(parser)
    parser.add_argument(
        "--allow-caller-model", action="store_true",
        help="let callers name any model and API base (default: only --model/--api-base; $COACH_ALLOW_CALLER_MODEL=1)",
    )


def parse_auth(raw: str | None) -> tuple[str, str] | None:
    """COACH_AUTH=user:pass → ("user", "pass"); unset or empty → no login."""
    if raw is None or not raw.strip():
        return None
    user, sep, password = raw.partition(":")
    if not sep or not user or not password:
        raise UsageError("COACH_AUTH must look like user:password (both non-empty)")
    return user, password


def is_loopback(host: str) -> bool:
    return host in {"localhost", "::1"} or host.startswith("127.")


def exposure_warnings(host: str, login: bool, caller_model: bool) -> list[str]:
    """What an operator should hear before serving: beyond this machine without a login, callers' URLs."""
    warnings = []
    if not is_loopback(host) and not login:
        warnings.append(
            f"serving on {host} without a login: anyone who can reach this port can use the app "
            "(set COACH_AUTH=user:password, or bind 127.0.0.1)"
        )
    if caller_model:
        warnings.append(
            "--allow-caller-model: callers may point this server (and the provider key it holds) at any "
            "model and URL; use it only on a single-user machine"
        )
    return warnings


def run(args: argparse.Namespace) -> int:
    from coach.config import llm_settings_from
    from coach.history import HistoryStore, history_enabled
    from coach.interviewer.model_policy import allow_caller_model_from_env
    from coach.interviewer.questions import load_questions
    from coach.rubric.loader import load_rubric
    from coach.web.practice import PracticeServices

    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port} is not a valid port (1-65535)")
    auth = parse_auth(os.environ.get("COACH_AUTH"))
    settings = llm_settings_from(args)  # validates --api-base etc. before anything slow happens
    load_rubric(args.rubric)
    services = PracticeServices(
        questions=load_questions(),
        default_model=settings.model if settings else (args.model or os.environ.get("COACH_MODEL", "")).strip(),
        default_api_base=(settings.api_base or "") if settings else (args.api_base or os.environ.get("COACH_API_BASE", "")).strip(),
        default_offline=bool(args.offline),
        allow_caller_model=bool(getattr(args, "allow_caller_model", False)) or allow_caller_model_from_env(),
        default_rubric=args.rubric,
        history=HistoryStore() if history_enabled() else None,  # COACH_HISTORY=off: nothing is saved
    )
    for warning in exposure_warnings(args.host, auth is not None, services.allow_caller_model and not args.offline):
        print(f"warning: {warning}", file=sys.stderr, flush=True)

    from coach.web import ui  # imports gradio (sets its offline env vars first)

    demo = ui.build_app(services, extra_tabs=[ui.batch_tab(services), ui.drills_tab(services)])
    try:
        ui.launch(demo, args.host, args.port, auth, prevent_thread_lock=True, quiet=True)
    except OSError as exc:
        raise UsageError(f"cannot serve on {args.host}:{args.port} ({exc}); pick another --port") from exc
    mode = f"model {settings.model}" if settings else "offline rubric"
    login = ", login required" if auth else ""
    print(f"STAR-L Coach at http://{args.host}:{args.port} ({mode}{login}); Ctrl-C to stop", file=sys.stderr, flush=True)
    threading.Thread(target=_prewarm_scoring, args=(args.rubric,), name="prewarm-scoring", daemon=True).start()
    if settings is not None:
        threading.Thread(target=_preload_llm, name="preload-litellm", daemon=True).start()
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        pass
    finally:
        demo.close()
    return 0


def _prewarm_scoring(rubric_id: str) -> None:
    """Start the scoring processes (coach.deadline) while the page is served, before the first story."""
    from coach.deadline import prewarm
    from coach.rubric.loader import load_rubric

    try:
        prewarm(load_rubric(rubric_id))
    except Exception:  # noqa: BLE001 - only an optimisation: the first story starts them otherwise
        pass


def _preload_llm() -> None:
    """Import litellm while the page is already served, so the first answer does not wait ~10 s for it."""
    try:
        from coach.interviewer.llm import load_litellm

        load_litellm()
    except ImportError:
        pass  # reported to the user at the first answer, where it matters
