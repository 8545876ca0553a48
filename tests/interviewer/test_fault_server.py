"""The fault-injecting model server does what it says, and `coach batch` survives every fault it injects."""

from __future__ import annotations

import json

import httpx
import pytest

from bench.fault_batch import run
from tests.support.fault_server import FAULTS, HUGE_BYTES, FaultServer, marker

pytestmark = pytest.mark.slow  # the batch run imports litellm in a subprocess


def _post(server: FaultServer, kind: str | None) -> httpx.Response:
    body = {"model": "x", "messages": [{"role": "user", "content": f"story {marker(kind) if kind else ''}"}]}
    return httpx.post(f"{server.api_base}/chat/completions", json=body, headers={"Authorization": "Bearer sk-test"}, timeout=10)


def test_each_fault_is_what_its_name_says() -> None:
    with FaultServer(slow_s=0.2) as server:
        ok = _post(server, None)
        assert ok.status_code == 200 and "followups" in ok.json()["choices"][0]["message"]["content"]
        limited = _post(server, "429")
        assert limited.status_code == 429 and limited.headers["retry-after"] == "1"
        assert _post(server, "500").status_code == 500 and _post(server, "503").status_code == 503
        with pytest.raises(httpx.TransportError):
            _post(server, "reset")
        truncated = _post(server, "truncated")
        assert truncated.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(truncated.content)
        schema = json.loads(_post(server, "schema").json()["choices"][0]["message"]["content"])
        assert "followups" not in schema
        assert len(_post(server, "huge").content) > HUGE_BYTES
        assert _post(server, "slow").json()["choices"][0]["message"]["content"]
        assert [call.fault for call in server.calls] == [None, "429", "500", "503", "reset", "truncated", "schema", "huge", "slow"]
        assert {call.authorization for call in server.calls} == {"Bearer sk-test"}


def test_batch_with_every_fault_writes_every_line_scored_and_labelled() -> None:
    # Generous limits: on a loaded machine a 429 retried past a tight deadline is labelled as the deadline,
    # and a clean reply may take longer than 2 s; what is tested is that every fault gets its own label.
    result = run(rows=40, fault_rate=0.2, concurrency=4, slow_s=1.0, timeout_s=10.0, deadline_s=30.0)
    assert result["exit"] == 0, result["stderr"]
    assert result["lines"] == result["rows"] == result["scored"] == 40
    assert result["in_order"]
    assert result["faulted"] == 8 and result["labelled"] == 8, result["by_kind"]
    by_kind = result["by_kind"]
    assert isinstance(by_kind, dict) and set(by_kind) == {"clean", *FAULTS}
    assert by_kind["clean"] == {"model": 32}
