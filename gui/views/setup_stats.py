"""The set-up page's statistics box: resamples, seed, confidence level, minimum group size, the decision threshold on
scores, and the explanations with their time budget.

Explanations need a model: with decisions from a predictions column there is no model to explain, so the option is off
and disabled with a tooltip saying why; it comes back as the user left it when a model file is chosen again."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QFormLayout, QGroupBox, QWidget

from gui.views.common import form_spin
from gui.views.setup_defaults import NO_MODEL_TO_EXPLAIN
from gui.views.setup_engine import add_engine_row, set_engine

if TYPE_CHECKING:
    from audit.draft import AuditDraft


class StatsBox(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("4  Statistics and explanations", parent)
        self._model_source = True
        self._explain_wanted: bool | None = None  # the user's choice, kept while there is no model to explain
        lay = QFormLayout(self)
        self.bootstrap_spin = form_spin("bootstrap", 0, 20000, 1000, "Bootstrap resamples for confidence intervals")
        self.bootstrap_spin.setSingleStep(100)
        self.seed_spin = form_spin("seed", 0, 2**31 - 1, 0, "Random seed (recorded; reruns give identical numbers)")
        self.min_group_spin = form_spin("min_group_size", 1, 100000, 30, "Groups smaller than this get 'insufficient evidence'")
        self.ci_spin = QDoubleSpinBox()
        self.ci_spin.setObjectName("ci_level")
        self.ci_spin.setAccessibleName("Confidence level")
        self.ci_spin.setRange(0.8, 0.999)
        self.ci_spin.setDecimals(3)
        self.ci_spin.setSingleStep(0.01)
        self.ci_spin.setValue(0.95)
        self.threshold_spin = QDoubleSpinBox()
        self.threshold_spin.setObjectName("threshold")
        self.threshold_spin.setAccessibleName("Decision threshold on model scores")
        self.threshold_spin.setRange(-0.01, 1.0)
        self.threshold_spin.setDecimals(2)
        self.threshold_spin.setSingleStep(0.05)
        self.threshold_spin.setSpecialValueText("the model's own rule")
        self.threshold_spin.setValue(-0.01)
        self.explain_check = QCheckBox("Explain the model (SHAP)")
        self.explain_check.setObjectName("explain_enabled")
        self.explain_check.setAccessibleName("Explain the model with SHAP")
        self.explain_check.setChecked(True)
        self.budget_spin = QDoubleSpinBox()
        self.budget_spin.setObjectName("explain_budget")
        self.budget_spin.setAccessibleName("Explanation time budget in seconds")
        self.budget_spin.setRange(1, 3600)
        self.budget_spin.setValue(30)
        self.budget_spin.setSuffix(" s")
        self.explain_check.toggled.connect(self.budget_spin.setEnabled)
        self.explain_check.toggled.connect(self._explain_needs_model)
        lay.addRow("Bootstrap resamples", self.bootstrap_spin)
        lay.addRow("Random seed", self.seed_spin)
        lay.addRow("Confidence level", self.ci_spin)
        lay.addRow("Minimum group size", self.min_group_spin)
        lay.addRow("Decision threshold", self.threshold_spin)
        lay.addRow(self.explain_check)
        lay.addRow("Explanation time budget", self.budget_spin)
        self.engine_combo = add_engine_row(lay)

    # ------------------------------------------------------------------ explanations need a model
    @Slot(bool)
    def follow_source(self, model: bool) -> None:
        """The decisions now come from a model file (True) or a column: the threshold and the explanations follow."""
        self._model_source = model
        self.threshold_spin.setEnabled(model)
        if not model and self.explain_check.isEnabled():
            self._explain_wanted = self.explain_check.isChecked()  # restored when a model file is chosen again
        self.explain_check.setEnabled(model)
        wanted = self._explain_wanted if self._explain_wanted is not None else self.explain_check.isChecked()
        self.explain_check.setChecked(model and wanted)
        self.explain_check.setToolTip("Explain the model's decisions with SHAP" if model else NO_MODEL_TO_EXPLAIN)
        self.budget_spin.setEnabled(model and self.explain_check.isChecked())

    @Slot(bool)
    def _explain_needs_model(self, on: bool) -> None:
        """Ticked while the decisions come from a column (e.g. by a restored draft): it goes off again."""
        if on and not self._model_source:
            self.explain_check.setChecked(False)

    # ------------------------------------------------------------------ the draft
    def request(self) -> dict[str, Any]:
        """This box's part of the set-up request (see SetupView.build_request)."""
        model = self._model_source
        threshold = self.threshold_spin.value()
        return dict(
            threshold=threshold if model and threshold >= 0 else None,
            min_group_size=self.min_group_spin.value(),
            ci_level=round(self.ci_spin.value(), 3),
            bootstrap=self.bootstrap_spin.value(),
            seed=self.seed_spin.value(),
            engine=self.engine_combo.currentData() or "auto",
            explain={"enabled": model and self.explain_check.isChecked(), "time_budget_s": self.budget_spin.value()},
        )

    def apply_draft(self, draft: AuditDraft) -> None:
        self.bootstrap_spin.setValue(draft.bootstrap)
        self.seed_spin.setValue(draft.seed)
        self.min_group_spin.setValue(draft.min_group_size)
        self.ci_spin.setValue(draft.ci_level)
        self.threshold_spin.setValue(draft.threshold if draft.threshold is not None else self.threshold_spin.minimum())
        self.explain_check.setChecked(draft.explain.enabled)
        self.budget_spin.setValue(draft.explain.time_budget_s)
        set_engine(self.engine_combo, draft.engine)
