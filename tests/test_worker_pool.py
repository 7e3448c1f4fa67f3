"""audit.parallel.WorkerPool, the one way jobs run in other processes (the GUI's jobs, the report's charts): progress
comes back, a cancel reaches a job already running in its process, a job's error keeps its hint, a process killed
under a job (as by the OS for memory) is a clear error at once instead of a hang, and shutdown ends a stuck job."""

from __future__ import annotations

import os
import signal
import time

import pytest

from audit.cancel import CancelToken
from audit.errors import AttestError, Cancelled
from audit.parallel import WorkerDied, WorkerPool


# -- jobs (module level: they are sent to the worker processes by reference) --------------------------------------------
def count(n: int, *, progress, cancel) -> int:
    for i in range(n):
        progress("count", i + 1, n, f"{i + 1} of {n}")
    return os.getpid()


def loop_until_cancelled(*, progress, cancel) -> str:
    progress("started", 0, 1, str(os.getpid()))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        cancel.raise_if_set()
        time.sleep(0.01)
    return "never cancelled"


def sleep_ignoring_cancel(*, progress, cancel) -> None:
    progress("started", 0, 1, str(os.getpid()))
    time.sleep(120)


def fail(*, progress, cancel) -> None:
    raise AttestError("The file has no column 'y'.", "Name the target column with --target.")


# -- tests ---------------------------------------------------------------------------------------------------------------
@pytest.fixture
def pool():
    p = WorkerPool(1)
    yield p
    p.shutdown(wait_s=1.0)


def _started(messages: list[tuple[str, int, int, str]], within: float = 60) -> int:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for step, _, _, message in messages:
            if step == "started":
                return int(message)
        time.sleep(0.02)
    raise AssertionError("the job never started")


def test_a_job_runs_in_another_process_with_its_progress(pool):
    seen: list[tuple[str, int, int, str]] = []
    job = pool.submit(count, 5, progress=lambda *m: seen.append(m))
    pid = job.result()
    assert pid != os.getpid() and pid in pool.pids()
    assert seen and seen[-1] == ("count", 5, 5, "5 of 5")  # the last update arrived before the result was handed over


def test_cancel_reaches_a_job_already_running_in_its_process(pool):
    seen: list[tuple[str, int, int, str]] = []
    token = CancelToken()
    job = pool.submit(loop_until_cancelled, progress=lambda *m: seen.append(m))
    _started(seen)  # running in the child now
    token.set()
    t0 = time.monotonic()
    with pytest.raises(Cancelled):
        job.result(cancel=token)
    assert time.monotonic() - t0 < 10
    assert pool.submit(count, 1).result() in pool.pids()  # the process is free for the next job


def test_a_jobs_error_keeps_its_message_and_hint(pool):
    with pytest.raises(AttestError) as err:
        pool.submit(fail).result()
    assert err.value.hint == "Name the target column with --target."
    assert "Raised in the worker process" in "".join(err.value.__notes__)


def test_a_killed_worker_is_an_error_at_once_and_the_next_job_runs(pool):
    seen: list[tuple[str, int, int, str]] = []
    job = pool.submit(sleep_ignoring_cancel, progress=lambda *m: seen.append(m))
    pid = _started(seen)
    os.kill(pid, signal.SIGKILL)  # what the OS does to a process that ran out of memory
    t0 = time.monotonic()
    with pytest.raises(WorkerDied) as err:
        job.result()
    assert time.monotonic() - t0 < 20  # not a hang
    assert "stopped unexpectedly" in str(err.value) and err.value.hint
    assert pool.submit(count, 1).result() != pid  # fresh processes


def test_shutdown_ends_a_job_that_never_checks_cancel(pool):
    seen: list[tuple[str, int, int, str]] = []
    pool.submit(sleep_ignoring_cancel, progress=lambda *m: seen.append(m))
    pid = _started(seen)
    t0 = time.monotonic()
    pool.shutdown(wait_s=0.5)
    assert time.monotonic() - t0 < 10
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the stuck worker process is still running")
