"""Run an explainer kernel over batches: progress per batch, cancel and the time budget honoured between batches.

shap's tree code and most model calls use one core. When the backend offers a helper job, a helper process
(`_helper.py`, started with this interpreter) works through the batches from the back while this process works from the
front, until they meet. The helper loads no `audit` and no shap package, so it starts in well under a second for trees.
Values do not depend on which process computed a batch. Where the budget cuts, the finished batches are a prefix and a
suffix of the list; sampling.py's prefix rule keeps the figures sound either way.
Set ATTEST_EXPLAIN_PROCESSES=1 to stay in one process.
"""
from __future__ import annotations

import contextlib
import os
import pickle
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from audit.cancel import CancelToken

OnBatch = Callable[[int, int], None]  # (batch index, rows in it)
HelperJob = tuple[str, dict[str, Any]]  # (kernel kind, plain-data state) for _kernels.make
_HELPER = Path(__file__).with_name("_helper.py")


def helper_allowed() -> bool:
    if os.environ.get("ATTEST_EXPLAIN_PROCESSES", "").strip() == "1" or getattr(sys, "frozen", False):
        return False  # a frozen app's executable is not a Python interpreter
    return (os.cpu_count() or 1) >= 2 and bool(sys.executable)


def run_batches(core: Callable[[Any], Any], payloads: Sequence[Any], sizes: Sequence[int], *, deadline: float,
                cancel: CancelToken | None, on_batch: OnBatch, helper: HelperJob | None,
                on_idle: Callable[[list[Any]], None] | None = None) -> tuple[list[Any], bool, int]:
    """Raw kernel results per batch (None where the budget cut), whether it cut, and how many batches a helper did.

    `on_idle(results so far)` runs once in this process while it waits for the helper's last batches.
    """
    n = len(payloads)
    results: list[Any] = [None] * n
    if helper is None or n < 2:
        for i in range(n):
            if cancel is not None:
                cancel.raise_if_set()
            if time.monotonic() > deadline:
                return results, True, 0
            results[i] = core(payloads[i])
            on_batch(i, sizes[i])
        return results, False, 0
    return _with_helper(core, payloads, sizes, results, helper, deadline=deadline, cancel=cancel, on_batch=on_batch,
                        on_idle=on_idle)


class _Helper:
    def __init__(self, job: HelperJob, payloads: Sequence[Any]) -> None:
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        # The helper unpickles estimators: give it this process's own import folders (site-packages it finds itself).
        own = [p for p in sys.path if p and not p.startswith((sys.prefix, sys.base_prefix))]
        env["PYTHONPATH"] = os.pathsep.join(own + [env["PYTHONPATH"]] if env.get("PYTHONPATH") else own)
        self.proc = subprocess.Popen([sys.executable, str(_HELPER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=env)
        self.messages: queue.Queue[tuple[str, int, Any]] = queue.Queue()
        self.alive = True
        data = pickle.dumps((job[0], job[1], list(payloads)), protocol=pickle.HIGHEST_PROTOCOL)
        threading.Thread(target=self._write, args=(data,), daemon=True).start()
        threading.Thread(target=self._read, daemon=True).start()

    def _write(self, data: bytes) -> None:
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(data)
            self.proc.stdin.close()
        except (OSError, ValueError):
            pass  # the helper is gone; the reader reports it

    def _read(self) -> None:
        try:
            while True:
                self.messages.put(pickle.load(self.proc.stdout))  # type: ignore[arg-type]
        except Exception:
            self.messages.put(("eof", -1, None))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()  # idle or working on a batch nobody needs any more
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=5)
        for stream in (self.proc.stdout, self.proc.stdin):
            with contextlib.suppress(Exception):
                stream.close()  # type: ignore[union-attr]


def _with_helper(core: Callable[[Any], Any], payloads: Sequence[Any], sizes: Sequence[int], results: list[Any],
                 job: HelperJob, *, deadline: float, cancel: CancelToken | None, on_batch: OnBatch,
                 on_idle: Callable[[list[Any]], None] | None) -> tuple[list[Any], bool, int]:
    n = len(payloads)
    try:
        helper = _Helper(job, payloads)
    except OSError:
        return run_batches(core, payloads, sizes, deadline=deadline, cancel=cancel, on_batch=on_batch, helper=None)
    started: set[int] = set()
    by_helper = [0]

    def handle(message: tuple[str, int, Any]) -> None:
        kind, j, value = message
        if kind == "start":
            started.add(j)
        elif kind == "done" and results[j] is None:
            results[j] = value
            by_helper[0] += 1
            on_batch(j, sizes[j])
        elif kind in ("error", "eof"):
            helper.alive = False  # its unfinished batches are computed here, where a real error surfaces as such

    def drain(wait: float = 0.0) -> None:
        try:
            handle(helper.messages.get(timeout=wait) if wait else helper.messages.get_nowait())
            while True:
                handle(helper.messages.get_nowait())
        except queue.Empty:
            pass

    cut = False
    front = 0
    try:
        with _one_thread_each():
            while front < n:
                if cancel is not None:
                    cancel.raise_if_set()
                drain()
                if front in started or results[front] is not None:
                    break  # met the helper
                if time.monotonic() > deadline:
                    return results, True, by_helper[0]
                results[front] = core(payloads[front])
                on_batch(front, sizes[front])
                front += 1
            if on_idle is not None and front < n:
                on_idle(list(results))  # e.g. the model's own outputs for the rows done so far
            while any(results[j] is None for j in range(front, n)):
                if cancel is not None:
                    cancel.raise_if_set()
                if time.monotonic() > deadline:
                    cut = True
                    break
                if not helper.alive:
                    for j in range(front, n):
                        if results[j] is None:
                            if cancel is not None:
                                cancel.raise_if_set()
                            if time.monotonic() > deadline:
                                return results, True, by_helper[0]
                            results[j] = core(payloads[j])
                            on_batch(j, sizes[j])
                    break
                drain(wait=0.1)
    finally:
        helper.stop()
    return results, cut, by_helper[0]


@contextlib.contextmanager
def _one_thread_each() -> Iterator[None]:
    """Two processes on two cores: keep BLAS/OpenMP in this one to one thread while the helper runs."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(1):
        yield
