"""The frame of the workspace dialogs: a body that scrolls, a problem line and buttons that always stay visible, and a
size that fits a 1280x720 laptop screen (or the real screen, if smaller)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFrame, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

LAPTOP = QSize(1280, 720)
TITLE_BAR = 48  # what window decorations take off the screen height, so the whole dialog is on screen

if TYPE_CHECKING:
    from PySide6.QtGui import QShowEvent


def limit() -> QSize:
    """The largest dialog that fits both a 1280x720 screen and the screen the app is on."""
    screen = QGuiApplication.primaryScreen()
    avail = screen.availableGeometry().size() if screen is not None else LAPTOP
    return QSize(min(LAPTOP.width(), avail.width()), min(LAPTOP.height(), avail.height()) - TITLE_BAR)


class ScrollingDialog(QDialog):
    """Subclasses fill `self.body` (a QVBoxLayout inside the scroll area), call `_validate` when inputs change, and
    implement `problem_text()` (empty when the dialog can be accepted)."""

    def __init__(self, name: str, title: str, ok_text: str, parent: QWidget | None = None, width: int = 600) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self._width = width
        outer = QVBoxLayout(self)
        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName(f"{name}_scroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.inner = inner = QWidget()
        self.body = QVBoxLayout(inner)
        self.body.setContentsMargins(0, 0, 0, 0)
        self.scroll_area.setWidget(inner)
        outer.addWidget(self.scroll_area, 1)
        self.problem = QLabel()
        self.problem.setObjectName(f"{name}_problem")
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("What is still missing")
        outer.addWidget(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok: QPushButton = self.buttons.addButton(ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName(f"{name}_accept")
        self.ok.setAccessibleName(ok_text)
        self.ok.setDefault(True)
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._sized = False

    def problem_text(self) -> str:
        return ""

    def _validate(self, *_: object) -> None:
        problem = self.problem_text()
        self.problem.setText(problem)
        self.ok.setEnabled(not problem)

    def _accept_if_valid(self) -> None:
        if not self.problem_text():
            self.accept()

    def fit(self) -> None:
        """As tall as the content wants, never taller than `limit()`: the rest scrolls, the buttons stay."""
        cap = limit()
        inner = self.inner.sizeHint()
        chrome = self.sizeHint().height() - self.scroll_area.sizeHint().height()
        self.resize(min(max(self._width, inner.width() + 40), cap.width()), min(inner.height() + chrome + 8, cap.height()))

    def showEvent(self, event: QShowEvent) -> None:
        if not self._sized:
            self._sized = True
            self.fit()
        super().showEvent(event)
