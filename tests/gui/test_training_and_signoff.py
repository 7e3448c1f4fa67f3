"""Recording a training run and signing off in the app record exactly what `attest` records for the same inputs;
the sign-off is made as the workspace identity only, and a bad or wrong key records nothing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton

from audit.trail import Workspace
from cli.main import main
from tests.gui.conftest import message_boxes, open_workspace


@pytest.fixture(autouse=True)
def attest_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The personal sign-off key lives in ATTEST_HOME: never the real data folder."""
    home = tmp_path / "attest-home"
    monkeypatch.setenv("ATTEST_HOME", str(home))
    return home


@pytest.fixture
def small(tmp_path: Path) -> dict[str, Path]:
    d = tmp_path / "files"
    d.mkdir()
    out = {"train": d / "train.csv", "valid": d / "valid.csv", "model": d / "model.skops"}
    out["train"].write_text("age,income,approved\n31,42000,1\n45,38000,0\n")
    out["valid"].write_text("age,income,approved\n29,51000,1\n")
    out["model"].write_bytes(b"PK\x03\x04" + bytes(range(200)))
    return out


def _base(path: Path, small: dict[str, Path], identity: bool = True) -> Path:
    with Workspace.open(path) as ws:
        if identity:
            ws.set_identity("Dana Kim", "ML lead")
        ws.register_dataset(small["train"], name="training data", version="3")
        ws.register_model(small["model"], name="credit model")
    return path


def _cli_base(path: Path, small: dict[str, Path]) -> None:
    w = ["--workspace", str(path)]
    assert main(["trail", "whoami", "--set-name", "Dana Kim", "--set-role", "ML lead", *w]) == 0
    assert main(["register", "dataset", str(small["train"]), "--name", "training data", "--version", "3", *w]) == 0
    assert main(["register", "model", str(small["model"]), "--name", "credit model", *w]) == 0


def _events(path: Path) -> list[tuple]:
    with Workspace.open(path, create=False) as ws:
        assert ws.verify().ok
        return [(e.kind, e.to_dict()["payload"], e.refs) for e in ws.events()]


def test_record_training_from_the_workspace_page_matches_the_cli(qtbot, window, tmp_path, small):
    app_ws = _base(tmp_path / "app.attest", small)
    open_workspace(qtbot, window, app_ws)
    wa = window.workspace_actions
    window.show_page("workspace")
    button = window.artifacts.findChild(QToolButton, "button_ws_record_training")
    assert button is not None and button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dlg = wa.training_dialog
    assert dlg is not None and dlg.isVisible()
    assert not dlg.ok.isEnabled() and "model" in dlg.problem.text()
    model_id = next(a.id for a in window.snapshot.artifacts if a.kind == "model")
    train_id = next(a.id for a in window.snapshot.artifacts if a.kind == "dataset")
    dlg.model.setCurrentIndex(dlg.model.findData(model_id))
    dlg.dataset_combos[0].setCurrentIndex(dlg.dataset_combos[0].findData(train_id))

    # A second training file that is not registered yet: "Register a new dataset…" from the dialog itself.
    second = dlg.add_dataset_row()
    second.setCurrentIndex(second.count() - 1)
    second.activated.emit(second.count() - 1)
    reg = wa.dialog
    assert reg is not None and reg.isVisible() and reg.parent() is dlg
    reg.file.set_path(str(small["valid"]), emit=False)
    reg.name.setText("validation")
    qtbot.mouseClick(reg.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: (second.currentData() or "").startswith("ds-") and second.currentData() != train_id, timeout=20_000)
    valid_id = second.currentData()

    for key, value in (("max_depth", "6"), ("solver", "lbfgs"), ("class_weight", '{"0": 1, "1": 3}')):
        dlg.add_param(key, value)
    dlg.add_param("", "7")
    assert not dlg.ok.isEnabled() and "no key" in dlg.problem.text()  # a value without a key is refused
    dlg.params.removeRow(dlg.params.rowCount() - 1)
    dlg.add_param("solver", "saga")
    assert not dlg.ok.isEnabled() and "twice" in dlg.problem.text()
    dlg.params.removeRow(dlg.params.rowCount() - 1)
    dlg.code_version.setText("3f2c1ab")
    dlg.trainer.setText("Priya Raman")
    dlg.trained_earlier.setChecked(True)
    dlg.trained_at.setDateTime(dlg.trained_at.dateTime().fromString("2024-05-01 14:30", "yyyy-MM-dd HH:mm"))
    dlg.notes.setPlainText("Retrained after the Q2 refresh.")
    assert dlg.ok.isEnabled(), dlg.problem.text()
    when = dlg.values()["trained_at"]
    with qtbot.waitSignal(window.workspace_changed, timeout=20_000):
        qtbot.mouseClick(dlg.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(e.kind == "training_recorded" for e in window.snapshot.events), timeout=10_000)
    assert window.trail.events_model.rowCount() == len(window.snapshot.events)  # the Trail page re-read

    cli_ws = tmp_path / "cli.attest"
    _cli_base(cli_ws, small)
    w = ["--workspace", str(cli_ws)]
    assert main(["register", "dataset", str(small["valid"]), "--name", "validation", *w]) == 0
    assert (
        main(
            [
                "register",
                "training",
                "--model",
                model_id,
                "--dataset",
                train_id,
                "--dataset",
                valid_id,
                "--trainer",
                "Priya Raman",
                "--param",
                "max_depth=6",
                "--param",
                "solver=lbfgs",
                "--param",
                'class_weight={"0": 1, "1": 3}',
                "--code-version",
                "3f2c1ab",
                "--trained-at",
                when,
                "--notes",
                "Retrained after the Q2 refresh.",
                *w,
            ]
        )
        == 0
    )
    app, cli = _events(app_ws), _events(cli_ws)
    assert app == cli
    training = app[-1][1]
    assert training["params"] == {"max_depth": 6, "solver": "lbfgs", "class_weight": {"0": 1, "1": 3}}
    assert training["datasets"] == [train_id, valid_id] and training["trained_at"].startswith("2024-05-01")


def _with_run(path: Path, small: dict[str, Path], identity: bool = True) -> str:
    _base(path, small, identity)
    text = json.dumps({"verdict": "pass"})
    with Workspace.open(path, create=False) as ws:
        return ws.record_audit(
            {"target": "approved"},
            text,
            hashlib.sha256(text.encode()).hexdigest(),
            ws.artifact(small["model"]).sha256,
            [ws.artifact(small["train"]).sha256],
        )


def _signoffs(path: Path) -> list:
    with Workspace.open(path, create=False) as ws:
        return ws.events(kind="signoff")


def test_signoff_is_the_identity_and_matches_the_cli_and_a_wrong_key_records_nothing(qtbot, window, tmp_path, small, monkeypatch):
    from audit.trail.keys import create_personal_key

    ws_path = tmp_path / "run.attest"
    run_id = _with_run(ws_path, small)
    create_personal_key(b"correct horse", "Dana Kim")
    open_workspace(qtbot, window, ws_path)
    window.show_page("trail")
    trail = window.trail
    assert not trail.signoff_button.isEnabled() and "Select an event" in trail.signoff_button.toolTip()
    row = next(
        r
        for r in range(trail.proxy.rowCount())
        if trail.events_model.record(trail.proxy.mapToSource(trail.proxy.index(r, 0)).row()).kind == "audit_run"
    )
    trail.table.selectRow(row)
    assert trail.signoff_button.isEnabled()
    qtbot.mouseClick(trail.signoff_button, Qt.MouseButton.LeftButton)
    dlg = window.workspace_actions.signoff_dialog
    assert dlg is not None and dlg.isVisible() and dlg.run_id == run_id
    assert (dlg.reviewer.text(), dlg.role.text()) == ("Dana Kim", "ML lead")
    assert dlg.reviewer.isReadOnly() and dlg.role.isReadOnly()  # never free text
    dlg.decision_buttons["approve_with_conditions"].setChecked(True)
    assert not dlg.ok.isEnabled() and "conditions" in dlg.problem.text()
    dlg.conditions.setPlainText("Re-audit after the Q3 retraining.")
    dlg.comment.setPlainText("Checked with the data owner.")
    dlg.sign_buttons["attest-key"].setChecked(True)
    assert not dlg.ok.isEnabled() and "passphrase" in dlg.problem.text()

    dlg.password.setText("wrong horse")
    qtbot.mouseClick(dlg.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(message_boxes(dlg)), timeout=20_000)
    (box,) = message_boxes(dlg)
    assert "passphrase does not open" in box.text() and "How to fix" in box.informativeText()
    box.accept()
    assert dlg.isVisible() and "Not recorded" in dlg.problem.text()  # nothing typed is lost
    assert dlg.conditions.toPlainText() == "Re-audit after the Q3 retraining."
    assert _signoffs(ws_path) == []

    dlg.sign_buttons["pkcs12"].setChecked(True)  # a file that is not a certificate
    not_p12 = tmp_path / "not-a-cert.p12"
    not_p12.write_bytes(b"this is not PKCS#12")
    dlg.certificate.set_path(str(not_p12), emit=False)
    qtbot.mouseClick(dlg.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(message_boxes(dlg)), timeout=20_000)
    (box,) = message_boxes(dlg)
    assert "not a PKCS#12 file" in box.text()
    box.accept()
    assert _signoffs(ws_path) == []

    dlg.sign_buttons["attest-key"].setChecked(True)
    dlg.password.setText("correct horse")
    with qtbot.waitSignal(window.signoff_recorded, timeout=20_000) as blocker:
        qtbot.mouseClick(dlg.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=5_000)
    app_event = blocker.args[0]

    monkeypatch.setenv("KEY_PASS", "correct horse")
    assert (
        main(
            [
                "signoff",
                run_id,
                "--decision",
                "approve_with_conditions",
                "--conditions",
                "Re-audit after the Q3 retraining.",
                "--comment",
                "Checked with the data owner.",
                "--sign-with-key",
                "--key-password-env",
                "KEY_PASS",
                "--workspace",
                str(ws_path),
            ]
        )
        == 0
    )
    app, cli = _signoffs(ws_path)
    assert app.id == app_event.id
    assert app.refs == cli.refs and app.actor == cli.actor
    sig_a, sig_c = dict(app.payload), dict(cli.payload)
    signed_a, signed_c = sig_a.pop("signature"), sig_c.pop("signature")
    assert sig_a == sig_c and sig_a["reviewer"] == "Dana Kim" and sig_a["role"] == "ML lead"
    for k in ("scheme", "public_key", "fingerprint", "signer", "source"):  # the same key signed both
        assert signed_a[k] == signed_c[k]
    with Workspace.open(ws_path, create=False) as ws:
        report = ws.verify()
    assert report.ok and report.signatures == 2


def test_change_identity_from_the_signoff_dialog(qtbot, window, tmp_path, small):
    ws_path = tmp_path / "run.attest"
    run_id = _with_run(ws_path, small)
    open_workspace(qtbot, window, ws_path)
    dlg = window.sign_off(run_id)
    assert not dlg.sign_buttons["attest-key"].isEnabled()  # no key yet: the reason is in the tooltip
    assert "no Attest sign-off key" in dlg.sign_buttons["attest-key"].toolTip()
    dlg.identity_link.linkActivated.emit("identity")
    ident = window.workspace_actions.dialog
    assert ident is not None and ident.isVisible() and ident.parent() is dlg
    ident.role.setText("Compliance officer")
    with qtbot.waitSignal(window.workspace_changed, timeout=20_000):
        qtbot.mouseClick(ident.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.role.text() == "Compliance officer", timeout=5_000)
    dlg.decision_buttons["approve"].setChecked(True)
    with qtbot.waitSignal(window.signoff_recorded, timeout=20_000) as blocker:
        qtbot.mouseClick(dlg.ok, Qt.MouseButton.LeftButton)
    assert blocker.args[0].payload["role"] == "Compliance officer"
    assert "signature" not in blocker.args[0].payload or blocker.args[0].payload["signature"] is None


def test_page_buttons_follow_the_workspace_and_say_why_not(qtbot, window, tmp_path, small):
    from gui.workspace_actions import NO_WORKSPACE

    names = (
        "button_ws_register_dataset",
        "button_ws_register_model",
        "button_ws_record_training",
        "button_ws_note",
        "button_ws_export_trail",
    )
    on_ws = {n: window.artifacts.findChild(QToolButton, n) for n in names}
    on_trail = {n: window.trail.findChild(QToolButton, n) for n in names[2:]}
    assert all(on_ws.values()) and all(on_trail.values())
    for b in [*on_ws.values(), *on_trail.values()]:
        assert not b.isEnabled() and b.toolTip() == NO_WORKSPACE
    assert not window.trail.signoff_button.isEnabled() and "Open a workspace" in window.trail.signoff_button.toolTip()

    ws_path = tmp_path / "anon.attest"
    run_id = _with_run(ws_path, small, identity=False)  # this account has no name and role here
    open_workspace(qtbot, window, ws_path)
    ident = window.workspace_actions.dialog  # asked on opening; declined for now
    if ident is not None and ident.isVisible():
        ident.reject()
    for b in [*on_ws.values(), *on_trail.values()]:
        assert b.isEnabled() and b.toolTip() and b.toolTip() != NO_WORKSPACE
    runs = window.artifacts.runs_table
    assert not window.artifacts.signoff_button.isEnabled()
    assert "Select a recorded run" in window.artifacts.signoff_button.toolTip()
    runs.selectRow(0)
    assert not window.artifacts.signoff_button.isEnabled()  # no identity: a sign-off would be in nobody's name
    assert "set your name and role" in window.artifacts.signoff_button.toolTip()
    qtbot.mouseClick(on_ws["button_ws_note"], Qt.MouseButton.LeftButton)
    note = window.workspace_actions.dialog
    assert note.objectName() == "note_dialog" and note.isVisible()
    note.reject()
    assert run_id
