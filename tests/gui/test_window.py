"""Window habits: layout restored, shortcuts, accessible names; the trail page: filters, verify, tamper detection."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QTextBrowser,
    QWidget,
)

from tests.gui.conftest import open_workspace


def test_layout_is_restored(qtbot, settings, tmp_path):
    from gui.main_window import MainWindow

    first = MainWindow(settings, data_dir=tmp_path)
    qtbot.addWidget(first)
    first.show()
    first.resize(790, 640)  # the offscreen screen is 800 x 800
    first.setup.splitter.setSizes([300, 800])
    sizes = first.setup.splitter.sizes()
    first.close()
    again = MainWindow(settings, data_dir=tmp_path)
    qtbot.addWidget(again)
    again.show()
    assert (again.width(), again.height()) == (790, 640)
    assert again.setup.splitter.sizes() == sizes


def test_keyboard_shortcuts(window):
    shortcuts = {a.objectName(): a.shortcut() for a in window.actions()}
    assert shortcuts["run_audit"] == QKeySequence("Ctrl+R")
    assert shortcuts["export_pdf"] == QKeySequence("Ctrl+E")
    assert shortcuts["sign_off"] == QKeySequence("Ctrl+Shift+S")
    assert shortcuts["page_trail"] == QKeySequence("Ctrl+6")
    window.findChild(type(window.act_run), "page_trail").trigger()
    assert window.current_page() == "trail"


def test_every_control_has_an_accessible_name(window):
    kinds = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView, QPlainTextEdit, QTextBrowser)
    unnamed = []

    def internal(w) -> bool:  # parts Qt builds inside a named control: a combo's popup, a line edit's clear button
        p = w.parent()
        while p is not None:
            if isinstance(p, (QComboBox, QLineEdit, QAbstractSpinBox)) or isinstance(w, QHeaderView):
                return True
            p = p.parent()
        return w.objectName().startswith("qt_")

    for w in window.findChildren(QWidget):
        if not isinstance(w, kinds) or internal(w):
            continue
        name = w.accessibleName() or (w.text() if isinstance(w, QAbstractButton) else "")
        if not name.strip():
            unnamed.append(f"{type(w).__name__} {w.objectName()!r} in {type(w.parent()).__name__}")
    assert not unnamed, unnamed


def test_trail_filters_and_verify(qtbot, window, workspace):
    open_workspace(qtbot, window, workspace)
    t = window.trail
    total = t.events_model.rowCount()
    assert total == len(window.snapshot.events) >= 5
    t.kind_filter.setCurrentIndex(t.kind_filter.findData("training_recorded"))
    assert t.proxy.rowCount() == 1
    t.kind_filter.setCurrentIndex(0)
    t.actor_filter.setText("nobody-by-this-name")
    assert t.proxy.rowCount() == 0
    t.actor_filter.clear()
    model_id = next(a.id for a in window.snapshot.artifacts if a.kind == "model")
    with qtbot.waitSignal(t.lineage_runner.finished, timeout=20_000):
        t.show_artifact(model_id)
    assert 0 < t.proxy.rowCount() < total
    assert "Trained" in t.lineage.toPlainText() and "Dana Kim" in t.lineage.toPlainText()
    with qtbot.waitSignal(t.verified, timeout=20_000) as blocker:
        qtbot.mouseClick(t.verify_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].ok and "Trail intact" in t.verify_label.text()


def test_verify_reports_tampering(qtbot, window, workspace):
    conn = sqlite3.connect(workspace)
    conn.execute("DROP TRIGGER events_no_update")
    body = conn.execute("SELECT body FROM events WHERE seq = 2").fetchone()[0]
    conn.execute("UPDATE events SET body = ? WHERE seq = 2", (body.replace("evaluation", "EVALUATION"),))
    conn.commit()
    conn.close()
    open_workspace(qtbot, window, workspace)
    with qtbot.waitSignal(window.trail.verified, timeout=20_000) as blocker:
        window.verify_trail()
    assert not blocker.args[0].ok
    assert "NOT intact" in window.trail.verify_label.text() and "#2" in window.trail.verify_label.text()


def test_changed_file_is_flagged(qtbot, window, workspace, demo_files, tmp_path):
    import shutil

    from audit.trail import Workspace

    copy = tmp_path / "copy.csv"
    shutil.copy(demo_files.data, copy)
    with open(copy, "a") as fh:
        fh.write("1,2,3\n")  # its own content, so it registers as a new artifact
    with Workspace.open(workspace, create=False) as ws:
        ws.register_dataset(copy, name="a copy")
    with open(copy, "a") as fh:
        fh.write("4,5,6\n")
    open_workspace(qtbot, window, workspace)
    assert window.artifacts.file_warning.isVisibleTo(window.artifacts)
    assert "a copy" in window.artifacts.file_warning.text()
    texts = [window.artifacts.artifacts_model.index(r, 2).data() for r in range(window.artifacts.artifacts_model.rowCount())]
    assert any("CHANGED" in t for t in texts)


def test_predictions_only_audit_with_custom_thresholds(qtbot, window, tmp_path):
    import numpy as np
    import pandas as pd

    from tests.gui.conftest import AUDIT_TIMEOUT_MS, load_data

    rng = np.random.default_rng(3)
    n = 3000
    df = pd.DataFrame(
        {
            "region": rng.choice(["north", "south", "east"], n),
            "age_band": rng.choice(["<30", "30-50", ">50"], n),
            "repaid": rng.integers(0, 2, n),
        }
    )
    df["decision"] = np.where(rng.random(n) < 0.8, df.repaid, 1 - df.repaid)
    df["score"] = rng.random(n).round(3)
    path = tmp_path / "decisions.csv"
    df.to_csv(path, index=False)
    s = window.setup
    load_data(qtbot, window, path)
    s.source_predictions.setChecked(True)
    s.predictions_combo.setCurrentText("decision")
    s.scores_combo.setCurrentText("score")
    s.target_combo.setCurrentText("repaid")
    s.positive_combo.setCurrentText("1")
    s.set_sensitive(["region", "age_band"])
    s.policy_combo.setCurrentIndex(s.policy_combo.findData("custom"))
    s.custom["four_fifths"][1].setValue(0.9)
    s.custom["fpr"][0].setChecked(True)
    s.bootstrap_spin.setValue(100)
    with qtbot.waitSignal(window.outcome_shown, timeout=AUDIT_TIMEOUT_MS) as blocker:
        s.request_run()
    result = blocker.args[0].result
    policy = result.spec.policy
    assert policy.name == "custom" and {c.id for c in policy.checks} == {
        "four_fifths",
        "equal_opportunity_tpr",
        "equalized_odds_fpr",
    }
    assert next(c for c in policy.checks if c.id == "four_fifths").min == 0.9
    assert result.decision_source == "predictions column 'decision'"
    assert "Predictions-only" in window.explanations.status.text()


def test_new_workspace_from_the_file_menu(qtbot, window, tmp_path, monkeypatch, settings):
    from PySide6.QtWidgets import QFileDialog

    target = tmp_path / "fresh"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    with qtbot.waitSignal(window.workspace_changed, timeout=20_000):
        window.findChild(type(window.act_new), "new_workspace").trigger()
    assert (tmp_path / "fresh.attest").is_file()
    assert window.windowTitle().startswith("Attest — fresh")
    assert settings.recent_workspaces()[0] == str((tmp_path / "fresh.attest").resolve())
    assert next(a.text() for a in window.recent_menu.actions()) == str((tmp_path / "fresh.attest").resolve())


def test_opening_a_missing_workspace_is_a_clear_error(qtbot, window, tmp_path):
    from tests.gui.conftest import message_boxes

    with qtbot.waitSignal(window.ws_runner.failed, timeout=20_000):
        window.open_workspace(str(tmp_path / "nowhere" / "x.attest"))
    (box,) = message_boxes(window)
    assert "There is no workspace at" in box.text() and box.informativeText().startswith("How to fix:")


def test_monitoring_page_is_reachable_and_follows_the_workspace(qtbot, window, workspace):
    from tests.gui.conftest import open_workspace

    open_workspace(qtbot, window, workspace)
    window.show_page("monitor")
    assert window.current_page() == "monitor"
    assert window.monitor.workspace == str(workspace)
