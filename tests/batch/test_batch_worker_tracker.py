"""The batch runner finds its pool's worker processes through a public mechanism (the mp_context it
passes), not ProcessPoolExecutor's private list, and can end them when a run stops early."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import BaseContext
from typing import cast

from coach.batch.runner import _WorkerTracker


def test_the_tracker_knows_every_worker_the_pool_started() -> None:
    tracker = _WorkerTracker(multiprocessing.get_context("spawn"))
    pool = ProcessPoolExecutor(2, mp_context=cast(BaseContext, tracker))
    try:
        pids = {pool.submit(os.getpid).result(timeout=60) for _ in range(6)}
        tracked = {process.pid for process in tracker.processes}
        assert pids and pids <= tracked
        assert all(process.is_alive() for process in tracker.processes)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        for process in tracker.processes:
            if process.is_alive():
                process.terminate()
        for process in tracker.processes:
            process.join(timeout=30)
    assert not any(process.is_alive() for process in tracker.processes)
