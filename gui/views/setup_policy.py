"""The set-up page's policy editor: a preset with the line saying what it checks, or the user's own thresholds (four
rows, each a check that can be ticked, and how a check decides). Reads and writes its part of the audit draft."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QGridLayout, QGroupBox, QVBoxLayout, QWidget

from gui.views.common import form_combo, muted
from gui.views.setup_defaults import POLICIES, POLICY_TITLES

if TYPE_CHECKING:
    from audit.policy import Policy

# The custom rows: key, text, default threshold, ticked at first
CUSTOM_ROWS = (
    ("four_fifths", "Selection-rate ratio vs highest group ≥", 0.8, True),
    ("tpr", "TPR difference vs reference within ±", 0.1, True),
    ("fpr", "FPR difference vs reference within ±", 0.1, False),
    ("dp", "Selection-rate difference vs reference within ±", 0.1, False),
)
# custom-policy check id -> the row that edits it
CHECK_ROWS = {
    "four_fifths": "four_fifths",
    "equal_opportunity_tpr": "tpr",
    "equalized_odds_fpr": "fpr",
    "demographic_parity": "dp",
}
# the difference rows: row -> (metric, check id)
DIFFERENCE_ROWS = (
    ("tpr", "tpr", "equal_opportunity_tpr"),
    ("fpr", "fpr", "equalized_odds_fpr"),
    ("dp", "selection_rate", "demographic_parity"),
)


class PolicyEditor(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("3  Policy and thresholds", parent)
        lay = QVBoxLayout(self)
        self.policy_combo = form_combo("policy", "Fairness policy")
        for name in POLICIES:
            self.policy_combo.addItem(POLICY_TITLES.get(name, name.replace("_", " ").capitalize()), name)
        self.policy_combo.setCurrentIndex(0)
        self.policy_combo.currentIndexChanged.connect(self._update_policy)
        self.policy_help = muted()
        lay.addWidget(self.policy_combo)
        lay.addWidget(self.policy_help)
        self.custom_box = QWidget()
        grid = QGridLayout(self.custom_box)
        grid.setContentsMargins(0, 0, 0, 0)
        self.custom: dict[str, tuple[QCheckBox, QDoubleSpinBox]] = {}
        for i, (key, text, value, on) in enumerate(CUSTOM_ROWS):
            check = QCheckBox(text)
            check.setChecked(on)
            check.setAccessibleName(text)
            spin = QDoubleSpinBox()
            spin.setObjectName(f"custom_{key}")
            spin.setAccessibleName(f"{text} threshold")
            spin.setRange(0.0, 1.0)
            spin.setSingleStep(0.01)
            spin.setDecimals(2)
            spin.setValue(value)
            grid.addWidget(check, i, 0)
            grid.addWidget(spin, i, 1)
            self.custom[key] = (check, spin)
        self.decision_combo = form_combo("decision_rule", "How a check decides")
        self.decision_combo.addItem("Pass only if the whole confidence interval meets the rule", "interval")
        self.decision_combo.addItem("Decide on the point estimate", "point")
        grid.addWidget(self.decision_combo, len(CUSTOM_ROWS), 0, 1, 2)
        lay.addWidget(self.custom_box)
        self._update_policy()

    def key(self) -> str:
        return self.policy_combo.currentData() or "four_fifths"

    @Slot()
    def _update_policy(self) -> None:
        key = self.key()
        self.policy_help.setText(POLICIES[key])
        self.custom_box.setVisible(key == "custom")

    def select(self, name: str) -> None:
        """Choose a preset by name (the first one when this page has no such preset)."""
        self.policy_combo.setCurrentIndex(max(0, self.policy_combo.findData(name)))

    # ------------------------------------------------------------------ the draft
    def request(self) -> dict[str, Any]:
        """The policy part of the set-up request: {"preset": name}, or the custom checks and their decision rule."""
        key = self.key()
        if key != "custom":
            return {"preset": key}
        c = self.custom
        checks: list[dict[str, Any]] = []
        if c["four_fifths"][0].isChecked():
            checks.append(
                dict(
                    id="four_fifths",
                    metric="selection_rate",
                    compare="ratio",
                    against="max",
                    min=c["four_fifths"][1].value(),
                    description="Custom: selection-rate ratio vs the highest group.",
                )
            )
        for k, metric, cid in DIFFERENCE_ROWS:
            if c[k][0].isChecked():
                t = c[k][1].value()
                checks.append(
                    dict(
                        id=cid,
                        metric=metric,
                        compare="difference",
                        min=-t,
                        max=t,
                        description=f"Custom: {metric} within ±{t:g} of the reference group.",
                    )
                )
        return {"checks": checks, "decision": self.decision_combo.currentData()}

    def apply_policy(self, policy: str, policy_value: Policy | None) -> list[str]:
        """Show a draft's policy: a preset by name, or a declared policy's checks in the custom rows. Returns what this
        page cannot show (a check without a row, a policy that is not a preset here)."""
        notes: list[str] = []
        if policy_value is None and self.policy_combo.findData(policy) >= 0:
            self.policy_combo.setCurrentIndex(self.policy_combo.findData(policy))
        elif policy_value is not None:
            self.policy_combo.setCurrentIndex(self.policy_combo.findData("custom"))
            self.decision_combo.setCurrentIndex(max(self.decision_combo.findData(policy_value.decision), 0))
            seen = set()
            for check in policy_value.checks:
                row = CHECK_ROWS.get(check.id)
                if row is None:
                    notes.append(f"check {check.id} of the recorded policy has no row on this page")
                    continue
                box, spin = self.custom[row]
                box.setChecked(True)
                bound = check.min if row == "four_fifths" else check.max  # a ratio's floor, a difference's half-width
                spin.setValue(bound if bound is not None else 0.0)
                seen.add(row)
            for row, (box, _) in self.custom.items():
                if row not in seen:
                    box.setChecked(False)
        else:
            notes.append(f"the policy {policy!r} is not a preset of this page")
        return notes
