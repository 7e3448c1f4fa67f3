"""Trusting a model file: shows its SHA-256 and what trusting means; nothing is loaded until the user agrees."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QLineEdit, QListWidget, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from audit.errors import TrustRequired


class TrustDialog(QDialog):
    """`exc` is an `audit.errors.TrustRequired`: for a pickle (`untrusted` empty) or a skops file with unknown types."""

    def __init__(self, model_path: str, exc: TrustRequired, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trust_dialog")
        self.sha256 = exc.sha256
        self.untrusted = tuple(exc.untrusted)
        pickle = not self.untrusted
        name = Path(model_path).name
        self.setWindowTitle("Trust this model file?")
        self.setAccessibleName("Trust this model file?")
        self.setMinimumWidth(620)
        lay = QVBoxLayout(self)
        title = QLabel(f"<b>{name}</b> can run code on this computer when it is loaded.")
        title.setWordWrap(True)
        lay.addWidget(title)
        if pickle:
            what = (
                "It is a pickle/joblib file. Loading a pickle executes whatever instructions the file contains, with "
                "your permissions: it can read, change or send your files. Attest cannot check what it will do."
            )
        else:
            what = (
                "It is a skops file that uses types neither skops nor Attest has reviewed. Trusting them lets skops "
                "construct these exact types (and run their code) while loading:"
            )
        body = QLabel(what)
        body.setWordWrap(True)
        lay.addWidget(body)
        if self.untrusted:
            types = QListWidget()
            types.setObjectName("untrusted_types")
            types.setAccessibleName("Types that need trust")
            types.addItems(list(self.untrusted))
            types.setMaximumHeight(110)
            lay.addWidget(types)
        lay.addWidget(QLabel("SHA-256 of the file (compare it with the one its author published):"))
        self.sha_field = QLineEdit(self.sha256)
        self.sha_field.setObjectName("trust_sha256")
        self.sha_field.setAccessibleName("SHA-256 of the model file")
        self.sha_field.setReadOnly(True)
        font = self.sha_field.font()
        font.setFamily("monospace")
        self.sha_field.setFont(font)
        self.sha_field.setMinimumWidth(self.sha_field.fontMetrics().horizontalAdvance(self.sha256) + 24)
        lay.addWidget(self.sha_field)
        means = QLabel(
            "Trust only files from a source you would also let run a program on this machine. Your decision and "
            "this hash are recorded with the audit (the report states that the model was loaded as trusted). "
            "Trust applies to this run only; a file with a different hash asks again."
        )
        means.setWordWrap(True)
        lay.addWidget(means)
        self.confirm = QCheckBox(f"I trust this exact file ({self.sha256[:12]}…) and want to load it")
        self.confirm.setObjectName("trust_confirm")
        self.confirm.setAccessibleName("Confirm trusting this file")
        lay.addWidget(self.confirm)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.trust_button = self.buttons.addButton("Trust and run", QDialogButtonBox.ButtonRole.AcceptRole)
        self.trust_button.setObjectName("trust_accept")
        self.trust_button.setAccessibleName("Trust the file and run the audit")
        self.trust_button.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setDefault(True)
        self.confirm.toggled.connect(self.trust_button.setEnabled)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def trusted_request(self, request: dict[str, Any]) -> dict[str, Any]:
        """The same set-up request, with exactly the trust this dialog granted."""
        if self.untrusted:
            types = tuple(dict.fromkeys([*request.get("trusted_types", ()), *self.untrusted]))
            return {**request, "trusted_types": types}
        return {**request, "trust_pickle": True}
