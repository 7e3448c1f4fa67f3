"""Suite-wide: never write to the real user's data folder; under coverage, measure the GUI's background jobs too."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _isolated_attest_home(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("ATTEST_HOME", str(tmp_path_factory.mktemp("attest-home")))


@pytest.fixture(scope="session", autouse=True)
def _coverage_of_qt_pool_jobs() -> None:
    # A fixture, not pytest_configure: under pytest-xdist, pytest-cov starts measuring in each worker only when its
    # session starts, after the conftest files' pytest_configure has run.
    hook = threading.gettrace()
    if hook is not None:  # coverage is measuring
        _trace_qt_pool_jobs(hook)


def _trace_qt_pool_jobs(hook: Callable[..., Any]) -> None:
    """The GUI runs its jobs on Qt's thread pool (gui/worker.py), on threads that Python's `threading` did not start.
    Coverage reaches a new thread through `threading.settrace`, so without this the code those jobs run would count as
    never run. Each job starts with the same hook (coverage's installer: it starts coverage's tracer on that thread)."""
    from gui import worker

    run = worker._Job.run

    def traced_run(self: worker._Job) -> None:
        sys.settrace(hook)
        try:
            run(self)
        finally:
            sys.settrace(None)

    worker._Job.run = traced_run  # type: ignore[method-assign]  # test harness only, and only while coverage runs
