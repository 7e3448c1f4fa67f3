"""The worker processes behind `gui.worker` (no Qt here: this module is also imported inside the worker processes).

Heavy jobs run in a small pool of spawned processes so that pandas/NumPy holding the GIL can never freeze the window.
- Progress: one queue from all worker processes; a parent-side thread routes each message to its job by job id.
- Cancel: a shared ring of job ids; the parent writes a job's id, the job sees it at its next `raise_if_set()`.
- Errors: sent back as (type, args, attributes, traceback text) and rebuilt, so `AttestError.hint` and
  `TrustRequired.sha256` survive the trip; the worker's traceback is attached as a note for crash reports.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # multiprocessing and concurrent.futures load on first use: they cost start-up time
    from concurrent.futures import Future, ProcessPoolExecutor

PROGRESS_INTERVAL_S = 0.04  # at most ~25 progress updates a second reach the GUI
WORKERS = 2
_SLOTS = 256

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_queue: Any = None
_ring: Any = None
_routes: dict[int, Callable[..., None]] = {}
_routes_lock = threading.Lock()
_ended: dict[int, threading.Event] = {}
_END_WAIT_S = 2.0  # longest wait for a job's last progress update after its result

# in a worker process, set by _child_init
_CHILD_QUEUE: Any = None
_CHILD_RING: Any = None


def in_worker_process(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a job function (module level; picklable arguments and result) to run in a worker process."""
    fn.in_worker_process = True  # type: ignore[attr-defined]
    return fn


# ------------------------------------------------------------------------------------------------------- parent side
def pool() -> ProcessPoolExecutor:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    global _pool, _queue, _ring
    with _lock:
        if _pool is None:
            ctx = mp.get_context("spawn")  # nothing of Qt or the GUI's threads is inherited
            if _queue is None:
                _queue = ctx.Queue()
                _ring = ctx.Array("q", _SLOTS, lock=False)
                threading.Thread(target=_route_progress, name="attest-progress", daemon=True).start()
            _pool = ProcessPoolExecutor(max_workers=WORKERS, mp_context=ctx, initializer=_child_init, initargs=(_queue, _ring))
            import atexit

            atexit.register(shutdown_processes)
        return _pool


def submit(job_id: int, fn: Callable[..., Any], args: tuple, kwargs: dict) -> Future:
    return pool().submit(_child_run, job_id, fn, args, kwargs)


def cancel(job_id: int) -> None:
    if _ring is not None:
        _ring[job_id % _SLOTS] = job_id


@contextmanager
def route(job_id: int, emit: Callable[..., None]) -> Iterator[None]:
    """Send the job's progress to `emit` while the block runs, and until the job's last update has arrived: progress
    and the result travel on different pipes, so the result can overtake the last updates."""
    ended = threading.Event()
    with _routes_lock:
        _routes[job_id] = emit
        _ended[job_id] = ended
    try:
        yield
        ended.wait(_END_WAIT_S)
    finally:
        with _routes_lock:
            _routes.pop(job_id, None)
            _ended.pop(job_id, None)


def _route_progress() -> None:
    while True:
        msg = _queue.get()
        with _routes_lock:
            emit = _routes.get(msg[0])
            ended = _ended.get(msg[0])
        if msg[1] is None:  # the job's end marker
            if ended is not None:
                ended.set()
        elif emit is not None:
            emit(*msg)


def reset() -> None:
    """Forget a broken pool (a worker died); the next job starts fresh processes."""
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


def warm_up() -> None:
    """Start the worker processes in the background (they import pandas and the engine), so the first job is quick."""
    threading.Thread(target=lambda: pool().submit(int), name="attest-warm-up", daemon=True).start()


def shutdown_processes() -> None:
    """Stop the worker processes (at exit; running jobs are abandoned, queued ones dropped)."""
    global _pool
    with _lock:
        pool_, _pool = _pool, None
    if pool_ is None:
        return
    procs = list((getattr(pool_, "_processes", None) or {}).values())
    pool_.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        p.join(timeout=3)
        if p.is_alive():  # a job stuck in native code that never reaches its next cancel check
            p.terminate()
    pool_.shutdown(wait=True)


def unpack_exception(packed: tuple) -> BaseException:
    cls, args, state, text = packed
    try:
        exc = cls.__new__(cls)
        exc.args = args
        exc.__dict__.update(state)
    except Exception:
        exc = RuntimeError(f"{getattr(cls, '__name__', cls)}: {args}")
    exc.add_note("Raised in the worker process:\n" + text)
    return exc


# ------------------------------------------------------------------------------------------------------- child side
def _child_init(queue: Any, ring: Any) -> None:
    global _CHILD_QUEUE, _CHILD_RING
    _CHILD_QUEUE, _CHILD_RING = queue, ring
    if hasattr(os, "nice"):
        os.nice(5)  # background work yields the CPU to the window on a busy machine
    import audit.run  # noqa: F401 - pay for pandas, NumPy and pydantic once per worker process


class _RingToken:
    """The child's view of its job's cancel flag (duck-types `audit.cancel.CancelToken`)."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id

    @property
    def is_set(self) -> bool:
        return _CHILD_RING[self.job_id % _SLOTS] == self.job_id

    def set(self) -> None:
        _CHILD_RING[self.job_id % _SLOTS] = self.job_id

    def raise_if_set(self) -> None:
        if self.is_set:
            from audit.errors import Cancelled

            raise Cancelled("cancelled by the user")


def _pack_exception(exc: BaseException) -> tuple:
    state = {k: v for k, v in getattr(exc, "__dict__", {}).items() if k != "__notes__"}
    return type(exc), exc.args, state, "".join(traceback.format_exception(exc))


def _child_run(job_id: int, fn: Callable[..., Any], args: tuple, kwargs: dict) -> tuple[str, Any]:
    """("ok", result) | ("cancelled", None) | ("error", packed exception)."""
    from audit.errors import Cancelled

    last = [0.0, ""]

    def progress(step: str, done: int, total: int, message: str = "") -> None:
        now = time.monotonic()
        if step == last[1] and now - last[0] < PROGRESS_INTERVAL_S and done < total:
            return
        last[0], last[1] = now, step
        _CHILD_QUEUE.put((job_id, str(step), int(done), int(total), str(message)))

    token = _RingToken(job_id)
    try:
        token.raise_if_set()
        return "ok", fn(*args, progress=progress, cancel=token, **kwargs)
    except Cancelled:
        return "cancelled", None
    except BaseException as exc:
        return "error", _pack_exception(exc)
    finally:
        _CHILD_QUEUE.put((job_id, None, 0, 0, ""))  # after every update of this job: lets the GUI close its route
