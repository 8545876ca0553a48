"""A deadline on scoring one story: a clear error after ``COACH_SCORE_DEADLINE`` seconds, never a stuck worker.

The scorer's own patterns are linear (tests/scoring/test_linear_patterns.py), but a rubric's cues are data,
so scoring time is bounded here, whatever the rubric. Two mechanisms, by where the scoring runs:

- **The main thread** (the CLI, `coach batch` and its worker processes): a SIGALRM timer whose
  handler raises ScoringTimeout. `re` checks for pending signals while it matches (every few
  thousand steps), so the handler interrupts even a backtracking pattern; no process is started,
  and the CLI's cold start stays as it was.
- **Any other thread** (the web app's request threads): signal handlers run only in the main
  thread, and `re` holds the GIL, so the story is scored in a small pool of worker processes
  (started on first use). Each worker applies the same timer; should a worker still not answer a
  little after the deadline, it is killed and replaced, and the caller gets the same error.
"""

from __future__ import annotations

import itertools
import os
import queue
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Any

from coach.errors import InputError
from coach.models import Assessment
from coach.rubric.loader import Rubric

if TYPE_CHECKING:  # multiprocessing is imported only when a pool is first needed (not by the CLI)
    from multiprocessing.connection import Connection
    from multiprocessing.context import BaseContext
    from multiprocessing.process import BaseProcess

DEFAULT_SCORE_DEADLINE_S = 10.0
#: How long after the deadline a worker process may still answer before it is killed.
_KILL_GRACE_S = 2.0
_START_GRACE_S = 30.0
_POOL_SIZE = 4  # as many as the web app's request workers


class ScoringTimeout(InputError):
    """Scoring one story took longer than the deadline (exit 1: this input could not be scored)."""


def score_deadline_s() -> float:
    """``COACH_SCORE_DEADLINE`` in seconds (default 10); unset, empty or not a positive number → the default."""
    raw = os.environ.get("COACH_SCORE_DEADLINE", "").strip()
    try:
        value = float(raw) if raw else DEFAULT_SCORE_DEADLINE_S
    except ValueError:
        return DEFAULT_SCORE_DEADLINE_S
    return value if value > 0 else DEFAULT_SCORE_DEADLINE_S


def timeout_message(seconds: float) -> str:
    return (
        f"scoring this story took longer than {seconds:g} s and was stopped; shorten it to the answer you "
        "would give (pasted lists and logs are what usually make it slow)"
    )


@contextmanager
def main_thread_deadline(seconds: float) -> Iterator[None]:
    """Raise ScoringTimeout in the main thread after ``seconds``; restores the previous timer and handler."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise ScoringTimeout(timeout_message(seconds))

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def score_within(text: str, rubric: Rubric, seconds: float | None = None) -> Assessment:
    """``coach.scoring.scorer.score(text, rubric)``, or ScoringTimeout after ``seconds`` (COACH_SCORE_DEADLINE)."""
    from coach.scoring.scorer import score

    limit = score_deadline_s() if seconds is None else seconds
    if threading.current_thread() is threading.main_thread():
        _warm_up(rubric)
        with main_thread_deadline(limit):
            return score(text, rubric)
    return _pool().score(text, rubric, limit)


_warm: dict[int, Rubric] = {}


def _warm_up(rubric: Rubric) -> None:
    """Score a word once per rubric and process, outside any deadline: a rubric's first story pays for
    compiling its matchers (most of a second), which is no story's fault."""
    from coach.scoring.scorer import score

    if _warm.get(id(rubric)) is not rubric:
        score("warm-up", rubric)
        if len(_warm) >= 64:
            _warm.clear()
        _warm[id(rubric)] = rubric


# ---- the worker processes, for callers outside the main thread ---------------------------------------


def _worker(conn: Connection) -> None:
    """A worker's loop: (text, rubric, seconds) in → ("ok", assessment) or ("error", message) out."""
    from coach.scoring.scorer import score

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    rubrics: dict[str, Rubric] = {}
    while True:
        try:
            key, rubric, text, seconds = conn.recv()
        except (EOFError, OSError):
            return
        if rubric is not None:
            rubrics[key] = rubric
            _warm_up(rubric)
        reply: tuple[str, Any]
        try:
            with main_thread_deadline(seconds):
                reply = ("ok", score(text, rubrics[key]))
        except ScoringTimeout as exc:
            reply = ("timeout", str(exc))
        except Exception as exc:  # a scorer bug costs this story, not the worker
            reply = ("error", f"internal error while scoring: {type(exc).__name__}: {exc} (please report this)")
        conn.send(reply)


class _Worker:
    def __init__(self, context: BaseContext) -> None:
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(target=_worker, args=(child,), name="coach-scorer", daemon=True)  # type: ignore[attr-defined]
        self.process.start()
        child.close()
        self.rubrics: set[str] = set()
        self.warm = False  # has answered once: its imports are done

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class ScoringPool:
    """Up to ``size`` scoring processes; a caller borrows one per story (blocking while all are busy)."""

    def __init__(self, size: int = _POOL_SIZE) -> None:
        import multiprocessing

        # forkserver/spawn, not fork: the web app has threads, and fork copies their held locks.
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        self._context = multiprocessing.get_context(method)
        self._idle: queue.LifoQueue[_Worker | None] = queue.LifoQueue()
        self._size = size
        for _ in range(size):
            self._idle.put(None)  # a slot whose process starts on first use
        self._keys: dict[int, tuple[Rubric, str]] = {}
        self._serial = itertools.count()
        self._lock = threading.Lock()

    def _key(self, rubric: Rubric) -> str:
        """A name for this rubric object, so each worker receives it once (rubrics are loaded once and kept)."""
        with self._lock:
            held = self._keys.get(id(rubric))
            if held is None or held[0] is not rubric:
                if len(self._keys) >= 64:  # rubrics are cached by coach.rubric.loader: this only bounds odd callers
                    self._keys.clear()
                held = (rubric, f"{rubric.id}#{next(self._serial)}")
                self._keys[id(rubric)] = held
            return held[1]

    def score(self, text: str, rubric: Rubric, seconds: float) -> Assessment:
        key = self._key(rubric)
        worker = self._idle.get()
        try:
            if worker is None or not worker.process.is_alive():
                worker = _Worker(self._context)
            worker.conn.send((key, None if key in worker.rubrics else rubric, text, seconds))
            worker.rubrics.add(key)
            # A new process's first story also waits for its imports (about a second; more on a busy machine).
            if not worker.conn.poll(seconds + _KILL_GRACE_S + (0 if worker.warm else _START_GRACE_S)):
                worker.kill()
                worker = None
                raise ScoringTimeout(timeout_message(seconds))
            status, value = worker.conn.recv()
            worker.warm = True
        except (EOFError, OSError, BrokenPipeError) as exc:
            if worker is not None:
                worker.kill()
            worker = None
            raise InputError(f"internal error while scoring: the scoring process stopped ({exc}); please try again") from exc
        finally:
            self._idle.put(worker)
        if status == "ok":
            assert isinstance(value, Assessment)
            return value
        raise (ScoringTimeout if status == "timeout" else InputError)(str(value))

    def prewarm(self, rubric: Rubric) -> None:
        """Start every worker and hand it ``rubric`` now (the web app calls this in the background at
        start), so the first visitors do not wait for processes to start and import."""
        key = self._key(rubric)
        workers = [self._idle.get() for _ in range(self._size)]
        try:
            for index, worker in enumerate(workers):
                if worker is None or not worker.process.is_alive():
                    workers[index] = _Worker(self._context)
            for worker in workers:
                assert worker is not None
                worker.conn.send((key, None if key in worker.rubrics else rubric, "warm-up", _START_GRACE_S))
                worker.rubrics.add(key)
            for index, worker in enumerate(workers):
                assert worker is not None
                if worker.conn.poll(_START_GRACE_S * 2):
                    worker.conn.recv()
                    worker.warm = True
                else:
                    worker.kill()
                    workers[index] = None
        finally:
            for worker in workers:
                self._idle.put(worker)

    def close(self) -> None:
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return
            if worker is not None:
                worker.kill()


_shared: ScoringPool | None = None
_shared_lock = threading.Lock()


def prewarm(rubric: Rubric) -> None:
    """Start the web app's scoring processes ahead of the first request (see ScoringPool.prewarm)."""
    _pool().prewarm(rubric)


def _pool() -> ScoringPool:
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ScoringPool()
        return _shared
