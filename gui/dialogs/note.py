"""A free-text note in the trail, optionally about one audit run or artifact (`attest trail note TEXT --ref ID`)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QFormLayout, QPlainTextEdit, QWidget

from gui.dialogs.scrolling import ScrollingDialog


class NoteDialog(ScrollingDialog):
    """`refs`: (id, label) of the runs and artifacts a note can be about."""

    def __init__(self, refs: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__("note_dialog", "Add a note to the trail", "Add note", parent)
        form = QFormLayout()
        self.text = QPlainTextEdit()
        self.text.setObjectName("note_text")
        self.text.setAccessibleName("Note text")
        self.text.setTabChangesFocus(True)
        self.about = QComboBox()
        self.about.setObjectName("note_about")
        self.about.setAccessibleName("What the note is about")
        self.about.addItem("(the workspace as a whole)", None)
        for ref, label in refs:
            self.about.addItem(label, ref)
        form.addRow("Note", self.text)
        form.addRow("About", self.about)
        self.body.addLayout(form)
        self.text.textChanged.connect(self._validate)
        self._validate()

    def problem_text(self) -> str:
        return "" if self.text.toPlainText().strip() else "Write the note."

    def values(self) -> dict[str, Any]:
        ref = self.about.currentData()
        return {"text": self.text.toPlainText().strip(), "refs": [ref] if ref else []}
