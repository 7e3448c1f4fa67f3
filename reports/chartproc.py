"""The report's charts drawn in worker processes (`audit.parallel.WorkerPool`, spawned) while this process lays out pages.

On a cold start matplotlib's import and first text layout cost about as much as the whole PDF layout; on two cores the
two can overlap. The workers start (and warm matplotlib up) when the export begins; each chart goes to them as its
display object (`reports.charts.Display`: the values it shows, computed here, a few kilobytes) as the sections ask for
it, and comes back as RGB pixels. Anything that goes wrong on that side (no worker processes allowed, a worker dies, a
chart raises, a timeout) only means this process draws that chart itself, so the report never depends on the workers.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from audit.parallel import Job, WorkerPool, processes_allowed

if TYPE_CHECKING:
    from PIL.Image import Image

    from reports.charts.display import Display

HELPERS_ENV = "ATTEST_CHART_PROCESSES"  # how many chart workers; "0": draw the charts in the calling process
WAIT_SECONDS = 30.0  # longest wait for one chart before this process gives up on the workers and draws it itself


@dataclass(frozen=True)
class ChartImage:
    width_in: float
    height_in: float
    size: tuple[int, int]
    rgb: bytes

    def image(self) -> Image:
        from PIL import Image

        return Image.frombytes("RGB", self.size, self.rgb)


class ChartWorkers:
    """Worker processes that draw `reports.charts` displays on request, taking the next request whenever one is free.
    `start()` returns None when there are to be no workers (see `helper_count`). `close()` stops them."""

    def __init__(self, pool: WorkerPool) -> None:
        self.pool = pool
        self._jobs: dict[int, Job | None] = {}
        self._next = 0
        self._given_up = False
        self.helper_seconds = 0.0  # the workers' time spent drawing (wall, summed), reported back with each chart
        self.helper_cpu_seconds = 0.0
        self.wait_seconds = 0.0  # how long the layout stood still waiting for a chart
        self._stopper: threading.Thread | None = None  # stops the workers once every chart asked for is back

    @classmethod
    def start(cls, helpers: int | None = None) -> ChartWorkers | None:
        helpers = helper_count() if helpers is None else helpers
        if helpers <= 0 or not processes_allowed():
            return None
        pool = WorkerPool(helpers, initializer=_warm_up)
        pool.warm_up()  # now: their matplotlib import overlaps everything the export does before the first chart
        return cls(pool)

    def submit(self, display: Display) -> int:
        """Queue drawing `display`; returns its ticket for `get`."""
        ticket = self._next
        self._next += 1
        try:
            stopped = self._given_up or self._stopper is not None
            self._jobs[ticket] = None if stopped else self.pool.submit(draw, display)
        except Exception:  # the pool cannot take work any more (shut down, broken): drawn here
            self._jobs[ticket] = None
        return ticket

    def get(self, ticket: int) -> ChartImage | None:
        """The chart for `ticket`, waiting for the workers; None if the caller must draw it itself. Once the last chart
        asked for is back, the workers are stopped in the background (their exit overlaps the rest of the layout)."""
        job = self._jobs.pop(ticket, None)
        try:
            return None if job is None or self._given_up else self._wait(job)
        finally:
            if not self._jobs and self._stopper is None and not self._given_up:
                self._stopper = threading.Thread(target=self.pool.shutdown, name="attest-chart-stop", daemon=True)
                self._stopper.start()

    def _wait(self, job: Job) -> ChartImage | None:
        t0 = time.perf_counter()
        try:
            drawn: tuple[ChartImage, float, float] = job.result(timeout_s=WAIT_SECONDS)  # what `draw` returns
        except TimeoutError:
            self._given_up = True  # a stuck worker: stop them, and no later chart waits for them either
            self.pool.shutdown(wait_s=0)
            return None
        except Exception:  # the chart raised there, or its process died (WorkerDied): drawn here
            return None
        finally:
            self.wait_seconds += time.perf_counter() - t0
        image, seconds, cpu = drawn
        self.helper_seconds += seconds
        self.helper_cpu_seconds += cpu
        return image

    def close(self, kill: bool = False) -> None:
        """Stop the workers (`kill`: without waiting for a chart being drawn). Idempotent."""
        self._jobs.clear()
        if self._stopper is not None:  # stopping already, since the last chart came back: let it finish
            self._stopper.join(0 if kill else 5.0)
        self.pool.shutdown(wait_s=0 if kill else 5.0)


def helper_count() -> int:
    """How many chart workers: $ATTEST_CHART_PROCESSES if set ("0": none), else 1. A spawned worker pays its own
    imports (about 1.1 s of CPU for NumPy, matplotlib and PIL), which forked helpers never did: on two cores a second
    worker costs the layout more than it saves (benchmarks/bench_report.py, 60 groups: 23.6 s with one, 47.3 s with
    two, 27.4 s with none, on a loaded machine)."""
    try:
        return max(0, int(os.environ.get(HELPERS_ENV, 1)))
    except ValueError:
        return 1


# -- worker side ---------------------------------------------------------------------------------------------------------
def _warm_up() -> None:
    """Pay matplotlib's import and first text layout before the first request arrives."""
    from reports.charts import fast_text, new_figure, to_image

    with fast_text():
        fig = new_figure(0.5)
        fig.text(0.1, 0.5, "Attest 0.1", fontsize=7)
        to_image(fig)


def draw(display: Display, *, progress: Any, cancel: Any) -> tuple[ChartImage, float, float]:
    """One chart as the report draws it: (its pixels, wall and process seconds spent). A `WorkerPool` job."""
    from reports.charts import fast_text, to_image

    t0, c0 = time.perf_counter(), time.process_time()
    with fast_text():
        fig = display.figure()
        img = to_image(fig)
    w_in, h_in = fig.get_size_inches()
    out = ChartImage(float(w_in), float(h_in), img.size, img.tobytes())
    return out, time.perf_counter() - t0, time.process_time() - c0
