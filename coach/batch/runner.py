"""Rows → result lines, in input order, with bounded memory and bounded concurrency.

Two stages, so neither the CPU-bound scorer nor the I/O-bound model waits on the other:

1. scoring: in worker processes (the scorer is pure Python regex work that holds the GIL; threads
   would not run it in parallel). Each worker gets the rubric once, then chunks of rows. Small inputs
   (fewer than ``pool_threshold`` rows) are scored inline: starting processes would cost more.
2. follow-ups (with a model): an interviewer called from a thread pool of ``concurrency`` threads.
   The interviewer is thread-safe and shares its rate-limit backoff across threads; a failed call
   falls back to the rubric's follow-ups with a notice (coach.service.ask_followups).

Where the follow-ups are asked depends on what the runner was given:

- an interviewer object (tests' fakes, the web app's): in this process, on the thread pool above.
- LLM settings (the CLI): when the process pool is used, INSIDE the scoring workers. LiteLLM spends
  ~3-5 ms of GIL-held CPU per call, so one process caps out near 160 calls/s × 5 ms = 80 % of a core;
  each worker builds its own interviewer from the (picklable) settings, scores its chunk and asks on
  its own threads, so every process brings its own GIL. The ``concurrency`` threads are split among
  the workers (total in flight stays ≤ ``concurrency``); a rate limit seen by one worker closes a gate
  all of them share (a ``multiprocessing.Value``, see coach.interviewer.llm). Keys are never passed: LiteLLM reads
  the provider's environment variables, which spawned workers inherit. Small inputs, one process, or
  a pool whose worker died: this process asks, with an interviewer built from the same settings.

Only a window of rows is in flight at any time (a few chunks in the process pool, ``2 × concurrency``
rows waiting for the model), and results are handed out strictly in input order.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain, islice
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any, Literal, cast

from coach.batch.readers import Row
from coach.batch.writers import AnswerSummary, LineEncoder, LineSink, error_record, result_record, summary_of
from coach.deadline import score_within
from coach.errors import InputError
from coach.inputs import check_story
from coach.models import Assessment
from coach.rubric.loader import Rubric
from coach.scoring.followups import offline_followups
from coach.service import Interviewer, ask_followups, with_notices, with_offline_followups
from coach.startup import apply_env_defaults

if TYPE_CHECKING:
    from coach.config import LLMSettings

#: "none": scores only; "offline": the rubric's follow-ups; "llm": the interviewer's (rubric's on failure).
Followups = Literal["none", "offline", "llm"]


@dataclass(frozen=True)
class Outcome:
    """One finished row: its output line and what the report needs from it."""

    id: str
    line: str
    summary: AnswerSummary


@dataclass(frozen=True)
class _Scored:
    """A scored row still waiting for the model's follow-ups."""

    row: Row
    assessment: Assessment


class RowScorer:
    """The per-row work that needs no model: validate, score, attach offline follow-ups, encode."""

    def __init__(self, rubric: Rubric, encoder: LineEncoder, followups: Followups, notices: Sequence[str] = ()) -> None:
        self.rubric = rubric
        self.encoder = encoder
        self.followups = followups
        self.notices = list(notices)

    def stage(self, row: Row) -> Outcome | _Scored:
        if row.error is not None:
            return self.error(row.id, row.error)
        try:
            check_story(row.text, f"id {row.id}")
            assessment = score_within(row.text, self.rubric)
        except InputError as exc:
            return self.error(row.id, str(exc))
        except Exception as exc:  # a scorer bug must cost one row, never the run
            return self.error(row.id, f"internal error while scoring: {type(exc).__name__}: {exc} (please report this)")
        assessment = with_notices(assessment, self.notices)
        if self.followups == "llm" and assessment.is_story:
            return _Scored(row, assessment)
        if self.followups != "none":
            assessment = with_offline_followups(assessment, offline_followups(assessment, self.rubric))
        return self.finish(row.id, assessment)

    def finish(self, row_id: str, assessment: Assessment) -> Outcome:
        record = result_record(row_id, assessment)
        return Outcome(row_id, self.encoder.encode(record), summary_of(record))

    def error(self, row_id: str, message: str) -> Outcome:
        record = error_record(row_id, message)
        return Outcome(row_id, self.encoder.encode(record), summary_of(record))

    def stage_chunk(self, rows: list[Row]) -> list[Outcome | _Scored]:
        return [self.stage(row) for row in rows]


def ask_row(scorer: RowScorer, interviewer: Interviewer, item: _Scored) -> Outcome:
    """The model's follow-ups for one scored row; any failure → the rubric's, with a notice."""
    row, scored = item.row, item.assessment
    try:
        assessment = ask_followups(row.text, scorer.rubric, scored, interviewer, row.question)
    except Exception as exc:  # an interviewer bug must not lose a scored row: the rubric asks instead
        assessment = with_offline_followups(
            scored,
            offline_followups(scored, scorer.rubric),
            f"the model failed unexpectedly ({type(exc).__name__}) — these questions come from the rubric.",
        )
    return scorer.finish(row.id, assessment)


@dataclass(frozen=True)
class _WorkerLLM:
    """What a worker needs to ask the model itself (picklable: settings hold no key)."""

    settings: LLMSettings
    concurrency: int
    processes: int
    shared_gate: Any  # multiprocessing.Value('d'): the rate-limit gate every process honours
    worker_count: Any  # multiprocessing.Value('i'): hands each worker its index, to split the threads


# Worker-process side: the scorer (and, with _WorkerLLM, an interviewer and its threads) is built
# once per process by the pool's initializer.
_worker: RowScorer | None = None
_worker_interviewer: Interviewer | None = None
_worker_threads: ThreadPoolExecutor | None = None


def _exit_with_parent(poll_s: float = 1.0) -> None:
    """End this worker when the batch process dies (even by SIGKILL).

    A pool worker holds both ends of its task queue, so it never sees EOF when the parent is gone
    and would wait forever, keeping the parent's stdout/stderr open. Re-parenting shows it.
    """
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(poll_s)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="coach-parent-watch", daemon=True).start()


def _init_worker(rubric: Rubric, fmt: str, followups: Followups, notices: list[str], llm: _WorkerLLM | None = None) -> None:
    global _worker, _worker_interviewer, _worker_threads
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle, cleanly
    _exit_with_parent()
    _worker = RowScorer(rubric, LineEncoder(fmt, rubric), followups, notices)  # type: ignore[arg-type]
    if llm is None:
        return
    from coach.interviewer.llm import LiteLLMInterviewer, load_litellm

    with llm.worker_count.get_lock():
        index = llm.worker_count.value
        llm.worker_count.value += 1
    # concurrency split exactly: e.g. 16 over 2 workers → 8 + 8; 5 over 2 → 3 + 2.
    threads = llm.concurrency // llm.processes + (1 if index % llm.processes < llm.concurrency % llm.processes else 0)
    _worker_interviewer = LiteLLMInterviewer(llm.settings, shared_gate=llm.shared_gate)
    _worker_threads = ThreadPoolExecutor(max(1, threads), thread_name_prefix="coach-followups")
    load_litellm()  # ~2 s: paid while the worker starts, not on its first row


def _score_and_ask_chunk(rows: list[Row]) -> list[Outcome]:
    """Score a chunk and ask the model about each story as soon as it is scored, on this worker's threads."""
    assert _worker is not None and _worker_interviewer is not None and _worker_threads is not None, "worker not initialised"
    scorer, interviewer, threads = _worker, _worker_interviewer, _worker_threads
    staged: list[Outcome | Future[Outcome]] = []
    for row in rows:
        item = scorer.stage(row)
        staged.append(threads.submit(ask_row, scorer, interviewer, item) if isinstance(item, _Scored) else item)
    return [item.result() if isinstance(item, Future) else item for item in staged]


def _llm_worker_context() -> Any:
    """Workers that ask the model come from a fork server that imported litellm once (~2 s of CPU),
    not from spawn, where every worker would import it again, on the cores the run needs. The fork
    server is single-threaded (litellm starts no thread on import), so forking it is safe."""
    apply_env_defaults()  # the fork server inherits them
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["coach.batch.runner", "coach.interviewer.llm", "litellm"])
    return context


class _WorkerTracker:
    """A multiprocessing context that remembers the worker processes a ProcessPoolExecutor starts
    through it (the executor keeps its own list private), so a stopped run can end them."""

    def __init__(self, context: BaseContext) -> None:
        self._context: Any = context  # typeshed's BaseContext has no Process; every concrete one has
        self.processes: list[BaseProcess] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)  # queues, locks, the start method: the real context's

    def Process(self, *args: Any, **kwargs: Any) -> BaseProcess:  # noqa: N802 (multiprocessing's name)
        process: BaseProcess = self._context.Process(*args, **kwargs)
        self.processes.append(process)
        return process


def _ready() -> None:
    """A no-op task: submitting it makes the pool start a worker."""


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT while child processes are started, so they inherit SIG_IGN (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _score_chunk(rows: list[Row]) -> list[Outcome | _Scored]:
    assert _worker is not None, "worker not initialised"
    return _worker.stage_chunk(rows)


class Runner:
    """Turns rows into ordered outcomes; see the module docstring for the two stages."""

    def __init__(
        self,
        rubric: Rubric,
        encoder: LineEncoder,
        *,
        interviewer: Interviewer | None = None,
        llm_settings: LLMSettings | None = None,
        followups: Followups = "offline",
        notices: Sequence[str] = (),
        concurrency: int = 4,
        processes: int = 1,
        chunk_size: int = 16,
        pool_threshold: int = 64,
    ) -> None:
        """``interviewer`` is asked in this process; ``llm_settings`` (when no interviewer is given)
        lets the scoring workers build their own and ask there (see the module docstring)."""
        self.concurrency = max(1, concurrency)
        self.processes = max(1, processes)
        self._worker_llm: _WorkerLLM | None = None
        if followups == "llm" and interviewer is None and llm_settings is not None:
            from coach.interviewer.llm import LiteLLMInterviewer  # light: litellm itself is imported on first use

            context = _llm_worker_context()
            shared_gate = context.Value("d", 0.0)
            interviewer = LiteLLMInterviewer(llm_settings, shared_gate=shared_gate)
            if self.processes > 1:
                self.processes = min(self.processes, self.concurrency)  # every worker gets ≥ 1 thread
                self._worker_llm = _WorkerLLM(llm_settings, self.concurrency, self.processes, shared_gate, context.Value("i", 0))
        if followups == "llm" and interviewer is None:
            followups = "offline"
        self.scorer = RowScorer(rubric, encoder, followups, notices)
        self.interviewer = interviewer
        self.chunk_size = max(1, chunk_size)
        self.pool_threshold = pool_threshold

    def outcomes(self, rows: Iterable[Row]) -> Generator[Outcome, None, None]:
        """Ordered outcomes; closing the generator early (Ctrl-C) cancels what is still queued."""
        rows = iter(rows)
        head = list(islice(rows, self.pool_threshold))
        use_pool = self.processes > 1 and len(head) >= self.pool_threshold
        chunk_size = self.chunk_size
        if use_pool and self._worker_llm is not None:
            # A worker scores a chunk, then waits for its last answers before taking the next: chunks
            # of several rounds of its threads keep that tail small.
            chunk_size = max(chunk_size, 4 * math.ceil(self.concurrency / self.processes))
        chunks = _chunked(chain(head, rows), chunk_size)
        staged = self._staged_in_pool(chunks) if use_pool else self._staged_inline(chunks)
        if self.scorer.followups != "llm":
            for item in staged:
                assert isinstance(item, Outcome)
                yield item
            return
        yield from self._with_followups(staged)

    def _staged_inline(self, chunks: Iterator[list[Row]]) -> Iterator[Outcome | _Scored]:
        for chunk in chunks:
            yield from self.scorer.stage_chunk(chunk)

    def _staged_in_pool(self, chunks: Iterator[list[Row]]) -> Iterator[Outcome | _Scored]:
        scorer = self.scorer
        llm = self._worker_llm
        # no fork of a process that has threads: spawn, or a fork server preloaded with litellm
        context = _WorkerTracker(multiprocessing.get_context("spawn") if llm is None else _llm_worker_context())
        executor = ProcessPoolExecutor(
            self.processes,
            mp_context=cast(BaseContext, context),
            initializer=_init_worker,
            initargs=(scorer.rubric, scorer.encoder.fmt, scorer.followups, scorer.notices, llm),
        )
        with _sigint_ignored():  # workers start with Ctrl-C ignored: it is the parent's to handle
            started = [executor.submit(_ready) for _ in range(self.processes)]  # each submit starts one worker now
        work: Callable[[list[Row]], Sequence[Outcome | _Scored]] = _score_chunk if llm is None else _score_and_ask_chunk
        pool: ProcessPoolExecutor | None = executor
        pending: deque[tuple[list[Row], Future[Sequence[Outcome | _Scored]] | None]] = deque()
        in_flight = self.processes * 3

        def submit(chunk: list[Row]) -> Future[Sequence[Outcome | _Scored]] | None:
            nonlocal pool
            if pool is None:
                return None
            try:
                return pool.submit(work, chunk)
            except BrokenProcessPool:
                pool = None
                return None

        def collect(chunk: list[Row], future: Future[Sequence[Outcome | _Scored]] | None) -> Sequence[Outcome | _Scored]:
            nonlocal pool
            if future is not None:
                try:
                    return future.result()
                except BrokenProcessPool:  # a worker died (OOM-killed…): score the rest here (and ask here)
                    pool = None
            return scorer.stage_chunk(chunk)

        try:
            for chunk in chunks:
                # Spawning a worker takes ~0.5 s (a fresh interpreter importing coach): until one is up,
                # score here rather than wait, so the first lines (and the first model calls) start at once.
                # Not when the workers ask the model: this process would have to import litellm (~2 s of
                # CPU, on the cores the workers need for their own import) only to bridge their start.
                warm = llm is not None or any(future.done() for future in started)
                pending.append((chunk, submit(chunk) if warm else None))
                while pending and (len(pending) > in_flight or _done(pending[0][1])):
                    yield from collect(*pending.popleft())
            while pending:
                yield from collect(*pending.popleft())
        finally:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
                if llm is not None and pending:
                    # Stopped early (Ctrl-C): a worker may be waiting on slow model calls; its results
                    # are not wanted, and the interpreter's exit would otherwise wait for it.
                    for process in context.processes:
                        if process.is_alive():
                            process.terminate()

    def _with_followups(self, staged: Iterator[Outcome | _Scored]) -> Generator[Outcome, None, None]:
        window = self.concurrency * 2
        pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="coach-followups")
        waiting: deque[Future[Outcome]] = deque()
        try:
            for item in staged:
                if isinstance(item, Outcome):
                    ready: Future[Outcome] = Future()
                    ready.set_result(item)
                    waiting.append(ready)
                else:
                    waiting.append(pool.submit(self._ask, item))
                while waiting and (len(waiting) >= window or waiting[0].done()):
                    yield waiting.popleft().result()
            while waiting:
                yield waiting.popleft().result()
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _ask(self, item: _Scored) -> Outcome:
        assert self.interviewer is not None
        return ask_row(self.scorer, self.interviewer, item)


def _done(future: Future[Any] | None) -> bool:
    return future is None or future.done()


def _chunked(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while chunk := list(islice(rows, size)):
        yield chunk


# ── Driving a run: skip what is done, write each line, stop cleanly on Ctrl-C ─────────────────────


@dataclass
class BatchResult:
    written: int = 0
    skipped: int = 0
    scored: int = 0
    errors: int = 0
    interrupted: bool = False


def run_batch(
    rows: Iterable[Row],
    runner: Runner,
    sink: LineSink,
    *,
    skip_ids: set[str] | frozenset[str] = frozenset(),
    on_outcome: Callable[[Outcome], None] | None = None,
    on_skip: Callable[[Row], None] | None = None,
) -> BatchResult:
    """Write one line per row not in ``skip_ids``, in order. Ctrl-C: stop after the last whole line."""
    result = BatchResult()

    def todo() -> Iterator[Row]:
        for row in rows:
            if row.id in skip_ids:
                result.skipped += 1
                if on_skip is not None:
                    on_skip(row)
                continue
            yield row

    outcomes = runner.outcomes(todo())
    try:
        for outcome in outcomes:
            sink.write(outcome.line)
            result.written += 1
            if outcome.summary.error is None:
                result.scored += 1
            else:
                result.errors += 1
            if on_outcome is not None:
                on_outcome(outcome)
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        outcomes.close()  # cancels queued work; lines already written are whole
    return result
