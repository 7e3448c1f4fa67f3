"""The "Workspace" menu and the matching buttons on the Workspace and Trail pages: who you are, register datasets and
models, record a training run, notes, trail export, and sign-off under the workspace identity (optionally signed).
One entry point, `install_workspace_actions(window)`; the jobs are the plain functions of `gui.workspace_jobs`, run
off the GUI thread; the workspace is re-read after each."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox
from shiboken6 import isValid

from gui import workspace_jobs as jobs
from gui.errors import show_error, show_message
from gui.worker import Runner

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from audit.trail import Event, Registration
    from gui.dialogs.identity import IdentityDialog
    from gui.dialogs.note import NoteDialog
    from gui.dialogs.register import RegisterDialog
    from gui.dialogs.signoff import SignoffDialog
    from gui.dialogs.training import TrainingDialog
    from gui.jobs import WorkspaceSnapshot

NO_WORKSPACE = "Open a workspace first (File > Open workspace…)."


class WorkspaceActions(QObject):
    def __init__(self, window: Any) -> None:  # a MainWindow, whose sign-off this class replaces (see below)
        super().__init__(window)
        self.window = window
        self.runner = Runner("workspace-actions", self)
        self.runner.finished.connect(self._done)
        self.runner.failed.connect(lambda exc: show_error(window, exc, title="Nothing was recorded"))
        # Registering from inside the training dialog: the new file is then chosen in that dialog.
        self.register_runner = Runner("workspace-register", self)
        self.register_runner.finished.connect(self._registered_for_dialog)
        self.register_runner.failed.connect(lambda exc: show_error(self._register_parent(), exc, title="Nothing was recorded"))
        self.signoff_runner = Runner("workspace-signoff", self)
        self.signoff_runner.finished.connect(self._signed)
        self.signoff_runner.failed.connect(self._signoff_failed)
        self._declined: set[str] = set()
        self.dialog: QDialog | None = None  # the last dialog opened (identity, register, note, replace-file question)
        self.training_dialog: TrainingDialog | None = None
        self.signoff_dialog: SignoffDialog | None = None
        self._register_into: TrainingDialog | None = None
        self.actions: dict[str, QAction] = {}
        menu = window.menuBar().addMenu("&Workspace")
        bar = window.menuBar().actions()
        help_menu = next((a for a in bar if a.text().replace("&", "") == "Help"), None)
        if help_menu is not None:  # Help stays last, as everywhere
            window.menuBar().insertMenu(help_menu, menu)
        menu.setObjectName("workspace_menu")
        for key, text, slot, tip in (
            ("identity", "&Who am I…", self.edit_identity, "Set the name and role recorded on your events"),
            ("register_dataset", "Register &dataset…", lambda: self.register("dataset"), "Record a dataset file"),
            ("register_model", "Register &model…", lambda: self.register("model"), "Record a model file"),
            (
                "record_training",
                "Record &training run…",
                self.record_training,
                "Record who trained which model on which data, with which parameters",
            ),
            ("note", "Add a &note…", self.add_note, "Append a free-text note to the trail"),
            ("export_trail", "&Export trail…", self.export_trail, "Write the trail as CSV or JSON"),
        ):
            a = QAction(text, window)
            a.setObjectName(f"ws_{key}")
            a.setStatusTip(tip)
            a.triggered.connect(slot)
            menu.addAction(a)
            self.actions[key] = a
        window.workspace_changed.connect(self._on_workspace)
        self._on_workspace(window.snapshot)

    def _on_workspace(self, snap: WorkspaceSnapshot | None) -> None:
        for key, a in self.actions.items():
            why = NO_WORKSPACE if snap is None else ""
            if key == "export_trail" and snap is not None and not snap.events:
                why = "The trail is empty: there is nothing to export yet."
            a.setEnabled(not why)
            a.setToolTip(why or a.statusTip())
        self._follow_dialogs(snap)
        if snap is not None:
            ask_identity_if_missing(self.window, snap)

    def _follow_dialogs(self, snap: WorkspaceSnapshot | None) -> None:
        """An open training or sign-off dialog shows the workspace as re-read; one of another workspace closes."""
        for dlg in (self.training_dialog, self.signoff_dialog):
            if dlg is None or not isValid(dlg) or not dlg.isVisible():
                continue
            from gui.dialogs.training import TrainingDialog  # loaded already: the dialog is open

            if snap is None or dlg.property("workspace") != snap.path:
                dlg.reject()
            elif isinstance(dlg, TrainingDialog):
                dlg.set_artifacts(snap.artifacts)
            elif snap.identity is not None:
                dlg.set_identity(snap.identity.name, snap.identity.role)

    def _status(self, text: str) -> None:
        if hasattr(self.window, "step_label"):
            self.window.step_label.setText(text)

    def _done(self, value: object) -> None:
        if isinstance(value, int):
            text = f"Exported {value:,} events."
        elif hasattr(value, "seq") and hasattr(value, "summary"):  # an audit.trail.Event
            text = f"Recorded as event #{value.seq}: {value.summary()}"
        else:
            text = getattr(value, "message", None) or "Recorded in the trail."
        self._status(text)
        self.window.refresh_workspace()

    # ------------------------------------------------------------------ identity
    def edit_identity(self, first_run: bool = False, parent: QWidget | None = None) -> IdentityDialog | None:
        snap = self.window.snapshot
        if snap is None:
            return None
        from gui.dialogs.identity import IdentityDialog

        me = snap.identity
        person = jobs.os_person()
        demo = me.name if me is not None and jobs.is_demo_workspace(snap.path, me.name) else ""
        dlg = IdentityDialog(
            snap.name,
            f"{person.user}@{person.host}",
            me.name if me else "",
            me.role if me else "",
            person.full_name or person.user,
            demo_persona=demo,
            key_file=jobs.existing_key(),
            parent=parent or self.window,
        )
        dlg.accepted.connect(lambda: self.runner.start(jobs.set_identity, snap.path, **_identity_args(dlg)))
        dlg.rejected.connect(lambda: self._declined.add(snap.path))
        dlg.open()
        self.dialog = dlg
        return dlg

    # ------------------------------------------------------------------ registering
    def register(self, kind: str, into: TrainingDialog | None = None) -> RegisterDialog | None:
        """The register dialog; `into`: the training dialog that asked, where the new file is then chosen."""
        snap = self.window.snapshot
        if snap is None:
            return None
        from gui.dialogs.register import RegisterDialog

        dlg = RegisterDialog(kind, str(Path(snap.path).parent), into or self.window)
        runner = self.runner if into is None else self.register_runner
        self._register_into = into
        dlg.accepted.connect(lambda: runner.start(jobs.register_file, snap.path, kind, **dlg.values()))
        dlg.open()
        self.dialog = dlg
        return dlg

    def _register_parent(self) -> QWidget:
        into = self._register_into
        return into if into is not None and isValid(into) else self.window

    def _registered_for_dialog(self, registration: Registration) -> None:
        if self._register_into is not None and isValid(self._register_into):
            self._register_into.add_artifact(registration.artifact)
        self._done(registration)

    # ------------------------------------------------------------------ training runs
    def record_training(self) -> TrainingDialog | None:
        snap = self.window.snapshot
        if snap is None:
            return None
        from gui.dialogs.training import TrainingDialog

        me = snap.identity
        dlg = TrainingDialog(snap.artifacts, (me.name or me.user) if me else "", self.window)
        dlg.setProperty("workspace", snap.path)
        dlg.register_requested.connect(lambda kind: self.register(kind, into=dlg))
        dlg.accepted.connect(lambda: self.runner.start(jobs.record_training, snap.path, **dlg.values()))
        dlg.open()
        self.dialog = self.training_dialog = dlg
        return dlg

    # ------------------------------------------------------------------ sign-off
    def sign_off(self, run_id: str | None = None) -> SignoffDialog | None:
        """Sign off `run_id` (default: the run shown, when it belongs to the open workspace) as the workspace
        identity, optionally signed; the main window's Sign off action and the pages' buttons come here."""
        w = self.window
        snap = w.snapshot
        shown = w.outcome if w.outcome is not None and snap is not None and w.outcome_workspace == snap.path else None
        run_id = run_id or (shown.run_id if shown is not None else None)
        if not run_id or snap is None:
            show_message(
                w,
                "Sign-off",
                "There is no recorded audit run of the open workspace to sign off.",
                hint="Open a workspace, run an audit (it is recorded in the trail) or open a recorded run, then sign it off.",
            )
            return None
        from gui.dialogs.signoff import SignoffDialog

        me = snap.identity
        summary = shown.result.summary.sentence() if shown is not None and shown.run_id == run_id else ""
        dlg = SignoffDialog(
            run_id,
            summary,
            me.name if me else "",
            me.role if me else "",
            key_file=jobs.existing_key(),
            start_dir=str(Path(snap.path).parent),
            parent=w,
        )
        dlg.setProperty("workspace", snap.path)
        dlg.submitted.connect(lambda v: self.signoff_runner.start(jobs.signoff, snap.path, run_id, **_signoff_args(v)))
        dlg.change_identity.connect(lambda: self.edit_identity(parent=dlg))
        dlg.open()
        self.signoff_dialog = w.signoff_dialog = dlg
        return dlg

    def _signed(self, event: Event) -> None:
        dlg = self.signoff_dialog
        if dlg is not None and isValid(dlg):
            dlg.finish()
        signed = event.payload.get("signature")
        self._status(
            f"Sign-off recorded as event #{event.seq}: {event.summary()}"
            + (f" (signed by {signed['signer']})" if signed else " (not signed)")
        )
        self.window.refresh_workspace()
        self.window.signoff_recorded.emit(event)

    def _signoff_failed(self, exc: BaseException) -> None:
        dlg = self.signoff_dialog
        alive = dlg is not None and isValid(dlg)
        if dlg is not None and alive:
            dlg.failed(getattr(exc, "message", None) or "an unexpected error (see the message).")
        show_error(dlg if alive else self.window, exc, title="The sign-off was not recorded")

    def add_note(self) -> NoteDialog | None:
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
            out, _chosen_filter = QFileDialog.getSaveFileName(
                self.window,
                "Export the trail",
                str(Path(snap.path).with_suffix(".csv")),
                "CSV (*.csv);;JSON (*.json)",
                options=QFileDialog.Option.DontConfirmOverwrite,
            )
            if not out:
                return False
        fmt = fmt or ("json" if out.lower().endswith(".json") else "csv")
        force = False
        if Path(out).exists():
            box = QMessageBox(
                QMessageBox.Icon.Question,
                "Replace the file?",
                f"{out} exists already. Replace it?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                self.window,
            )
            box.setObjectName("replace_question")
            box.setDefaultButton(QMessageBox.StandardButton.No)
            box.finished.connect(
                lambda r: r == QMessageBox.StandardButton.Yes and self.runner.start(jobs.export_trail, snap.path, fmt, out, True)
            )
            box.open()
            self.dialog = box
            return True
        self.runner.start(jobs.export_trail, snap.path, fmt, out, force)
        return True


def _signoff_args(v: dict[str, Any]) -> dict[str, Any]:
    keys = ("decision", "conditions", "comment", "sign_with", "certificate", "password")
    return {k: v[k] for k in keys}


def _identity_args(dlg: IdentityDialog) -> dict[str, Any]:
    v = dlg.values()
    return {"name": v["name"], "role": v["role"], "key_passphrase": v["passphrase"]}


def ask_identity_if_missing(window: Any, snapshot: WorkspaceSnapshot | None) -> IdentityDialog | None:
    """When `snapshot`'s workspace has no name and role for this account: open the identity dialog (once per
    workspace and session, unless the user saves it). Returns the dialog or None."""
    actions: WorkspaceActions | None = getattr(window, "workspace_actions", None)
    me = getattr(snapshot, "identity", None)
    if actions is None or snapshot is None or (me is not None and me.name and me.role):
        return None
    open_dialog = actions.dialog if actions.dialog is not None and isValid(actions.dialog) else None
    if snapshot.path in actions._declined or (open_dialog is not None and open_dialog.isVisible()):
        return None
    return actions.edit_identity(first_run=True)


def install_workspace_actions(window: Any) -> WorkspaceActions:  # a gui.main_window.MainWindow
    """Add the Workspace menu to `window`, the action buttons to its Workspace and Trail pages, and the identity-bound,
    signing sign-off that `window.sign_off()` hands over to. Once per window: again, it returns the actions it made."""
    existing = getattr(window, "workspace_actions", None)
    if isinstance(existing, WorkspaceActions):
        return existing
    actions = WorkspaceActions(window)
    a = actions.actions
    window.artifacts.add_actions([a["register_dataset"], a["register_model"], a["record_training"], a["note"], a["export_trail"]])
    window.trail.add_actions([a["record_training"], a["note"], a["export_trail"]])
    window.trail.signoff_run.connect(actions.sign_off)
    return actions
