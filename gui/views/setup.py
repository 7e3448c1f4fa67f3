"""Audit set-up: inputs, outcome, sensitive features with their groups and counts, policy, statistics and declared
context. Produces an `AuditSpec`; never runs anything itself except the data preview (in its own runner)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.errors import show_error
from gui.models.preview import PreviewModel
from gui.views.common import (
    DATA_FILTER,
    DATA_SUFFIXES,
    MODEL_FILTER,
    MODEL_SUFFIXES,
    FileField,
    fit_columns,
    heading,
    muted,
    table_view,
    titled_panel,
)
from gui.views.setup_context import ANNEX_III, CONTEXT_FIELDS, ContextPanel  # noqa: F401 - re-exported
from gui.views.setup_defaults import NO_MODEL_TO_EXPLAIN, POLICIES, POLICY_TITLES, SetupDefaults  # noqa: F401 - re-exported
from gui.views.setup_engine import add_engine_row
from gui.views.setup_groups import AUTO_REFERENCE, GroupsPanel, _is_text  # noqa: F401
from gui.views.setup_request import RequestPanel
from gui.worker import Runner


class SetupView(GroupsPanel, ContextPanel, SetupDefaults, RequestPanel, QWidget):
    run_requested = Signal(object)  # dict: the set-up request (see build_request)
    preview_loaded = Signal(object)  # gui.jobs.DataPreview
    preview_failed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setup_view")
        self.setAcceptDrops(True)
        self.preview = None
        self.references: dict[str, str] = {}  # the user's choices; survive every rebuild of the groups tree
        self._pending: dict[str, Any] = {}
        self._min_size = 30
        self.runner = Runner("preview", self)
        self.runner.finished.connect(self._on_preview)
        self.runner.failed.connect(self._on_preview_failed)
        self.runner.busy_changed.connect(self._on_preview_busy)

        left = QWidget()
        form = QVBoxLayout(left)
        form.addWidget(heading("Set up an audit"))
        form.addWidget(
            muted(
                "Everything on this page is declared before the run and recorded in the trail with the result. "
                "Drop a dataset or model file anywhere on this page."
            )
        )
        form.addWidget(self._inputs_box())
        form.addWidget(self._outcome_box())
        form.addWidget(self._policy_box())
        form.addWidget(self._stats_box())
        form.addWidget(self._context_box())
        form.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("setup_form")
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(left)
        scroll.setMinimumWidth(440)

        right = QSplitter(Qt.Orientation.Vertical)
        right.setObjectName("setup_right")
        right.addWidget(self._preview_panel())
        right.addWidget(self._groups_panel())
        right.setSizes([300, 400])

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("setup_splitter")
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([520, 680])

        self.run_button = QPushButton("Run audit")
        self.run_button.setObjectName("run_audit")
        self.run_button.setAccessibleName("Run audit")
        self.run_button.setToolTip("Run the audit (Ctrl+R)")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.request_run)
        self.ready_label = muted()
        self.ready_label.setObjectName("ready_label")
        bottom = QHBoxLayout()
        bottom.addWidget(self.ready_label, 1)
        bottom.addWidget(self.run_button)

        outer = QVBoxLayout(self)
        outer.addWidget(self.splitter, 1)
        outer.addLayout(bottom)
        self._update_source()
        self._update_ready()

    # ------------------------------------------------------------------ building the form
    def _inputs_box(self) -> QGroupBox:
        box = QGroupBox("1  Inputs")
        lay = QFormLayout(box)
        self.data_field = FileField("dataset", "Evaluation dataset: CSV, Parquet or Excel")
        self.data_field.browse_requested.connect(self._browse_data)
        self.data_field.changed.connect(self.load_data)
        lay.addRow("Evaluation data", self.data_field)
        self.source_model = QRadioButton("Model file")
        self.source_model.setAccessibleName("Decisions come from a model file")
        self.source_predictions = QRadioButton("Predictions column")
        self.source_predictions.setAccessibleName("Decisions come from a predictions column")
        self.source_model.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.source_model)
        group.addButton(self.source_predictions)
        self.source_model.toggled.connect(self._update_source)
        row = QHBoxLayout()
        row.addWidget(self.source_model)
        row.addWidget(self.source_predictions)
        row.addStretch(1)
        lay.addRow("Decisions from", row)
        self.model_field = FileField("model", "skops, ONNX, LightGBM, XGBoost, or a pickle you trust")
        self.model_field.browse_requested.connect(self._browse_model)
        self.model_field.changed.connect(lambda _: self._update_ready())
        lay.addRow("Model", self.model_field)
        self.predictions_combo = self._combo("predictions_column", "Column with the model's decisions")
        self.scores_combo = self._combo("scores_column", "Optional column with scores (probability of the positive outcome)")
        lay.addRow("Predictions column", self.predictions_combo)
        lay.addRow("Scores column", self.scores_combo)
        self._inputs_form = lay
        return box

    def _outcome_box(self) -> QGroupBox:
        box = QGroupBox("2  Outcome")
        lay = QFormLayout(box)
        self.target_combo = self._combo("target", "Column with the true outcome")
        self.target_combo.currentTextChanged.connect(self._fill_positive)
        self.positive_combo = self._combo("positive_label", "The favourable outcome (e.g. approved = 1)")
        self.positive_combo.setEditable(True)
        lay.addRow("Target", self.target_combo)
        lay.addRow("", self._target_note())
        lay.addRow("Favourable value", self.positive_combo)
        return box

    def _policy_box(self) -> QGroupBox:
        box = QGroupBox("3  Policy and thresholds")
        lay = QVBoxLayout(box)
        self.policy_combo = self._combo("policy", "Fairness policy")
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
        rows = [
            ("four_fifths", "Selection-rate ratio vs highest group ≥", 0.8, True),
            ("tpr", "TPR difference vs reference within ±", 0.1, True),
            ("fpr", "FPR difference vs reference within ±", 0.1, False),
            ("dp", "Selection-rate difference vs reference within ±", 0.1, False),
        ]
        for i, (key, text, value, on) in enumerate(rows):
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
        self.decision_combo = self._combo("decision_rule", "How a check decides")
        self.decision_combo.addItem("Pass only if the whole confidence interval meets the rule", "interval")
        self.decision_combo.addItem("Decide on the point estimate", "point")
        grid.addWidget(self.decision_combo, len(rows), 0, 1, 2)
        lay.addWidget(self.custom_box)
        self._update_policy()
        return box

    def _stats_box(self) -> QGroupBox:
        box = QGroupBox("4  Statistics and explanations")
        lay = QFormLayout(box)
        self.bootstrap_spin = self._spin("bootstrap", 0, 20000, 1000, "Bootstrap resamples for confidence intervals")
        self.bootstrap_spin.setSingleStep(100)
        self.seed_spin = self._spin("seed", 0, 2**31 - 1, 0, "Random seed (recorded; reruns give identical numbers)")
        self.min_group_spin = self._spin("min_group_size", 1, 100000, 30, "Groups smaller than this get 'insufficient evidence'")
        self.min_group_spin.valueChanged.connect(self._mark_small_groups)
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
        return box

    def _preview_panel(self) -> QWidget:
        w, lay = titled_panel("Data preview")
        self.data_info = muted("No dataset yet. Choose one under Inputs, or drop a file here.")
        self.data_info.setObjectName("data_info")
        lay.addWidget(self.data_info)
        self.preview_model = PreviewModel(self)
        self.preview_table = table_view("data_preview", stretch_last=False, sortable=False)
        self.preview_table.setModel(self.preview_model)
        lay.addWidget(self.preview_table, 1)
        return w

    def _combo(self, name: str, accessible: str) -> QComboBox:
        c = QComboBox()
        c.setObjectName(name)
        c.setAccessibleName(accessible)
        c.setToolTip(accessible)
        c.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        c.setMinimumContentsLength(14)
        return c

    def _spin(self, name: str, lo: int, hi: int, value: int, accessible: str) -> QSpinBox:
        s = QSpinBox()
        s.setObjectName(name)
        s.setAccessibleName(accessible)
        s.setToolTip(accessible)
        s.setRange(lo, hi)
        s.setValue(value)
        s.setGroupSeparatorShown(True)
        return s

    # ------------------------------------------------------------------ files
    def _browse_data(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose the evaluation dataset", self._start_dir(), DATA_FILTER)
        if path:
            self.data_field.set_path(path)

    def _browse_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose the model file", self._start_dir(), MODEL_FILTER)
        if path:
            self.set_model_path(path)

    def _start_dir(self) -> str:
        for p in (self.data_field.path(), self.model_field.path()):
            if p:
                return str(Path(p).parent)
        return str(Path.home())

    def set_model_path(self, path: str) -> None:
        self.model_field.set_path(path)
        self.source_model.setChecked(True)
        self._update_ready()

    def set_data_path(self, path: str) -> None:
        self.data_field.set_path(path)  # emits changed -> load_data

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.open_dropped(url.toLocalFile())
        event.acceptProposedAction()

    def open_dropped(self, path: str) -> None:
        """A dropped file goes where its kind belongs: datasets to Evaluation data, model files to Model."""
        suffix = Path(path).suffix.lower()
        if suffix in DATA_SUFFIXES and not (suffix in MODEL_SUFFIXES and self.data_field.path()):
            self.data_field.set_path(path)
        elif suffix in MODEL_SUFFIXES:
            self.set_model_path(path)
        else:
            self.data_field.set_path(path)  # let the loader say clearly what is wrong with it

    # ------------------------------------------------------------------ preview
    def load_data(self, path: str) -> None:
        if not path:
            return
        from gui import jobs

        self.data_info.setText(f"Reading {Path(path).name}…")
        self.runner.start(jobs.load_preview, path, na_values=self.na_values())

    def _on_preview_busy(self, busy: bool) -> None:
        self.data_field.setEnabled(not busy)

    def _on_preview_failed(self, exc: BaseException) -> None:
        self.data_info.setText(f"Could not read {Path(self.data_field.path()).name}.")
        self.preview_failed.emit(exc)
        show_error(self, exc, title="Cannot read the dataset")

    def _on_preview(self, preview) -> None:
        self.preview = preview
        ref = preview.ref
        self.data_info.setText(
            f"{Path(ref.path).name}: {ref.rows:,} rows × {len(ref.columns)} columns, {ref.format}, "
            f"SHA-256 {ref.sha256[:16]}…   (first {len(preview.rows)} rows shown)"
        )
        self.data_info.setToolTip(f"{ref.path}\nSHA-256 {ref.sha256}")
        self.preview_model.set_preview(preview.columns, preview.dtypes, preview.rows)
        fit_columns(self.preview_table, sample_rows=30)
        previous_guess = self.target_combo.currentText() if self.target_guessed else None
        for combo, optional in ((self.target_combo, False), (self.predictions_combo, False), (self.scores_combo, True)):
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
            elif combo is self.target_combo:
                combo.setCurrentIndex(-1)  # not the first column: nobody chose one yet (see guess_target_if_unset)
        pending_target = self._pending.get("target")
        self._fill_groups()
        self._fill_positive(self.target_combo.currentText())
        self._apply_pending()
        if self.guess_target_if_unset(pending_target, previous_guess):
            self._fill_positive(self.target_combo.currentText())
        self._update_ready()
        self.preview_loaded.emit(preview)

    def _fill_positive(self, target: str) -> None:
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
        self._update_ready()

    def apply_values(self, values: dict[str, Any]) -> None:
        """Pre-fill the form (the demo workspace); column choices wait for the dataset's preview."""
        self.set_context_values(values.get("context") or {})
        if values.get("policy"):
            self.policy_combo.setCurrentIndex(max(0, self.policy_combo.findData(values["policy"])))
        self._pending = {k: v for k, v in values.items() if k in ("target", "positive_label", "sensitive", "references")}
        if self.preview is not None:
            self._apply_pending()

    def _apply_pending(self) -> None:
        values, self._pending = self._pending, {}
        if not values or self.preview is None:
            return
        if values.get("target") in self.preview.columns:
            self.target_combo.setCurrentText(values["target"])
        if values.get("positive_label") is not None:
            self.positive_combo.setCurrentText(str(values["positive_label"]))
        if values.get("sensitive"):
            self.set_sensitive(list(values["sensitive"]))
        for f, ref in (values.get("references") or {}).items():
            self.set_reference(f, ref)

    def _update_source(self) -> None:
        model = self.source_model.isChecked()
        self.model_field.setEnabled(model)
        self.predictions_combo.setEnabled(not model)
        self.scores_combo.setEnabled(not model)
        self.threshold_spin.setEnabled(model)
        self._explain_follows_source(model)
        self._update_ready()

    def _update_policy(self) -> None:
        key = self.policy_combo.currentData() or "four_fifths"
        self.policy_help.setText(POLICIES[key])
        self.custom_box.setVisible(key == "custom")

    # ------------------------------------------------------------------ layout memory
    def save_state(self, settings) -> None:
        settings.set_value("setup/splitter", self.splitter.saveState())

    def restore_state(self, settings) -> None:
        state = settings.value("setup/splitter")
        if state is not None:
            self.splitter.restoreState(state)
