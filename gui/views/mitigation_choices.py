"""The Mitigation page's choices: the run, the constraint and objective, the split, and optional training data for
ExponentiatedGradient retraining; they build the `Options` the proposal is made with."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from gui.views.common import DATA_FILTER, FileField
from gui.views.mitigation_jobs import CONSTRAINTS, OBJECTIVES

if TYPE_CHECKING:
    from audit.mitigation.propose import Options
    from audit.mitigation.retrain import RetrainOptions


class MitigationChoices(QWidget):
    """The row of choices above the results; `propose_button` is connected by the page."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        first, row = QHBoxLayout(), QHBoxLayout()
        rows.addLayout(first)
        rows.addLayout(row)
        self.run = QComboBox()
        self.run.setObjectName("mitigation_run")
        self.run.setAccessibleName("Audit run")
        self.run.setMinimumWidth(240)
        self.constraint, self.objective = QComboBox(), QComboBox()
        for combo, name, items in (
            (self.constraint, "mitigation_constraint", CONSTRAINTS),
            (self.objective, "mitigation_objective", OBJECTIVES),
        ):
            combo.setObjectName(name)
            for key, text in items:
                combo.addItem(text, key)
        self.constraint.setAccessibleName("Constraint")
        self.objective.setAccessibleName("Objective")
        self.seed = QSpinBox()
        self.seed.setObjectName("mitigation_seed")
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Seed of the split and of randomised decisions")
        self.test_size = QDoubleSpinBox()
        self.test_size.setObjectName("mitigation_test_size")
        self.test_size.setRange(0.1, 0.9)
        self.test_size.setSingleStep(0.05)
        self.test_size.setValue(0.5)
        self.test_size.setToolTip("Share of the rows held out for the audit (never used to fit the thresholds)")
        self.seed.setAccessibleName("Seed")
        self.test_size.setAccessibleName("Share held out")
        first.addWidget(QLabel("Run"))
        first.addWidget(self.run, 1)
        self.train_data = FileField("retrain", "optional: training data, to also retrain with ExponentiatedGradient")
        self.train_data.setToolTip(
            "Retrains an unfitted copy of the run's scikit-learn model under the constraint on this file (the model's "
            "features, the run's target and sensitive columns) and audits it on the same held-out rows"
        )
        self.train_data.browse_requested.connect(self._browse_training)
        first.addWidget(QLabel("Retrain on"))
        first.addWidget(self.train_data, 1)
        for label, w in (
            ("Constraint", self.constraint),
            ("Objective", self.objective),
            ("Seed", self.seed),
            ("Held out", self.test_size),
        ):
            row.addWidget(QLabel(label))
            row.addWidget(w)
        row.addStretch(1)
        self.propose_button = QPushButton("Propose")
        self.propose_button.setObjectName("mitigation_propose")
        row.addWidget(self.propose_button)

    def _browse_training(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(self, "Training data", self.train_data.path(), DATA_FILTER)
        if path:
            self.train_data.set_path(path)

    def retrain_options(self) -> RetrainOptions | None:
        from audit.mitigation.retrain import RetrainOptions

        path = self.train_data.path()
        return RetrainOptions(path) if path else None

    def options(self) -> Options:
        from audit.mitigation.propose import Options

        return Options(
            constraint=self.constraint.currentData(),
            objective=self.objective.currentData(),
            seed=self.seed.value(),
            test_size=round(self.test_size.value(), 4),
        )
