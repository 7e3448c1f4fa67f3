"""Who you are in this workspace: the display name and role recorded on your events and sign-offs (what
`attest trail whoami --set-name --set-role` sets), and optionally your Attest sign-off key (`--create-key`)."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QLineEdit, QWidget

from gui.dialogs.scrolling import ScrollingDialog
from gui.views.common import muted

MIN_PASSPHRASE = 8  # audit.trail.keys.create_personal_key refuses shorter ones


class IdentityDialog(ScrollingDialog):
    """`account`: "user@host". `current_name`/`current_role`: what the workspace records now ("" when unset).
    `suggested_name`/`suggested_role`: the prefill when nothing is set (the OS account's full name, or the identity
    used last in another workspace). `demo_persona`: the workspace is the demo and you act as this persona in it.
    `key_file`: the path of an existing sign-off key (then none is created), or None."""

    def __init__(
        self,
        workspace_name: str,
        account: str,
        current_name: str = "",
        current_role: str = "",
        suggested_name: str = "",
        suggested_role: str = "",
        *,
        demo_persona: str = "",
        key_file: str | None = None,
        key_fingerprint: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("identity_dialog", f"Who are you in {workspace_name}?", "Save identity", parent)
        first = not current_name
        text = (
            f"Attest records every event with your computer account <b>{account}</b> and, from now on, with the "
            f"name and role below. Sign-offs are made in this name and cannot be made in anyone else's. "
            f"The identity is kept per workspace; a change is itself recorded in the trail."
        )
        if first:
            text = f"<b>{workspace_name}</b> does not know your name yet. " + text
        intro = QLabel(text)
        intro.setWordWrap(True)
        self.body.addWidget(intro)
        if demo_persona:
            demo = QLabel(
                f"<b>This is the demo workspace.</b> In it you act as the demo's persona "
                f"<b>{demo_persona}</b>; the demo's names are used only here. Your own workspaces use your "
                "own name. Saving below replaces the persona in the demo's trail too."
            )
            demo.setObjectName("identity_demo_note")
            demo.setWordWrap(True)
            self.body.addWidget(demo)
        form = QFormLayout()
        self.name = QLineEdit(current_name or suggested_name)
        self.name.setObjectName("identity_name")
        self.name.setAccessibleName("Your name")
        self.name.setPlaceholderText("e.g. Dana Kim")
        self.role = QLineEdit(current_role or (suggested_role if first else ""))
        self.role.setObjectName("identity_role")
        self.role.setAccessibleName("Your role")
        self.role.setPlaceholderText("e.g. Compliance officer, ML lead, Model risk auditor")
        form.addRow("Name", self.name)
        form.addRow("Role", self.role)
        self.body.addLayout(form)

        self.create_key = QCheckBox("Create my sign-off key (Ed25519, kept encrypted in your Attest data folder)")
        self.create_key.setObjectName("identity_create_key")
        self.create_key.setAccessibleName("Create my sign-off key")
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("identity_passphrase")
        self.passphrase.setAccessibleName("Passphrase for the sign-off key")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit()
        self.repeat.setObjectName("identity_passphrase_repeat")
        self.repeat.setAccessibleName("Passphrase again")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        if key_file:
            from audit.trail.keys import fingerprint_label

            registered = (
                f" It is registered here (fingerprint {fingerprint_label(key_fingerprint)})."
                if key_fingerprint
                else " Signing a sign-off with it registers it in this workspace."
            )
            self.key_note = muted(f"You have a sign-off key at {key_file}.{registered}")
            self.create_key.setChecked(False)
            self.create_key.setEnabled(False)
            self.create_key.setToolTip("You already have a key; an existing key is never replaced.")
        else:
            self.key_note = muted(
                "Optional. With a key your sign-offs are signed, so a changed sign-off is detected by "
                "Verify. Keep a backup of the key file; the passphrase cannot be recovered."
            )
        self.key_note.setObjectName("identity_key_note")
        self.body.addWidget(self.create_key)
        key_form = QFormLayout()
        key_form.addRow("Passphrase", self.passphrase)
        key_form.addRow("Again", self.repeat)
        self.body.addLayout(key_form)
        self.body.addWidget(self.key_note)
        self.body.addStretch(1)
        for w in (self.name, self.role, self.passphrase, self.repeat):
            w.textChanged.connect(self._validate)
        self.create_key.toggled.connect(self._key_toggled)
        self._key_toggled(False)

    def _key_toggled(self, on: bool) -> None:
        self.passphrase.setEnabled(on)
        self.repeat.setEnabled(on)
        self._validate()

    def problem_text(self) -> str:
        if not self.name.text().strip():
            return "Enter your name."
        if not self.role.text().strip():
            return "Enter your role (sign-offs record it)."
        if self.create_key.isChecked():
            if len(self.passphrase.text()) < MIN_PASSPHRASE:
                return f"The key's passphrase needs at least {MIN_PASSPHRASE} characters."
            if self.passphrase.text() != self.repeat.text():
                return "The two passphrases differ."
        return ""

    def values(self) -> dict[str, str | None]:
        """name, role, and the key passphrase (None: no key is created)."""
        return {
            "name": self.name.text().strip(),
            "role": self.role.text().strip(),
            "passphrase": self.passphrase.text() if self.create_key.isChecked() else None,
        }
