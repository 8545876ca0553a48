"""`coach serve` argument and environment handling (no server started here)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from coach.cli.commands.serve import parse_auth
from coach.errors import UsageError


def test_auth_from_env_value() -> None:
    assert parse_auth(None) is None and parse_auth(" ") is None
    assert parse_auth("coach:s3:cret") == ("coach", "s3:cret")
    for bad in ("nocolon", ":pw", "user:"):
        with pytest.raises(UsageError, match="user:password"):
            parse_auth(bad)


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        (["--port", "0"], {}, "not a valid port"),
        (["--api-base", "ftp://x", "--model", "m"], {}, "must be an http:// or https:// URL"),
        ([], {"COACH_AUTH": "broken"}, "COACH_AUTH must look like user:password"),
        (["--rubric", "nope"], {}, "no such rubric"),
    ],
)
def test_bad_usage_exits_2_with_one_line_before_importing_gradio(argv: list[str], env: dict[str, str], message: str) -> None:
    import os

    run_env = {**os.environ, **env, "PYTHONPATH": "."}
    run_env.pop("COACH_MODEL", None)
    out = subprocess.run([sys.executable, "app.py", *argv], capture_output=True, text=True, env=run_env, timeout=60)
    assert out.returncode == 2, out.stderr
    assert message in out.stderr and len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
