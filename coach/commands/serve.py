"""`coach serve`: not built yet (see the open issue)."""

from __future__ import annotations

import argparse

from coach.errors import UsageError

HELP = "serve (not available yet)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("args", nargs="*")


def run(args: argparse.Namespace) -> int:
    raise UsageError("`coach serve` is not available yet")
