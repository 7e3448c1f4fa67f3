"""How many rows the explainer takes on next: from the measured per-process rate, the time left and whether a worker
process would pay for its start (audit/explain/core.py runs the rounds)."""

from __future__ import annotations

from audit.explain import agnostic
from audit.explain.backend import Backend
from audit.explain.choose import Choice

_BATCH_SECONDS = 0.5  # target work per batch: progress and cancel stay responsive


def plan(todo: int, rate: float, seconds_left: float, worker_start_s: float | None, *, cautious: bool) -> tuple[int, bool]:
    """(rows to explain next, whether a worker process joins) from the measured per-process rate and the time left.

    `cautious` for the first round: its rate comes from a small probe and a worker's real share is unknown yet (another
    program may hold the second core); later rounds fill what is left.
    """
    if todo <= 0 or seconds_left <= 0:
        return 0, False

    def worth(rows: int) -> bool:
        return worker_start_s is not None and rows / rate > max(2 * worker_start_s, 1.0)

    worker = worth(todo) and seconds_left > 2 * (worker_start_s or 0)
    affordable = rate * seconds_left
    if worker:
        affordable += rate * 0.75 * max(seconds_left - (worker_start_s or 0), 0.0)
    affordable *= 0.6 if cautious and worker else 0.85
    if affordable >= todo:
        return todo, worker
    rows = max(int(affordable), 1)
    return rows, worker and worth(rows)


def batch_rows(choice: Choice, backend: Backend, rate: float) -> int:
    if choice.method == "agnostic":
        return agnostic.rows_per_batch(backend)
    if choice.method == "linear":
        return 50_000  # fixed: batch composition then never depends on timing
    if choice.method in ("lightgbm", "xgboost") and backend.shipped is None:
        # OpenMP inside: each call waits for its slowest thread, which costs dearly when another program holds a core.
        return int(max(2_000, min(rate * 2.0, 50_000)))
    # With a worker, smaller batches: the two processes meet with less of a batch left over.
    return int(max(16, min(rate * _BATCH_SECONDS * (0.5 if backend.shipped else 1.0), 20_000)))
