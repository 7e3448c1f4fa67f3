"""The monitoring plan, editable on the Monitoring page: which checks run on every window and their thresholds, the
drift thresholds, the minimum sizes. Loaded from a plan file (TOML), saved as one (audit/lifecycle/plan.py writes it
so that it reads back as the same plan); the plan shown here is the one a monitoring run uses."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from audit.lifecycle.plan import MONITOR_CHECKS, DriftPlan, MonitorPlan, load_monitor_plan, save_plan
from gui.errors import show_error
from gui.views.common import muted

# (key, label, minimum, maximum, step); ints get a spin box, floats a decimal one
MONITOR_FIELDS = (
    ("selection_rate_change", "Selection rate change", 0.001, 1.0, 0.01),
    ("selection_ratio", "Selection ratio (of the top group)", 0.01, 1.0, 0.05),
    ("accuracy_drop", "Accuracy drop", 0.001, 1.0, 0.01),
    ("tpr_drop", "TPR drop", 0.001, 1.0, 0.01),
    ("calibration_gap", "Calibration gap", 0.001, 1.0, 0.01),
    ("ci_level", "Interval level", 0.51, 0.999, 0.01),
    ("min_window", "Minimum rows per window", 1, 10_000_000, 10),
    ("min_group", "Minimum rows per group", 1, 10_000_000, 10),
)
DRIFT_FIELDS = (
    ("wasserstein_normed", "Wasserstein / sd", 0.001, 100.0, 0.05),
    ("psi", "PSI", 0.001, 100.0, 0.05),
    ("js", "Jensen-Shannon distance", 0.001, 1.0, 0.01),
    ("missing_rate_change", "Missing-rate change", 0.001, 1.0, 0.01),
    ("new_category_share", "New-category share", 0.001, 1.0, 0.01),
    ("decision_rate_change", "Decision-rate change", 0.001, 1.0, 0.01),
    ("group_share_change", "Group-share change", 0.001, 1.0, 0.01),
    ("min_sample", "Minimum sample", 1, 10_000_000, 10),
    ("bins", "PSI bins", 2, 100, 1),
)


def _spin(key: str, lo: float, hi: float, step: float) -> QSpinBox | QDoubleSpinBox:
    box: QSpinBox | QDoubleSpinBox
    if isinstance(lo, int) and isinstance(hi, int):
        box = QSpinBox()
        box.setRange(lo, hi)
        box.setSingleStep(int(step))
    else:
        box = QDoubleSpinBox()
        box.setDecimals(3)
        box.setRange(lo, hi)
        box.setSingleStep(step)
    box.setObjectName(f"plan_{key}")
    return box


class PlanEditor(QWidget):
    changed = Signal()
    saved = Signal(str)  # the path written

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("monitor_plan_editor")
        self.source = "defaults"
        self._loaded: MonitorPlan = MonitorPlan()
        lay = QVBoxLayout(self)
        lay.addWidget(muted("A check alerts when the change passes its threshold and its interval excludes no change."))
        checks = QHBoxLayout()
        self.checks: dict[str, QCheckBox] = {}
        for c in MONITOR_CHECKS:
            box = QCheckBox(c.replace("_", " "))
            box.setObjectName(f"plan_check_{c}")
            box.toggled.connect(self.changed)
            self.checks[c] = box
            checks.addWidget(box)
        checks.addStretch(1)
        lay.addLayout(checks)
        forms = QHBoxLayout()
        self.fields: dict[str, QSpinBox | QDoubleSpinBox] = {}
        for title, spec in (("Checks", MONITOR_FIELDS), ("Drift", DRIFT_FIELDS)):
            form = QFormLayout()
            form.addRow(QLabel(f"<b>{title}</b>"))
            for key, label, lo, hi, step in spec:
                name = ("drift." if spec is DRIFT_FIELDS else "") + key
                spin = _spin(name, lo, hi, step)
                spin.setAccessibleName(label)
                spin.valueChanged.connect(self.changed)
                self.fields[name] = spin
                form.addRow(label, spin)
            forms.addLayout(form)
        lay.addLayout(forms)
        row = QHBoxLayout()
        self.defaults_button = QPushButton("Defaults")
        self.defaults_button.setObjectName("plan_defaults")
        self.defaults_button.clicked.connect(lambda: self.set_plan(MonitorPlan()))
        self.save_button = QPushButton("Save plan as TOML…")
        self.save_button.setObjectName("plan_save")
        self.save_button.clicked.connect(self.save_as)
        row.addWidget(self.defaults_button)
        row.addWidget(self.save_button)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addStretch(1)
        self.set_plan(MonitorPlan())

    def set_plan(self, plan: MonitorPlan) -> None:
        self._loaded, self.source = plan, plan.source
        for c, box in self.checks.items():
            box.setChecked(c in plan.checks)
        for key, spin in self.fields.items():
            obj, name = (plan.drift, key[6:]) if key.startswith("drift.") else (plan, key)
            spin.setValue(getattr(obj, name))

    def plan(self) -> MonitorPlan:
        """The plan as shown; its source is the file it came from unless it was edited since."""
        values = {k: spin.value() for k, spin in self.fields.items()}
        drift = DriftPlan.model_validate({k[6:]: v for k, v in values.items() if k.startswith("drift.")})
        plan = MonitorPlan.model_validate(
            {
                "checks": tuple(c for c in MONITOR_CHECKS if self.checks[c].isChecked()),
                "drift": drift,
                **{k: v for k, v in values.items() if not k.startswith("drift.")},
            }
        )
        same = plan == self._loaded.model_copy(
            update={"source": "defaults", "drift": self._loaded.drift.model_copy(update={"source": "defaults"})}
        )
        return plan.model_copy(update={"source": self.source if same else "edited on the Monitoring page (not saved)"})

    def load(self, path: str) -> None:
        try:
            self.set_plan(load_monitor_plan(path))
        except Exception as exc:  # an InputError says what is wrong with the file
            show_error(self, exc, title="Cannot read the plan")

    def save_as(self, path: str | None = None) -> str | None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Save the monitoring plan", "monitoring_plan.toml", "TOML (*.toml)")
        if not path:
            return None
        save_plan(self.plan(), path)
        self.set_plan(load_monitor_plan(path))
        self.saved.emit(path)
        return path
