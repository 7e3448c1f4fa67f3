"""The declared-context dialog: every field the report needs, why each matters, and TOML the CLI reads too."""

from __future__ import annotations

import tomllib

import pytest
from PySide6.QtWidgets import QMessageBox

from audit.spec import DeclaredContext


def _dialog(qtbot, window):
    window.setup.open_context_dialog()
    dlg = window.setup.context_dialog
    qtbot.waitExposed(dlg)
    return dlg


def test_every_field_with_its_label_section_and_provisions(qtbot, window):
    from reports.frameworks import load_catalogue

    dlg = _dialog(qtbot, window)
    assert set(dlg.edits) == set(DeclaredContext.model_fields)  # all of them, none invented
    labels = load_catalogue().texts["provider_inputs"]
    oversight = dlg.edits["oversight"]
    assert oversight.accessibleName() == labels["oversight"]
    assert "EU AI Act Art. 14" in oversight.accessibleDescription()
    assert all(f.refs and f.section for f in dlg.fields)  # each printed in a section and evidence for something
    sections = [f.section for f in dlg.fields]
    assert sections == sorted(sections, key=lambda s: [x.id for x in load_catalogue().sections].index(s))
    dlg.reject()


def test_dialog_and_form_stay_in_step_and_reach_the_audit_spec(qtbot, window):
    setup = window.setup
    setup.context_fields["intended_purpose"].setPlainText("Screen loan applications")
    dlg = _dialog(qtbot, window)
    assert dlg.edits["intended_purpose"].toPlainText() == "Screen loan applications"
    dlg.edits["risk_owner"].setPlainText("Head of credit risk")
    dlg.edits["intended_purpose"].setPlainText("Screen consumer loan applications")
    assert dlg.count.text() == f"2 of {len(DeclaredContext.model_fields)} filled"
    dlg.accept()
    assert setup.context_fields["intended_purpose"].toPlainText() == "Screen consumer loan applications"
    values = setup.context_values()
    assert values["risk_owner"] == "Head of credit risk"
    assert f"2 of {len(DeclaredContext.model_fields)} fields filled" in setup.context_count.text()
    assert DeclaredContext(**values).risk_owner == "Head of credit risk"


def test_cancel_changes_nothing(qtbot, window):
    dlg = _dialog(qtbot, window)
    dlg.edits["risk_owner"].setPlainText("Someone")
    dlg.reject()
    assert window.setup.context_values()["risk_owner"] == ""


def test_filter_and_only_empty(qtbot, window):
    dlg = _dialog(qtbot, window)
    dlg.edits["oversight"].setPlainText("An underwriter reviews every denial")
    dlg.filter.setText("Art. 14")
    shown = {name for name, w, _ in dlg._rows if name and not w.isHidden()}
    assert "oversight" in shown and "environmental_impact" not in shown
    dlg.only_empty.setChecked(True)
    shown = {name for name, w, _ in dlg._rows if name and not w.isHidden()}
    assert "oversight" not in shown and shown
    dlg.reject()


def test_save_then_load_round_trip_and_the_cli_reads_it(qtbot, window, tmp_path):
    dlg = _dialog(qtbot, window)
    tricky = 'Line one "quoted" \\ backslash\nLine two: Ümlaut, 中文, tab\there'
    dlg.edits["oversight"].setPlainText(tricky)
    dlg.edits["system_name"].setPlainText("Scorer v2")
    path = tmp_path / "context.toml"
    assert dlg.save_file(path)
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {"oversight": tricky, "system_name": "Scorer v2"}
    assert DeclaredContext.from_toml(path.read_text(encoding="utf-8")).oversight == tricky
    for edit in dlg.edits.values():
        edit.setPlainText("")
    dlg.edits["risk_owner"].setPlainText("will be replaced")
    assert dlg.load_file(path)
    assert dlg.values()["oversight"] == tricky and dlg.values()["risk_owner"] == ""
    dlg.reject()


@pytest.mark.parametrize(
    "content, words",
    [('oversight = "unterminated\n', "cannot be used"), ('owner = "not a field"\n', "owner"), ("oversight = 3\n", "oversight")],
    ids=["broken_toml", "unknown_field", "not_text"],
)
def test_bad_files_are_explained_and_change_nothing(qtbot, window, tmp_path, content, words):
    dlg = _dialog(qtbot, window)
    dlg.edits["oversight"].setPlainText("kept")
    bad = tmp_path / "bad.toml"
    bad.write_text(content, encoding="utf-8")
    assert not dlg.load_file(bad)
    boxes = [b for b in dlg.findChildren(QMessageBox) if b.isVisible()]
    assert boxes and words in boxes[-1].text() and "How to fix" in boxes[-1].informativeText()
    assert dlg.values()["oversight"] == "kept"
    for b in boxes:
        b.close()
    assert not dlg.load_file(tmp_path / "missing.toml")
    dlg.reject()
