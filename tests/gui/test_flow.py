"""The whole flow a user goes through: first run, demo workspace, set-up, run, results, cancel, sign-off, export, preview."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.gui.conftest import AUDIT_TIMEOUT_MS, load_data, open_workspace, set_up_demo_audit


def test_first_run_offers_the_demo(window):
    window.start_up(None)
    assert window.windowTitle() == "Attest"
    assert window.current_page() == "workspace"
    assert window.workspace_page.currentWidget() is window.welcome
    assert window.welcome.demo_button.isVisible()


def test_demo_workspace_opens_and_prefills_the_setup(qtbot, window, settings):
    window.start_up(None)
    with qtbot.waitSignals([window.demo_ready, window.workspace_changed, window.setup.preview_loaded], timeout=120_000):
        qtbot.mouseClick(window.welcome.demo_button, Qt.MouseButton.LeftButton)
    assert "Attest" in window.windowTitle() and "demo" in window.windowTitle()
    assert window.artifacts.artifacts_model.rowCount() == 3  # train, evaluation, model
    assert {"race", "sex", "marital_status"} == set(window.setup.sensitive_features())
    assert window.setup.reference_combos["race"].currentData() == "White"
    assert window.setup.target_combo.currentText() == "approved"
    assert settings.last_workspace() == window.snapshot.path
    # Reopening the app goes straight back to the last workspace.
    from gui.main_window import MainWindow

    again = MainWindow(settings)
    qtbot.addWidget(again)
    with qtbot.waitSignal(again.workspace_changed, timeout=20_000):
        again.start_up(None)
    assert again.snapshot.path == window.snapshot.path


def test_setup_shows_groups_and_counts_before_running(qtbot, window, demo_files):
    load_data(qtbot, window, demo_files.data)
    s = window.setup
    preview = s.preview
    assert s.preview_model.rowCount() > 0 and s.preview_model.columnCount() == len(preview.columns)
    race = next(
        s.groups_tree.topLevelItem(i)
        for i in range(s.groups_tree.topLevelItemCount())
        if s.groups_tree.topLevelItem(i).text(0) == "race"
    )
    shown = {
        race.child(j).data(0, Qt.ItemDataRole.UserRole): int(race.child(j).text(1).replace(",", ""))
        for j in range(race.childCount())
    }
    assert set(shown) == {"White", "Black", "Hispanic"}
    assert sum(shown.values()) == preview.ref.rows
    sex = dict(s.group_counts("sex"))
    assert "(missing)" in sex  # missing values are a visible group, not dropped
    assert "⚠ small" in next(
        s.groups_tree.topLevelItem(i)
        for i in range(s.groups_tree.topLevelItemCount())
        if s.groups_tree.topLevelItem(i).text(0) == "sex"
    ).child(list(sex).index("(missing)")).text(0)


def test_run_audit_shows_results_and_records_it(qtbot, window, workspace, demo_files):
    open_workspace(qtbot, window, workspace)
    set_up_demo_audit(qtbot, window, demo_files)
    with qtbot.waitSignal(window.outcome_shown, timeout=AUDIT_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(window.setup.run_button, Qt.MouseButton.LeftButton)
        assert window.cancel_button.isVisible() and not window.setup.run_button.isEnabled()
    outcome = blocker.args[0]
    result = outcome.result
    assert outcome.run_id and outcome.run_id.startswith("run-")
    assert window.current_page() == "results"
    assert result.summary.sentence() in window.results.banner.text()
    assert window.results.groups_model.rowCount() == len(result.groups)
    assert window.results.verdicts_model.rowCount() == len(result.verdicts)
    assert result.spec.bootstrap == 100 and result.spec.seed == 7 and result.spec.references == {"race": "White"}
    assert not window.cancel_button.isVisible() and window.setup.run_button.isEnabled()
    # failing / insufficient cells are marked in text as well as colour
    texts = [
        window.results.groups_model.index(r, c).data()
        for r in range(window.results.groups_model.rowCount())
        for c in range(window.results.groups_model.columnCount())
    ]
    if result.summary.insufficient_evidence:
        assert any("insufficient" in t for t in texts)
    assert any("⚠ small" in t for t in texts) == any(g.small for g in result.groups)
    # sortable: sorting by n puts the largest group first
    window.results.groups_table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    first = window.results.groups_proxy.index(0, 2).data()
    assert int(first.replace(",", "")) == max(g.n for g in result.groups)
    # the run is in the trail
    qtbot.waitUntil(lambda: any(e.kind == "audit_run" for e in window.snapshot.events), timeout=10_000)
    assert outcome.run_id in {r.run_id for r in window.snapshot.runs}
    # explanations and data quality pages are filled from the same result
    assert "Explanations were switched off" in window.explanations.status.text()
    assert window.quality.missing_model.rowCount() == len(result.quality.missing_by_group)


def test_cancel_returns_to_idle(qtbot, window, demo_files):
    set_up_demo_audit(qtbot, window, demo_files, bootstrap=20000)
    with qtbot.waitSignal(window.audit_cancelled, timeout=AUDIT_TIMEOUT_MS):
        window.setup.request_run()
        assert window.audit_runner.busy
        qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    assert not window.audit_runner.busy
    assert window.setup.run_button.isEnabled() and window.setup.run_button.text() == "Run audit"
    assert not window.progress.isVisible() and not window.cancel_button.isVisible()
    assert "cancelled" in window.step_label.text().lower()
    assert window.outcome is None


def test_signoff_writes_an_event(qtbot, window, workspace, demo_files):
    open_workspace(qtbot, window, workspace)
    set_up_demo_audit(qtbot, window, demo_files)
    with qtbot.waitSignal(window.outcome_shown, timeout=AUDIT_TIMEOUT_MS):
        window.setup.request_run()
    dlg = window.sign_off()
    assert dlg.isVisible() and dlg.reviewer.text() == "Dana Kim" and dlg.role.text() == "ML lead"
    dlg.decision_buttons["approve_with_conditions"].setChecked(True)
    assert not dlg.ok.isEnabled()  # conditions are required
    dlg.conditions.setPlainText("Re-audit after the Q3 retraining.")
    assert dlg.ok.isEnabled()
    with qtbot.waitSignal(window.signoff_recorded, timeout=20_000) as blocker:
        qtbot.mouseClick(dlg.ok, Qt.MouseButton.LeftButton)
    event = blocker.args[0]
    assert event.kind == "signoff" and event.payload["decision"] == "approve_with_conditions"
    assert event.payload["conditions"] == "Re-audit after the Q3 retraining."
    from audit.trail import Workspace

    with Workspace.open(workspace, create=False) as ws:
        (signed,) = [e for e in ws.events(kind="signoff")]
        assert signed.payload["run_id"] == window.outcome.run_id
        assert ws.verify().ok


def test_export_and_preview_pdf(qtbot, window, workspace, demo_files):
    pytest.importorskip("PySide6.QtPdf", reason="the in-app PDF preview needs PySide6-Addons (Qt PDF)")
    open_workspace(qtbot, window, workspace)
    set_up_demo_audit(qtbot, window, demo_files)
    with qtbot.waitSignal(window.outcome_shown, timeout=AUDIT_TIMEOUT_MS):
        window.setup.request_run()
    out = workspace.parent / "report.pdf"
    window.report.out_field.set_path(str(out), emit=False)
    with qtbot.waitSignals([window.report.exported, window.report.preview_ready], timeout=120_000):
        window.export_report()
    assert out.is_file() and out.read_bytes().startswith(b"%PDF")
    assert window.current_page() == "report"
    assert window.report.page_count > 1
    qtbot.waitUntil(lambda: any(e.kind == "report_exported" for e in window.snapshot.events), timeout=10_000)
    qtbot.mouseClick(window.report.folder_button, Qt.MouseButton.LeftButton)
    assert window.opened_externally == [out.parent]
