"""The set-up page's inputs box: the evaluation dataset, where the decisions come from (a model file or a predictions
column) and the predictions and scores columns. It owns the file choices and their Browse dialogs; the page reads
its part of the request and its draft fields from here."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QButtonGroup, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QRadioButton, QWidget

from gui.views.common import DATA_FILTER, MODEL_FILTER, FileField, form_combo

if TYPE_CHECKING:
    from audit.draft import AuditDraft
    from gui.jobs import DataPreview


class InputsBox(QGroupBox):
    data_chosen = Signal(str)  # a dataset path was entered, browsed or dropped: the page reads it
    source_changed = Signal(bool)  # True: decisions from a model file
    model_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("1  Inputs", parent)
        lay = QFormLayout(self)
        self.data_field = FileField("dataset", "Evaluation dataset: CSV, Parquet or Excel")
        self.data_field.browse_requested.connect(self._browse_data)
        self.data_field.changed.connect(self.data_chosen)
        lay.addRow("Evaluation data", self.data_field)
        self.source_model = QRadioButton("Model file")
        self.source_model.setAccessibleName("Decisions come from a model file")
        self.source_predictions = QRadioButton("Predictions column")
        self.source_predictions.setAccessibleName("Decisions come from a predictions column")
        self.source_model.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.source_model)
        group.addButton(self.source_predictions)
        self.source_model.toggled.connect(self.refresh_source)
        row = QHBoxLayout()
        row.addWidget(self.source_model)
        row.addWidget(self.source_predictions)
        row.addStretch(1)
        lay.addRow("Decisions from", row)
        self.model_field = FileField("model", "skops, ONNX, LightGBM, XGBoost, or a pickle you trust")
        self.model_field.browse_requested.connect(self._browse_model)
        self.model_field.changed.connect(lambda _: self.model_changed.emit())
        lay.addRow("Model", self.model_field)
        self.predictions_combo = form_combo("predictions_column", "Column with the model's decisions")
        self.scores_combo = form_combo("scores_column", "Optional column with scores (probability of the positive outcome)")
        lay.addRow("Predictions column", self.predictions_combo)
        lay.addRow("Scores column", self.scores_combo)

    # ------------------------------------------------------------------ files
    def model_source(self) -> bool:
        return self.source_model.isChecked()

    def start_dir(self) -> str:
        """Where a file dialog opens: beside the chosen dataset or model, else the home folder."""
        for p in (self.data_field.path(), self.model_field.path()):
            if p:
                return str(Path(p).parent)
        return str(Path.home())

    @Slot()
    def _browse_data(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose the evaluation dataset", self.start_dir(), DATA_FILTER)
        if path:
            self.data_field.set_path(path)

    @Slot()
    def _browse_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose the model file", self.start_dir(), MODEL_FILTER)
        if path:
            self.set_model_path(path)

    def set_model_path(self, path: str) -> None:
        self.model_field.set_path(path)
        self.source_model.setChecked(True)
        self.model_changed.emit()

    @Slot()
    def refresh_source(self) -> None:
        """Enable the fields of the chosen decision source and say which it is."""
        model = self.model_source()
        self.model_field.setEnabled(model)
        self.predictions_combo.setEnabled(not model)
        self.scores_combo.setEnabled(not model)
        self.source_changed.emit(model)

    def set_preview(self, preview: DataPreview) -> None:
        """Offer the dataset's columns, keeping a choice that is still there."""
        for combo, optional in ((self.predictions_combo, False), (self.scores_combo, True)):
            keep = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            if optional:
                combo.addItem("(none)", None)
            for c in preview.columns:
                combo.addItem(c, c)
            combo.blockSignals(False)
            if keep and combo.findText(keep) >= 0:
                combo.setCurrentText(keep)

    def decision_columns(self) -> set[str]:
        """The columns that hold the decisions or scores (never a target), when the decisions come from columns."""
        if self.model_source():
            return set()
        return {self.predictions_combo.currentText(), self.scores_combo.currentData() or ""}

    # ------------------------------------------------------------------ the draft
    def request(self, preview: DataPreview | None) -> dict[str, str | None]:
        """This box's part of the set-up request (see SetupView.build_request)."""
        model = self.model_source()
        return dict(
            data_path=preview.path if preview else self.data_field.path(),
            model_path=self.model_field.path() if model else None,
            predictions_column=None if model else self.predictions_combo.currentText() or None,
            scores_column=None if model else self.scores_combo.currentData(),
        )

    def apply_draft(self, draft: AuditDraft) -> None:
        """The decision source and model of `draft`; its dataset is read last, by the page, once every choice is set."""
        self.source_model.setChecked(draft.source == "model")
        self.source_predictions.setChecked(draft.source == "predictions")
        if draft.model_path:
            self.model_field.set_path(draft.model_path)
