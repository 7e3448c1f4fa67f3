"""The GUI's worker processes: one `audit.parallel.WorkerPool` shared by every `gui.worker.Runner` (no Qt here: this
module is also imported inside the worker processes).

Heavy jobs run in spawned processes so that pandas/NumPy holding the GIL can never freeze the window. Progress,
cancellation reaching a running job, errors rebuilt with their attributes and a clear error when a process dies are
`audit.parallel`'s; this module only says how many processes and what each loads when it starts.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Callable
from typing import Any

from audit.parallel import PROGRESS_INTERVAL_S, WorkerPool

WORKERS = 2
__all__ = ["POOL", "PROGRESS_INTERVAL_S", "WORKERS", "in_worker_process", "shutdown_processes", "warm_up"]


def _child_init() -> None:
    if hasattr(os, "nice"):
        os.nice(5)  # background work yields the CPU to the window on a busy machine
    import audit.run  # noqa: F401 - pay for pandas, NumPy and pydantic once per worker process


POOL = WorkerPool(WORKERS, initializer=_child_init)
atexit.register(POOL.shutdown)


def in_worker_process(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a job function (module level; picklable arguments and result) to run in a worker process."""
    fn.in_worker_process = True  # type: ignore[attr-defined]  # a marker attribute read by gui.worker; functions take any
    return fn


def warm_up() -> None:
    """Start the worker processes in the background (they import pandas and the engine), so the first job is quick."""
    POOL.warm_up()


def shutdown_processes() -> None:
    """Stop the worker processes (at exit; running jobs are asked to cancel, queued ones dropped)."""
    POOL.shutdown()
