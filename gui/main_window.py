"""The main window: the pages, the status bar with progress and Cancel, and the wiring between views and jobs. It holds
the current workspace snapshot and the current audit result, and hands them to the views. Its actions, menus, toolbar
and their enabling rules are in `gui.menus`; an audit run's flow is in `gui.run_flow`; the draft in `gui.session`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QMainWindow, QStackedWidget, QWidget

from gui import demo_flow, menus, run_flow, session
from gui.errors import show_error
from gui.settings import Settings
from gui.views.artifacts import ArtifactsView
from gui.views.compare import CompareView
from gui.views.drift import DriftView
from gui.views.explanations import ExplanationsView
from gui.views.export import ExportView
from gui.views.mitigation import MitigationView
from gui.views.monitor import MonitorView
from gui.views.quality import QualityView
from gui.views.results import ResultsView
from gui.views.setup import SetupView
from gui.views.trail import TrailView
from gui.views.welcome import WelcomeView
from gui.worker import Runner, wait_for_jobs

if TYPE_CHECKING:
    from PySide6.QtGui import QDragEnterEvent, QDropEvent

    from audit.errors import TrustRequired
    from gui.dialogs.signoff import SignoffDialog
    from gui.dialogs.trust import TrustDialog
    from gui.jobs import AuditOutcome, DemoWorkspace, WorkspaceSnapshot

PAGES = (
    ("workspace", "Workspace"),
    ("setup", "Set up"),
    ("results", "Results"),
    ("explanations", "Explanations"),
    ("quality", "Data quality"),
    ("trail", "Trail"),
    ("report", "Report"),
    ("compare", "Compare"),
    ("mitigation", "Mitigation"),
    ("drift", "Drift"),
    ("monitor", "Monitoring"),
)
WORKSPACE_FILTER = "Attest workspaces (*.attest);;All files (*)"


class MainWindow(QMainWindow):
    workspace_changed = Signal(object)  # WorkspaceSnapshot
    audit_finished = Signal(object)  # gui.jobs.AuditOutcome
    outcome_shown = Signal(object)  # every page shows it
    audit_cancelled = Signal()
    audit_failed = Signal(object)
    demo_ready = Signal(object)
    demo_story_ready = Signal(object)  # gui.demo_jobs.DemoStory: the demo's audit and second chapter, shown on every page
    signoff_recorded = Signal(object)  # the trail Event

    def __init__(self, settings: Settings | None = None, data_dir: str | Path | None = None) -> None:
        super().__init__()
        self.setObjectName("main_window")
        self.settings = settings or Settings()
        menus.apply_saved_theme(self.settings)  # View > Theme, before the pages take their colours
        self.data_dir = (
            Path(data_dir)
            if data_dir
            else Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation) or Path.home() / ".attest")
        )
        self.snapshot: WorkspaceSnapshot | None = None
        self.outcome = None
        self.outcome_workspace: str | None = None  # the workspace the shown run belongs to (None: not recorded)
        self._last_request: dict[str, Any] | None = None
        self.setAcceptDrops(True)
        self.resize(1240, 640)  # fits a 1280x720 laptop screen with its title bar and a panel (issue 12)
        self.setMinimumSize(760, 520)

        self.audit_runner = Runner("audit", self)
        self.ws_runner = Runner("workspace", self)
        self.refresh_runner = Runner("refresh", self)
        self.run_loader = Runner("open-run", self)
        self.demo_runner = Runner("demo", self)  # the demo's story after "Open the demo workspace" (gui/demo_flow.py)
        self._demo_pending: DemoWorkspace | None = None
        self.demo_options: dict[str, Any] = {}  # the demo story's audit options (gui/demo_flow.py fills the defaults)

        self._build_pages()
        self._build_status()
        self._build_actions()
        self._wire()
        self._restore_layout()
        self._update_title()
        self._update_actions()
        from gui.workspace_actions import install_workspace_actions

        self.workspace_actions = install_workspace_actions(self)

    # ------------------------------------------------------------------ construction
    def _build_pages(self) -> None:
        self.nav = menus.navigation(PAGES)  # the page list; its Ctrl+1… shortcuts are the View menu's
        self.stack = QStackedWidget()
        self.stack.setObjectName("pages")

        self.welcome = WelcomeView()
        self.artifacts = ArtifactsView()
        self.workspace_page = QStackedWidget()
        self.workspace_page.addWidget(self.welcome)
        self.workspace_page.addWidget(self.artifacts)
        self.setup = SetupView()
        self.results = ResultsView()
        self.explanations = ExplanationsView()
        self.quality = QualityView()
        self.trail = TrailView()
        self.report = ExportView()
        self.compare, self.drift, self.monitor = CompareView(), DriftView(), MonitorView()
        self.mitigation = MitigationView()
        self.pages: dict[str, QWidget] = {
            "workspace": self.workspace_page,
            "setup": self.setup,
            "results": self.results,
            "explanations": self.explanations,
            "quality": self.quality,
            "trail": self.trail,
            "report": self.report,
            "compare": self.compare,
            "mitigation": self.mitigation,
            "drift": self.drift,
            "monitor": self.monitor,
        }
        for key, _ in PAGES:
            self.stack.addWidget(self.pages[key])
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        central = QWidget()
        central.setObjectName("central")
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.nav.setCurrentRow(0)

    def _build_status(self) -> None:
        from gui.status import DRIFT_PLAN, MONITOR_PLAN, StatusPanel, audit_plan_for

        self.status_panel = StatusPanel()
        self.statusBar().addWidget(self.status_panel, 1)
        self.step_label, self.progress = self.status_panel.label, self.status_panel.bar
        self.cancel_button = self.status_panel.cancel_button
        self.status_panel.attach(self.audit_runner, lambda: audit_plan_for(self._last_request))
        self.status_panel.attach(self.ws_runner)
        for view, plan in ((self.drift, DRIFT_PLAN), (self.monitor, MONITOR_PLAN)):  # their rows processed, and Cancel
            self.status_panel.attach(view.runner, plan)
            view.runner.cancelled.connect(lambda: self.status_panel.set_text("Cancelled."))

    def _build_actions(self) -> None:
        menus.build_actions(self)  # actions, shortcuts, menus and toolbar: gui/menus.py

    def _wire(self) -> None:
        self.welcome.demo_requested.connect(self.open_demo)
        self.welcome.new_requested.connect(self.new_workspace)
        self.welcome.open_requested.connect(self.choose_workspace)
        self.welcome.recent_requested.connect(self.open_workspace)
        self.setup.run_requested.connect(self.run_audit)
        self.results.signoff_requested.connect(lambda: self.sign_off())
        self.results.export_requested.connect(self.export_report)
        self.artifacts.open_run.connect(self.open_run)
        self.artifacts.signoff_run.connect(self.sign_off)
        self.artifacts.use_artifact.connect(self._use_artifact)
        self.report.exported.connect(lambda _: self.refresh_workspace())
        self.compare.compared.connect(lambda _: self.refresh_workspace())  # the comparison is a new trail event
        for sig in (self.mitigation.proposed, self.mitigation.adopted):  # so are a proposal and its adoption
            sig.connect(lambda _: self.refresh_workspace())
        self.monitor.runner.finished.connect(lambda _: self.refresh_workspace())  # so is a monitoring run

        for r in (self.audit_runner, self.ws_runner, self.drift.runner, self.monitor.runner):
            r.busy_changed.connect(lambda _busy: self._update_actions())
        run_flow.wire(self)
        demo_flow.wire(self)
        self.ws_runner.finished.connect(self._on_workspace_job)
        self.ws_runner.failed.connect(self._on_workspace_failed)
        self.ws_runner.cancelled.connect(lambda: self.step_label.setText("Cancelled."))
        self.refresh_runner.finished.connect(self._on_refreshed)
        self.refresh_runner.failed.connect(lambda exc: show_error(self, exc, title="Cannot read the workspace"))

    # ------------------------------------------------------------------ start-up and layout
    def start_up(self, workspace: Path | None = None) -> None:
        """After the window is painted: open the given or last workspace, else stay on the first-run screen."""
        self.welcome.set_recent([p for p in self.settings.recent_workspaces() if Path(p).exists()])
        target = workspace or (Path(p) if (p := self.settings.last_workspace()) else None)
        if target is not None and target.exists():
            self.open_workspace(str(target))
        else:
            self.show_page("workspace")

    def _restore_layout(self) -> None:
        geometry = self.settings.window_geometry("main")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.window_state("main")
        if state is not None:
            self.restoreState(state)
        for view in (self.setup, self.trail, self.artifacts):
            view.restore_state(self.settings)

    def save_layout(self) -> None:
        self.settings.save_window("main", self.saveGeometry(), self.saveState())
        for view in (self.setup, self.trail, self.artifacts):
            view.save_state(self.settings)
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        self.save_draft()
        for r in self.findChildren(Runner):
            r.cancel()
        wait_for_jobs(5000)
        super().closeEvent(event)

    def show_page(self, key: str) -> None:
        self.nav.setCurrentRow([k for k, _ in PAGES].index(key))

    def current_page(self) -> str:
        return PAGES[self.nav.currentRow()][0]

    def _update_title(self) -> None:
        if self.snapshot is None:
            self.setWindowTitle("Attest")
            self.setWindowFilePath("")
        else:
            self.setWindowTitle(f"Attest — {self.snapshot.name} ({self.snapshot.path})")
            self.setWindowFilePath(self.snapshot.path)

    def _update_actions(self) -> None:
        menus.update_actions(self)

    def _rebuild_recent(self) -> None:
        menus.rebuild_recent(self)

    # ------------------------------------------------------------------ progress
    def cancel_jobs(self) -> None:
        runners = (self.audit_runner, self.ws_runner, self.demo_runner, self.drift.runner, self.monitor.runner)
        if any(r.busy for r in runners):
            for r in runners:
                r.cancel()
            self.step_label.setText("Cancelling…")
            self.cancel_button.setEnabled(False)

    # ------------------------------------------------------------------ workspace
    def new_workspace(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Create a workspace", str(Path.home() / "project.attest"), WORKSPACE_FILTER)
        if path:
            self.open_workspace(path if path.endswith(".attest") else path + ".attest", create=True)

    def choose_workspace(self) -> None:
        start = str(Path(self.snapshot.path).parent) if self.snapshot else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Open a workspace", start, WORKSPACE_FILTER)
        if path:
            self.open_workspace(path)

    def open_workspace(self, path: str, create: bool = False) -> None:
        from gui import jobs

        self.step_label.setText(f"Opening {Path(path).name}…")
        self.ws_runner.start(jobs.open_workspace, str(path), create)

    def open_demo(self) -> None:
        from gui import jobs

        self.step_label.setText("Building the demo workspace…")
        self.ws_runner.start(jobs.build_demo_workspace, str(self.data_dir / "demo"))

    def refresh_workspace(self) -> None:
        if self.snapshot is None:
            return
        from gui import jobs

        self.refresh_runner.start(jobs.open_workspace, self.snapshot.path, False)

    def _on_workspace_job(self, value: DemoWorkspace | WorkspaceSnapshot) -> None:
        from gui.jobs import DemoWorkspace

        if isinstance(value, DemoWorkspace):
            self.setup.set_model_path(value.model)
            self.setup.apply_values(value.values)
            self.setup.set_data_path(value.data)
            self._demo_pending = value  # its story starts once the workspace is open
            self.open_workspace(value.workspace)
            self.demo_ready.emit(value)
            return
        self._set_snapshot(value)
        self.settings.add_recent(value.path)
        self._rebuild_recent()
        self.step_label.setText(f"Opened {value.name}.")
        self.show_page("workspace")
        pending, self._demo_pending = self._demo_pending, None
        if pending is not None and Path(pending.workspace).resolve() == Path(value.path).resolve():
            demo_flow.start(self, pending)

    def _on_refreshed(self, snap: WorkspaceSnapshot | None) -> None:
        # A refresh started for a workspace that is no longer open must not bring it back.
        if self.snapshot is not None and snap is not None and snap.path == self.snapshot.path:
            self._set_snapshot(snap)

    def _on_workspace_failed(self, exc: BaseException) -> None:
        self.step_label.setText("Ready")
        show_error(self, exc, title="Cannot open the workspace")

    def _set_snapshot(self, snap: WorkspaceSnapshot | None) -> None:
        old = self.snapshot.path if self.snapshot else None
        new = snap.path if snap else None
        if old != new:
            self._switch_workspace(old, new)
        self.snapshot = snap
        self.workspace_page.setCurrentWidget(self.artifacts if snap else self.welcome)
        self.artifacts.set_workspace(snap)
        self.trail.set_workspace(snap)
        self.compare.set_workspace(snap)
        self.mitigation.set_workspace(snap)
        self.monitor.set_workspace(snap)
        self.report.set_workspace(snap.path if snap else None)
        self._update_title()
        self._update_actions()
        self.workspace_changed.emit(snap)

    # ------------------------------------------------------------------ the audit draft, per workspace (gui/session.py)
    def _switch_workspace(self, old: str | None, new: str | None) -> None:
        session.switch_workspace(self, old, new)

    def save_draft(self, workspace: str | None = None) -> None:
        session.save_draft(self, workspace)

    def rerun_setup(self) -> None:
        session.rerun_setup(self)

    def _use_artifact(self, kind: str, path: str) -> None:
        if kind == "model":
            self.setup.set_model_path(path)
        else:
            self.setup.set_data_path(path)
        self.show_page("setup")

    # ------------------------------------------------------------------ audits (gui/run_flow.py)
    def run_audit(self, request: dict[str, Any]) -> None:
        run_flow.run_audit(self, request)

    def show_outcome(self, outcome: AuditOutcome) -> None:
        run_flow.show_outcome(self, outcome)

    def ask_trust(self, request: dict[str, Any], exc: TrustRequired) -> TrustDialog:
        return run_flow.ask_trust(self, request, exc)

    def open_run(self, run_id: str) -> None:
        run_flow.open_run(self, run_id)

    # ------------------------------------------------------------------ sign-off, export, verify
    def sign_off(self, run_id: str | None = None) -> SignoffDialog | None:
        """Sign off `run_id` (default: the run shown) under the workspace identity (gui/workspace_actions.py)."""
        return self.workspace_actions.sign_off(run_id)

    def export_report(self) -> None:
        self.show_page("report")
        if self.outcome is not None:
            self.report.export()

    def verify_trail(self) -> None:
        self.show_page("trail")
        self.trail.verify()

    def about(self) -> None:
        menus.show_about(self)

    # ------------------------------------------------------------------ drag and drop
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        for url in event.mimeData().urls():
            if not url.isLocalFile():
                continue
            path = url.toLocalFile()
            if path.endswith(".attest"):
                self.open_workspace(path)
            else:
                self.setup.open_dropped(path)
                self.show_page("setup")
        event.acceptProposedAction()
