"""The audit trail: every event, filterable; Verify re-checks the hash chain; lineage of the selected event's artifact."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QDate, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gui import theme
from gui.errors import show_error
from gui.models.table import SortProxy
from gui.models.trail import KIND_TITLES, EventsModel
from gui.views.action_bar import add_action_buttons, signoff_blocked
from gui.views.common import fit_columns, heading, muted, table_view
from gui.views.lineage import lineage_html
from gui.worker import Runner

if TYPE_CHECKING:
    from collections.abc import Sequence

    from PySide6.QtGui import QAction

    from audit.trail import Artifact, DatasetLineage, Event, ModelLineage, VerifyReport
    from gui.jobs import WorkspaceSnapshot
    from gui.settings import Settings


class TrailView(QWidget):
    verified = Signal(object)  # VerifyReport
    signoff_run = Signal(str)  # the run of the selected event

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trail_view")
        self.workspace: WorkspaceSnapshot | None = None
        self.verify_runner = Runner("verify", self)
        self.verify_runner.finished.connect(self._on_verified)
        self.verify_runner.failed.connect(self._on_verify_failed)
        self.lineage_runner = Runner("lineage", self)
        self.lineage_runner.finished.connect(self._on_lineage)
        self.lineage_runner.failed.connect(lambda exc: self.lineage.setPlainText(f"No lineage: {exc}"))

        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.top_row = top
        top.addWidget(heading("Audit trail"), 1)
        self.signoff_button = QPushButton("Sign off this run…")
        self.signoff_button.setObjectName("trail_signoff")
        self.signoff_button.setAccessibleName("Sign off the audit run of the selected event")
        self.signoff_button.clicked.connect(self._sign_off_selected)
        top.addWidget(self.signoff_button)
        self.verify_button = QPushButton("Verify trail")
        self.verify_button.setObjectName("verify_button")
        self.verify_button.setAccessibleName("Verify the trail's hash chain")
        self.verify_button.setToolTip("Re-compute every event's hash and the chain head (Ctrl+Shift+V)")
        self.verify_button.clicked.connect(self.verify)
        top.addWidget(self.verify_button)
        lay.addLayout(top)
        self.verify_label = QLabel("Not verified in this session.")
        self.verify_label.setObjectName("verify_result")
        self.verify_label.setWordWrap(True)
        self.verify_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verify_label.setAccessibleName("Verification result")
        lay.addWidget(self.verify_label)

        bar = QHBoxLayout()
        self.kind_filter = QComboBox()
        self.kind_filter.setObjectName("kind_filter")
        self.kind_filter.setAccessibleName("Filter by event kind")
        self.kind_filter.addItem("All events", None)
        for k, t in KIND_TITLES.items():
            self.kind_filter.addItem(t, k)
        self.actor_filter = QLineEdit()
        self.actor_filter.setObjectName("actor_filter")
        self.actor_filter.setPlaceholderText("Actor (user or name)")
        self.actor_filter.setAccessibleName("Filter by actor")
        self.actor_filter.setClearButtonEnabled(True)
        self.artifact_filter = QComboBox()
        self.artifact_filter.setObjectName("artifact_filter")
        self.artifact_filter.setAccessibleName("Filter by artifact or run")
        self.artifact_filter.addItem("Any artifact", None)
        self.since_check = QCheckBox("Since")
        self.since_check.setAccessibleName("Only events since a date")
        self.since_date = QDateEdit(QDate.currentDate().addDays(-30))
        self.since_date.setObjectName("since_date")
        self.since_date.setAccessibleName("Since date")
        self.since_date.setCalendarPopup(True)
        self.since_date.setEnabled(False)
        self.since_check.toggled.connect(self.since_date.setEnabled)
        self.text_filter = QLineEdit()
        self.text_filter.setObjectName("text_filter")
        self.text_filter.setPlaceholderText("Search details…")
        self.text_filter.setAccessibleName("Search event details")
        self.text_filter.setClearButtonEnabled(True)
        for w in (self.kind_filter, self.artifact_filter):
            w.currentIndexChanged.connect(self.apply_filter)
        for line in (self.actor_filter, self.text_filter):
            line.textChanged.connect(self.apply_filter)
        self.since_check.toggled.connect(self.apply_filter)
        self.since_date.dateChanged.connect(self.apply_filter)
        for field in (self.kind_filter, self.actor_filter, self.artifact_filter, self.since_check, self.since_date):
            bar.addWidget(field)
        bar.addWidget(self.text_filter, 1)
        lay.addLayout(bar)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("trail_splitter")
        self.split = split
        self.events_model = EventsModel(self)
        self.proxy = SortProxy(self)
        self.proxy.setSourceModel(self.events_model)
        self.table = table_view("events_table")
        self.table.setModel(self.proxy)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.selectionModel().currentRowChanged.connect(self._on_select)
        split.addWidget(self.table)
        side = QTabWidget()
        side.setObjectName("trail_side")
        self.details = QPlainTextEdit()
        self.details.setObjectName("event_details")
        self.details.setAccessibleName("Event details")
        self.details.setReadOnly(True)
        self.lineage: QTextBrowser = QTextBrowser()
        self.lineage.setObjectName("trail_lineage")
        self.lineage.setAccessibleName("Lineage of the selected artifact")
        side.addTab(self.lineage, "Lineage")
        side.addTab(self.details, "Event JSON")
        split.addWidget(side)
        split.setSizes([700, 400])
        lay.addWidget(split, 1)
        self.count_label = muted()
        self.count_label.setObjectName("events_count")
        lay.addWidget(self.count_label)
        self._update_signoff()

    # ------------------------------------------------------------------ data
    def set_workspace(self, snapshot: WorkspaceSnapshot | None) -> None:
        self.workspace = snapshot
        self.events_model.set_rows(snapshot.events if snapshot else [])
        keep = self.artifact_filter.currentData()
        self.artifact_filter.blockSignals(True)
        self.artifact_filter.clear()
        self.artifact_filter.addItem("Any artifact", None)
        if snapshot:
            for a in snapshot.artifacts:
                self.artifact_filter.addItem(f"{a.kind}: {a.name or a.id}", a.id)
            for r in snapshot.runs:
                self.artifact_filter.addItem(f"audit: {r.run_id}", r.run_id)
        idx = self.artifact_filter.findData(keep)
        self.artifact_filter.setCurrentIndex(max(idx, 0))
        self.artifact_filter.blockSignals(False)
        self.apply_filter()
        fit_columns(self.table, {4: 460})
        self.verify_button.setEnabled(snapshot is not None)
        self._update_signoff()

    def add_actions(self, actions: Sequence[QAction]) -> None:
        """Buttons for window actions (record training, note, export), before Sign off and Verify."""
        add_action_buttons(self.top_row, actions, at=1)

    def selected_run(self) -> str | None:
        """The audit run the selected event is about (an audit, report or sign-off event names it in its refs)."""
        current = self.table.currentIndex()
        if not current.isValid() or self.workspace is None:
            return None
        e = self.events_model.record(self.proxy.mapToSource(current).row())
        return next((r for r in e.refs if r.startswith("run-")), None)

    def _update_signoff(self) -> None:
        run = self.selected_run()
        why = signoff_blocked(self.workspace, run)
        if not run and self.workspace is not None:
            why = "Select an event of an audit run (its audit, report or sign-off) to sign that run off."
        self.signoff_button.setEnabled(not why)
        self.signoff_button.setToolTip(why or f"Record your decision on {run}")

    def _sign_off_selected(self) -> None:
        run = self.selected_run()
        if run:
            self.signoff_run.emit(run)

    def apply_filter(self, *_: object) -> None:
        kind = self.kind_filter.currentData()
        actor = self.actor_filter.text().strip().lower()
        ref = self.artifact_filter.currentData()
        text = self.text_filter.text().strip().lower()
        since = None
        if self.since_check.isChecked():
            d = self.since_date.date().toPython()
            assert isinstance(d, date)  # a QDate converts to a date
            since = datetime.combine(d, time()).astimezone(UTC).isoformat().replace("+00:00", "Z")

        def keep(e: Event) -> bool:
            if kind and e.kind != kind:
                return False
            if actor and actor not in e.actor.user.lower() and actor not in e.actor.name.lower():
                return False
            if ref and ref not in e.refs:
                return False
            if since and e.time < since:
                return False
            return not text or text in e.summary().lower()

        filtering = any((kind, actor, ref, text, since))
        self.proxy.set_predicate(keep if filtering else None)
        total = self.events_model.rowCount()
        shown = self.proxy.rowCount()
        self.count_label.setText(f"{shown:,} of {total:,} events shown" if filtering else f"{total:,} events")

    def show_artifact(self, artifact_id: str) -> None:
        """Filter the trail to one artifact and show its lineage."""
        idx = self.artifact_filter.findData(artifact_id)
        if idx >= 0:
            self.artifact_filter.setCurrentIndex(idx)
        self._load_lineage(artifact_id)

    def _on_select(self, current: QModelIndex, _prev: QModelIndex) -> None:
        self._update_signoff()
        if not current.isValid():
            return
        e = self.events_model.record(self.proxy.mapToSource(current).row())
        self.details.setPlainText(json.dumps(e.to_dict(), indent=2, ensure_ascii=False))
        target = next((r for r in e.refs if r.startswith(("model-", "ds-"))), None)
        if target:
            self._load_lineage(target)
        else:
            self.lineage.setPlainText("This event refers to no dataset or model.")

    def _load_lineage(self, artifact_id: str) -> None:
        if self.workspace is None:
            return
        from gui import jobs

        self.lineage.setPlainText(f"Reading the lineage of {artifact_id}…")
        self.lineage_runner.start(jobs.lineage, self.workspace.path, artifact_id)

    def _on_lineage(self, lin: DatasetLineage | ModelLineage) -> None:
        arts: dict[str, Artifact] = {a.id: a for a in self.workspace.artifacts} if self.workspace else {}
        self.lineage.setHtml(lineage_html(lin, arts))

    # ------------------------------------------------------------------ verify
    def verify(self) -> None:
        if self.workspace is None:
            return
        from gui import jobs

        self.verify_label.setText("Verifying…")
        self.verify_label.setStyleSheet("")
        self.verify_button.setEnabled(False)
        self.verify_runner.start(jobs.verify_trail, self.workspace.path)

    def _on_verified(self, report: VerifyReport) -> None:
        self.verify_button.setEnabled(True)
        state = "pass" if report.ok else "fail"
        mark = "✓" if report.ok else "✗"
        self.verify_label.setText(f"{mark} {report.summary()}")
        self.verify_label.setStyleSheet(
            f"QLabel#verify_result {{ background: {theme.hex_color(state)}; "
            f"color: {theme.hex_color(state + '_fg')}; padding: 6px; border-radius: 3px; }}"
        )
        self.verified.emit(report)

    def _on_verify_failed(self, exc: BaseException) -> None:
        self.verify_button.setEnabled(True)
        self.verify_label.setText("Verification could not run.")
        show_error(self, exc, title="Cannot verify the trail")

    def save_state(self, settings: Settings) -> None:
        settings.set_value("trail/splitter", self.split.saveState())

    def restore_state(self, settings: Settings) -> None:
        state = settings.value("trail/splitter")
        if isinstance(state, QByteArray | bytes):
            self.split.restoreState(state)
