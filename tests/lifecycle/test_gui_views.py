"""The Compare and Drift pages: pick two runs, compare (recorded in the trail), see what flipped; measure drift."""

from __future__ import annotations

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from audit.trail import Workspace

TIMEOUT = 60_000


def _snapshot(path):
    from gui.jobs import WorkspaceSnapshot

    with Workspace.open(path, readonly=True) as ws:
        return WorkspaceSnapshot(path=str(ws.path), name="t", runs=ws.audit_runs(), events=ws.events())


def test_compare_view_compares_the_picked_runs_and_records_it(qtbot, recorded, tmp_path):
    from gui.views.compare import CompareView

    ws_path, run_a, run_b = recorded
    view = CompareView()
    qtbot.addWidget(view)
    assert not view.compare_button.isEnabled()
    view.set_workspace(_snapshot(ws_path))
    assert (view.run_a.currentData(), view.run_b.currentData()) == (run_a, run_b)
    with qtbot.waitSignal(view.compared, timeout=TIMEOUT):
        view.compare_button.click()
    html = view.summary.toPlainText()
    assert "For race=B" in html and "the four_fifths check now passes (it failed)" in html
    rows = [(v.check, v.group, v.before, v.after) for v in view.verdicts_model.records]
    assert ("four_fifths", {"race": "B"}, "fail", "pass") in rows
    # only changes beyond their interval are listed until the box is cleared
    shown = view.changes_proxy.rowCount()
    assert 0 < shown < view.changes_model.rowCount()
    view.only_real.setChecked(False)
    assert view.changes_proxy.rowCount() == view.changes_model.rowCount()
    with Workspace.open(ws_path, readonly=True) as ws:
        events = ws.events(kind="audit_compared")
        assert len(events) == 1 and ws.verify().ok
    assert "Recorded in the trail as event" in view.status.text()
    out = tmp_path / "c.json"
    with qtbot.waitSignal(view.saver.finished, timeout=TIMEOUT):
        view.save("json", str(out))
    assert json.loads(out.read_text())["runs"]["b"]["run_id"] == run_b
    # a refresh keeps the user's picks
    view.run_a.setCurrentIndex(1)
    view.set_workspace(_snapshot(ws_path))
    assert view.run_a.currentData() == run_b


def test_drift_view_measures_and_lists_alerts(qtbot, tmp_path):
    from gui.views.drift import DriftView
    from tests.lifecycle.test_drift_cli import frame

    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    frame(2000, 1).to_csv(ref, index=False)
    frame(2000, 3, shift=0.6, b_share=0.45, new_region=True).to_csv(cur, index=False)
    view = DriftView()
    qtbot.addWidget(view)
    view.reference.set_path(str(ref))
    view.current.set_path(str(cur))
    view.sensitive.setText("race")
    view.scores.setText("score")
    with qtbot.waitSignal(view.runner.finished, timeout=TIMEOUT):
        view.run_button.click()
    features, _ = view.models["drift_features"]
    status = {f.name: f.status for f in features.records}
    assert status["region"] == "alert" and status["age"] == "pass"
    alerts, _ = view.models["drift_alerts"]
    assert view.result is not None
    assert alerts.rowCount() == len(view.result.alerts) > 0
    assert "alert(s) fired" in view.summary.toPlainText()
    out = tmp_path / "d.json"
    view.save(str(out))
    assert json.loads(out.read_text())["alerts"]


def test_drift_view_shows_bad_input_as_a_message(qtbot, tmp_path, monkeypatch):
    from gui.views import drift as drift_view

    shown = []
    monkeypatch.setattr(drift_view, "show_error", lambda parent, exc, title="": shown.append(exc))
    ref = tmp_path / "ref.csv"
    ref.write_text("a,b\n1,x\n2,y\n")
    view = drift_view.DriftView()
    qtbot.addWidget(view)
    view.reference.set_path(str(ref))
    view.current.set_path(str(tmp_path / "missing.csv"))
    with qtbot.waitSignal(view.runner.failed, timeout=TIMEOUT):
        view.run_button.click()
    assert "not found" in view.summary.toPlainText() and shown
    assert view.run_button.isEnabled()


@pytest.mark.parametrize("page", ["compare", "drift"])
def test_the_window_has_the_pages(qtbot, tmp_path, page):
    from gui.main_window import PAGES, MainWindow
    from gui.settings import Settings

    w = MainWindow(Settings(tmp_path / "s.ini"), data_dir=tmp_path / "appdata")
    qtbot.addWidget(w)
    w.show_page(page)
    shown = w.stack.currentWidget()
    assert w.current_page() == page and shown is not None and shown.objectName() == f"{page}_view"
    assert page in [k for k, _ in PAGES]
