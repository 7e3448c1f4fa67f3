"""Record a training run: which registered model was produced from which registered dataset(s), by whom, with which
parameters and code version (what `attest register training --model --dataset --trainer --param --code-version
--trained-at --notes` records). Models and datasets are chosen from the workspace's registered files; the last entry
of each list registers a new one without leaving the dialog."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.dialogs.scrolling import ScrollingDialog
from gui.views.common import muted

REGISTER = "__register_new__"  # the combo entry that opens the register dialog instead of choosing a file


def artifact_text(a: Any) -> str:
    """How a registered file is named in a list: its name and version, else its file name, and its id."""
    name = a.name or Path(a.path).name
    return f"{name}" + (f" v{a.version}" if a.version else "") + f"  ({a.id})"


class TrainingDialog(ScrollingDialog):
    """`artifacts`: the workspace's registered `audit.trail.Artifact`s. `trainer`: who is recorded when the trainer
    field is left empty (the workspace identity, as `Workspace.record_training` defaults it)."""

    register_requested = Signal(str)  # "dataset" | "model": the user chose "Register a new ..."

    def __init__(self, artifacts: Sequence[Any], trainer: str = "", parent: QWidget | None = None) -> None:
        super().__init__("training_dialog", "Record a training run", "Record training", parent, width=640)
        self._artifacts: list[Any] = list(artifacts)
        self._asking: QComboBox | None = None  # the list whose "Register a new ..." entry was chosen
        intro = QLabel(
            "Records who trained which model on which data, with which parameters. The model and the data "
            "are cited by their registered SHA-256, so a later audit of the model shows this training in "
            "its lineage."
        )
        intro.setWordWrap(True)
        self.body.addWidget(intro)
        form = QFormLayout()
        self.model = self._combo("model", "training_model", "The model produced")
        form.addRow("Model produced", self.model)

        self.datasets_box = QVBoxLayout()
        self.datasets_box.setContentsMargins(0, 0, 0, 0)
        self.dataset_combos: list[QComboBox] = []
        ds = QWidget()
        ds.setLayout(self.datasets_box)
        self.add_dataset_button = QPushButton("Add another dataset")
        self.add_dataset_button.setObjectName("training_add_dataset")
        self.add_dataset_button.setToolTip("A training run may use several files, e.g. training and validation data")
        self.add_dataset_button.clicked.connect(lambda: self.add_dataset_row())
        holder = QWidget()
        hl = QVBoxLayout(holder)
        hl.setContentsMargins(0, 0, 0, 0)
        hl.addWidget(ds)
        hl.addWidget(self.add_dataset_button, 0, Qt.AlignmentFlag.AlignLeft)
        form.addRow("Training data", holder)
        self.add_dataset_row()

        self.trainer = QLineEdit()
        self.trainer.setObjectName("training_trainer")
        self.trainer.setAccessibleName("Who trained the model")
        self.trainer.setPlaceholderText(f"{trainer} (you)" if trainer else "you")
        form.addRow("Trainer", self.trainer)
        self.code_version = QLineEdit()
        self.code_version.setObjectName("training_code_version")
        self.code_version.setAccessibleName("Code version")
        self.code_version.setPlaceholderText("e.g. a git commit: 3f2c1ab")
        form.addRow("Code version", self.code_version)
        when = QHBoxLayout()
        self.trained_earlier = QCheckBox("Trained earlier, at")
        self.trained_earlier.setObjectName("training_earlier")
        self.trained_at = QDateTimeEdit(QDateTime.currentDateTime())
        self.trained_at.setObjectName("training_trained_at")
        self.trained_at.setAccessibleName("When the model was trained (local time)")
        self.trained_at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.trained_at.setCalendarPopup(True)
        self.trained_at.setEnabled(False)
        self.trained_earlier.toggled.connect(self.trained_at.setEnabled)
        when.addWidget(self.trained_earlier)
        when.addWidget(self.trained_at)
        when.addWidget(muted("(else: now)"))
        when.addStretch(1)
        form.addRow("When", when)

        self.params = QTableWidget(0, 2)
        self.params.setObjectName("training_params")
        self.params.setAccessibleName("Training parameters: key and value")
        self.params.setHorizontalHeaderLabels(["Key", "Value"])
        self.params.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.params.horizontalHeader().setStretchLastSection(True)
        self.params.setColumnWidth(0, 200)
        self.params.verticalHeader().setVisible(False)
        self.params.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.params.setTabKeyNavigation(False)  # Tab leaves the table, as in every other field of the dialog
        self.params.verticalHeader().setDefaultSectionSize(self.params.fontMetrics().height() + 8)
        self.params.setMinimumHeight((self.params.fontMetrics().height() + 8) * 5)
        self.params.setMaximumHeight((self.params.fontMetrics().height() + 8) * 7)
        self.params.itemChanged.connect(self._validate)
        self.params.model().rowsRemoved.connect(self._validate)  # however a row goes, the check is redone
        params_box = QWidget()
        pl = QVBoxLayout(params_box)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.addWidget(self.params)
        row = QHBoxLayout()
        self.add_param_button = QPushButton("Add parameter")
        self.add_param_button.setObjectName("training_add_param")
        self.add_param_button.clicked.connect(lambda: self.add_param())
        self.remove_param_button = QPushButton("Remove selected")
        self.remove_param_button.setObjectName("training_remove_param")
        self.remove_param_button.clicked.connect(self._remove_params)
        row.addWidget(self.add_param_button)
        row.addWidget(self.remove_param_button)
        row.addStretch(1)
        pl.addLayout(row)
        pl.addWidget(
            muted(
                "A value is read as JSON when it can be (6, 0.1, true, [1, 2]), else kept as text "
                "(lbfgs), the same as attest register training --param KEY=VALUE."
            )
        )
        form.addRow("Parameters", params_box)
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("training_notes")
        self.notes.setAccessibleName("Notes on the training run")
        self.notes.setTabChangesFocus(True)
        self.notes.setPlaceholderText("e.g. retrained after the Q2 data refresh; class weights balanced")
        self.notes.setFixedHeight(self.notes.fontMetrics().lineSpacing() * 3 + 12)
        form.addRow("Notes", self.notes)
        self.body.addLayout(form)
        self.body.addStretch(1)
        self._validate()

    # ------------------------------------------------------------------ the lists of registered files
    def _combo(self, kind: str, name: str, accessible: str) -> QComboBox:
        c = QComboBox()
        c.setObjectName(name)
        c.setAccessibleName(accessible)
        c.setProperty("kind", kind)
        c.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        c.setMinimumContentsLength(30)
        self._fill(c, None)
        c.activated.connect(lambda _i, combo=c: self._on_activated(combo))
        c.currentIndexChanged.connect(self._validate)
        return c

    def _fill(self, combo: QComboBox, keep: str | None) -> None:
        kind = combo.property("kind")
        combo.blockSignals(True)
        combo.clear()
        mine = [a for a in self._artifacts if a.kind == kind]
        combo.addItem(f"Choose a registered {kind}…" if mine else f"(no {kind} is registered yet)", None)
        for a in mine:
            combo.addItem(artifact_text(a), a.id)
            combo.setItemData(combo.count() - 1, a.path, Qt.ItemDataRole.ToolTipRole)  # where it was registered
        combo.addItem(f"Register a new {kind}…", REGISTER)
        combo.setCurrentIndex(max(combo.findData(keep), 0) if keep else 0)
        combo.setProperty("last", combo.currentData())
        combo.blockSignals(False)

    def _on_activated(self, combo: QComboBox) -> None:
        if combo.currentData() == REGISTER:
            combo.setCurrentIndex(max(combo.findData(combo.property("last")), 0))  # until the file is registered
            self._asking = combo
            self.register_requested.emit(combo.property("kind"))
        else:
            combo.setProperty("last", combo.currentData())

    def add_artifact(self, artifact: Any) -> None:
        """A file registered from this dialog: listed everywhere, and chosen in the list that asked for it."""
        if all(a.id != artifact.id for a in self._artifacts):
            self._artifacts.append(artifact)
        for c in [self.model, *self.dataset_combos]:
            self._fill(c, artifact.id if c is self._asking else c.currentData())
        self._asking = None
        self._validate()

    def set_artifacts(self, artifacts: Sequence[Any]) -> None:
        """The workspace was re-read: the same lists, choices kept."""
        self._artifacts = list(artifacts)
        for c in [self.model, *self.dataset_combos]:
            self._fill(c, c.currentData())
        self._validate()

    def add_dataset_row(self, choose: str | None = None) -> QComboBox:
        combo = self._combo("dataset", f"training_dataset_{len(self.dataset_combos)}", "Training dataset")
        row = QWidget()
        rl = QHBoxLayout(row)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(combo, 1)
        if self.dataset_combos:  # the first list stays: a training run needs data
            remove = QToolButton()
            remove.setText("Remove")
            remove.setAccessibleName("Remove this dataset")
            remove.clicked.connect(lambda: self._remove_dataset(row, combo))
            rl.addWidget(remove)
        self.datasets_box.addWidget(row)
        self.dataset_combos.append(combo)
        if choose:
            combo.setCurrentIndex(max(combo.findData(choose), 0))
            combo.setProperty("last", combo.currentData())
        self._validate()
        return combo

    def _remove_dataset(self, row: QWidget, combo: QComboBox) -> None:
        self.dataset_combos.remove(combo)
        row.deleteLater()
        self._validate()

    # ------------------------------------------------------------------ parameters
    def add_param(self, key: str = "", value: str = "") -> int:
        r = self.params.rowCount()
        self.params.blockSignals(True)
        self.params.insertRow(r)
        key_item = QTableWidgetItem(key)
        self.params.setItem(r, 0, key_item)
        self.params.setItem(r, 1, QTableWidgetItem(value))
        self.params.blockSignals(False)
        if not key and self.isVisible():
            self.params.setCurrentCell(r, 0)
            self.params.editItem(key_item)
        self._validate()
        return r

    def _remove_params(self) -> None:
        for r in sorted({i.row() for i in self.params.selectedIndexes()}, reverse=True):
            self.params.removeRow(r)
        self._validate()

    def param_rows(self) -> list[tuple[str, str]]:
        """(key, value text) of every row that is not blank."""
        rows = []
        for r in range(self.params.rowCount()):
            key, value = (item.text() if (item := self.params.item(r, c)) else "" for c in (0, 1))
            if key.strip() or value.strip():
                rows.append((key.strip(), value.strip()))
        return rows

    # ------------------------------------------------------------------ result
    def problem_text(self) -> str:
        if not self.model.currentData() or self.model.currentData() == REGISTER:
            return "Choose the model this training produced (or register it)."
        chosen = [c.currentData() for c in self.dataset_combos if c.currentData() not in (None, REGISTER)]
        if not chosen:
            return "Choose the dataset the model was trained on (or register it)."
        seen: set[str] = set()
        for i, (key, value) in enumerate(self.param_rows(), start=1):
            if not key:
                return f"Parameter row {i} has the value '{value}' but no key."
            if key in seen:
                return f"The parameter '{key}' is given twice; keep one row for it."
            seen.add(key)
        return ""

    def values(self) -> dict[str, Any]:
        """Keyword arguments of `gui.workspace_jobs.record_training` (after the workspace path)."""
        when = ""
        if self.trained_earlier.isChecked():
            local = self.trained_at.dateTime().toPython()
            assert isinstance(local, datetime)  # a QDateTime converts to a datetime
            when = local.astimezone().isoformat(timespec="minutes")  # local time with its offset, as typed
        datasets = [c.currentData() for c in self.dataset_combos if c.currentData() not in (None, REGISTER)]
        return {
            "model": self.model.currentData(),
            "datasets": list(dict.fromkeys(datasets)),
            "trainer": self.trainer.text().strip(),
            "param_pairs": self.param_rows(),
            "code_version": self.code_version.text().strip(),
            "trained_at": when,
            "notes": self.notes.toPlainText().strip(),
        }
