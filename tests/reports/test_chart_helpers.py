"""The chart helper processes: same pictures as drawing in-process, the report survives a helper that fails or dies, and
no helper outlives its report or its parent."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from audit.result import AuditResult
from reports.chartproc import ChartProcess

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="chart helpers are forked")


@pytest.fixture(scope="module")
def demo_result(demo_dir: Path) -> AuditResult:
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


def _gone(pid: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.02)
    return False


def test_helpers_draw_the_same_pictures_as_the_parent(demo_result: AuditResult, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATTEST_CHART_PROCESSES", "0")
    texts_here, images_here, info_here = _render(demo_result)
    monkeypatch.setenv("ATTEST_CHART_PROCESSES", "2")
    texts_helped, images_helped, info_helped = _render(demo_result)
    assert info_here.charts == info_helped.charts >= 5  # rates, disparity overview, calibration, SHAP global and by group
    assert info_here.helper_chart_seconds == 0 and info_helped.helper_chart_seconds > 0
    # The parent draws a chart itself only when the request pipe's budget is full (helpers slow on a loaded machine,
    # more charts since the SHAP figures); the helpers still draw most of them, and the pictures must be identical.
    assert info_helped.chart_fallbacks <= info_helped.charts // 4
    assert len(images_here) == info_here.charts
    assert images_helped == images_here  # pixel for pixel, in the same places
    assert texts_helped == texts_here


def test_report_is_complete_when_the_helper_dies(demo_result: AuditResult, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATTEST_CHART_PROCESSES", "0")
    _, images_here, _ = _render(demo_result)
    proc = ChartProcess.start(demo_result, helpers=1)
    os.kill(proc.pids[0], signal.SIGKILL)
    t0 = time.perf_counter()
    _, images, info = _render(demo_result, chart_process=proc)
    proc.close()
    assert info.chart_fallbacks == info.charts > 0
    assert images == images_here
    assert time.perf_counter() - t0 < 20  # noticed the dead helper, did not wait out the timeout per chart


def test_a_stuck_helper_costs_one_timeout_not_one_per_chart(demo_result: AuditResult, monkeypatch: pytest.MonkeyPatch) -> None:
    import reports.chartproc as chartproc

    monkeypatch.setattr(chartproc, "WAIT_SECONDS", 1.0)
    proc = ChartProcess.start(demo_result, helpers=1)
    try:
        os.kill(proc.pids[0], signal.SIGSTOP)  # alive but never answers
        tickets = [proc.submit("disparity_overview_figure", (demo_result,), {}) for _ in range(3)]
        t0 = time.perf_counter()
        assert [proc.get(t) for t in tickets] == [None, None, None]
        assert time.perf_counter() - t0 < 2.5
    finally:
        proc.close(kill=True)
    assert proc.pids == [0]


def test_a_chart_that_fails_in_the_helper_comes_back_empty_not_late(demo_result: AuditResult) -> None:
    proc = ChartProcess.start(demo_result, helpers=1)
    try:
        bad = proc.submit("no_such_figure", (demo_result,), {})
        unsendable = proc.submit("disparity_overview_figure", (lambda: None,), {})
        too_big = proc.submit("disparity_overview_figure", (b"x" * 100_000,), {})  # could fill the pipe: drawn here
        good = proc.submit("disparity_overview_figure", (demo_result,), {})
        t0 = time.perf_counter()
        assert proc.get(bad) is None
        assert proc.get(unsendable) is None
        assert proc.get(too_big) is None
        image = proc.get(good)
        assert time.perf_counter() - t0 < 15
        assert image is not None and image.image().size == image.size and image.width_in == pytest.approx(7.0)
    finally:
        proc.close()
    assert proc.pids == [0]


def test_no_helper_outlives_the_export(demo_result: AuditResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reports import export_report

    started: list[ChartProcess] = []
    real_start = ChartProcess.start.__func__

    def spy(cls, *a, **kw):
        proc = real_start(cls, *a, **kw)
        started.append(proc)
        helpers_seen.extend(proc.pids)
        return proc

    helpers_seen: list[int] = []
    monkeypatch.setattr(ChartProcess, "start", classmethod(spy))
    monkeypatch.setenv("ATTEST_CHART_PROCESSES", "2")
    before = set(_children_of(os.getpid()))  # other tests may keep worker pools alive
    e = export_report(demo_result, tmp_path / "r.pdf")
    assert e.charts_in_parallel and len(started) == 1
    assert set(_children_of(os.getpid())) <= before
    assert all(_gone(pid, within=0.5) for pid in helpers_seen)
    assert started[0].pids == [0]  # reaped


def test_second_helper_dies_with_the_first(demo_result: AuditResult) -> None:
    proc = ChartProcess.start(demo_result, helpers=2)
    try:
        assert proc.get(proc.submit("disparity_overview_figure", (demo_result,), {})) is not None
        first = proc.pids[0]
        deadline = time.monotonic() + 10
        while not (second := _children_of(first)) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(second) == 1
        os.kill(first, signal.SIGKILL)
        assert _gone(second[0])
    finally:
        proc.close(kill=True)


def test_helpers_die_with_a_parent_that_never_closes_them(demo_dir: Path) -> None:
    code = textwrap.dedent(f"""
        import os, sys, time
        from audit.result import AuditResult
        from reports.chartproc import ChartProcess
        r = AuditResult.from_json(open({str(demo_dir / "audit_result.json")!r}, encoding='utf-8').read())
        p = ChartProcess.start(r, helpers=2)
        p.get(p.submit("disparity_overview_figure", (r,), {{}}))
        print(p.pids[0], flush=True)
        time.sleep(0.5)
        os._exit(0)  # no close(): as if the process crashed
    """)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parents[2]
    )
    assert out.returncode == 0, out.stderr
    first = int(out.stdout.strip())
    assert _gone(first)
