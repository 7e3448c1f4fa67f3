"""The app keeps the user's audit exactly as set (issue 12): the reference survives preview reloads and re-runs, a
workspace switch closes the previous run's actions, the set-up survives a restart, and a recorded run's set-up can be
loaded again."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from tests.gui.conftest import AUDIT_TIMEOUT_MS, load_data, open_workspace, set_up_demo_audit


def _run(qtbot, window):
    with qtbot.waitSignal(window.outcome_shown, timeout=AUDIT_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(window.setup.run_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def test_reference_is_kept_across_preview_reloads_and_reruns(qtbot, window, workspace, demo_files):
    open_workspace(qtbot, window, workspace)
    set_up_demo_audit(qtbot, window, demo_files)
    first = _run(qtbot, window)
    assert first.result.spec.references == {"race": "White"}
    load_data(qtbot, window, demo_files.data)  # the preview is rebuilt, as after any reload
    assert window.setup.reference_combos["race"].currentData() == "White"
    second = _run(qtbot, window)
    assert second.result.spec.references == {"race": "White"}
    assert second.result.summary == first.result.summary


def test_reference_not_in_the_new_data_is_shown_not_dropped(qtbot, window, demo_files, tmp_path):
    import pandas as pd

    set_up_demo_audit(qtbot, window, demo_files)
    other = tmp_path / "other.csv"
    df = pd.read_csv(demo_files.data)
    df = df[df["race"] != "White"]
    df.to_csv(other, index=False)
    load_data(qtbot, window, other)
    combo = window.setup.reference_combos["race"]
    assert combo.currentData() == "White" and "not in this data" in combo.currentText()


def test_workspace_switch_closes_the_previous_runs_actions(qtbot, window, workspace, demo_files, tmp_path):
    open_workspace(qtbot, window, workspace)
    set_up_demo_audit(qtbot, window, demo_files)
    _run(qtbot, window)
    assert window.act_signoff.isEnabled() and window.act_export.isEnabled()
    other = tmp_path / "other.attest"
    window.open_workspace(str(other), create=True)
    qtbot.waitUntil(lambda: window.snapshot is not None and window.snapshot.path == str(other), timeout=20_000)
    qtbot.wait(500)  # the refresh of the previous workspace, started by the run, must not bring it back
    assert window.snapshot.path == str(other)
    assert window.outcome is None
    assert not window.act_signoff.isEnabled() and not window.act_export.isEnabled()
    assert "No recorded run" in window.act_signoff.toolTip()
    assert window.results.result is None and window.report.result is None


def test_setup_is_restored_after_restart(qtbot, window, workspace, demo_files, settings, tmp_path):
    from gui.main_window import MainWindow

    open_workspace(qtbot, window, workspace)
    set_up_demo_audit(qtbot, window, demo_files, bootstrap=700)
    window.setup.intersection_combo.setCurrentIndex(window.setup.intersection_combo.findData("largest"))
    window.close()
    assert Path(str(workspace) + ".draft.json").is_file()
    again = MainWindow(settings, data_dir=tmp_path / "appdata")
    qtbot.addWidget(again)
    with qtbot.waitSignals([again.workspace_changed, again.setup.preview_loaded], timeout=30_000):
        again.start_up(workspace)
    s = again.setup
    assert s.bootstrap_spin.value() == 700 and s.seed_spin.value() == 7
    assert set(s.sensitive_features()) == {"race", "sex"}
    assert s.reference_combos["race"].currentData() == "White"
    assert s.target_combo.currentText() == "approved" and s.model_field.path() == str(demo_files.model)
    assert s.policy_combo.currentData() == "standard" and not s.explain_check.isChecked()
    assert s.intersection_combo.currentData() == "largest"
    assert "mortgage" in s.context_values()["intended_purpose"]


def test_rerun_with_the_recorded_setup(qtbot, window, workspace, demo_files):
    open_workspace(qtbot, window, workspace)
    set_up_demo_audit(qtbot, window, demo_files)
    first = _run(qtbot, window)
    window.setup.set_reference("race", None)
    window.setup.bootstrap_spin.setValue(300)
    window.rerun_setup()
    assert "bootstrap: 300 → 100" in window.step_label.text()
    assert window.setup.bootstrap_spin.value() == 100
    assert window.setup.reference_combos["race"].currentData() == "White"
    second = _run(qtbot, window)
    assert second.result.spec == first.result.spec


def test_setup_shows_the_group_estimate_before_run(qtbot, window, demo_files):
    from audit.guards import estimate_groups

    set_up_demo_audit(qtbot, window, demo_files)
    p = window.setup.preview
    n = estimate_groups({c: p.n_unique[c] for c in ("race", "sex")}, ["race", "sex"], None, rows=p.ref.rows)
    assert f"up to {n:,} groups and intersections (limit 2,000)" in window.setup.ready_label.text()
    assert "NA or null are groups" in window.setup.groups_note.text()
