"""The one way Attest runs work in other processes: `concurrent.futures.ProcessPoolExecutor` on the spawn context.

Spawned workers inherit nothing of the caller (no threads, locks or Qt state), unlike `os.fork()`, so a GUI worker
thread may start them safely. Nothing in Attest forks (tests/test_no_fork.py keeps it so). Two ways to use it:

- `spawn_executor()` builds a plain executor; callers that take one (`audit.explain`) accept any
  `concurrent.futures.Executor`. `Shipped` sends a callable's state to each worker process once.
- `WorkerPool` runs long jobs, ``fn(*args, progress=..., cancel=..., **kwargs)`` (the shape of `audit.run.run_audit`),
  in its processes and gives them what a job has in-process: progress back to the caller (one queue, routed to the job
  by its id), cancellation that reaches a job already running in a child (a shared ring of job ids the child's token
  reads at each `raise_if_set()`), and errors rebuilt with their attributes (`AttestError.hint` survives). A child that
  dies (killed by the OS for memory, a crash in native code) raises `WorkerDied` at once instead of hanging, and the
  next job starts fresh processes.

`ATTEST_PROCESSES=1` (or the older `ATTEST_EXPLAIN_PROCESSES=1`) keeps everything in one process; a frozen app does so
by itself, since its executable is not a Python interpreter that can spawn workers.
"""

from __future__ import annotations

import itertools
import os
import pickle
import signal
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import TYPE_CHECKING, Any

from audit.errors import AttestError, Cancelled

if TYPE_CHECKING:  # multiprocessing and concurrent.futures.process load on first use: they cost start-up time
    from concurrent.futures import ProcessPoolExecutor

    from audit.cancel import Progress

_STATE: dict[str, Callable[[Any], Any]] = {}  # in a worker process: the callables it was sent, by token
_KEEP = 4  # callables kept per worker process (a shared pool serves several jobs in turn)
PROGRESS_INTERVAL_S = 0.04  # at most ~25 progress updates a second cross back from a job
_SLOTS = 256  # cancel ring: a job's id in slot id % _SLOTS means "cancel"; 256 jobs in flight at once is far beyond use
_END_WAIT_S = 2.0  # longest wait for a job's last progress update after its result
_STOP_WAIT_S = 3.0  # longest wait at shutdown for a job to reach its next cancel check before its process is ended


class WorkerDied(AttestError):
    """A worker process ended in the middle of a job (killed by the operating system, or crashed in native code)."""


def processes_allowed() -> bool:
    """Whether other processes may share the work here: two cores or more, not switched off, not a frozen app."""
    for name in ("ATTEST_PROCESSES", "ATTEST_EXPLAIN_PROCESSES"):
        if os.environ.get(name, "").strip() == "1":
            return False
    if getattr(sys, "frozen", False):
        return False
    return (os.cpu_count() or 1) >= 2 and bool(sys.executable)


def spawn_executor(
    workers: int = 1, initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = ()
) -> ProcessPoolExecutor:
    """A process pool whose workers are started with the spawn method; each limits BLAS/OpenMP to one thread (the
    caller's process uses the other cores), then runs `initializer(*initargs)`. The caller shuts it down."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(initializer, initargs),
    )


def _init_worker(initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    _one_thread()
    if initializer is not None:
        initializer(*initargs)


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

    def submit(self, executor: Executor, payload: Any, *, with_state: bool = False) -> Future[tuple[bool, Any]]:
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


# ------------------------------------------------------------------------------------------------ jobs in a worker pool
class Job:
    """One job submitted to a `WorkerPool`: `result()` waits for it, `cancel()` reaches it in its process."""

    def __init__(self, pool: WorkerPool, job_id: int, future: Future[tuple[str, Any]], ended: threading.Event | None) -> None:
        self.pool, self.job_id, self.future, self._ended = pool, job_id, future, ended

    def cancel(self) -> None:
        """Ask the job to stop: it sees it at its next `cancel.raise_if_set()`, also when it is already running."""
        self.pool.cancel(self.job_id)

    def result(self, cancel: Any = None, timeout_s: float | None = None, poll_s: float = 0.05) -> Any:
        """The job's return value, waiting for it. Raises the job's own exception (rebuilt, the child's traceback
        attached as a note), `Cancelled` when it stopped at a cancel request, `WorkerDied` when its process ended
        under it, `TimeoutError` after `timeout_s` (the job goes on). `cancel`: a token of the caller's (anything with
        `is_set`), passed on to the job once it is set."""
        from concurrent.futures.process import BrokenProcessPool

        told = False
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        try:
            while True:
                try:
                    status, value = self.future.result(timeout=poll_s)
                    break
                except TimeoutError:  # concurrent.futures.TimeoutError is the built-in one since Python 3.11
                    if deadline is not None and time.monotonic() > deadline:
                        raise
                    if cancel is not None and cancel.is_set and not told:
                        self.cancel()
                        told = True
                except BrokenProcessPool as exc:
                    self.pool.reset()
                    raise WorkerDied(
                        "The worker process stopped unexpectedly (it may have run out of memory or crashed inside a "
                        "native library). Nothing was recorded.",
                        "Run it again; if it stops again, close other programs or audit a smaller sample of the data.",
                    ) from exc
            if self._ended is not None:  # progress and the result travel on different pipes: let the last updates in
                self._ended.wait(_END_WAIT_S)
        finally:
            self.pool.forget(self.job_id)
        if status == "cancelled":
            raise Cancelled("cancelled by the user")
        if status == "error":
            raise unpack_exception(value)
        return value


class WorkerPool:
    """A pool of `workers` spawned processes for long jobs (see the module docstring). The processes start on the first
    job (or `warm_up()`) and are reused; `shutdown()` stops them. `initializer()` runs once in each new process (e.g. to
    import the engine there). Thread-safe."""

    def __init__(self, workers: int = 1, initializer: Callable[[], None] | None = None) -> None:
        self.workers, self.initializer = workers, initializer
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._queue: Any = None  # multiprocessing.Queue of progress messages, shared by every process of the pool
        self._ring: Any = None  # multiprocessing.Array of job ids to cancel
        self._pids: Any = None  # multiprocessing.Array: the current executor's worker process ids (to end them at shutdown)
        self._routes: dict[int, tuple[Progress, threading.Event]] = {}
        self._running: set[int] = set()  # jobs submitted and not yet collected (asked to cancel at shutdown)
        self._ids = itertools.count(1)

    def executor(self) -> ProcessPoolExecutor:
        import multiprocessing

        with self._lock:
            if self._executor is None:
                ctx = multiprocessing.get_context("spawn")
                if self._queue is None:
                    self._queue = ctx.Queue()
                    self._ring = ctx.Array("q", _SLOTS, lock=False)
                    threading.Thread(
                        target=self._route_progress, args=(self._queue,), name="attest-progress", daemon=True
                    ).start()
                self._pids = ctx.Array("q", self.workers)
                self._executor = spawn_executor(
                    self.workers, _child_init, (self._queue, self._ring, self._pids, self.initializer)
                )
            return self._executor

    def submit(self, fn: Callable[..., Any], *args: Any, progress: Progress | None = None, **kwargs: Any) -> Job:
        """Run ``fn(*args, progress=..., cancel=..., **kwargs)`` in a worker process; `fn` is module level, its
        arguments and result picklable. `progress` receives the job's updates (on the pool's routing thread)."""
        job_id = next(self._ids)
        ended = threading.Event() if progress is not None else None
        if progress is not None and ended is not None:
            with self._lock:
                self._routes[job_id] = (progress, ended)
        with self._lock:
            self._running.add(job_id)
        future = self.executor().submit(_child_run, job_id, fn, args, kwargs)
        return Job(self, job_id, future, ended)

    def cancel(self, job_id: int) -> None:
        if self._ring is not None:
            self._ring[job_id % _SLOTS] = job_id

    def forget(self, job_id: int) -> None:
        with self._lock:
            self._routes.pop(job_id, None)
            self._running.discard(job_id)

    def _route_progress(self, queue: Any) -> None:
        while True:
            msg = queue.get()
            if msg is None:  # the pool was shut down
                return
            job_id, step, done, total, message = msg
            with self._lock:
                emit, ended = self._routes.get(job_id, (None, None))
            if step is None:  # the job's end marker
                if ended is not None:
                    ended.set()
            elif emit is not None:
                emit(step, done, total, message)

    def pids(self) -> list[int]:
        """The process ids of the current worker processes that have started (0 for a place not yet taken)."""
        with self._lock:
            return list(self._pids) if self._pids is not None else []

    def warm_up(self) -> None:
        """Start the worker processes now, in the background (each runs the initializer), so the first job is quick."""

        def start() -> None:
            for _ in range(self.workers):
                self.executor().submit(int)

        threading.Thread(target=start, name="attest-warm-up", daemon=True).start()

    def reset(self) -> None:
        """Forget a broken executor (a worker died); the next job starts fresh processes."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def shutdown(self, wait_s: float = _STOP_WAIT_S) -> None:
        """Stop the worker processes: queued jobs are dropped, running ones asked to cancel and, if they do not reach
        a cancel check within `wait_s` (stuck in native code), their processes are ended."""
        with self._lock:
            executor, self._executor = self._executor, None
            running = list(self._running)
            pids = list(self._pids) if self._pids is not None else []
            queue, self._queue = self._queue, None
        if queue is not None:
            queue.put(None)  # ends the routing thread; a later job starts a new one
        if executor is None:
            return
        for job_id in running:
            self.cancel(job_id)
        stopper = threading.Thread(target=executor.shutdown, kwargs={"wait": True, "cancel_futures": True}, daemon=True)
        stopper.start()
        stopper.join(wait_s)
        if stopper.is_alive():
            kill = getattr(signal, "SIGKILL", signal.SIGTERM)  # SIGKILL also ends a stopped process; Windows: Terminate
            for pid in pids:
                if pid > 0:
                    try:
                        os.kill(pid, kill)
                    except (ProcessLookupError, PermissionError):
                        pass
            stopper.join(max(wait_s, 1.0))


def unpack_exception(packed: tuple[type[BaseException], tuple[Any, ...], dict[str, Any], str]) -> BaseException:
    cls, args, state, text = packed
    try:
        exc = cls.__new__(cls)
        exc.args = args
        exc.__dict__.update(state)
    except Exception:
        exc = RuntimeError(f"{getattr(cls, '__name__', cls)}: {args}")
    exc.add_note("Raised in the worker process:\n" + text)
    return exc


# ---------------------------------------------------------------------------------------- child side (worker processes)
_CHILD_QUEUE: Any = None
_CHILD_RING: Any = None


def _child_init(queue: Any, ring: Any, pids: Any, initializer: Callable[[], None] | None) -> None:
    global _CHILD_QUEUE, _CHILD_RING
    _CHILD_QUEUE, _CHILD_RING = queue, ring
    with pids.get_lock():
        free = [i for i in range(len(pids)) if pids[i] == 0]
        if free:
            pids[free[0]] = os.getpid()
    if initializer is not None:
        initializer()


class RingToken:
    """A job's cancel flag inside its worker process (the interface of `audit.cancel.CancelToken`)."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id

    @property
    def is_set(self) -> bool:
        return bool(_CHILD_RING[self.job_id % _SLOTS] == self.job_id)

    def set(self) -> None:
        _CHILD_RING[self.job_id % _SLOTS] = self.job_id

    def raise_if_set(self) -> None:
        if self.is_set:
            raise Cancelled("cancelled by the user")


def _pack_exception(exc: BaseException) -> tuple[type[BaseException], tuple[Any, ...], dict[str, Any], str]:
    state = {k: v for k, v in getattr(exc, "__dict__", {}).items() if k != "__notes__"}
    return type(exc), exc.args, state, "".join(traceback.format_exception(exc))


def _child_run(job_id: int, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[str, Any]:
    """("ok", result) | ("cancelled", None) | ("error", packed exception)."""
    last: list[Any] = [0.0, ""]

    def progress(step: str, done: int, total: int, message: str = "") -> None:
        now = time.monotonic()
        if step == last[1] and now - last[0] < PROGRESS_INTERVAL_S and done < total:
            return
        last[0], last[1] = now, step
        _CHILD_QUEUE.put((job_id, str(step), int(done), int(total), str(message)))

    token = RingToken(job_id)
    try:
        token.raise_if_set()
        return "ok", fn(*args, progress=progress, cancel=token, **kwargs)
    except Cancelled:
        return "cancelled", None
    except BaseException as exc:
        return "error", _pack_exception(exc)
    finally:
        _CHILD_QUEUE.put((job_id, None, 0, 0, ""))  # after every update of this job: lets the caller stop waiting for them
