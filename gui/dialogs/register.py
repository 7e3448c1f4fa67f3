"""Register a dataset or model file: its path, size and SHA-256 with a name, version and description (what
`attest register dataset|model FILE --name --version --description` records). The file stays where it is, and a
model is never loaded."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QWidget

from gui.dialogs.scrolling import ScrollingDialog
from gui.views.common import DATA_FILTER, MODEL_FILTER, FileField, muted


class RegisterDialog(ScrollingDialog):
    def __init__(self, kind: str, start_dir: str = "", parent: QWidget | None = None) -> None:
        assert kind in ("dataset", "model")
        self.kind = kind
        super().__init__(f"register_{kind}_dialog", f"Register a {kind}", f"Register {kind}", parent)
        self._start_dir = start_dir
        what = (
            "Attest records the file's path, size and SHA-256; the file stays where it is. Registering a changed "
            "file again records it as a new artifact, so give it a new version."
        )
        if kind == "model":
            what += " The model is not loaded: registering never runs code from it."
        intro = QLabel(what)
        intro.setWordWrap(True)
        self.body.addWidget(intro)
        form = QFormLayout()
        self.file = FileField(kind, f"The {kind} file")
        self.file.browse_requested.connect(self._browse)
        self.file.edit.textChanged.connect(self._validate)
        self.name = QLineEdit()
        self.name.setObjectName(f"register_{kind}_name")
        self.name.setAccessibleName(f"Name of the {kind}")
        self.name.setPlaceholderText("e.g. credit applications 2024" if kind == "dataset" else "e.g. credit scoring model")
        self.version = QLineEdit()
        self.version.setObjectName(f"register_{kind}_version")
        self.version.setAccessibleName(f"Version of the {kind}")
        self.version.setPlaceholderText("e.g. 2.1")
        self.description = QPlainTextEdit()
        self.description.setObjectName(f"register_{kind}_description")
        self.description.setAccessibleName(f"Description of the {kind}")
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(self.description.fontMetrics().lineSpacing() * 4 + 12)
        form.addRow("File", self.file)
        form.addRow("Name", self.name)
        form.addRow("Version", self.version)
        form.addRow("Description", self.description)
        self.body.addLayout(form)
        self.body.addWidget(muted("Name, version and description are optional; they are shown wherever the file is cited."))
        self.body.addStretch(1)
        self._validate()

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            f"Choose the {self.kind} file",
            self.file.path() or self._start_dir,
            DATA_FILTER if self.kind == "dataset" else MODEL_FILTER,
        )
        if path:
            self.file.set_path(path, emit=False)

    def problem_text(self) -> str:
        p = self.file.path()
        if not p:
            return f"Choose the {self.kind} file."
        if not Path(p).is_file():
            return f"{p} is not a file."
        return ""

    def values(self) -> dict[str, str]:
        return {
            "file": self.file.path(),
            "name": self.name.text().strip(),
            "version": self.version.text().strip(),
            "description": self.description.toPlainText().strip(),
        }
