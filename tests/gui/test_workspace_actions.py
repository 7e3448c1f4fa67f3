"""The Workspace menu records what the CLI records: identity on first run, registrations, trail export."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from audit.trail import Workspace
from cli.main import main
from gui.workspace_actions import install_workspace_actions
from tests.gui.conftest import open_workspace


def _fresh(path: Path) -> Path:
    with Workspace.open(path):
        pass
    return path


def test_identity_register_and_export_match_the_cli(qtbot, window, tmp_path, demo_files, capsys):
    install_workspace_actions(window)
    wa = window.workspace_actions
    assert not wa.actions["identity"].isEnabled()
    app_ws = _fresh(tmp_path / "app.attest")
    open_workspace(qtbot, window, app_ws)
    dlg = wa.dialog  # first run: asked who you are
    assert dlg is not None and dlg.isVisible() and dlg.name.text()
    dlg.name.setText("Dana Kim")
    dlg.role.setText("Compliance officer")
    with qtbot.waitSignal(window.workspace_changed, timeout=20_000):
        qtbot.mouseClick(dlg.ok, Qt.MouseButton.LeftButton)
    assert window.snapshot.identity.name == "Dana Kim"

    reg = wa.register("dataset")
    reg.file.set_path(str(demo_files.data), emit=False)
    reg.name.setText("evaluation")
    reg.version.setText("2")
    with qtbot.waitSignal(window.workspace_changed, timeout=20_000):
        qtbot.mouseClick(reg.ok, Qt.MouseButton.LeftButton)

    note = wa.add_note()
    note.text.setPlainText("Data owner confirmed the split.")
    note.about.setCurrentIndex(1)
    with qtbot.waitSignal(window.workspace_changed, timeout=20_000):
        qtbot.mouseClick(note.ok, Qt.MouseButton.LeftButton)
    ds_id = window.snapshot.artifacts[0].id

    cli_ws = tmp_path / "cli.attest"
    assert (
        main(["trail", "whoami", "--set-name", "Dana Kim", "--set-role", "Compliance officer", "--workspace", str(cli_ws)]) == 0
    )
    assert (
        main(["register", "dataset", str(demo_files.data), "--name", "evaluation", "--version", "2", "--workspace", str(cli_ws)])
        == 0
    )
    assert main(["trail", "note", "Data owner confirmed the split.", "--ref", ds_id, "--workspace", str(cli_ws)]) == 0
    with Workspace.open(app_ws, create=False) as a, Workspace.open(cli_ws, create=False) as c:
        ea, ec = a.events(), c.events()
        assert [(e.kind, dict(e.payload), e.refs) for e in ea] == [(e.kind, dict(e.payload), e.refs) for e in ec]
        assert a.verify().ok

    out = tmp_path / "trail.csv"
    assert wa.export_trail(str(out))
    qtbot.waitUntil(lambda: out.exists(), timeout=20_000)
    cli_out = tmp_path / "cli.csv"
    assert main(["trail", "export", "--format", "csv", "-o", str(cli_out), "--workspace", str(app_ws)]) == 0
    assert out.read_text() == cli_out.read_text()

    out.write_text("keep me")  # an existing file: asked first, "No" leaves it
    assert wa.export_trail(str(out))
    box = wa.dialog
    assert isinstance(box, QMessageBox) and box.isVisible()
    box.done(QMessageBox.StandardButton.No)
    qtbot.wait(300)
    assert out.read_text() == "keep me"


def test_demo_personas_match_the_demo(tmp_path, demo_files):
    from audit import demo
    from gui.workspace_jobs import DEMO_PERSONAS

    with Workspace.open(tmp_path / "demo.attest") as ws:
        demo.record_training_history(ws, demo_files)
        named = {e.payload["name"]: e.payload["role"] for e in ws.events(kind="identity_set")}
    assert named == DEMO_PERSONAS
