"""The one place that turns an exception into what the user sees.

- `Cancelled`: nothing (the user asked for it).
- `AttestError` (bad file, missing column, invalid policy ...): a plain warning with the message and "How to fix".
- Anything else is a bug: a crash dialog with a copyable details box to paste into a bug report.

Dialogs are opened with `open()` (window-modal, no nested event loop), so the window keeps painting and tests never block.
"""

from __future__ import annotations

import platform
import sys
import traceback
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QMessageBox, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from types import TracebackType


def show_error(parent: QWidget | None, exc: BaseException, *, title: str = "Attest") -> QDialog | None:
    """Show ``exc`` the way its kind deserves; returns the dialog (already open), or None for a cancellation."""
    errors = sys.modules.get("audit.errors")  # an AttestError instance implies its module is loaded: never import here
    if errors is not None and isinstance(exc, errors.Cancelled):
        return None
    if errors is not None and isinstance(exc, errors.AttestError):
        return show_message(parent, title, exc.message, hint=exc.hint)
    return show_crash(parent, exc)


def app_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("attest")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def show_message(
    parent: QWidget | None, title: str, message: str, *, hint: str = "", icon: QMessageBox.Icon = QMessageBox.Icon.Warning
) -> QMessageBox:
    box = QMessageBox(icon, title, message, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorMessage")
    box.setAccessibleName(f"{title}: {message}")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if hint:
        box.setInformativeText(f"How to fix: {hint}")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def crash_report(exc: BaseException) -> str:
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    try:
        from PySide6 import __version__ as pyside
    except ImportError:  # pragma: no cover
        pyside = "?"
    head = (
        f"Attest {app_version()} | Python {platform.python_version()} | PySide6 {pyside} | "
        f"{platform.platform()} | Qt platform {QGuiApplication.platformName()}"
    )
    return head + "\n\n" + "".join(lines)


class CrashDialog(QDialog):
    """For bugs only: says so plainly and offers the details to copy into a report."""

    def __init__(self, exc: BaseException, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crashDialog")
        self.setWindowTitle("Attest hit a bug")
        self.setAccessibleName("Attest hit a bug")
        self.resize(720, 420)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "<b>Something went wrong inside Attest.</b><br>This is a bug, not a problem with your files. Your workspace "
            "and audit trail are unchanged. Please copy the details below into a bug report."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        summary = QLabel(f"{type(exc).__name__}: {exc}")
        summary.setWordWrap(True)
        summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(summary)
        self.details = QPlainTextEdit(crash_report(exc))
        self.details.setObjectName("crashDetails")
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Crash details")
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        layout.addWidget(self.details, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton("&Copy details")
        copy.setAccessibleName("Copy crash details")
        copy.clicked.connect(self.copy_details)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())


def show_crash(parent: QWidget | None, exc: BaseException) -> CrashDialog:
    dlg = CrashDialog(exc, parent)
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dlg.open()
    return dlg


def install_excepthook() -> None:
    """Uncaught exceptions in slots become crash dialogs instead of silent console output."""
    previous = sys.excepthook

    def hook(etype: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        previous(etype, value, tb)
        if isinstance(value, (KeyboardInterrupt, SystemExit)):
            return
        from PySide6.QtWidgets import QApplication

        if QApplication.instance() is not None:
            show_crash(QApplication.activeWindow(), value)

    sys.excepthook = hook
