"""The Monitoring page: monitor a log, record it, list windows and checks."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from audit.trail import Workspace
from tests.lifecycle.monitor_helpers import simulate

TIMEOUT = 60_000


def test_monitor_view_monitors_records_and_lists_alerts(qtbot, tmp_path):
    from gui.views.monitor import MonitorView

    simulate(3000, 1, days=30).drop(columns="time").to_csv(tmp_path / "ref.csv", index=False)
    simulate(3000, 3, days=90, drift_from="2024-02-15").to_csv(tmp_path / "log.csv", index=False)
    ws = tmp_path / "w.attest"
    view = MonitorView()
    qtbot.addWidget(view)
    view.workspace = str(ws)
    view.data.set_path(str(tmp_path / "log.csv"))
    for name, value in (
        ("reference", str(tmp_path / "ref.csv")),
        ("time_column", "time"),
        ("window", "1mo"),
        ("predictions", "pred"),
        ("scores", "score"),
        ("target", "y"),
        ("sensitive", "group"),
    ):
        view.edits[name].setText(value)
    with qtbot.waitSignal(view.runner.finished, timeout=TIMEOUT):
        view.run_button.click()
    windows, _ = view.models["monitor_windows"]
    assert [w.status for w in windows.records] == ["pass", "alert", "alert"]
    checks, _ = view.models["monitor_checks"]
    assert view.result is not None
    assert checks.rowCount() == sum(len(w.checks) for w in view.result.windows)
    assert "Recorded as event #1" in view.summary.toPlainText()
    with Workspace.open(ws, readonly=True) as w:
        assert len(w.events(kind="monitoring_run")) == 1 and w.verify().ok


def test_monitor_view_shows_bad_input_as_a_message(qtbot, tmp_path, monkeypatch):
    from gui.views import monitor as monitor_view

    shown = []
    monkeypatch.setattr(monitor_view, "show_error", lambda parent, exc, title="": shown.append(exc))
    simulate(300, 1).to_csv(tmp_path / "log.csv", index=False)
    view = monitor_view.MonitorView()
    qtbot.addWidget(view)
    view.workspace = str(tmp_path / "w.attest")
    view.data.set_path(str(tmp_path / "log.csv"))
    for name, value in (("reference", str(tmp_path / "log.csv")), ("time_column", "when"), ("predictions", "pred")):
        view.edits[name].setText(value)
    with qtbot.waitSignal(view.runner.failed, timeout=TIMEOUT):
        view.run_button.click()
    assert "'when'" in view.summary.toPlainText() and shown
    assert view.run_button.isEnabled()
