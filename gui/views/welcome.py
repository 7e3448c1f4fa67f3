"""The first-run screen: open the demo workspace, create or open one, or pick a recent one."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from gui.views.common import heading, muted


class WelcomeView(QWidget):
    demo_requested = Signal()
    new_requested = Signal()
    open_requested = Signal()
    recent_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome_view")
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        col = QVBoxLayout()
        col.addStretch(1)
        col.addWidget(heading("Welcome to Attest"))
        intro = QLabel(
            "Audit a classifier for fairness by group, explain it, and keep a tamper-evident trail of who "
            "registered, trained, audited and signed off what, ending in a PDF report for the conformity file. "
            "Everything stays on this computer."
        )
        intro.setWordWrap(True)
        intro.setMaximumWidth(620)
        col.addWidget(intro)
        col.addSpacing(16)
        self.demo_button = QPushButton("Open the demo workspace")
        self.demo_button.setObjectName("open_demo")
        self.demo_button.setAccessibleName("Open the demo workspace")
        self.demo_button.setDefault(True)
        self.demo_button.setMinimumHeight(self.demo_button.sizeHint().height() + 12)
        self.demo_button.clicked.connect(self.demo_requested)
        col.addWidget(self.demo_button)
        col.addWidget(
            muted(
                "Trains a mortgage pre-approval model on the 1990 Boston HMDA applications (bundled, no network), "
                "registers its files and sets up an audit by race, sex and marital status. Takes a few seconds."
            )
        )
        row = QHBoxLayout()
        self.new_button = QPushButton("New workspace…")
        self.new_button.setAccessibleName("Create a new workspace")
        self.new_button.clicked.connect(self.new_requested)
        self.open_button = QPushButton("Open workspace…")
        self.open_button.setAccessibleName("Open an existing workspace")
        self.open_button.clicked.connect(self.open_requested)
        row.addWidget(self.new_button)
        row.addWidget(self.open_button)
        row.addStretch(1)
        col.addLayout(row)
        col.addSpacing(16)
        self.recent_title = heading("Recent workspaces", 3)
        col.addWidget(self.recent_title)
        self.recent = QListWidget()
        self.recent.setObjectName("recent_workspaces")
        self.recent.setAccessibleName("Recent workspaces")
        self.recent.setMaximumHeight(150)
        self.recent.itemActivated.connect(lambda item: self.recent_requested.emit(item.data(Qt.ItemDataRole.UserRole)))
        col.addWidget(self.recent)
        col.addStretch(2)
        outer.addLayout(col, 3)
        outer.addStretch(1)

    def set_recent(self, paths: list[str]) -> None:
        self.recent.clear()
        for p in paths:
            item = QListWidgetItem(f"{Path(p).stem}    —    {p}")
            item.setData(Qt.ItemDataRole.UserRole, p)
            self.recent.addItem(item)
        self.recent.setVisible(bool(paths))
        self.recent_title.setVisible(bool(paths))
