"""Error paths (bad file, missing column, nothing set up, a real crash) and the pickle-trust dialog."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from tests.gui.conftest import AUDIT_TIMEOUT_MS, load_data, message_boxes, set_up_demo_audit


def test_bad_file_gives_a_clear_dialog(qtbot, window, tmp_path):
    bad = tmp_path / "applicants.csv"
    bad.write_bytes(b"\x00\x01\x02PK\x00 not a table" * 50)
    with qtbot.waitSignal(window.setup.preview_failed, timeout=30_000):
        window.setup.set_data_path(str(bad))
    (box,) = message_boxes(window)
    assert "not a text table" in box.text()
    assert box.informativeText().startswith("How to fix:")
    assert "Could not read applicants.csv" in window.setup.data_info.text()
    assert not window.findChildren(type(box).__mro__[0], "crashDialog")


def test_missing_column_gives_a_clear_dialog(qtbot, window, demo_files, tmp_path):
    df = pd.read_csv(demo_files.data).drop(columns=["liquid_assets"])
    partial = tmp_path / "eval_without_liquid_assets.csv"
    df.to_csv(partial, index=False)
    set_up_demo_audit(qtbot, window, demo_files)
    load_data(qtbot, window, partial)
    with qtbot.waitSignal(window.audit_failed, timeout=AUDIT_TIMEOUT_MS) as blocker:
        window.setup.request_run()
    assert type(blocker.args[0]).__name__ == "InputError"
    (box,) = message_boxes(window)
    assert "liquid_assets" in box.text() and "not in the dataset" in box.text()
    assert box.informativeText().startswith("How to fix:")
    assert window.setup.run_button.isEnabled() and not window.audit_runner.busy


def test_running_before_setting_up_says_what_is_missing(window):
    window.setup.request_run()
    (box,) = message_boxes(window)
    assert "an evaluation dataset" in box.text()
    assert not window.audit_runner.busy


def test_a_bug_opens_the_crash_dialog_with_copyable_details(qtbot, window):
    from gui.errors import CrashDialog

    def broken(*, progress, cancel):
        raise RuntimeError("boom in a job")

    with qtbot.waitSignal(window.audit_failed, timeout=10_000):
        window.audit_runner.start(broken)
    (dlg,) = [d for d in window.findChildren(CrashDialog) if d.isVisible()]
    details = dlg.details.toPlainText()
    assert "RuntimeError: boom in a job" in details and "Traceback" in details
    dlg.copy_details()
    assert QGuiApplication.clipboard().text() == details
    assert not message_boxes(window)  # a bug is not dressed up as a user error


@pytest.fixture
def pickled_model(tmp_path):
    import joblib
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    n = 600
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n), "group": rng.choice(["A", "B"], n)})
    df["y"] = (df.x1 + 0.5 * df.x2 + rng.normal(scale=0.5, size=n) > 0).astype(int)
    model = LogisticRegression().fit(df[["x1", "x2"]], df["y"])
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    data = tmp_path / "eval.csv"
    df.to_csv(data, index=False)
    return path, data


def _set_up_pickle(qtbot, window, model, data):
    s = window.setup
    load_data(qtbot, window, data)
    s.set_model_path(str(model))
    s.target_combo.setCurrentText("y")
    s.positive_combo.setCurrentText("1")
    s.set_sensitive(["group"])
    s.bootstrap_spin.setValue(50)
    s.explain_check.setChecked(False)


def test_pickle_needs_explicit_trust_then_reruns(qtbot, window, pickled_model):
    model, data = pickled_model
    _set_up_pickle(qtbot, window, model, data)
    with qtbot.waitSignal(window.audit_failed, timeout=AUDIT_TIMEOUT_MS) as blocker:
        window.setup.request_run()
    assert type(blocker.args[0]).__name__ == "TrustRequired"
    dlg = window.trust_dialog
    assert dlg.isVisible() and not message_boxes(window)
    assert dlg.sha_field.text() == hashlib.sha256(model.read_bytes()).hexdigest()
    assert not dlg.trust_button.isEnabled()  # nothing is trusted by accident
    dlg.confirm.setChecked(True)
    with qtbot.waitSignal(window.outcome_shown, timeout=AUDIT_TIMEOUT_MS) as done:
        qtbot.mouseClick(dlg.trust_button, Qt.MouseButton.LeftButton)
    result = done.args[0].result
    assert result.spec.trust_pickle and result.model.trusted
    assert result.provenance.model_sha256 == dlg.sha256


def test_declining_trust_runs_nothing(qtbot, window, pickled_model):
    model, data = pickled_model
    _set_up_pickle(qtbot, window, model, data)
    with qtbot.waitSignal(window.audit_failed, timeout=AUDIT_TIMEOUT_MS):
        window.setup.request_run()
    dlg = window.trust_dialog
    dlg.reject()
    qtbot.wait(200)
    assert not window.audit_runner.busy and window.outcome is None
