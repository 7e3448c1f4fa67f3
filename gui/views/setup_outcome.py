"""The set-up page's outcome box: the target column with its first guess (see gui.views.setup_defaults for the rule)
marked "guessed: please check" until the user picks one, and the favourable value, offered as the audit reads the
target (values that mean missing are left out, with the rows they leave out)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QFormLayout, QGroupBox, QWidget

from gui.views.common import form_combo, muted
from gui.views.setup_defaults import GUESS_NOTE, guess_target

if TYPE_CHECKING:
    from gui.jobs import DataPreview


class OutcomeBox(QGroupBox):
    changed = Signal()  # the target, its guess mark or the favourable value changed: the run line is redone

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("2  Outcome", parent)
        self.preview: DataPreview | None = None
        self.target_guessed = False
        self._guessing = False
        lay = QFormLayout(self)
        self.target_combo = form_combo("target", "Column with the true outcome")
        self.target_combo.currentTextChanged.connect(self.fill_positive)
        self.positive_combo = form_combo("positive_label", "The favourable outcome (e.g. approved = 1)")
        self.positive_combo.setEditable(True)
        self.target_guess_label = muted("")
        self.target_guess_label.setObjectName("target_guess")
        self.target_guess_label.setVisible(False)
        self.target_combo.activated.connect(lambda _=0: self._target_confirmed())  # the user picked (even the same)
        self.target_combo.currentTextChanged.connect(self._on_target_text)
        lay.addRow("Target", self.target_combo)
        lay.addRow("", self.target_guess_label)
        lay.addRow("Favourable value", self.positive_combo)

    def target(self) -> str:
        return self.target_combo.currentText()

    def set_preview(self, preview: DataPreview) -> None:
        """Offer the dataset's columns as targets, keeping a choice that is still there; else none is chosen (not the
        first column: nobody chose one yet, see guess_target_if_unset)."""
        self.preview = preview
        combo = self.target_combo
        keep = combo.currentText()
        combo.blockSignals(True)
        combo.clear()
        for c in preview.columns:
            combo.addItem(c, c)
        combo.blockSignals(False)
        if keep and combo.findText(keep) >= 0:
            combo.setCurrentText(keep)
        else:
            combo.setCurrentIndex(-1)

    @Slot(str)
    def fill_positive(self, target: str) -> None:
        keep = self.positive_combo.currentText()
        self.positive_combo.clear()
        # The audit's reading of a target (empty, "NA", "null" are missing and those rows left out), not the groups'
        groups = self.preview.outcome_values.get(target, []) if self.preview else []
        for value, count in groups:
            self.positive_combo.addItem(f"{value}", value)
            self.positive_combo.setItemData(self.positive_combo.count() - 1, f"{count:,} rows", Qt.ItemDataRole.ToolTipRole)
        values = [v for v, _ in groups]
        if keep in values:
            self.positive_combo.setCurrentText(keep)
        elif "1" in values:
            self.positive_combo.setCurrentText("1")
        elif "True" in values:
            self.positive_combo.setCurrentText("True")
        self.changed.emit()

    @Slot(str)
    def _on_target_text(self, _text: str) -> None:
        if not self._guessing:  # the page's own guess is not a choice
            self._target_confirmed()

    def _target_confirmed(self) -> None:
        self.target_guessed = False
        self.target_guess_label.setVisible(False)
        self.target_combo.setToolTip(self.target_combo.accessibleName())
        self.changed.emit()

    def guess_target_if_unset(self, pending_target: str | None, previous_guess: str | None, exclude: set[str]) -> str | None:
        """After a preview: when no target is chosen (by the user, or waiting in a restored draft), choose the
        likeliest that is not in `exclude` and mark it as a guess; a guess kept through a reload stays marked.
        Returns the guess or None."""
        if self.preview is None or pending_target:
            return None
        current = self.target_combo.currentText()
        if current and current != previous_guess:
            return None
        guess = current or guess_target(self.preview.columns, self.preview.n_unique, exclude)
        if guess is None:
            return None
        self._guessing = True
        try:
            self.target_combo.setCurrentText(guess)
        finally:
            self._guessing = False
        self.target_guessed = True
        self.target_guess_label.setText(
            f"“{guess}” {GUESS_NOTE}: a two-valued column that is not a sensitive one. Choose the target to confirm it."
        )
        self.target_guess_label.setVisible(True)
        self.target_combo.setToolTip(f"Target {GUESS_NOTE}")
        return guess

    # ------------------------------------------------------------------ the draft
    def request(self) -> dict[str, str | None]:
        """This box's part of the set-up request (see SetupView.build_request)."""
        return dict(target=self.target(), positive_label=self.positive_combo.currentText().strip() or None)

    def apply_choices(self, draft_target: str | None, positive_label: object) -> None:
        """A draft's target and favourable value, once the dataset's preview offers its columns."""
        if self.preview is not None and draft_target in self.preview.columns:
            self.target_combo.setCurrentText(draft_target)
        if positive_label is not None:
            self.positive_combo.setCurrentText(str(positive_label))
