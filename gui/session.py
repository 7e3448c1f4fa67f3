"""The controller between the window and the workspace: the set-up draft of each workspace (saved beside it and
restored on reopen), what a workspace switch closes, and re-running a recorded set-up. The window only calls these."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gui.main_window import MainWindow


def switch_workspace(window: MainWindow, old: str | None, new: str | None) -> None:
    """Another workspace: the previous one's draft is saved, its jobs cancelled and its run no longer shown, so no
    action can act on a run of a workspace that is not open; the new workspace's saved draft fills Set-up."""
    if old is not None:
        window.save_draft(old)
    window.audit_runner.cancel()
    window.demo_runner.cancel()  # the demo's story belongs to the demo workspace
    window.outcome, window.outcome_workspace = None, None
    window.results.set_result(None)
    window.explanations.set_result(None)
    window.quality.set_result(None)
    window.report.set_result(None, None, new)
    if new is not None:
        restore_draft(window, new)


def save_draft(window: MainWindow, workspace: str | None = None) -> None:
    from audit.draft import draft_path
    from audit.draft import save_draft as write_draft
    from gui.draft_binding import draft_of

    workspace = workspace or (window.snapshot.path if window.snapshot else None)
    if workspace is None:
        return
    try:
        write_draft(draft_path(workspace), draft_of(window.setup))
    except Exception as exc:
        window.step_label.setText(f"The set-up could not be saved beside the workspace: {exc}")


def restore_draft(window: MainWindow, workspace: str) -> None:
    from audit.draft import draft_path, load_draft
    from gui.draft_binding import apply_draft

    draft, why = load_draft(draft_path(workspace))
    if draft is not None:
        apply_draft(window.setup, draft)
    if why:
        window.step_label.setText(why)


def rerun_setup(window: MainWindow) -> None:
    """The shown run's recorded spec becomes the set-up; the status line names what differs from the page."""
    if window.outcome is None:
        return
    from audit.draft import AuditDraft
    from gui.draft_binding import apply_draft, draft_of

    before = draft_of(window.setup)
    recorded = AuditDraft.from_spec(window.outcome.result.spec)
    notes = apply_draft(window.setup, recorded)
    changed = recorded.changes_since(before)
    window.setup.ready_label.setToolTip("\n".join(changed))
    window.step_label.setText(
        (
            "Set-up loaded from the run; changed: " + "; ".join(changed[:6]) + (" …" if len(changed) > 6 else "")
            if changed
            else "Set-up loaded from the run; nothing changed."
        )
        + (" Note: " + "; ".join(notes) if notes else "")
    )
    window.show_page("setup")
