"""Buttons for window actions on a page: each follows its QAction (text, enabled state, tooltip), so the page, the
menu and the toolbar never disagree about what can be done now, and a disabled button's tooltip says why. Also the one
rule for when a run can be signed off, shared by the Workspace and Trail pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QBoxLayout, QToolButton

if TYPE_CHECKING:
    from gui.jobs import WorkspaceSnapshot


def action_button(action: QAction) -> QToolButton:
    b = QToolButton()
    b.setDefaultAction(action)
    b.setObjectName(f"button_{action.objectName()}")
    b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    b.setAccessibleName(action.text().replace("&", "").rstrip("…"))
    return b


def add_action_buttons(layout: QBoxLayout, actions: Sequence[QAction], at: int = -1) -> list[QToolButton]:
    """Insert one button per action into `layout` at `at` (the end when -1), in order."""
    buttons = [action_button(a) for a in actions]
    for i, b in enumerate(buttons):
        if at < 0:
            layout.addWidget(b)
        else:
            layout.insertWidget(at + i, b)
    return buttons


def signoff_blocked(snap: WorkspaceSnapshot | None, run_id: str | None) -> str:
    """Why `run_id` cannot be signed off in the workspace `snap` now ("" when it can)."""
    if snap is None:
        return "Open a workspace first."
    if not run_id:
        return "Select a recorded run first."
    me = snap.identity
    if me is None or not me.name or not me.role:
        return "A sign-off is made in your name: set your name and role first (Workspace > Who am I…)."
    return ""
