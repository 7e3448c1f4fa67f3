"""The "Workspace" menu: who you are, register datasets and models, notes, trail export. One entry point,
`install_workspace_actions(window)`; the jobs are the plain functions of `gui.workspace_jobs`."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox

from gui import workspace_jobs as jobs
from gui.errors import show_error
from gui.worker import Runner

NO_WORKSPACE = "Open a workspace first (File > Open workspace…)."


class WorkspaceActions(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.runner = Runner("workspace-actions", self)
        self.runner.finished.connect(self._done)
        self.runner.failed.connect(lambda exc: show_error(window, exc, title="Nothing was recorded"))
        self._declined: set[str] = set()
        self.dialog = None
        self.actions: dict[str, QAction] = {}
        menu = window.menuBar().addMenu("&Workspace")
        menu.setObjectName("workspace_menu")
        for key, text, slot, tip in (
                ("identity", "&Who am I…", self.edit_identity, "Set the name and role recorded on your events"),
                ("register_dataset", "Register &dataset…", lambda: self.register("dataset"), "Record a dataset file"),
                ("register_model", "Register &model…", lambda: self.register("model"), "Record a model file"),
                ("note", "Add a &note…", self.add_note, "Append a free-text note to the trail"),
                ("export_trail", "&Export trail…", self.export_trail, "Write the trail as CSV or JSON")):
            a = QAction(text, window)
            a.setObjectName(f"ws_{key}")
            a.setStatusTip(tip)
            a.triggered.connect(slot)
            menu.addAction(a)
            self.actions[key] = a
        window.workspace_changed.connect(self._on_workspace)
        self._on_workspace(window.snapshot)

    def _on_workspace(self, snap) -> None:
        for key, a in self.actions.items():
            a.setEnabled(snap is not None)
            a.setToolTip(NO_WORKSPACE if snap is None else a.statusTip())
        if snap is not None:
            ask_identity_if_missing(self.window, snap)

    def _status(self, text: str) -> None:
        if hasattr(self.window, "step_label"):
            self.window.step_label.setText(text)

    def _done(self, value) -> None:
        self._status(getattr(value, "message", None) or (f"Recorded in the trail." if not isinstance(value, int)
                                                         else f"Exported {value:,} events."))
        self.window.refresh_workspace()

    # ------------------------------------------------------------------ identity
    def edit_identity(self, first_run: bool = False):
        snap = self.window.snapshot
        if snap is None:
            return None
        from gui.dialogs.identity import IdentityDialog

        me = snap.identity
        person = jobs.os_person()
        demo = me.name if me is not None and jobs.is_demo_workspace(snap.path, me.name) else ""
        dlg = IdentityDialog(snap.name, f"{person.user}@{person.host}", me.name if me else "", me.role if me else "",
                             person.full_name or person.user, demo_persona=demo, key_file=jobs.existing_key(),
                             parent=self.window)
        dlg.accepted.connect(lambda: self.runner.start(jobs.set_identity, snap.path, **_identity_args(dlg)))
        dlg.rejected.connect(lambda: self._declined.add(snap.path))
        dlg.open()
        self.dialog = dlg
        return dlg

    # ------------------------------------------------------------------ registering
    def register(self, kind: str):
        snap = self.window.snapshot
        if snap is None:
            return None
        from gui.dialogs.register import RegisterDialog

        dlg = RegisterDialog(kind, str(Path(snap.path).parent), self.window)
        dlg.accepted.connect(lambda: self.runner.start(jobs.register_file, snap.path, kind, **dlg.values()))
        dlg.open()
        self.dialog = dlg
        return dlg

    def add_note(self):
        snap = self.window.snapshot
        if snap is None:
            return None
        from gui.dialogs.note import NoteDialog

        refs = [(r.run_id, f"audit run {r.run_id}") for r in snap.runs]
        refs += [(a.id, f"{a.kind}: {a.label()}") for a in snap.artifacts]
        dlg = NoteDialog(refs, self.window)
        dlg.accepted.connect(lambda: self.runner.start(jobs.add_note, snap.path, **dlg.values()))
        dlg.open()
        self.dialog = dlg
        return dlg

    # ------------------------------------------------------------------ export
    def export_trail(self, out: str | None = None, fmt: str | None = None) -> bool:
        """Ask for a file (unless given), ask before replacing one, then export; False when nothing was started."""
        snap = self.window.snapshot
        if snap is None:
            return False
        if out is None:
            out, chosen = QFileDialog.getSaveFileName(self.window, "Export the trail", str(Path(snap.path).with_suffix(
                ".csv")), "CSV (*.csv);;JSON (*.json)", options=QFileDialog.Option.DontConfirmOverwrite)
            if not out:
                return False
        fmt = fmt or ("json" if out.lower().endswith(".json") else "csv")
        force = False
        if Path(out).exists():
            box = QMessageBox(QMessageBox.Icon.Question, "Replace the file?", f"{out} exists already. Replace it?",
                              QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.window)
            box.setObjectName("replace_question")
            box.setDefaultButton(QMessageBox.StandardButton.No)
            box.finished.connect(lambda r: r == QMessageBox.StandardButton.Yes and self.runner.start(
                jobs.export_trail, snap.path, fmt, out, True))
            box.open()
            self.dialog = box
            return True
        self.runner.start(jobs.export_trail, snap.path, fmt, out, force)
        return True


def _identity_args(dlg) -> dict:
    v = dlg.values()
    return {"name": v["name"], "role": v["role"], "key_passphrase": v["passphrase"]}


def ask_identity_if_missing(window, snapshot):
    """When `snapshot`'s workspace has no name and role for this account: open the identity dialog (once per
    workspace and session, unless the user saves it). Returns the dialog or None."""
    actions = getattr(window, "workspace_actions", None)
    me = getattr(snapshot, "identity", None)
    if actions is None or snapshot is None or (me is not None and me.name and me.role):
        return None
    if snapshot.path in actions._declined or (actions.dialog is not None and actions.dialog.isVisible()):
        return None
    return actions.edit_identity(first_run=True)


def install_workspace_actions(window) -> None:
    """Add the Workspace menu to `window` (a `gui.main_window.MainWindow`)."""
    window.workspace_actions = WorkspaceActions(window)
