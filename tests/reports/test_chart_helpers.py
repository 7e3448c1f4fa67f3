"""The chart worker processes: same pictures as drawing in-process, the report survives a worker that fails, dies or
hangs, and no worker outlives its report."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import time
from pathlib import Path

import pytest

from audit.result import AuditResult
from reports import charts
from reports.chartproc import ChartWorkers


@pytest.fixture(scope="module")
def demo_result(demo_dir) -> AuditResult:
    return AuditResult.from_json((demo_dir / "audit_result.json").read_text(encoding="utf-8"))


def _render(result, **kw) -> tuple[list[str], list[str], object]:
    """(page texts, SHA-256 of every embedded image in page order, RenderInfo)."""
    from pypdf import PdfReader

    from reports.pdf import render_pdf

    buf = io.BytesIO()
    info = render_pdf(result, buf, generated_at="2026-11-22T08:00:00Z", **kw)
    reader = PdfReader(io.BytesIO(buf.getvalue()))
    texts = [page.extract_text() for page in reader.pages]
    images = [hashlib.sha256(img.data).hexdigest() for page in reader.pages for img in page.images]
    return texts, images, info


def _children_of(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(stat.parent.name))
    return out


def _pids(workers: ChartWorkers, n: int) -> list[int]:
    """The workers' process ids, once each has started and drawn one chart."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pids = [p for p in workers.pool.pids() if p > 0]
        if len(pids) >= n:
            return pids
        time.sleep(0.05)
    raise AssertionError("the chart workers did not start")


def test_workers_draw_the_same_pictures_as_the_parent(demo_result, monkeypatch):
    monkeypatch.setenv("ATTEST_CHART_PROCESSES", "0")
    texts_here, images_here, info_here = _render(demo_result)
    monkeypatch.setenv("ATTEST_CHART_PROCESSES", "2")
    texts_helped, images_helped, info_helped = _render(demo_result)
    assert info_here.charts == info_helped.charts >= 5  # rates, disparity overview, calibration, SHAP global and by group
    assert info_here.helper_chart_seconds == 0 and info_helped.helper_chart_seconds > 0
    assert info_helped.chart_fallbacks == 0  # nothing to send back: every chart drawn by the workers
    assert len(images_here) == info_here.charts
    assert images_helped == images_here  # pixel for pixel, in the same places
    assert texts_helped == texts_here


def test_report_is_complete_when_a_worker_is_killed(demo_result, monkeypatch):
    """A worker killed by the OS (as for memory) mid-report: the charts it owed are drawn here, quickly."""
    monkeypatch.setenv("ATTEST_CHART_PROCESSES", "0")
    t0 = time.perf_counter()
    _, images_here, _ = _render(demo_result)
    alone = time.perf_counter() - t0
    workers = ChartWorkers.start(helpers=1)
    assert workers is not None
    os.kill(_pids(workers, 1)[0], signal.SIGKILL)
    t0 = time.perf_counter()
    _, images, info = _render(demo_result, chart_process=workers)
    workers.close()
    assert info.chart_fallbacks == info.charts > 0
    assert images == images_here
    # Noticed the dead worker at once (not the 30 s timeout per chart): about as long as drawing every chart here.
    assert time.perf_counter() - t0 < 1.5 * alone + 10


def test_a_stuck_worker_costs_one_timeout_not_one_per_chart(demo_result, monkeypatch):
    import reports.chartproc as chartproc

    monkeypatch.setattr(chartproc, "WAIT_SECONDS", 1.0)
    workers = ChartWorkers.start(helpers=1)
    assert workers is not None
    pid = _pids(workers, 1)[0]
    try:
        os.kill(pid, signal.SIGSTOP)  # alive but never answers
        display = charts.DisparityOverviewDisplay.from_result(demo_result)
        tickets = [workers.submit(display) for _ in range(3)]
        t0 = time.perf_counter()
        assert [workers.get(t) for t in tickets] == [None, None, None]
        assert time.perf_counter() - t0 < 4
    finally:
        workers.close(kill=True)
    assert pid not in _children_of(os.getpid())  # the stuck process was ended


class _Broken(charts.DisparityOverviewDisplay):
    def figure(self, **kw):
        raise ValueError("cannot draw this")


def test_a_chart_that_fails_in_the_worker_comes_back_empty_not_late(demo_result):
    workers = ChartWorkers.start(helpers=1)
    assert workers is not None
    try:
        good_display = charts.DisparityOverviewDisplay.from_result(demo_result)
        bad = workers.submit(_Broken(**good_display.__getstate__()))
        unsendable = workers.submit(lambda: None)  # type: ignore[arg-type]  # on purpose: cannot be pickled
        good = workers.submit(good_display)
        t0 = time.perf_counter()
        assert workers.get(bad) is None
        assert workers.get(unsendable) is None
        image = workers.get(good)
        assert time.perf_counter() - t0 < 30
        assert image is not None and image.image().size == image.size and image.width_in == pytest.approx(7.0)
    finally:
        workers.close()


def test_no_worker_outlives_the_export(demo_result, tmp_path, monkeypatch):
    from reports import export_report

    started: list[ChartWorkers] = []
    real_start = ChartWorkers.start.__func__  # type: ignore[attr-defined]  # the classmethod's function, to wrap it

    def spy(cls, *a, **kw):
        workers = real_start(cls, *a, **kw)
        started.append(workers)
        return workers

    monkeypatch.setattr(ChartWorkers, "start", classmethod(spy))
    monkeypatch.setenv("ATTEST_CHART_PROCESSES", "2")
    before = set(_children_of(os.getpid()))  # other tests may keep worker pools alive
    e = export_report(demo_result, tmp_path / "r.pdf")
    assert e.charts_in_parallel and len(started) == 1
    seen = [p for p in started[0].pool.pids() if p > 0]
    assert seen  # the workers did run
    assert set(_children_of(os.getpid())) <= before
