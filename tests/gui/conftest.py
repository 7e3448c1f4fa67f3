"""GUI tests run on Qt's offscreen platform; nothing blocks (dialogs are opened with open(), never exec())."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

AUDIT_TIMEOUT_MS = 90_000


@pytest.fixture(scope="session", autouse=True)
def _worker_processes():
    """The worker processes are shared by every test (warm after the first) and stopped at the end."""
    yield
    from gui.processes import shutdown_processes

    shutdown_processes()


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory):
    """The demo model and its data, trained once per test session."""
    from audit.demo import build_demo

    return build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def settings(tmp_path):
    from gui.settings import Settings

    return Settings(tmp_path / "settings.ini")


@pytest.fixture
def window(qtbot, settings, tmp_path, monkeypatch):
    from gui.main_window import MainWindow
    from gui.views import export

    opened: list[Path] = []
    monkeypatch.setattr(export, "open_in_system", lambda path: opened.append(Path(path)) or True)
    w = MainWindow(settings, data_dir=tmp_path / "appdata")
    w.opened_externally = opened
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    for r in w.findChildren(__import__("gui.worker", fromlist=["Runner"]).Runner):
        r.cancel()
    from gui.worker import wait_for_jobs

    wait_for_jobs(20_000)


@pytest.fixture
def workspace(tmp_path, demo_files):
    """A fresh workspace with the demo files registered."""
    from audit.trail import Workspace

    path = tmp_path / "audit.attest"
    with Workspace.open(path) as ws:
        ws.set_identity("Dana Kim", "ML lead")
        ws.register_dataset(demo_files.data, name="evaluation")
        ws.register_model(demo_files.model, name="demo model")
        ws.record_training(demo_files.model, [demo_files.train], params={"max_iter": 150})
    return path


def open_workspace(qtbot, window, path) -> None:
    with qtbot.waitSignal(window.workspace_changed, timeout=20_000):
        window.open_workspace(str(path))


def load_data(qtbot, window, path) -> None:
    with qtbot.waitSignal(window.setup.preview_loaded, timeout=30_000):
        window.setup.set_data_path(str(path))


def set_up_demo_audit(qtbot, window, demo_files, *, bootstrap: int = 100) -> None:
    """Fill the set-up page through its widgets, as a user would."""
    from PySide6.QtCore import Qt

    s = window.setup
    load_data(qtbot, window, demo_files.data)
    s.set_model_path(str(demo_files.model))
    s.target_combo.setCurrentText("approved")
    s.positive_combo.setCurrentText("1")
    for i in range(s.groups_tree.topLevelItemCount()):
        item = s.groups_tree.topLevelItem(i)
        if item.text(0) in ("race", "sex"):
            item.setCheckState(0, Qt.CheckState.Checked)
    s.set_reference("race", "White")
    s.policy_combo.setCurrentIndex(s.policy_combo.findData("standard"))
    s.bootstrap_spin.setValue(bootstrap)
    s.seed_spin.setValue(7)
    s.explain_check.setChecked(False)
    s.context_fields["intended_purpose"].setPlainText("Pre-approve mortgage applications for underwriter review.")


def message_boxes(window):
    from PySide6.QtWidgets import QMessageBox

    return [b for b in window.findChildren(QMessageBox) if b.isVisible()]
