"""A loopback OpenAI-compatible model server that misbehaves on request, for tests and bench/.

    with FaultServer() as server:                      # http://127.0.0.1:<port>/v1
        ... point coach at server.api_base (model "openai/<anything>") ...
        server.calls                                   # every request: path, Authorization header, fault

A request gets a fault when its body holds a marker ``[[fault:KIND]]`` (put it in the story: the
story is in the prompt), or when the server was started with ``default_fault``. Every request to a
marked story gets the same fault, so retries see it too and the client's fallback is what is tested.

Kinds (FAULTS): ``429`` (Retry-After), ``500``, ``503``, ``reset`` (the connection is cut with a TCP
RST, no reply), ``slow`` (a valid reply trickled out a few bytes at a time over ``slow_s`` seconds),
``truncated`` (a 200 whose JSON body stops half-way), ``schema`` (a valid completion whose content is
not the follow-up JSON), ``huge`` (a 10 MB reply). Without a fault: a valid follow-up reply. A request
with ``"stream": true`` gets the same as server-sent events (``slow``: events trickled, ``truncated``:
the stream stops half-way with no [DONE]).
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

FAULTS = ("429", "500", "503", "reset", "slow", "truncated", "schema", "huge")
_MARKER = re.compile(rb"\[\[fault:([a-z0-9]+)\]\]")
HUGE_BYTES = 10 * 2**20


def marker(kind: str) -> str:
    """The text to put in a story so that every model call about it gets ``kind``."""
    assert kind in FAULTS, kind
    return f"[[fault:{kind}]]"


@dataclass(frozen=True)
class Call:
    path: str
    authorization: str | None
    fault: str | None
    body_bytes: int


def completion(content: str, model: str = "fault-server") -> bytes:
    return json.dumps({
        "id": "chatcmpl-fault-server", "object": "chat.completion", "created": 1_700_000_000, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }).encode()


def wants_stream(body: bytes) -> bool:
    """Whether a chat request asks for server-sent events (coach streams to servers on this machine)."""
    try:
        return bool(json.loads(body).get("stream"))
    except (ValueError, AttributeError):
        return False


def _chunk(text: str, finish: bool = False) -> bytes:
    event = {"id": "chatcmpl-fault-server", "object": "chat.completion.chunk", "created": 1_700_000_000,
             "model": "fault-server",
             "choices": [{"index": 0, "delta": {} if finish else {"content": text},
                          "finish_reason": "stop" if finish else None}]}
    return f"data: {json.dumps(event)}\n\n".encode()


def sse_events(content: str, pieces: int = 20) -> list[bytes]:
    """A reply's content as a complete stream of server-sent events: ``pieces`` chunks, the finish, [DONE]."""
    size = max(1, len(content) // pieces)
    events = [_chunk(content[i : i + size]) for i in range(0, len(content), size)]
    return events + [_chunk("", finish=True), b"data: [DONE]\n\n"]


GOOD_REPLY = json.dumps({
    "followups": [{"question": "[model] What did the dashboards show before you rolled back?", "targets": ["action.technical_steps"]}],
    "feedback": "Lead with the impact.",
})


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # /v1/models and the like: a reachability probe
        self._reply(200, json.dumps({"object": "list", "data": [{"id": "fault-server", "object": "model"}]}).encode())

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        found = _MARKER.search(body)
        fault = found.group(1).decode() if found else self.server.default_fault
        self.server.record(Call(self.path, self.headers.get("Authorization"), fault, len(body)))
        if fault not in {"429", "500", "503", "reset"} and wants_stream(body):
            self._stream(fault)
        elif fault == "429":
            self._reply(429, b'{"error": {"message": "rate limited", "type": "rate_limit"}}',
                        {"Retry-After": "1", "retry-after-ms": str(self.server.retry_after_ms)})
        elif fault in {"500", "503"}:
            self._reply(int(fault), b'{"error": {"message": "server error", "type": "server_error"}}')
        elif fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
        elif fault == "truncated":
            whole = completion(GOOD_REPLY)
            self._reply(200, whole[: len(whole) // 2])
        elif fault == "schema":
            self._reply(200, completion(json.dumps({"questions": ["not the shape"], "score": 100})))
        elif fault == "huge":
            self._reply(200, completion("x" * HUGE_BYTES))
        elif fault == "slow":
            self._trickle(completion(GOOD_REPLY), self.server.slow_s)
        else:
            self._reply(200, completion(GOOD_REPLY))

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _stream(self, fault: str | None) -> None:
        """The same faults as server-sent events (a client that streams: coach does for servers on this
        machine): ``slow`` trickles the events, ``truncated`` stops half-way with no [DONE]."""
        content = {"schema": json.dumps({"questions": ["not the shape"], "score": 100}),
                   "huge": "x" * HUGE_BYTES}.get(fault or "", GOOD_REPLY)
        events = sse_events(content)
        if fault == "truncated":
            events = events[: (len(events) - 2) // 2]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        pause = self.server.slow_s / len(events) if fault == "slow" else 0.0
        try:
            for event in events:
                self.wfile.write(event)
                self.wfile.flush()
                if pause:
                    time.sleep(pause)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up: that is what a timeout should do

    def _trickle(self, body: bytes, seconds: float) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        pieces = 20
        step = max(1, len(body) // pieces)
        try:
            for start in range(0, len(body), step):
                self.wfile.write(body[start : start + step])
                self.wfile.flush()
                time.sleep(seconds / pieces)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up: that is what a timeout should do


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, default_fault: str | None, slow_s: float, retry_after_ms: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.default_fault = default_fault
        self.slow_s = slow_s
        self.retry_after_ms = retry_after_ms
        self.calls: list[Call] = []
        self._lock = threading.Lock()

    def record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)


class FaultServer:
    """The server, on a free 127.0.0.1 port, served from a background thread while the ``with`` lasts."""

    def __init__(self, default_fault: str | None = None, slow_s: float = 10.0, retry_after_ms: int = 100) -> None:
        assert default_fault is None or default_fault in FAULTS, default_fault
        self._server = _Server(default_fault, slow_s, retry_after_ms)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-server", daemon=True)

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def calls(self) -> list[Call]:
        with self._server._lock:
            return list(self._server.calls)

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
