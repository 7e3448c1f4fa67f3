"""Monitoring production decisions: pick the log, its time column and window, the decision / score / outcome columns
and the reference (a data file or a recorded run id); the monitoring runs off the GUI thread with the same code as
`attest monitor`, is recorded in the workspace's trail, and is shown as windows, checks and alerts (tables), and as
the time-series charts of the monitoring report (reports/charts/timeseries.py). The plan is edited on its own tab
(gui/views/monitor_plan.py) and saved as TOML; the plan shown there is the one that runs."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gui import theme
from gui.errors import show_error
from gui.lifecycle_jobs import monitor_job
from gui.models.table import Column, RecordTableModel
from gui.views.common import (
    DATA_FILTER,
    MODEL_FILTER,
    FileField,
    fit_columns,
    heading,
    labelled_combo,
    muted,
    refill_combo,
    table_view,
)
from gui.views.figure import FigureView
from gui.views.lifecycle_engine import add_engine_picker, bounds_html, engine_html, engine_of, set_engine
from gui.views.monitor_plan import PlanEditor
from gui.worker import Runner

STATUS = {"pass": "pass", "alert": "ALERT", "insufficient_evidence": "insufficient evidence"}


def _r(e) -> str:
    return "–" if e is None or e.value is None else f"{e.value:.3f}"


def _bg(status: str):
    return theme.color({"alert": "fail", "insufficient_evidence": "insufficient_evidence"}.get(status, "pass"))


WINDOW_COLUMNS: list[Column[Any]] = [
    Column("From", lambda w: w.start[:19].replace("T", " ")),
    Column("To", lambda w: w.end[:19].replace("T", " ")),
    Column("Rows", lambda w: f"{w.n:,}", sort=lambda w: w.n, numeric=True),
    Column("Outcomes", lambda w: f"{w.n_with_outcome:,}", sort=lambda w: w.n_with_outcome, numeric=True),
    Column("Selection rate", lambda w: _r(w.selection_rate), numeric=True),
    Column("Accuracy", lambda w: _r(w.performance.accuracy) if w.performance else "–", numeric=True),
    Column(
        "Est. accuracy",
        lambda w: _r(w.estimated.accuracy) if w.estimated else "–",
        numeric=True,
        header_tip="estimated from the scores (CBPE): assumes calibrated scores",
    ),
    Column("Status", lambda w: STATUS[w.status], background=lambda w: _bg(w.status)),
]
CHECK_COLUMNS: list[Column[Any]] = [
    Column("Window", lambda c: c[0].start[:10]),
    Column("Check", lambda c: c[1].check),
    Column("Group", lambda c: c[1].group or ""),
    Column("Value", lambda c: "–" if c[1].value is None else f"{c[1].value:+.3f}", numeric=True),
    Column("Estimated", lambda c: "estimate" if c[1].estimated else ""),
    Column("Status", lambda c: STATUS[c[1].status], background=lambda c: _bg(c[1].status)),
    Column("Why", lambda c: c[1].message),
]


class MonitorView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("monitor_view")
        self.result = None
        self.workspace: str | None = None
        self.runner = Runner("monitor", self)
        self.runner.finished.connect(self.show_result)
        self.runner.failed.connect(self._failed)
        lay = QVBoxLayout(self)
        lay.addWidget(heading("Monitoring production decisions"))
        lay.addWidget(
            muted(
                "Per window: group selection rates with intervals, realised or estimated performance, "
                "drift against the reference, and the plan's checks. Each run is recorded in the trail."
            )
        )
        form = QFormLayout()
        self.data = FileField("monitor_log", "Production log with a time column")
        self.plan = FileField("monitor_plan", "Monitoring plan (TOML, optional)")
        self.model = FileField("monitor_model", "Model to decide and score the rows (or name a decisions column)")
        self.model.browse_requested.connect(lambda: self._browse(self.model, "Model", MODEL_FILTER))
        self.data.browse_requested.connect(lambda: self._browse(self.data, "Production log", DATA_FILTER))
        self.plan.browse_requested.connect(lambda: self._browse(self.plan, "Monitoring plan", "TOML (*.toml);;All (*)"))
        self.plan_editor = PlanEditor(self)
        self.plan_editor.saved.connect(lambda path: self.plan.set_path(path, emit=False))
        self.plan.changed.connect(lambda path: self.plan_editor.load(path) if path else None)
        self.edits: dict[str, QLineEdit] = {}
        for name, label, tip in (
            ("reference", "Reference", "data file, or a recorded run id (run-...)"),
            ("time_column", "Time column", "e.g. decided_at"),
            ("window", "Window", "7d, 1mo or a number of rows"),
            ("predictions", "Decisions column", "column of decisions"),
            ("scores", "Scores column", "optional: estimates without outcomes"),
            ("target", "Outcome column", "optional: empty where not known yet"),
            ("sensitive", "Sensitive columns", "e.g. race,sex"),
        ):
            edit = QLineEdit()
            edit.setObjectName(f"monitor_{name}")
            edit.setPlaceholderText(tip)
            edit.setAccessibleName(label)
            self.edits[name] = edit
            if name == "reference":
                form.addRow("Log", self.data)
            if name == "predictions":
                form.addRow("Model", self.model)
            form.addRow(label, edit)
        self.edits["window"].setText("1mo")
        form.addRow("Plan", self.plan)
        lay.addLayout(form)
        row = QHBoxLayout()
        self.engine = add_engine_picker(row, "monitor")
        self.run_button = QPushButton("Monitor")
        self.run_button.setObjectName("monitor_run")
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("monitor_cancel")
        self.cancel_button.setAccessibleName("Cancel the monitoring run")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.runner.progress.connect(self._progress)
        self.runner.cancelled.connect(self._cancelled)
        row.addWidget(self.run_button)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.summary = QTextBrowser()
        self.summary.setObjectName("monitor_summary")
        self.summary.setAccessibleName("Monitoring summary")
        self.summary.setMaximumHeight(160)
        lay.addWidget(self.summary)
        tabs = QTabWidget()
        self.models = {}
        for name, columns, title in (("monitor_windows", WINDOW_COLUMNS, "Windows"), ("monitor_checks", CHECK_COLUMNS, "Checks")):
            model = RecordTableModel(columns, parent=self)
            view = table_view(name)
            view.setModel(model)
            self.models[name] = (model, view)
            tabs.addTab(view, title)
        charts = QWidget()
        charts_lay = QVBoxLayout(charts)
        bar = QHBoxLayout()
        self.chart_picker = labelled_combo(bar, "monitor_chart_picker", "C&hart", "Which monitoring chart is shown")
        self.chart_picker.currentIndexChanged.connect(self._show_chart)
        bar.addStretch(1)
        charts_lay.addLayout(bar)
        self.figure = FigureView("monitor", charts, save_name="monitoring")
        self.figure.set_display(None, empty_text="Run the monitoring to see its charts.")
        charts_lay.addWidget(self.figure, 1)
        self._displays: list = []
        tabs.addTab(charts, "Charts")
        plan_scroll = QScrollArea()  # the plan's many thresholds scroll: the window must fit a 1280x720 laptop
        plan_scroll.setWidgetResizable(True)
        plan_scroll.setWidget(self.plan_editor)
        tabs.addTab(plan_scroll, "Plan")
        self.tabs = tabs
        lay.addWidget(tabs, 1)

    def set_workspace(self, snapshot) -> None:
        """Follow the window's workspace; a workspace opened with monitoring runs shows its latest one (e.g. the
        `attest demo` workspace: the alert from July), until a run here replaces it."""
        changed = (snapshot.path if snapshot else None) != self.workspace
        self.workspace = snapshot.path if snapshot else None
        if not changed or snapshot is None:
            return
        runs = [e for e in getattr(snapshot, "events", []) if e.kind == "monitoring_run"]
        if runs:
            self.show_recorded(runs[-1])

    def show_recorded(self, event) -> None:
        """A monitoring run from the trail: its stored result, checked against the hash its event recorded."""
        from audit.errors import InputError
        from audit.lifecycle.monitor_types import MonitorResult
        from audit.lifecycle.record import monitoring_result
        from audit.trail import Workspace

        try:
            with Workspace.open(self.workspace, create=False, readonly=True) as ws:
                text = monitoring_result(ws, event.payload["monitoring_id"])
        except InputError as exc:  # the stored result was changed or removed: say so, show nothing stale
            self.summary.setPlainText(getattr(exc, "message", str(exc)))
            return
        self.show_result((MonitorResult.model_validate_json(text), event))

    def fill(self, form: dict[str, str]) -> None:
        """Fill the fields (the demo's story: its log, model, plan and reference run), so the run can be repeated here."""
        for key, f in (("data", self.data), ("model", self.model), ("plan", self.plan)):
            if key in form:
                f.set_path(form[key])  # the plan's path loads it into the plan editor
        for key, value in form.items():
            if key in self.edits:
                self.edits[key].setText(value)
        set_engine(self.engine, form.get("engine"))  # a form from before the choice existed: Automatic

    def _browse(self, field: FileField, title: str, name_filter: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, title, field.path(), name_filter)
        if path:
            field.set_path(path)

    def request(self) -> dict:
        text = {k: e.text().strip() or None for k, e in self.edits.items()}
        sensitive = [c.strip() for c in (text["sensitive"] or "").split(",") if c.strip()] or None
        return {
            **text,
            "sensitive": sensitive,
            "data": self.data.path(),
            "model": self.model.path() or None,
            "plan": self.plan.path() or None,
            "plan_obj": self.plan_editor.plan(),
            "engine": engine_of(self.engine),
        }

    def run(self) -> None:
        req = self.request()
        missing = [k for k in ("data", "reference", "time_column", "window") if not req[k]]
        if not req["model"] and not req["predictions"]:
            missing.append("model or decisions column")
        if missing:
            self.summary.setPlainText(f"Fill in first: {', '.join(m.replace('_', ' ') for m in missing)}.")
            return
        self._busy(True)
        self.summary.setPlainText("Monitoring…")
        self.runner.start(monitor_job, self.workspace, req)

    def cancel(self) -> None:
        """Stop the run (nothing is recorded): a running DuckDB query is interrupted by its watcher."""
        if self.runner.busy:
            self.runner.cancel()
            self.cancel_button.setEnabled(False)
            self.summary.setPlainText("Cancelling…")

    def _busy(self, busy: bool) -> None:
        self.run_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)

    def _progress(self, step: str, done: int, total: int, message: str) -> None:
        self.summary.setPlainText(f"Monitoring… {message}" if message else "Monitoring…")

    def _cancelled(self) -> None:
        self._busy(False)
        shown = " The tables still show the previous run." if self.result is not None else ""
        self.summary.setPlainText(f"Cancelled: nothing was recorded.{shown}")

    def _failed(self, exc) -> None:
        self._busy(False)
        self.summary.setPlainText(getattr(exc, "message", str(exc)))
        show_error(self, exc, title="Cannot monitor")

    def show_result(self, outcome) -> None:
        from html import escape

        result, event = outcome
        self.result = result
        self._busy(self.runner.busy)  # a result shown from elsewhere (the trail, the demo) while a run goes on
        self.summary.setHtml(
            engine_html(result.engine)
            + "".join(f"<p>{escape(s)}</p>" for s in result.summary)
            + bounds_html(f for w in result.windows for g in w.group_drift for f in g.features)
            + "".join(f"<p><i>{escape(n)}</i></p>" for n in result.notes)
            + f"<p>Recorded as event #{event.seq} ({escape(event.payload['monitoring_id'])}).</p>"
        )
        rows = {"monitor_windows": list(result.windows), "monitor_checks": [(w, c) for w in result.windows for c in w.checks]}
        for name, (model, view) in self.models.items():
            model.set_rows(rows[name])
            fit_columns(view)
        from reports.charts.timeseries import monitoring_displays

        self._displays = monitoring_displays(result)
        refill_combo(self.chart_picker, [(caption, i) for i, (caption, _) in enumerate(self._displays)])
        self._show_chart()

    def _show_chart(self) -> None:
        i = self.chart_picker.currentData()
        shown = self._displays[i][1] if isinstance(i, int) and i < len(self._displays) else None
        self.figure.set_display(shown, empty_text="No chart for this run.")
