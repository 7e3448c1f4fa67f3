"""'Open the demo workspace' runs the demo's whole story off the GUI thread, as `attest demo` does: the audit, then the
second chapter. Afterwards the Monitoring page lists the year of production decisions with the alert from July, Compare
shows the audit against the re-audit after re-thresholding, Drift the drifted months; all of it is in the trail."""

from __future__ import annotations

from PySide6.QtCore import Qt

STORY_TIMEOUT_MS = 300_000  # training, an audit, a year of monitoring, a re-audit and two PDFs, on a shared machine


def _open_demo(qtbot, window):
    window.demo_options.update(bootstrap=100, explain=False)  # the story's steps, not the explainer's time
    window.start_up(None)
    with qtbot.waitSignal(window.demo_story_ready, timeout=STORY_TIMEOUT_MS) as story:
        qtbot.mouseClick(window.welcome.demo_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.demo_runner.busy, timeout=STORY_TIMEOUT_MS)
        assert window.cancel_button.isVisible() and window.progress.isVisible()  # a job like the others
        assert not window.act_demo.isEnabled()  # a second demo would retrain the model the story reads
    return story.args[0]


def test_open_demo_shows_the_monitoring_run_with_the_july_alert(qtbot, window):
    from audit import demo

    story = _open_demo(qtbot, window)
    m = window.monitor
    model, _ = m.models["monitor_windows"]
    rows = [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]
    assert [r[0][:7] for r in rows] == [f"{demo.PRODUCTION_YEAR}-{k:02d}" for k in range(1, 13)]
    status = [r[-1] for r in rows]
    july = demo.DRIFT_FROM_MONTH - 1
    assert status[:july] == ["pass"] * july and status[july] == "ALERT"
    assert m.result.windows[july].status == "alert"
    checks, _ = m.models["monitor_checks"]
    alerted = {
        checks.index(r, 1).data()
        for r in range(checks.rowCount())
        if checks.index(r, 0).data().startswith(f"{demo.PRODUCTION_YEAR}-07") and checks.index(r, 5).data() == "ALERT"
    }
    assert {"drift", "selection_rate_change"} <= alerted
    assert story.monitoring[1].payload["monitoring_id"] in m.summary.toPlainText()  # shown as recorded in the trail
    assert m.chart_picker.count() >= 2  # the rate and drift charts of the run
    assert m.edits["reference"].text() == story.audit.run_id and m.data.path().endswith("production_log.csv")
    # Compare: the demo's audit against its re-audit after re-thresholding
    cmp = window.compare.comparison
    assert (cmp.runs["a"].run_id, cmp.runs["b"].run_id) == (story.audit.run_id, story.comparison[0].runs["b"].run_id)
    assert "threshold none ->" in window.compare.summary.toPlainText()
    # Drift: the drifted months against the audited data alert on the debt ratios
    assert any(a.name == "debt_to_income_ratio" for a in window.drift.result.alerts)
    assert window.drift.reference.path() == story.drift_form["reference"]
    # Results: the demo's audit; the status line tells the chapter, its cheaper re-audit stated
    assert window.results.run_id == story.audit.run_id and window.outcome.run_id == story.audit.run_id
    line = window.step_label.text()
    assert f"first in {demo.PRODUCTION_YEAR}-07" in line and "posterior samples" not in line  # 100 draws: none fewer
    qtbot.waitUntil(lambda: any(e.kind == "audit_compared" for e in window.snapshot.events), timeout=30_000)
    kinds = [e.kind for e in window.snapshot.events]
    assert kinds.count("audit_run") == 2 and "monitoring_run" in kinds
    assert window.act_demo.isEnabled() and not window.cancel_button.isVisible()


def test_cancelling_the_demo_story_stops_it(qtbot, window):
    window.demo_options.update(bootstrap=100, explain=False)
    window.start_up(None)
    with qtbot.waitSignal(window.demo_runner.started, timeout=STORY_TIMEOUT_MS):
        window.open_demo()
    with qtbot.waitSignal(window.demo_runner.cancelled, timeout=STORY_TIMEOUT_MS):
        qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    assert "cancelled" in window.step_label.text().lower()
    assert window.monitor.result is None  # nothing half-shown
    assert window.act_demo.isEnabled() and not window.cancel_button.isVisible()
