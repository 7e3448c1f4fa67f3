"""The report's charts drawn in a forked helper process while the parent lays out the pages.

On a cold start matplotlib's import and first text layout cost about as much as the whole PDF layout; on two cores the
two can overlap. The helper is forked (it shares the result already in memory, nothing is re-imported or re-read),
receives chart requests as the sections ask for them and sends back RGB pixels in request order. Anything that goes
wrong on that side (no `fork`, the helper dies, a chart raises, a timeout) only means the parent draws that chart
itself, so the report never depends on the helper.
"""

from __future__ import annotations

import io
import os
import pickle
import signal
import sys
import threading
import time
from dataclasses import dataclass

HELPERS_ENV = "ATTEST_CHART_PROCESSES"  # how many chart helpers; "0": draw the charts in the calling process
WAIT_SECONDS = 30.0
_REQUEST_BYTES = 4096
_PIPE_BUDGET = (
    48 * 1024
)  # of a pipe buffer of 64 KiB (Linux default): room left for the stop requests  # longest wait for one chart before the parent gives up on the helper and draws it itself


@dataclass(frozen=True)
class ChartImage:
    width_in: float
    height_in: float
    size: tuple[int, int]
    rgb: bytes

    def image(self):
        from PIL import Image

        return Image.frombytes("RGB", self.size, self.rgb)


class _ResultPickler(pickle.Pickler):
    """Sends the result and its groups as references: the forked helper already holds the same objects."""

    def __init__(self, file, refs: dict[int, tuple]):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._refs = refs

    def persistent_id(self, obj):
        return self._refs.get(id(obj))


def _references(result) -> dict[int, tuple]:
    refs = {id(result): ("result",)}
    refs.update({id(g): ("group", i) for i, g in enumerate(result.groups)})
    return refs


class _ResultUnpickler(pickle.Unpickler):
    def __init__(self, file, result):
        super().__init__(file)
        self._result = result

    def persistent_load(self, pid):
        return self._result if pid[0] == "result" else self._result.groups[pid[1]]


class ChartProcess:
    """Forked helpers that draw `reports.charts` figures on request, taking the next request whenever one is free. Use
    `start()`; it returns None when forking is not possible or disabled. The parent forks the first helper, which warms
    matplotlib up and forks the second (so it starts warm); each helper dies with its parent."""

    def __init__(self, pids: list[int], requests, responses, result):
        self.pids = pids
        self._refs = _references(result)
        self._requests, self._responses = requests, responses
        self._done: dict[int, ChartImage | None] = {}
        self._cond = threading.Condition()
        self._next = 0
        self._sent = 0  # request bytes written so far
        self._given_up = False
        self.helper_seconds = 0.0  # the helpers' time spent drawing (wall, summed), reported back with each chart
        self.helper_cpu_seconds = 0.0
        self.wait_seconds = 0.0  # how long the parent's layout stood still waiting for a chart
        threading.Thread(target=self._read, name="attest-chart-reader", daemon=True).start()

    @classmethod
    def start(cls, result, helpers: int | None = None) -> ChartProcess | None:
        helpers = helper_count() if helpers is None else helpers
        if helpers <= 0:
            return None
        import multiprocessing as mp

        ctx = mp.get_context("fork")
        requests, responses = ctx.SimpleQueue(), ctx.SimpleQueue()
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError:
            return None
        if pid == 0:  # the helpers: never return
            code = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                _die_with(parent)
                _warm_up()  # once, then shared: the sibling is forked warm
                sibling = os.fork() if helpers > 1 else 0
                if helpers > 1 and sibling == 0:
                    _die_with(parent := os.getppid())
                _serve(result, requests, responses, parent)
                if sibling:
                    os.waitpid(sibling, 0)  # the first helper reaps the second; the parent reaps the first
                code = 0
            finally:
                os._exit(code)
        return cls([pid], requests, responses, result)

    # -- parent side ---------------------------------------------------------------------------------------------------
    def submit(self, name: str, args: tuple, kwargs: dict) -> int:
        """Queue `reports.charts.<name>(*args, **kwargs)`; returns its ticket for `get`."""
        ticket = self._next
        self._next += 1
        buf = io.BytesIO()
        try:
            _ResultPickler(buf, self._refs).dump((ticket, name, args, kwargs))
        except Exception:
            buf = None
        # SimpleQueue.put writes into the pipe at once: requests (a few hundred bytes, the result goes by reference) must
        # never fill it, or a parent whose helpers died would block; anything unusual is drawn here instead.
        if buf is None or len(buf.getvalue()) > _REQUEST_BYTES or self._sent + len(buf.getvalue()) > _PIPE_BUDGET:
            with self._cond:
                self._done[ticket] = None
            return ticket
        self._sent += len(buf.getvalue())
        self._requests.put(buf.getvalue())
        return ticket

    def get(self, ticket: int) -> ChartImage | None:
        """The chart for `ticket`, waiting for the helpers; None if the parent must draw it itself."""
        t0 = time.perf_counter()
        deadline = t0 + WAIT_SECONDS
        with self._cond:
            while ticket not in self._done and not self._given_up:
                if not self._any_alive():
                    break
                if time.perf_counter() > deadline:
                    self._given_up = True  # a stuck helper: stop it, and no later chart waits for it either
                    self._kill()
                    break
                self._cond.wait(0.05)
            found = self._done.pop(ticket, None)
        self.wait_seconds += time.perf_counter() - t0
        return found

    def _any_alive(self) -> bool:
        alive = False
        for i, pid in enumerate(self.pids):
            if pid <= 0:
                continue
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                self.pids[i] = 0  # reaped: never signal this number again
            else:
                alive = True
        return alive

    def close(self, kill: bool = False) -> None:
        """Stop the helpers (each ends at its stop request; `kill`: at once) and reap them. Idempotent."""
        with self._cond:
            pids = [p for p in self.pids if p > 0]
            if not pids:
                return
            if kill:
                self._kill()
            else:
                for _ in range(2):  # one stop request per helper
                    self._requests.put(None)
            deadline = time.perf_counter() + 5
            while self._any_alive():
                if time.perf_counter() > deadline:
                    self._kill()
                time.sleep(0.002)

    def _kill(self) -> None:
        for pid in self.pids:
            if pid > 0:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def _read(self) -> None:
        while True:
            try:
                ticket, image, seconds, cpu = pickle.loads(self._responses.get())
            except Exception:
                return
            with self._cond:
                self._done[ticket] = image
                self.helper_seconds += seconds
                self.helper_cpu_seconds += cpu
                self._cond.notify_all()


def helper_count() -> int:
    """How many chart helpers: $ATTEST_CHART_PROCESSES if set ("0": none), else 2 on Linux (macOS forbids much of what
    a forked child might touch; Windows cannot fork) and none elsewhere."""
    if not hasattr(os, "fork"):
        return 0
    default = 2 if sys.platform.startswith("linux") else 0
    try:
        return max(0, int(os.environ.get(HELPERS_ENV, default)))
    except ValueError:
        return default


# -- helper side ---------------------------------------------------------------------------------------------------------
def _warm_up() -> None:
    """Pay matplotlib's import and first text layout before the first request arrives."""
    from reports.charts import _figure, fast_text, to_image

    with fast_text():
        fig = _figure(0.5)
        fig.text(0.1, 0.5, "Attest 0.1", fontsize=7)
        to_image(fig)


def _die_with(parent: int) -> None:
    """End this helper when `parent` ends, however it ends (Linux: the kernel sends SIGKILL; elsewhere `_serve` polls)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent ended before the line above
        os._exit(1)


def _serve(result, requests, responses, parent: int) -> None:
    from reports import charts

    while True:
        if not requests._reader.poll(0.5):
            if os.getppid() != parent:
                return
            continue
        payload = requests.get()
        if payload is None:
            return
        ticket, name, args, kwargs = _ResultUnpickler(io.BytesIO(payload), result).load()
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            with charts.fast_text():
                fig = getattr(charts, name)(*args, **kwargs)
                img = charts.to_image(fig)
            w_in, h_in = fig.get_size_inches()
            out = ChartImage(float(w_in), float(h_in), img.size, img.tobytes())
        except Exception:
            out = None
        responses.put(
            pickle.dumps((ticket, out, time.perf_counter() - t0, time.process_time() - c0), protocol=pickle.HIGHEST_PROTOCOL)
        )
