"""The `coach` command line. Errors are one line on stderr with DESIGN.md's exit codes, never a traceback.

Exit codes: 0 success; 1 the input could not be scored; 2 bad usage or bad rubric/config.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from coach.errors import CoachError
from coach.startup import apply_env_defaults

#: Sub-command → module in coach.cli.commands (each light to import; heavy imports happen in run()).
COMMANDS = ("score", "batch", "transcribe", "serve", "rubrics", "history")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (with a pointer to --help), like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="coach",
        description="STAR-L Coach: score behavioral interview stories offline, optionally interviewed by an LLM.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"coach.cli.commands.{name}")
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    apply_env_defaults(web=args.command == "serve")  # before any command imports litellm or gradio
    try:
        code = int(args.run(args))
        sys.stdout.flush()  # a full disk or a closed pipe shows here, while we can still say so
        return code
    except CoachError as exc:
        print(f"coach: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("coach: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _discard_stdout()
        return 0
    except OSError as exc:  # writing the output failed: /dev/full, a full disk, a vanished mount
        if exc.filename is not None:
            problem = f"{exc.filename}: {exc.strerror or exc}"
        else:
            problem = f"the output could not be written ({exc.strerror or exc})"
        _discard_stdout()
        print(f"coach: error: {problem}", file=sys.stderr)
        return 1
    except Exception as exc:  # the last line of defence: users never see a traceback
        print(f"coach: internal error: {type(exc).__name__}: {exc} (please report this)", file=sys.stderr)
        return 1


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush of what could not be written is silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    raise SystemExit(main())
