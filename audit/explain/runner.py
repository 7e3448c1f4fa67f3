"""Run an explainer kernel over batches: progress per batch, cancel and the time budget honoured between batches.

When the backend offers a picklable kernel (`Backend.shipped`) and an executor is given (audit.parallel), a worker
process works through the batches from the back while this process works from the front, until they meet. Values do
not depend on which process computed a batch (each batch is a pure function of its input). Where the budget cuts, the
finished batches are a prefix and a suffix of the list; sampling.py's prefix rule keeps the figures sound either way.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future
from typing import Any

from audit.cancel import CancelToken
from audit.parallel import Shipped, processes_allowed, spawn_executor

OnBatch = Callable[[int, int], None]  # (batch index, rows in it)
_POLL_S = 0.05  # how often cancel and the budget are checked while waiting for the worker


def run_batches(
    core: Callable[[Any], Any],
    payloads: Sequence[Any],
    sizes: Sequence[int],
    *,
    deadline: float,
    cancel: CancelToken | None,
    on_batch: OnBatch,
    shipped: Shipped | None = None,
    executor: Executor | None = None,
    on_idle: Callable[[list[Any]], None] | None = None,
) -> tuple[list[Any], bool, int]:
    """Raw kernel results per batch (None where the budget cut), whether it cut, and how many batches a worker did.

    `on_idle(results so far)` runs once in this process while it waits for the worker's last batches.
    """
    n = len(payloads)
    results: list[Any] = [None] * n
    if shipped is None or executor is None or n < 2:
        for i in range(n):
            if cancel is not None:
                cancel.raise_if_set()
            if time.monotonic() > deadline:
                return results, True, 0
            results[i] = core(payloads[i])
            on_batch(i, sizes[i])
        return results, False, 0
    return _Shared(core, payloads, sizes, results, shipped, executor, on_batch).run(deadline, cancel, on_idle)


class _Shared:
    """This process takes batches from the front; the worker's tasks are queued from the back, so the two meet with
    little left over. A queued task this process reaches first is cancelled and computed here."""

    def __init__(
        self,
        core: Callable[[Any], Any],
        payloads: Sequence[Any],
        sizes: Sequence[int],
        results: list[Any],
        shipped: Shipped,
        executor: Executor,
        on_batch: OnBatch,
    ) -> None:
        self.core, self.payloads, self.sizes, self.results = core, payloads, sizes, results
        self.shipped, self.executor, self.on_batch = shipped, executor, on_batch
        self.futures: dict[int, Future[Any]] = {}
        self.by_worker = 0

    def _queue_from_back(self) -> None:
        for j in range(len(self.payloads) - 1, 0, -1):  # batch 0 is this process's first
            try:
                self.futures[j] = self.shipped.submit(self.executor, self.payloads[j], with_state=not self.futures)
            except Exception:  # a broken or shut-down pool: this process does the rest
                return

    def _collect(self) -> None:
        """Results the worker has finished, in this thread (progress callbacks never run on the pool's thread)."""
        for j, future in list(self.futures.items()):
            if not future.done():
                continue
            del self.futures[j]
            if future.cancelled():
                continue
            try:
                sent, value = future.result()
            except Exception:  # the worker failed or died: this batch is computed here, where an error surfaces as such
                continue
            if not sent:  # a shared pool's other worker took it: send it again with the kernel's state
                with contextlib.suppress(Exception):
                    self.futures[j] = self.shipped.submit(self.executor, self.payloads[j], with_state=True)
                continue
            if self.results[j] is None:
                self.results[j] = value
                self.by_worker += 1
                self.on_batch(j, self.sizes[j])

    def _compute(self, j: int) -> None:
        if self.results[j] is None:
            self.results[j] = self.core(self.payloads[j])
            self.on_batch(j, self.sizes[j])

    def run(
        self, deadline: float, cancel: CancelToken | None, on_idle: Callable[[list[Any]], None] | None
    ) -> tuple[list[Any], bool, int]:
        n = len(self.payloads)
        try:
            with _one_thread():
                self._queue_from_back()
                for i in range(n):
                    if cancel is not None:
                        cancel.raise_if_set()
                    self._collect()
                    if time.monotonic() > deadline:
                        return self.results, True, self.by_worker
                    future = self.futures.get(i)
                    if future is not None and not future.cancel():
                        break  # met the worker: it has this batch and the rest
                    self.futures.pop(i, None)
                    self._compute(i)
                if on_idle is not None and self.futures:
                    on_idle(list(self.results))  # e.g. the model's own outputs for the rows done so far
                while self.futures and self.by_worker > 0:
                    if cancel is not None:
                        cancel.raise_if_set()
                    if time.monotonic() > deadline:
                        break
                    with contextlib.suppress(Exception):
                        next(iter(self.futures.values())).result(timeout=_POLL_S)
                    self._collect()
                # Nothing back from the worker yet (a slow start on a loaded machine), or a batch it failed: done
                # here rather than waited for; whichever is first counts, the values are the same.
                for j in range(n):
                    if self.results[j] is None:
                        if cancel is not None:
                            cancel.raise_if_set()
                        if time.monotonic() > deadline:
                            break
                        self._collect()
                        self._compute(j)
        finally:
            for future in self.futures.values():
                future.cancel()  # a running task finishes in the worker and its result is dropped
        return self.results, any(r is None for r in self.results), self.by_worker


class Workers:
    """The executor the batches may use: the caller's (left running), or a one-worker spawn pool started on first use,
    kept for the rounds of one explanation (the worker keeps the kernel it was sent) and shut down by `close`."""

    def __init__(self, given: Executor | None) -> None:
        self.given: Executor | None = given
        self.own: Executor | None = None
        self.allowed = given is not None or processes_allowed()

    def get(self) -> Executor | None:
        if self.given is not None:
            return self.given
        if self.own is None and self.allowed:
            try:
                self.own = spawn_executor(1)
            except Exception:
                self.allowed = False
        return self.own

    @property
    def warm(self) -> bool:
        return self.given is not None or self.own is not None

    def close(self) -> None:
        if self.own is not None:
            # Not waiting: a worker busy with a batch nobody needs finishes it and exits.
            self.own.shutdown(wait=False, cancel_futures=True)
            self.own = None


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """Two processes on two cores: keep BLAS/OpenMP in this one to one thread while the worker runs."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(1):
        yield
