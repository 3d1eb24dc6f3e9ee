"""Where sweep runs execute: any ``concurrent.futures.Executor``, fed a bounded window of tasks.

Three executors, one interface: in-process (``--workers 1``, easy to debug), a local process pool
(``--workers N``) and a Dask cluster (``--dask ADDRESS`` or ``--dask local``) through
``Client.get_executor()``. Results do not depend on which one runs a task: the task function is
pure. At most a few tasks per worker are submitted at a time, so the parent's memory does not
grow with the number of runs.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = [
    "DaskUnavailable",
    "ExecutorInfo",
    "SequentialExecutor",
    "default_workers",
    "open_executor",
    "run_bounded",
]

T = TypeVar("T")


class DaskUnavailable(RuntimeError):
    """--dask was asked for but dask.distributed is not installed."""


class SequentialExecutor(Executor):
    """Runs each task at submission in this process: no pickling, plain tracebacks, pdb works.

    ``KeyboardInterrupt`` is not caught, so Ctrl-C stops the sweep at once.
    """

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:  # handed to the caller through the future
            future.set_exception(exc)
        else:
            future.set_result(result)
        return future


@dataclass(frozen=True)
class ExecutorInfo:
    """What ``open_executor`` started: the executor, its parallel slots and a description."""

    executor: Executor
    slots: int
    description: str


def default_workers() -> int:
    """Cores this process may use (affinity-aware where the OS tells)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def _worker_init() -> None:
    """Pool workers leave Ctrl-C to the parent, which stops them (no traceback per worker), die
    at once on SIGTERM whatever handler the parent had installed before forking, and exit when
    the parent is gone (``kill -9``) instead of waiting on its queue forever."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="govsim-parent-watch", daemon=True).start()


def _process_pool(workers: int, preload: list[str]) -> ProcessPoolExecutor:
    if sys.platform == "linux":
        # fork: workers start in milliseconds with the simulator already imported. They are
        # all forked here, before the parent starts any thread (progress bar, Dask).
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_init,
                                   mp_context=multiprocessing.get_context("fork"))
        pool.submit(int).result()
        return pool
    # elsewhere fork is unsafe; the forkserver (or spawn) imports the simulator once per worker
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if preload and ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(preload)
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel what is queued and end the workers now (their runs in flight are lost; finished
    ones are already on disk)."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    for proc in processes:
        proc.join(timeout=5)


@contextmanager
def open_executor(workers: int | None = None, dask: str | None = None,
                  preload: Iterable[str] = ()) -> Iterator[ExecutorInfo]:
    """The executor for ``--workers`` / ``--dask``; shut down on exit, stopped at once on error.

    ``dask`` is a scheduler address (``tcp://host:8786``) or ``"local"`` for a LocalCluster of
    ``workers`` single-threaded processes. ``preload`` names modules pool workers import up front.
    """
    n = workers or default_workers()
    if dask:
        with _dask_executor(dask, n) as info:
            yield info
        return
    if n == 1:
        yield ExecutorInfo(SequentialExecutor(), 1, "in-process, 1 worker")
        return
    pool = _process_pool(n, list(preload))
    try:
        yield ExecutorInfo(pool, n, f"process pool, {n} workers")
    except BaseException:
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)


@contextmanager
def _dask_executor(address: str, workers: int) -> Iterator[ExecutorInfo]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise DaskUnavailable(
            "--dask needs dask.distributed: pip install 'dask[distributed]'"
        ) from None
    cluster = None
    if address == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
        where = f"Dask LocalCluster, {workers} workers"
    else:
        client = Client(address)
        where = f"Dask cluster at {address}"
    executor: Executor | None = None
    try:
        slots = max(1, sum(client.nthreads().values()))
        executor = client.get_executor(pure=False)
        yield ExecutorInfo(executor, slots, f"{where} ({slots} threads)")
    except BaseException:
        if executor is not None:
            executor.shutdown(wait=False)  # cancels what the cluster still holds for us
        raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_bounded(executor: Executor, fn: Callable[[Any], Any], tasks: Iterable[tuple[T, Any]],
                max_pending: int) -> Iterator[tuple[T, Future[Any]]]:
    """Submit ``fn(payload)`` for each ``(tag, payload)``, keeping at most ``max_pending`` in
    flight, and yield ``(tag, future)`` as each completes (completion order).

    The task iterable is consumed lazily, so a plan of a million runs costs a window of
    ``max_pending`` payloads, not a million.
    """
    pending: dict[Future[Any], T] = {}
    it = iter(tasks)
    exhausted = False
    while True:
        while not exhausted and len(pending) < max_pending:
            try:
                tag, payload = next(it)
            except StopIteration:
                exhausted = True
                break
            pending[executor.submit(fn, payload)] = tag
        if not pending:
            return
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            yield pending.pop(future), future
