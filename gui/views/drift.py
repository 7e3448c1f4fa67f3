"""Drift between two datasets: pick the reference (e.g. the audit's evaluation data) and the current data, optionally
the score / decision columns, the demographic columns and a monitoring plan; the drift is measured off the GUI thread
and shown per feature, per group, with its alerts. Save as JSON (what `attest drift --json` writes)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gui import theme
from gui.errors import show_error
from gui.lifecycle_jobs import drift_job
from gui.models.table import Column, RecordTableModel
from gui.views.common import DATA_FILTER, MODEL_FILTER, FileField, fit_columns, heading, muted, table_view
from gui.views.lifecycle_engine import add_engine_picker, bound_text, bounds_html, engine_html, engine_of, has_bounds, set_engine
from gui.worker import Runner

STATUS = {"pass": "pass", "alert": "ALERT", "insufficient_evidence": "insufficient evidence"}


def _num(v) -> str:
    return "–" if v is None else f"{v:.3f}"


def _bg(status: str):
    return theme.color({"alert": "fail", "insufficient_evidence": "insufficient_evidence"}.get(status, "pass"))


FEATURE_COLUMNS: list[Column[Any]] = [
    Column("Feature", lambda f: f.name),
    Column("Kind", lambda f: f.kind),
    Column("n ref", lambda f: f"{f.n_reference:,}", sort=lambda f: f.n_reference, numeric=True),
    Column("n cur", lambda f: f"{f.n_current:,}", sort=lambda f: f.n_current, numeric=True),
    Column(
        "W / sd",
        lambda f: _num(f.wasserstein_normed),
        sort=lambda f: f.wasserstein_normed,
        numeric=True,
        header_tip="Wasserstein distance in reference standard deviations",
    ),
    Column("PSI", lambda f: _num(f.psi), sort=lambda f: f.psi, numeric=True),
    Column("JS", lambda f: _num(f.js), sort=lambda f: f.js, numeric=True, header_tip="Jensen-Shannon distance"),
    Column(
        "p",
        lambda f: "–" if (p := f.ks_p if f.kind == "numeric" else f.chi2_p) is None else f"{p:.2g}",
        header_tip="KS (numeric) or chi-squared (categorical) p-value: informs, does not decide",
    ),
    Column("Missing", lambda f: f"{f.missing_reference:.1%} → {f.missing_current:.1%}"),
    Column("Status", lambda f: STATUS[f.status], background=lambda f: _bg(f.status)),
    Column("Why", lambda f: "; ".join(f.reasons)),
]
BOUND_COLUMN: Column[Any] = Column(
    "Binned: W, KS",
    bound_text,
    header_tip="Out of core on fine histograms: the true Wasserstein distance is within ± the bound of the one shown, "
    "the true KS statistic between the two values shown (its p-value is from the lower one); exact otherwise",
)


def feature_columns(rows: list[Any]) -> list[Column[Any]]:
    """The feature table's columns; with binned features (or scores) their bounds too, after the distances."""
    if not any(has_bounds(f) for f in rows):
        return FEATURE_COLUMNS
    at = [c.title for c in FEATURE_COLUMNS].index("W / sd") + 1
    return [*FEATURE_COLUMNS[:at], BOUND_COLUMN, *FEATURE_COLUMNS[at:]]


GROUP_COLUMNS: list[Column[Any]] = [
    Column("Group", lambda g: f"{g.column}={g.group}"),
    Column("n ref", lambda g: f"{g.n_reference:,}", sort=lambda g: g.n_reference, numeric=True),
    Column("n cur", lambda g: f"{g.n_current:,}", sort=lambda g: g.n_current, numeric=True),
    Column("Share", lambda g: f"{g.share_reference:.1%} → {g.share_current:.1%}"),
    Column(
        "Decision rate",
        lambda g: (
            "–"
            if g.decision_rate_change is None
            else f"{g.decision_rate_reference.value:.3f} → {g.decision_rate_current.value:.3f}"
        ),
    ),
    Column("Scores W / sd", lambda g: _num(g.score_wasserstein_normed), numeric=True),
    Column("Features drifting", lambda g: ", ".join(g.features_alerting)),
    Column("Status", lambda g: STATUS[g.status], background=lambda g: _bg(g.status)),
]
ALERT_COLUMNS: list[Column[Any]] = [
    Column("Scope", lambda a: a.scope),
    Column("Where", lambda a: a.group or a.name),
    Column("Statistic", lambda a: a.statistic),
    Column("Value", lambda a: f"{a.value:.3f}", sort=lambda a: a.value, numeric=True),
    Column("Threshold", lambda a: f"{a.threshold:g}", numeric=True),
    Column("Message", lambda a: a.message),
]


class DriftView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drift_view")
        self.result = None
        self.runner = Runner("drift", self)
        self.runner.finished.connect(self.show_result)
        self.runner.failed.connect(self._failed)

        lay = QVBoxLayout(self)
        lay.addWidget(heading("Drift between two datasets"))
        lay.addWidget(
            muted(
                "Distances decide (against the monitoring plan's thresholds), p-values only inform; with "
                "too few rows a finding is insufficient evidence."
            )
        )
        form = QFormLayout()
        self.reference = FileField("reference", "Reference data, e.g. the audit's evaluation set")
        self.current = FileField("current", "Current data, e.g. last month's applications")
        self.plan = FileField("plan", "Monitoring plan (TOML, optional: documented defaults otherwise)")
        self.model = FileField("model", "Model to score both files (optional; or name the columns below)")
        self.model.browse_requested.connect(lambda: self._browse(self.model, "Model", MODEL_FILTER))
        for field, title in ((self.reference, "Reference data"), (self.current, "Current data")):
            field.browse_requested.connect(lambda f=field, t=title: self._browse(f, t, DATA_FILTER))
        self.plan.browse_requested.connect(lambda: self._browse(self.plan, "Monitoring plan", "TOML (*.toml);;All (*)"))
        self.features, self.sensitive = QLineEdit(), QLineEdit()
        self.scores, self.predictions = QLineEdit(), QLineEdit()
        for edit, name, tip in (
            (self.features, "features", "all columns except the ones below"),
            (self.sensitive, "sensitive", "e.g. race,sex"),
            (self.scores, "scores", "column"),
            (self.predictions, "predictions", "column of decisions"),
        ):
            edit.setObjectName(f"drift_{name}")
            edit.setPlaceholderText(tip)
            edit.setAccessibleName(name)
        form.addRow("Reference", self.reference)
        form.addRow("Current", self.current)
        form.addRow("Features", self.features)
        form.addRow("Sensitive columns", self.sensitive)
        form.addRow("Model", self.model)
        form.addRow("Scores column", self.scores)
        form.addRow("Decisions column", self.predictions)
        form.addRow("Plan", self.plan)
        lay.addLayout(form)
        row = QHBoxLayout()
        self.engine = add_engine_picker(row, "drift")
        self.run_button = QPushButton("Measure drift")
        self.run_button.setObjectName("drift_run")
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("drift_cancel")
        self.cancel_button.setAccessibleName("Cancel measuring drift")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.runner.progress.connect(self._progress)
        self.runner.cancelled.connect(self._cancelled)
        self.save_button = QPushButton("Save JSON…")
        self.save_button.setObjectName("drift_save")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(lambda: self.save())
        row.addWidget(self.run_button)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        row.addWidget(self.save_button)
        lay.addLayout(row)
        self.summary = QTextBrowser()
        self.summary.setObjectName("drift_summary")
        self.summary.setAccessibleName("Drift summary")
        tabs = QTabWidget()
        self.models = {}
        for name, columns, title in (
            ("drift_features", FEATURE_COLUMNS, "Features"),
            ("drift_groups", GROUP_COLUMNS, "Groups"),
            ("drift_alerts", ALERT_COLUMNS, "Alerts"),
        ):
            model = RecordTableModel(columns, parent=self)
            view = table_view(name)
            view.setModel(model)
            self.models[name] = (model, view)
            tabs.addTab(view, title)
        # The summary and the tables share the height the form leaves (a 1280x720 screen left the tables 1.5 rows):
        # the tables get most of it, and the user can drag the divider.
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("drift_split")
        split.setChildrenCollapsible(False)
        self.summary.setMinimumHeight(48)
        split.addWidget(self.summary)
        split.addWidget(tabs)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        lay.addWidget(split, 1)

    def fill(self, request: dict) -> None:
        """Fill the fields from a request of `request()`'s shape (the demo's story), so the drift can be measured again."""
        for key, f in (("reference", self.reference), ("current", self.current), ("plan", self.plan), ("model", self.model)):
            f.set_path(request.get(key) or "", emit=False)
        for key, edit in (("features", self.features), ("sensitive", self.sensitive)):
            edit.setText(",".join(request.get(key) or []))
        self.scores.setText(request.get("scores") or "")
        self.predictions.setText(request.get("predictions") or "")
        set_engine(self.engine, request.get("engine"))  # a form from before the choice existed: Automatic

    def _browse(self, field: FileField, title: str, name_filter: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, title, field.path(), name_filter)
        if path:
            field.set_path(path)

    def request(self) -> dict:
        def cols(edit: QLineEdit) -> list[str] | None:
            return [c.strip() for c in edit.text().split(",") if c.strip()] or None

        return {
            "reference": self.reference.path(),
            "current": self.current.path(),
            "features": cols(self.features),
            "sensitive": cols(self.sensitive),
            "scores": self.scores.text().strip() or None,
            "predictions": self.predictions.text().strip() or None,
            "plan": self.plan.path() or None,
            "model": self.model.path() or None,
            "engine": engine_of(self.engine),
        }

    def run(self) -> None:
        req = self.request()
        if not req["reference"] or not req["current"]:
            self.summary.setPlainText("Choose the reference and the current data first.")
            return
        self._busy(True)
        self.summary.setPlainText("Measuring drift…")
        self.runner.start(drift_job, req)

    def cancel(self) -> None:
        """Stop the measurement: a running DuckDB query is interrupted by its watcher within a quarter second."""
        if self.runner.busy:
            self.runner.cancel()
            self.cancel_button.setEnabled(False)
            self.summary.setPlainText("Cancelling…")

    def _busy(self, busy: bool) -> None:
        self.run_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)

    def _progress(self, step: str, done: int, total: int, message: str) -> None:
        self.summary.setPlainText(f"Measuring drift… {message}" if message else "Measuring drift…")

    def _cancelled(self) -> None:
        self._busy(False)
        shown = " The tables still show the previous measurement." if self.result is not None else ""
        self.summary.setPlainText(f"Cancelled: no drift was measured.{shown}")

    def _failed(self, exc) -> None:
        self._busy(False)
        self.summary.setPlainText(getattr(exc, "message", str(exc)))
        show_error(self, exc, title="Cannot measure drift")

    def show_result(self, result) -> None:
        from html import escape

        self.result = result
        self._busy(self.runner.busy)  # a result shown from elsewhere (the trail, the demo) while a run goes on
        self.save_button.setEnabled(True)
        scores = result.predictions.scores if result.predictions else None
        self.summary.setHtml(
            engine_html(result.engine)
            + "".join(f"<p>{escape(s)}</p>" for s in result.summary)
            + bounds_html([*result.features, *([scores] if scores else [])])
            + "".join(f"<p><i>{escape(n)}</i></p>" for n in result.notes)
        )
        rows = {
            "drift_features": list(result.features) + list(result.group_shares) + ([scores] if scores else []),
            "drift_groups": result.groups,
            "drift_alerts": result.alerts,
        }
        for name, (model, view) in self.models.items():
            model.set_rows(rows[name], feature_columns(rows[name]) if name == "drift_features" else None)
            fit_columns(view)

    def save(self, path: str | None = None) -> None:
        if self.result is None:
            return
        if path is None:
            from gui.files import choose_save_path

            chosen = choose_save_path(self, "Save the drift result", "drift.json", "JSON (*.json)")
            if chosen is None:
                return
            path = str(chosen)
        from audit.outputs import atomic_write

        atomic_write(path, self.result.to_json().encode("utf-8"))
