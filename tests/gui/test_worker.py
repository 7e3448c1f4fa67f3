"""The worker adapter: results on the GUI thread, one outcome per job, a new job replaces the old, cancel by token."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from gui.worker import Runner


@pytest.fixture
def runner(qtbot):
    r = Runner("test")
    yield r
    r.cancel()


def slow(seconds: float, value, *, progress, cancel):
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        cancel.raise_if_set()
        progress("work", i, 100, f"step {i}")
        i += 1
        time.sleep(0.01)
    return value


def test_result_arrives_on_the_gui_thread(qtbot, runner):
    seen = {}

    def on_done(value):
        seen["value"] = value
        seen["gui"] = QThread.currentThread() is QApplication.instance().thread()

    runner.finished.connect(on_done)
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.start(lambda *, progress, cancel: threading.current_thread().name)
    assert seen["gui"] and seen["value"] != threading.main_thread().name
    assert not runner.busy


def test_progress_and_cancel(qtbot, runner):
    steps = []
    runner.progress.connect(lambda step, done, total, msg: steps.append(done))
    with qtbot.waitSignal(runner.cancelled, timeout=5000):
        runner.start(slow, 30, "never")
        qtbot.waitUntil(lambda: len(steps) > 2, timeout=5000)
        runner.cancel()
    assert not runner.busy


def test_starting_a_job_replaces_the_previous_one(qtbot, runner):
    results, cancelled = [], []
    runner.finished.connect(results.append)
    runner.cancelled.connect(lambda: cancelled.append(True))
    runner.start(slow, 30, "old")
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.start(slow, 0.05, "new")
    qtbot.wait(300)
    assert results == ["new"] and not cancelled  # the replaced job's outcome is dropped


def test_failure_is_delivered(qtbot, runner):
    def bad(*, progress, cancel):
        raise ValueError("nope")

    with qtbot.waitSignal(runner.failed, timeout=5000) as blocker:
        runner.start(bad)
    assert isinstance(blocker.args[0], ValueError)


def test_worker_process_job_keeps_hints_and_progress(qtbot, runner, tmp_path):
    from gui import jobs

    assert getattr(jobs.load_preview, "in_worker_process", False)
    steps = []
    runner.progress.connect(lambda *a: steps.append(a))
    with qtbot.waitSignal(runner.failed, timeout=60_000) as blocker:
        runner.start(jobs.load_preview, str(tmp_path / "missing.csv"))
    exc = blocker.args[0]
    assert type(exc).__name__ == "DatasetError" and "not found" in exc.message and exc.hint
    csv = tmp_path / "ok.csv"
    csv.write_text("a,b,y\n1,x,0\n2,y,1\n3,x,1\n")
    with qtbot.waitSignal(runner.finished, timeout=60_000) as blocker:
        runner.start(jobs.load_preview, str(csv))
    preview = blocker.args[0]
    assert preview.columns == ["a", "b", "y"] and dict(preview.groups["b"]) == {"x": 2, "y": 1}
    assert steps  # progress travelled back from the worker process
