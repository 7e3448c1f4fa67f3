"""The one adapter between long jobs and the GUI.

A job is a plain function ``fn(*args, progress=..., cancel=..., **kwargs)`` - the same shape as `audit.run.run_audit`.
`Runner.start` runs it on a thread pool; its outcome comes back as exactly one of the signals ``finished(result)``,
``failed(exception)`` or ``cancelled()``, always on the GUI thread (the per-job signal object lives on the GUI thread, so
the worker's emits are queued). Starting a job cancels the one still running on the same runner, and whatever that old
job produces afterwards is dropped. Cancelling sets the job's cancel token (the job sees it at its next
`raise_if_set()`); threads and processes are never killed mid-job.

Each part of the window that runs jobs owns a `Runner` (audit, data preview, trail, export), so loading a preview never
cancels an audit.

Where a job runs. A pool thread is enough for jobs that mostly wait (SQLite, hashing). Jobs marked `@in_worker_process`
(reading a dataset, the audit, charts, the PDF) run in a separate worker process instead, because pandas and NumPy hold
the GIL for hundreds of milliseconds at a time on 1M-row string columns: in a thread that froze the window for up to
2.6 s (benchmarks/bench_gui.py, 1M rows), in another process it cannot. Nothing of the engine is imported on the GUI
thread either (`import audit` alone takes ~3 s). The pool thread then only supervises: it waits for the process's
answer and forwards cancellation (`audit.parallel.WorkerPool`: progress, cancel and a dead process handled there).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from audit.cancel import CancelToken  # light: threading and audit.errors only
from gui import processes

_POOL: QThreadPool | None = None
_PROGRESS_INTERVAL_S = processes.PROGRESS_INTERVAL_S
_ids = itertools.count(1)


def pool() -> QThreadPool:
    """The pool every `Runner` uses: enough threads that one runner's job never waits for another's."""
    global _POOL
    if _POOL is None:
        _POOL = QThreadPool()
        _POOL.setMaxThreadCount(6)
        _POOL.setObjectName("attest-jobs")
    return _POOL


def _is_cancelled(exc: BaseException) -> bool:
    """`audit.errors.Cancelled`, recognised without importing the engine into this thread."""
    return any(c.__name__ == "Cancelled" and c.__module__ == "audit.errors" for c in type(exc).__mro__)


class _JobSignals(QObject):
    """Created on the GUI thread, emitted from the worker thread: Qt queues each emit to the GUI thread."""

    progress = Signal(int, str, int, int, str)
    finished = Signal(int, object)
    failed = Signal(int, object)
    cancelled = Signal(int)


class _Job(QRunnable):
    def __init__(
        self, job_id: int, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], token: Any, signals: _JobSignals
    ) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self.job_id, self.fn, self.args, self.kwargs, self.token, self.signals = job_id, fn, args, kwargs, token, signals
        self._last_emit = 0.0
        self._last_step = ""

    def _progress(self, step: str, done: int, total: int, message: str = "") -> None:
        now = time.monotonic()
        if step == self._last_step and now - self._last_emit < _PROGRESS_INTERVAL_S and done < total:
            return
        self._last_emit, self._last_step = now, step
        self.signals.progress.emit(self.job_id, str(step), int(done), int(total), str(message))

    def run(self) -> None:  # worker thread: no widget may be touched here
        try:
            self.token.raise_if_set()
            if getattr(self.fn, "in_worker_process", False):
                result = self._run_in_process()
            else:
                result = self.fn(*self.args, progress=self._progress, cancel=self.token, **self.kwargs)
            self.token.raise_if_set()
        except BaseException as exc:
            if _is_cancelled(exc):
                self.signals.cancelled.emit(self.job_id)
            else:
                self.signals.failed.emit(self.job_id, exc)
        else:
            self.signals.finished.emit(self.job_id, result)
        finally:
            self.args, self.kwargs = (), {}  # drop references to big inputs as soon as the job ends

    def _run_in_process(self) -> Any:
        job = processes.POOL.submit(self.fn, *self.args, progress=self._forward, **self.kwargs)
        return job.result(cancel=self.token)  # raises Cancelled, the job's error, or WorkerDied if its process ended

    def _forward(self, step: str, done: int, total: int, message: str) -> None:
        self.signals.progress.emit(self.job_id, step, done, total, message)  # already rate-limited in the worker process


class Runner(QObject):
    """Runs one job at a time for one part of the window. See the module docstring."""

    started = Signal()
    progress = Signal(str, int, int, str)  # step, done, total, message
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    busy_changed = Signal(bool)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"runner-{name}")
        self._current: int | None = None
        self._token: Any = None
        self._signals: dict[int, _JobSignals] = {}

    @property
    def busy(self) -> bool:
        return self._current is not None

    @property
    def cancelling(self) -> bool:
        return self._token is not None and self._token.is_set

    def start(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> int:
        """Run ``fn`` off the GUI thread; cancels this runner's previous job. Returns the job's id."""
        was_busy = self.busy
        if self._token is not None:
            self._token.set()
        job_id = next(_ids)
        token = CancelToken()
        signals = _JobSignals()
        signals.progress.connect(self._on_progress)
        signals.finished.connect(self._on_finished)
        signals.failed.connect(self._on_failed)
        signals.cancelled.connect(self._on_cancelled)
        self._signals[job_id] = signals
        self._current, self._token = job_id, token
        pool().start(_Job(job_id, fn, args, kwargs, token, signals))
        self.started.emit()
        if not was_busy:
            self.busy_changed.emit(True)
        return job_id

    @Slot()
    def cancel(self) -> None:
        """Ask the running job to stop; `cancelled` follows once it has."""
        if self._token is not None:
            self._token.set()

    def _end(self, job_id: int) -> bool:
        """Forget a job's signals; True when it is the current job (a replaced job's outcome is dropped)."""
        sig = self._signals.pop(job_id, None)
        if sig is not None:
            sig.deleteLater()
        if job_id != self._current:
            return False
        self._current = self._token = None
        self.busy_changed.emit(False)
        return True

    @Slot(int, str, int, int, str)
    def _on_progress(self, job_id: int, step: str, done: int, total: int, message: str) -> None:
        if job_id == self._current and not self.cancelling:
            self.progress.emit(step, done, total, message)

    @Slot(int, object)
    def _on_finished(self, job_id: int, result: object) -> None:
        if self._end(job_id):
            self.finished.emit(result)

    @Slot(int, object)
    def _on_failed(self, job_id: int, exc: object) -> None:
        if self._end(job_id):
            self.failed.emit(exc)

    @Slot(int)
    def _on_cancelled(self, job_id: int) -> None:
        if self._end(job_id):
            self.cancelled.emit()


def wait_for_jobs(msecs: int = 5000) -> bool:
    """Let running jobs end (used when the window closes, after cancelling them)."""
    return pool().waitForDone(msecs) if _POOL is not None else True
