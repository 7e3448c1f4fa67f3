"""A new dataset gets a guessed target (a two-valued, outcome-like column, never a sensitive or ticked one), shown as a
guess until the user confirms it; a target the user or a restored draft set is never replaced."""

from __future__ import annotations

import pytest

from gui.views.setup_defaults import GUESS_NOTE, guess_target, looks_sensitive


def _csv(path, header: str, rows: list[str]):
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


@pytest.fixture
def setup(qtbot):
    from gui.views.setup import SetupView

    view = SetupView()
    qtbot.addWidget(view)
    view.show()
    return view


def _load(qtbot, setup, path) -> None:
    with qtbot.waitSignal(setup.preview_loaded, timeout=30_000):
        setup.set_data_path(str(path))


@pytest.fixture
def loans(tmp_path):
    """`sex` is the first column and has two values: the old default made it the target."""
    rows = [
        f"{'F' if i % 2 else 'M'},{['A', 'B', 'C'][i % 3]},{20 + i % 40},{1000 + 37 * i},{(i % 2 == 0 and 1) or 0},"
        f"{'yes' if i % 3 else 'no'}"
        for i in range(60)
    ]
    return _csv(tmp_path / "loans.csv", "sex,race,age,income,approved,has_phone", rows)


def test_rule():
    cols = ["sex", "age", "income", "approved", "flag"]
    n = {"sex": 2, "age": 50, "income": 60, "approved": 2, "flag": 2}
    assert guess_target(cols, n) == "approved"
    assert guess_target(cols, n, exclude={"approved"}) == "flag"  # else the last two-valued column
    assert (
        guess_target(
            ["sex", "is_female", "applicantAge", "race_white"], {c: 2 for c in ["sex", "is_female", "applicantAge", "race_white"]}
        )
        is None
    )  # sensitive-looking: never
    assert guess_target(["x", "loan_default", "y"], {"x": 2, "loan_default": 2, "y": 2}) == "y"  # whole name first
    assert guess_target(["x", "loan_default"], {"x": 2, "loan_default": 2}) == "loan_default"
    assert looks_sensitive("Gender") and looks_sensitive("applicant_age") and not looks_sensitive("mortgage")
    assert not looks_sensitive("approved") and looks_sensitive("Nationality")


def test_new_data_gets_a_marked_guess_until_the_user_confirms(qtbot, setup, loans):
    _load(qtbot, setup, loans)
    s = setup
    assert s.target_combo.currentText() == "approved"  # not `sex`, the first two-valued column
    assert s.target_guessed and s.target_guess_label.isVisible() and GUESS_NOTE in s.target_guess_label.text()
    assert s.positive_combo.currentText() == "1"
    for i in range(s.groups_tree.topLevelItemCount()):
        item = s.groups_tree.topLevelItem(i)
        if item.text(0) == "sex":
            from PySide6.QtCore import Qt

            item.setCheckState(0, Qt.CheckState.Checked)
    assert "guessed" in s.ready_label.text()
    s.target_combo.activated.emit(s.target_combo.currentIndex())  # the user picks the same column: confirmed
    assert not s.target_guessed and not s.target_guess_label.isVisible()
    assert s.target_combo.currentText() == "approved" and "guessed" not in s.ready_label.text()


def test_a_chosen_target_is_kept_and_not_marked(qtbot, setup, loans):
    _load(qtbot, setup, loans)
    setup.target_combo.setCurrentText("has_phone")  # the user's choice
    assert not setup.target_guessed
    _load(qtbot, setup, loans)  # reloading the data keeps it
    assert setup.target_combo.currentText() == "has_phone" and not setup.target_guess_label.isVisible()


def test_a_restored_draft_target_is_never_overwritten(qtbot, setup, loans):
    from audit.draft import AuditDraft
    from gui.draft_binding import apply_draft

    with qtbot.waitSignal(setup.preview_loaded, timeout=30_000):
        apply_draft(setup, AuditDraft(data_path=str(loans), target="income", sensitive=("race",)))
    assert setup.target_combo.currentText() == "income" and not setup.target_guessed


def test_never_a_ticked_or_sensitive_column(qtbot, setup, tmp_path):
    from audit.draft import AuditDraft
    from gui.draft_binding import apply_draft

    rows = [f"{'F' if i % 2 else 'M'},{i % 2},{(i % 3 == 0 and 1) or 0},{i}" for i in range(40)]
    path = _csv(tmp_path / "plain.csv", "gender,approved,flag,id", rows)
    with qtbot.waitSignal(setup.preview_loaded, timeout=30_000):  # a draft with no target, `approved` ticked
        apply_draft(setup, AuditDraft(data_path=str(path), sensitive=("approved",)))
    assert setup.sensitive_features() == ["approved"]
    assert setup.target_combo.currentText() == "flag" and setup.target_guessed

    only_sensitive = _csv(
        tmp_path / "people.csv", "sex,race,score", [f"{'F' if i % 2 else 'M'},{'AB'[i % 2]},{i}" for i in range(40)]
    )
    from gui.views.setup import SetupView

    fresh = SetupView()
    qtbot.addWidget(fresh)
    _load(qtbot, fresh, only_sensitive)
    assert fresh.target_combo.currentText() == "" and not fresh.target_guessed  # no guess rather than `sex`
    assert "the target column" in fresh.ready_label.text()
