"""The workspace page: registered datasets and models (format, hash, who registered them, on-disk status), their
lineage, and the recorded audit runs (open one, sign it off)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QModelIndex, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QTextBrowser, QVBoxLayout, QWidget

from gui import theme
from gui.models.table import SortProxy
from gui.models.trail import ArtifactsModel, RunsModel
from gui.views.action_bar import add_action_buttons, signoff_blocked
from gui.views.common import fit_columns, heading, muted, table_view, titled_panel
from gui.views.lineage import lineage_html
from gui.worker import Runner

if TYPE_CHECKING:
    from collections.abc import Sequence

    from PySide6.QtCore import SignalInstance
    from PySide6.QtGui import QAction

    from audit.trail import Artifact, DatasetLineage, ModelLineage
    from gui.jobs import WorkspaceSnapshot
    from gui.settings import Settings


class ArtifactsView(QWidget):
    use_artifact = Signal(str, str)  # kind, path
    open_run = Signal(str)
    signoff_run = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workspace_view")
        self.workspace: WorkspaceSnapshot | None = None
        self.lineage_runner = Runner("artifact-lineage", self)
        self.lineage_runner.finished.connect(self._on_lineage)
        self.lineage_runner.failed.connect(lambda exc: self.lineage.setPlainText(f"No lineage: {exc}"))
        lay = QVBoxLayout(self)
        self.title = heading("Workspace")
        lay.addWidget(self.title)
        self.info = muted("No workspace is open.")
        self.info.setObjectName("workspace_info")
        lay.addWidget(self.info)
        self.actions_row = QHBoxLayout()  # the workspace actions' buttons (`add_actions`)
        self.actions_row.addStretch(1)
        lay.addLayout(self.actions_row)
        self.file_warning = QLabel()
        self.file_warning.setObjectName("file_warning")
        self.file_warning.setWordWrap(True)
        self.file_warning.setAccessibleName("Changed files warning")
        self.file_warning.setVisible(False)
        lay.addWidget(self.file_warning)

        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("workspace_splitter")
        self.split = split
        upper = QSplitter(Qt.Orientation.Horizontal)
        box = QWidget()
        bl = QVBoxLayout(box)
        bl.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(heading("Datasets and models", 2), 1)
        self.use_button = QPushButton("Use in set-up")
        self.use_button.setObjectName("use_artifact")
        self.use_button.setAccessibleName("Use the selected file in the audit set-up")
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(self._use_selected)
        row.addWidget(self.use_button)
        bl.addLayout(row)
        self.artifacts_model = ArtifactsModel(self)
        self.artifacts_proxy = ap = SortProxy(self)
        ap.setSourceModel(self.artifacts_model)
        self.artifacts_table = table_view("artifacts_table", stretch_last=True)
        self.artifacts_table.setModel(ap)
        self.artifacts_table.selectionModel().currentRowChanged.connect(self._on_artifact)
        self.artifacts_table.doubleClicked.connect(lambda _: self._use_selected())
        bl.addWidget(self.artifacts_table, 1)
        upper.addWidget(box)
        lbox, ll = titled_panel("Lineage")
        self.lineage: QTextBrowser = QTextBrowser()
        self.lineage.setObjectName("artifact_lineage")
        self.lineage.setAccessibleName("Lineage of the selected artifact")
        self.lineage.setPlainText("Select a dataset or model to see where it came from and what used it.")
        ll.addWidget(self.lineage, 1)
        upper.addWidget(lbox)
        upper.setSizes([760, 380])
        split.addWidget(upper)

        runs = QWidget()
        rl = QVBoxLayout(runs)
        rl.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(heading("Recorded audit runs", 2), 1)
        self.open_button = QPushButton("Open results")
        self.open_button.setObjectName("open_run")
        self.open_button.setAccessibleName("Open the selected run's results")
        self.signoff_button = QPushButton("Sign off…")
        self.signoff_button.setObjectName("signoff_selected_run")
        self.signoff_button.setAccessibleName("Sign off the selected run")
        for b in (self.open_button, self.signoff_button):
            b.setEnabled(False)
            row.addWidget(b)
        self.open_button.setToolTip("Select a recorded run first")
        self.signoff_button.setToolTip("Select a recorded run first")
        self.open_button.clicked.connect(lambda: self._emit_run(self.open_run))
        self.signoff_button.clicked.connect(lambda: self._emit_run(self.signoff_run))
        rl.addLayout(row)
        self.runs_model = RunsModel(self)
        self.runs_proxy = rp = SortProxy(self)
        rp.setSourceModel(self.runs_model)
        self.runs_table = table_view("runs_table")
        self.runs_table.setModel(rp)
        self.runs_table.selectionModel().currentRowChanged.connect(self._on_run)
        self.runs_table.doubleClicked.connect(lambda _: self._emit_run(self.open_run))
        rl.addWidget(self.runs_table, 1)
        split.addWidget(runs)
        split.setSizes([420, 260])
        lay.addWidget(split, 1)

    def add_actions(self, actions: Sequence[QAction]) -> None:
        """Buttons for window actions (register, record training, note, export), shown under the summary."""
        add_action_buttons(self.actions_row, actions, at=0)

    def set_workspace(self, snap: WorkspaceSnapshot | None) -> None:
        self.workspace = snap
        if snap is None:
            self.title.setText("Workspace")
            self.info.setText("No workspace is open.")
            self.artifacts_model.set_rows([])
            self.runs_model.set_rows([])
            self.file_warning.setVisible(False)
            self._update_run_buttons()
            return
        self.title.setText(f"Workspace: {snap.name}")
        who = snap.identity.label() if snap.identity is not None else "?"
        open_runs = sum(1 for r in snap.runs if not r.signoffs)
        self.info.setText(
            f"{snap.path}<br>{len(snap.events):,} events · head hash <code>{snap.head_hash[:16]}…</code> · "
            f"{len(snap.artifacts)} artifacts · {len(snap.runs)} audit runs ({open_runs} awaiting sign-off) · "
            f"you are {who}"
        )
        self.artifacts_model.set_rows([(a, snap.file_status.get(a.id)) for a in snap.artifacts])
        self.runs_model.set_rows(snap.runs)
        bad = [(a, snap.file_status[a.id]) for a in snap.artifacts if snap.file_status.get(a.id) in ("changed", "missing")]
        self.file_warning.setVisible(bool(bad))
        if bad:
            lines = [
                f"{a.name or a.id}: {'content changed since it was registered' if s == 'changed' else 'not found at'} "
                f"{a.path if s == 'missing' else ''}"
                for a, s in bad
            ]
            self.file_warning.setText(
                "⚠ " + "; ".join(lines) + ". Audits and reports that cite these files refer to the "
                "registered SHA-256; register the new file as a new version."
            )
            self.file_warning.setStyleSheet(
                f"QLabel#file_warning {{ background: {theme.hex_color('fail')}; "
                f"color: {theme.hex_color('fail_fg')}; padding: 6px; border-radius: 3px; }}"
            )
        fit_columns(self.artifacts_table, {9: 360})
        fit_columns(self.runs_table)
        self._update_run_buttons()

    def _selected_artifact(self) -> tuple[Artifact, str | None] | None:
        idx = self.artifacts_table.currentIndex()
        if not idx.isValid():
            return None
        return self.artifacts_model.record(self.artifacts_proxy.mapToSource(idx).row())

    def _on_artifact(self, current: QModelIndex, _prev: QModelIndex) -> None:
        rec = self._selected_artifact()
        self.use_button.setEnabled(rec is not None)
        if rec is None or self.workspace is None:
            return
        from gui import jobs

        self.lineage.setPlainText(f"Reading the lineage of {rec[0].id}…")
        self.lineage_runner.start(jobs.lineage, self.workspace.path, rec[0].id)

    def _on_lineage(self, lin: DatasetLineage | ModelLineage) -> None:
        arts: dict[str, Artifact] = {a.id: a for a in self.workspace.artifacts} if self.workspace else {}
        self.lineage.setHtml(lineage_html(lin, arts))

    def _use_selected(self) -> None:
        rec = self._selected_artifact()
        if rec is not None:
            self.use_artifact.emit(rec[0].kind, rec[0].path)

    def _selected_run(self) -> str | None:
        idx = self.runs_table.currentIndex()
        if not idx.isValid():
            return None
        run_id: str = self.runs_model.record(self.runs_proxy.mapToSource(idx).row()).run_id
        return run_id

    def _on_run(self, current: QModelIndex, _prev: QModelIndex) -> None:
        self._update_run_buttons()

    def _update_run_buttons(self) -> None:
        run = self._selected_run() if self.workspace is not None else None
        self.open_button.setEnabled(run is not None)
        self.open_button.setToolTip(f"Show the results of {run}" if run else "Select a recorded run first")
        why = signoff_blocked(self.workspace, run)
        self.signoff_button.setEnabled(not why)
        self.signoff_button.setToolTip(why or f"Record your decision on {run}")

    def _emit_run(self, signal: SignalInstance) -> None:
        run = self._selected_run()
        if run:
            signal.emit(run)

    def save_state(self, settings: Settings) -> None:
        settings.set_value("workspace/splitter", self.split.saveState())

    def restore_state(self, settings: Settings) -> None:
        state = settings.value("workspace/splitter")
        if isinstance(state, QByteArray | bytes):
            self.split.restoreState(state)
