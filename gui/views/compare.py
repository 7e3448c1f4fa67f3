"""Compare two recorded audit runs: pick run A (before) and run B (after); the comparison is computed off the GUI
thread, recorded in the trail (an `audit_compared` event, as `attest compare` does) and shown as a summary, the
verdicts that flipped, the inputs that changed and every change with its interval. Save as JSON or PDF."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gui import theme
from gui.errors import show_error
from gui.models.table import Column, RecordTableModel, SortProxy
from gui.views.common import fit_columns, heading, muted, table_view
from gui.worker import Runner

if TYPE_CHECKING:
    from PySide6.QtGui import QColor

    from audit.cancel import CancelToken, Progress
    from audit.lifecycle.compare_types import Change, Comparison, InputChange, VerdictChange
    from audit.result import Estimate
    from audit.trail import Event
    from gui.jobs import WorkspaceSnapshot


def compare_job(workspace: str, run_a: str, run_b: str, *, progress: Progress, cancel: CancelToken) -> tuple[Comparison, Event]:
    """Worker thread: compare the two runs and record the comparison; returns (Comparison, Event)."""
    from audit.lifecycle.record import compare_runs, record_comparison
    from audit.trail import Workspace

    progress("compare", 0, 2, f"Comparing {run_a} with {run_b}")
    with Workspace.open(workspace, create=False) as ws:
        comparison = compare_runs(ws, run_a, run_b)
        cancel.raise_if_set()
        event = record_comparison(ws, comparison)
    progress("compare", 2, 2, "Comparison recorded")
    return comparison, event


def save_job(comparison: Comparison, path: str, kind: str, *, progress: Progress, cancel: CancelToken) -> str:
    from audit.outputs import atomic_write

    if kind == "pdf":
        from reports.compare_pdf import comparison_pdf

        data = comparison_pdf(comparison)
    else:
        data = comparison.to_json().encode("utf-8")
    atomic_write(path, data)
    return path


def _est(e: Estimate | None) -> str:
    from reports.format import est

    return est(e)


def _group(g: dict[str, str]) -> str:
    return " & ".join(f"{k}={v}" for k, v in g.items()) or "everyone"


def _status_bg(status: str) -> QColor | None:
    return theme.color(status) if status in ("pass", "fail", "insufficient_evidence") else None


VERDICT_COLUMNS: list[Column[VerdictChange]] = [
    Column("Check", lambda v: v.check),
    Column("Group", lambda v: _group(v.group)),
    Column("Run A", lambda v: theme.STATUS_TEXT.get(v.before, v.before), background=lambda v: _status_bg(v.before)),
    Column("Run B", lambda v: theme.STATUS_TEXT.get(v.after, v.after), background=lambda v: _status_bg(v.after)),
    Column("Statistic A", lambda v: _est(v.statistic_before)),
    Column("Statistic B", lambda v: _est(v.statistic_after)),
    Column("Rule", lambda v: v.rule),
]
INPUT_COLUMNS: list[Column[InputChange]] = [
    Column("Input", lambda c: c.input),
    Column("Field", lambda c: c.field),
    Column("Run A", lambda c: str(c.before)),
    Column("Run B", lambda c: str(c.after)),
]
CHANGE_COLUMNS: list[Column[Change]] = [
    Column("Group", lambda c: _group(c.group)),
    Column("Level", lambda c: " × ".join(c.level) or "everyone"),
    Column("Metric", lambda c: c.metric + (f" vs {_group(c.comparator)}" if c.comparator else "")),
    Column("Run A", lambda c: _est(c.before), sort=lambda c: c.before.value, numeric=True),
    Column("Run B", lambda c: _est(c.after), sort=lambda c: c.after.value, numeric=True),
    Column(
        "Change",
        lambda c: _est(c.difference),
        sort=lambda c: abs(c.difference.value or 0),
        numeric=True,
        background=lambda c: theme.color("fail") if c.significant else None,
        header_tip="After minus before, with its interval; shaded where the interval excludes 0",
    ),
    Column("Beyond interval", lambda c: "yes" if c.significant else "no"),
]


class CompareView(QWidget):
    compared = Signal(object)  # Comparison

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compare_view")
        self.workspace: str | None = None
        self.comparison: Comparison | None = None
        self.runner = Runner("compare", self)
        self.runner.finished.connect(self._on_compared)
        self.runner.failed.connect(self._on_failed)
        self.saver = Runner("compare-save", self)
        self.saver.finished.connect(lambda path: self.status.setText(f"Saved {path}"))
        self.saver.failed.connect(lambda exc: show_error(self, exc, title="Not saved"))

        lay = QVBoxLayout(self)
        lay.addWidget(heading("Compare two audits"))
        lay.addWidget(
            muted(
                "Run A is the earlier audit, run B the later one (after retraining, re-thresholding, new "
                "data ...). Every change gets an interval that accounts for both samples; the comparison is "
                "recorded in the trail."
            )
        )
        pick = QHBoxLayout()
        self.run_a, self.run_b = QComboBox(), QComboBox()
        for combo, name in ((self.run_a, "run_a"), (self.run_b, "run_b")):
            combo.setObjectName(name)
            combo.setAccessibleName("Run A (before)" if name == "run_a" else "Run B (after)")
            combo.setMinimumWidth(260)
        pick.addWidget(QLabel("Run A (before)"))
        pick.addWidget(self.run_a, 1)
        pick.addWidget(QLabel("Run B (after)"))
        pick.addWidget(self.run_b, 1)
        self.compare_button = QPushButton("Compare")
        self.compare_button.setObjectName("compare_button")
        self.compare_button.clicked.connect(self.compare)
        pick.addWidget(self.compare_button)
        lay.addLayout(pick)
        self.status: QLabel = muted("Open a workspace with at least two audit runs.")
        self.status.setObjectName("compare_status")
        lay.addWidget(self.status)
        self.summary = QTextBrowser()
        self.summary.setObjectName("compare_summary")
        self.summary.setAccessibleName("Comparison summary")
        self.summary.setMaximumHeight(190)
        lay.addWidget(self.summary)
        tabs = QTabWidget()
        tabs.setObjectName("compare_tabs")
        self.verdicts_model = RecordTableModel(VERDICT_COLUMNS, parent=self)
        self.inputs_model = RecordTableModel(INPUT_COLUMNS, parent=self)
        self.changes_model = RecordTableModel(CHANGE_COLUMNS, parent=self)
        self.changes_proxy = SortProxy(self)
        self.changes_proxy.setSourceModel(self.changes_model)
        self.tables = {}
        for name, model, title in (
            ("compare_verdicts", self.verdicts_model, "Verdicts that changed"),
            ("compare_inputs", self.inputs_model, "Inputs that changed"),
            ("compare_changes", self.changes_proxy, "Metrics and disparities"),
        ):
            view = table_view(name)
            view.setModel(model)
            self.tables[name] = view
            if name == "compare_changes":
                page = QWidget()
                pl = QVBoxLayout(page)
                self.only_real = QCheckBox("Only changes beyond their interval")
                self.only_real.setObjectName("only_significant")
                self.only_real.setAccessibleName("Only changes beyond their interval")
                self.only_real.setChecked(True)
                self.only_real.toggled.connect(self._filter)
                pl.addWidget(self.only_real)
                pl.addWidget(view, 1)
                tabs.addTab(page, title)
            else:
                tabs.addTab(view, title)
        lay.addWidget(tabs, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.save_json = QPushButton("Save JSON…")
        self.save_pdf = QPushButton("Save PDF…")
        for b, kind in ((self.save_json, "json"), (self.save_pdf, "pdf")):
            b.setObjectName(f"compare_save_{kind}")
            b.setEnabled(False)
            b.clicked.connect(lambda _=False, k=kind: self.save(k))
            row.addWidget(b)
        lay.addLayout(row)
        self._filter()
        self._update()

    # ------------------------------------------------------------------ data
    def set_workspace(self, snapshot: WorkspaceSnapshot | None) -> None:
        self.workspace = snapshot.path if snapshot else None
        runs = sorted(snapshot.runs, key=lambda r: r.event.seq) if snapshot else []
        picked = (self.run_a.currentData(), self.run_b.currentData())  # kept across a refresh of the same runs
        for combo in (self.run_a, self.run_b):
            combo.clear()
            for r in runs:
                combo.addItem(f"{r.run_id}  {r.event.time[:16].replace('T', ' ')}Z  {r.model or 'predictions only'}", r.run_id)
        if len(runs) >= 2:
            ids = [r.run_id for r in runs]
            self.run_a.setCurrentIndex(ids.index(picked[0]) if picked[0] in ids else len(runs) - 2)
            self.run_b.setCurrentIndex(ids.index(picked[1]) if picked[1] in ids else len(runs) - 1)
            self.status.setText(f"{len(runs)} recorded runs.")
        else:
            self.status.setText("Open a workspace with at least two audit runs.")
        self._update()

    def compare(self) -> None:
        a, b = self.run_a.currentData(), self.run_b.currentData()
        if not self.workspace or not a or not b:
            return
        self._busy(True)
        self.status.setText(f"Comparing {a} with {b}…")
        self.runner.start(compare_job, self.workspace, a, b)

    def _on_failed(self, exc: BaseException) -> None:
        self._busy(False)
        show_error(self, exc, title="Cannot compare")

    def _on_compared(self, outcome: tuple[Comparison, Event]) -> None:
        comparison, event = outcome
        self._busy(False)
        self.show_comparison(comparison)
        self.status.setText(f"Recorded in the trail as event #{event.seq} ({event.payload['comparison_id']}).")
        self.compared.emit(comparison)

    def show_comparison(self, comparison: Comparison) -> None:
        from html import escape

        self.comparison = comparison
        notes = "".join(f"<p><i>{escape(n)}</i></p>" for n in comparison.notes)
        self.summary.setHtml("".join(f"<p>{escape(s)}</p>" for s in comparison.summary) + notes)
        self.verdicts_model.set_rows(comparison.verdict_changes)
        self.inputs_model.set_rows(comparison.inputs_changed)
        self.changes_model.set_rows(comparison.changes)
        for view in self.tables.values():
            fit_columns(view)
        self._update()

    def _filter(self) -> None:
        self.changes_proxy.set_predicate((lambda c: c.significant) if self.only_real.isChecked() else None)

    def save(self, kind: str, path: str | None = None) -> None:
        if self.comparison is None:
            return
        if path is None:
            from gui.files import choose_save_path

            a, b = self.comparison.runs["a"].run_id, self.comparison.runs["b"].run_id
            suggested = Path(self.workspace or ".").with_name(f"compare-{a}-{b}.{kind}")
            chosen = choose_save_path(self, "Save the comparison", suggested, "PDF (*.pdf)" if kind == "pdf" else "JSON (*.json)")
            if chosen is None:
                return
            path = str(chosen)
        self.saver.start(save_job, self.comparison, path, kind)

    def _busy(self, busy: bool) -> None:
        self.compare_button.setEnabled(not busy)
        self._update(busy)

    def _update(self, busy: bool = False) -> None:
        ready = self.workspace is not None and self.run_a.count() >= 2
        self.compare_button.setEnabled(ready and not busy)
        for b in (self.save_json, self.save_pdf):
            b.setEnabled(self.comparison is not None and not busy)
