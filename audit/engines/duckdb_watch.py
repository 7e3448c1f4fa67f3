"""Cancel and progress inside a running DuckDB query: a GROUP BY over a large file takes minutes, and checking the
cancel token between queries would leave the user waiting for the whole query. A watcher thread polls, every
`interval` seconds, the token (set -> `connection.interrupt()`, the query stops and raises
`duckdb.InterruptException`, which the engine turns into `Cancelled`) and `connection.query_progress()` (the share
of the query's rows done, reported as rows processed once the row count is known)."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any

from audit.cancel import CancelToken, Progress

STEPS = 8
INTERVAL = 0.25  # seconds between polls: a cancel takes effect within this, and progress moves at this pace


class QueryWatch:
    """Use as `with QueryWatch(con, progress, cancel) as watch:`; `watch.stage(name, step)` names what runs now
    and `watch.rows` (when known) turns the percentage into rows."""

    def __init__(self, con: Any, progress: Progress, cancel: CancelToken, interval: float | None = None) -> None:
        self.con, self.progress, self.cancel = con, progress, cancel
        self.interval = INTERVAL if interval is None else interval
        self.rows: int | None = None
        self.interrupted = False
        self._stage, self._step = "load data", 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="attest-duckdb-watch", daemon=True)
        self._last = -1.0

    def stage(self, name: str, step: int) -> None:
        self._stage, self._step, self._last = name, step, -1.0

    def __enter__(self) -> QueryWatch:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            if self.cancel.is_set:
                if not self.interrupted:
                    self.interrupted = True
                    self.con.interrupt()
                continue
            try:
                pct = float(self.con.query_progress())
            except Exception:  # no query running, or the connection closing: nothing to report this time
                continue
            if pct < 0 or pct == self._last:
                continue
            self._last = pct
            if self.rows:
                done = min(self.rows, round(self.rows * pct / 100))
                text = f"DuckDB: {done:,} of {self.rows:,} rows processed ({pct:.0f}% of this pass)"
            else:
                text = f"DuckDB: {pct:.0f}% of this pass"
            self.progress(self._stage, self._step, STEPS, text)
