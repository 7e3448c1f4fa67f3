"""The one way `audit` runs work in other processes: a `concurrent.futures.ProcessPoolExecutor` on the spawn context.

Spawned workers inherit nothing of the caller (no threads, locks or Qt state), unlike `os.fork()`, so a GUI worker
thread may start them safely. A caller may pass its own executor (any `concurrent.futures.Executor`); `spawn_executor`
builds one. Work goes out as a `Shipped` callable: pickled once in this process, sent to each worker process once and
kept there, so the tasks themselves carry only their input.

`ATTEST_PROCESSES=1` (or the older `ATTEST_EXPLAIN_PROCESSES=1`) keeps everything in one process; a frozen app does so
by itself, since its executable is not a Python interpreter that can spawn workers.
"""

from __future__ import annotations

import os
import pickle
import sys
import uuid
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

_STATE: dict[str, Callable[[Any], Any]] = {}  # in a worker process: the callables it was sent, by token
_KEEP = 4  # callables kept per worker process (a shared pool serves several jobs in turn)


def processes_allowed() -> bool:
    """Whether other processes may share the work here: two cores or more, not switched off, not a frozen app."""
    for name in ("ATTEST_PROCESSES", "ATTEST_EXPLAIN_PROCESSES"):
        if os.environ.get(name, "").strip() == "1":
            return False
    if getattr(sys, "frozen", False):
        return False
    return (os.cpu_count() or 1) >= 2 and bool(sys.executable)


def spawn_executor(workers: int = 1) -> ProcessPoolExecutor:
    """A process pool whose workers are started with the spawn method; each limits BLAS/OpenMP to one thread (the
    caller's process uses the other cores). The caller shuts it down."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=_one_thread)


def _one_thread() -> None:
    os.environ.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(1)  # for the libraries the worker has loaded already (kept for the worker's lifetime)


class Shipped:
    """A picklable callable to run in worker processes on many inputs; its state crosses to each worker once."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.token = uuid.uuid4().hex
        self.blob = pickle.dumps(fn, protocol=pickle.HIGHEST_PROTOCOL)

    def submit(self, executor: Executor, payload: Any, *, with_state: bool = False) -> Future:
        """A future for `(True, fn(payload))`, or `(False, None)` when the worker that took it has not got the
        callable yet: submit again `with_state=True` (the first task of a job carries it anyway)."""
        return executor.submit(_call, self.token, self.blob if with_state else None, payload)


def _call(token: str, blob: bytes | None, payload: Any) -> tuple[bool, Any]:
    fn = _STATE.get(token)
    if fn is None:
        if blob is None:
            return False, None
        while len(_STATE) >= _KEEP:
            _STATE.pop(next(iter(_STATE)))
        fn = _STATE[token] = pickle.loads(blob)
    return True, fn(payload)
