"""The Monitoring page's plan editor (saved as TOML, read back the same, the plan shown is the plan that runs) and
its charts (one per sensitive column, and the drift)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from audit.lifecycle.plan import MonitorPlan, load_monitor_plan
from tests.lifecycle.monitor_helpers import simulate

TIMEOUT = 60_000


class _NoCancel:
    def raise_if_set(self) -> None:
        pass


def test_the_edited_plan_saves_as_toml_and_loads_back(qtbot, tmp_path):
    from gui.views.monitor_plan import PlanEditor

    ed = PlanEditor()
    qtbot.addWidget(ed)
    assert ed.plan().model_dump(exclude={"source", "drift"}) == MonitorPlan().model_dump(exclude={"source", "drift"})
    ed.checks["tpr_drop"].setChecked(False)
    ed.fields["selection_ratio"].setValue(0.85)
    ed.fields["drift.min_sample"].setValue(150)
    edited = ed.plan()
    assert edited.source.startswith("edited") and "tpr_drop" not in edited.checks
    path = ed.save_as(str(tmp_path / "plan.toml"))
    back = load_monitor_plan(path)
    assert back.selection_ratio == 0.85 and back.drift.min_sample == 150 and "tpr_drop" not in back.checks
    assert back.model_dump(exclude={"source", "drift"}) == edited.model_dump(exclude={"source", "drift"})
    assert ed.plan().source == path  # saved: no longer an unsaved edit
    other = PlanEditor()
    qtbot.addWidget(other)
    other.load(path)
    assert other.plan() == ed.plan()


def test_the_run_uses_the_shown_plan_and_draws_the_charts(qtbot, tmp_path):
    from gui.views.monitor import MonitorView

    simulate(3000, 1, days=30).drop(columns="time").to_csv(tmp_path / "ref.csv", index=False)
    simulate(3000, 3, days=90, drift_from="2024-02-15").to_csv(tmp_path / "log.csv", index=False)
    view = MonitorView()
    qtbot.addWidget(view)
    view.workspace = str(tmp_path / "w.attest")
    view.data.set_path(str(tmp_path / "log.csv"))
    for name, value in (
        ("reference", str(tmp_path / "ref.csv")),
        ("time_column", "time"),
        ("predictions", "pred"),
        ("scores", "score"),
        ("target", "y"),
        ("sensitive", "group"),
    ):
        view.edits[name].setText(value)
    for c, box in view.plan_editor.checks.items():
        box.setChecked(c in ("selection_rate_change", "drift"))
    with qtbot.waitSignal(view.runner.finished, timeout=TIMEOUT):
        view.run_button.click()
    assert view.result.plan.checks == ("selection_rate_change", "drift")
    items = [view.chart_picker.itemText(i) for i in range(view.chart_picker.count())]
    assert items == ["Selection rate by group", "Drift per feature"]
    shown = view.figure.display()
    assert shown is not None and [s.label for s in shown.series] == ["group=A", "group=B"]
    assert shown.alerts == tuple(w.status == "alert" for w in view.result.windows)
    view.chart_picker.setCurrentIndex(1)
    assert "x" in [s.label for s in view.figure.display().series]


def test_a_workspace_with_monitoring_runs_shows_the_latest(qtbot, tmp_path):
    from audit.lifecycle.monitor import monitor
    from audit.lifecycle.record import record_monitoring
    from audit.lifecycle.windows import parse_window
    from audit.trail import Workspace
    from gui.jobs import open_workspace
    from gui.views.monitor import MonitorView
    from tests.lifecycle.monitor_helpers import load

    simulate(3000, 1, days=30).drop(columns="time").to_csv(tmp_path / "ref.csv", index=False)
    simulate(3000, 3, days=90, drift_from="2024-02-15").to_csv(tmp_path / "log.csv", index=False)
    result = monitor(load(tmp_path / "log.csv", tmp_path / "ref.csv"), MonitorPlan(), parse_window("1mo"))
    ws_path = tmp_path / "w.attest"
    with Workspace.open(ws_path) as ws:
        ws.set_identity("Sam Okafor", "Model operations")
        event = record_monitoring(ws, result)
    view = MonitorView()
    qtbot.addWidget(view)
    view.set_workspace(open_workspace(str(ws_path), False, progress=lambda *a: None, cancel=_NoCancel()))
    assert view.result == result
    assert f"event #{event.seq}" in view.summary.toPlainText()
    assert view.chart_picker.count() == 2
