"""Sign-off: a reviewer's decision on an audit run, recorded in the trail (what `attest signoff RUN --decision
--conditions --comment [--sign P12 | --sign-with-key]` records).

The reviewer is the workspace identity, shown read-only: a decision can only be made in your own name (change the
identity with the link; the change is itself recorded). The decision may be signed with your Attest key or a
PKCS#12 certificate. Pressing the button does not close the dialog: `submitted` is emitted, the sign-off is recorded
off the GUI thread, and the dialog closes only when it was (`finish`), or stays open with the reason when it was not
(`failed`: a wrong passphrase, a file that is not a certificate), so nothing typed is lost."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from gui.dialogs.scrolling import ScrollingDialog
from gui.views.common import FileField, muted

DECISIONS = (("approve", "Approve"), ("approve_with_conditions", "Approve with conditions"), ("reject", "Reject"))
SIGNING = (
    ("", "Do not sign (recorded with your computer account)"),
    ("attest-key", "With my Attest sign-off key"),
    ("pkcs12", "With a certificate file (.p12 / .pfx)"),
)
CERT_FILTER = "Certificates (*.p12 *.pfx);;All files (*)"


class SignoffDialog(ScrollingDialog):
    """`reviewer`/`role`: the workspace identity ("" when it is not set). `key_file`: this user's Attest key, if any."""

    submitted = Signal(dict)  # values(): record it
    change_identity = Signal()  # the "Change identity…" link

    def __init__(
        self,
        run_id: str,
        summary: str = "",
        reviewer: str = "",
        role: str = "",
        *,
        key_file: str | None = None,
        start_dir: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("signoff_dialog", f"Sign off {run_id}", "Record sign-off", parent, width=620)
        self.run_id = run_id
        self._start_dir = start_dir
        self._busy = False
        self._done = False
        self.ok.setAccessibleName("Record the sign-off")
        intro = QLabel(
            f"Your decision on audit run <b>{run_id}</b> is added to the trail, hash-chained and recorded "
            f"with your name, role and computer account; it cannot be edited afterwards."
            + (f"<br><br>{summary}" if summary else "")
        )
        intro.setWordWrap(True)
        self.body.addWidget(intro)

        form = QFormLayout()
        self.reviewer = QLineEdit()
        self.reviewer.setObjectName("signoff_reviewer")
        self.reviewer.setAccessibleName("Reviewer name (your workspace identity)")
        self.role = QLineEdit()
        self.role.setObjectName("signoff_role")
        self.role.setAccessibleName("Reviewer role (your workspace identity)")
        for w in (self.reviewer, self.role):
            w.setReadOnly(True)  # never free text: the sign-off is recorded under the identity
            w.setFrame(False)  # and it does not look like a field to type into
            pal = w.palette()
            pal.setColor(pal.ColorRole.Base, pal.color(pal.ColorRole.Window))
            w.setPalette(pal)
            font = w.font()
            font.setBold(True)
            w.setFont(font)
            w.setToolTip("Your workspace identity; change it with “Change identity…”")
        self.identity_link = QLabel('<a href="identity">Change identity…</a>')
        self.identity_link.setObjectName("signoff_change_identity")
        self.identity_link.setAccessibleName("Change identity")
        self.identity_link.linkActivated.connect(lambda _: self.change_identity.emit())
        form.addRow("Reviewer", self.reviewer)
        form.addRow("Role", self.role)
        form.addRow("", self.identity_link)
        self.decision_buttons: dict[str, QRadioButton] = {}
        group = QButtonGroup(self)
        box = QVBoxLayout()
        for key, text in DECISIONS:
            b = QRadioButton(text)
            b.setObjectName(f"decision_{key}")
            b.setAccessibleName(text)
            group.addButton(b)
            box.addWidget(b)
            self.decision_buttons[key] = b
            b.toggled.connect(self._validate)
        form.addRow("Decision", box)
        self.conditions = QPlainTextEdit()
        self.conditions.setObjectName("signoff_conditions")
        self.conditions.setAccessibleName("Conditions")
        self.conditions.setPlaceholderText("Required for an approval with conditions, e.g. re-audit after the Q3 retraining")
        self.comment = QPlainTextEdit()
        self.comment.setObjectName("signoff_comment")
        self.comment.setAccessibleName("Comment")
        for text_box in (self.conditions, self.comment):
            text_box.setTabChangesFocus(True)
            text_box.setFixedHeight(text_box.fontMetrics().lineSpacing() * 3 + 12)
        form.addRow("Conditions", self.conditions)
        form.addRow("Comment", self.comment)
        self.body.addLayout(form)

        sign = QGroupBox("Signature")
        sign.setObjectName("signoff_signature")
        sl = QVBoxLayout(sign)
        self.sign_buttons: dict[str, QRadioButton] = {}
        sgroup = QButtonGroup(self)
        for key, text in SIGNING:
            b = QRadioButton(text)
            b.setObjectName(f"sign_{key or 'none'}")
            b.setAccessibleName(text)
            sgroup.addButton(b)
            sl.addWidget(b)
            self.sign_buttons[key] = b
            b.toggled.connect(self._signing_changed)
        if key_file:
            self.sign_buttons["attest-key"].setText(f"With my Attest sign-off key ({key_file})")
        else:
            self.sign_buttons["attest-key"].setEnabled(False)
            self.sign_buttons["attest-key"].setToolTip(
                "You have no Attest sign-off key: create one in Workspace > Who am I…, or sign with a certificate file."
            )
        sform = QFormLayout()
        self.certificate = FileField("certificate", "Your .p12 or .pfx file")
        self.certificate.browse_requested.connect(self._browse)
        self.certificate.edit.textChanged.connect(self._validate)
        self.password = QLineEdit()
        self.password.setObjectName("signoff_password")
        self.password.setAccessibleName("Passphrase of the key or password of the certificate")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.textChanged.connect(self._validate)
        self.password_label = QLabel("Passphrase")
        sform.addRow("Certificate", self.certificate)
        sform.addRow(self.password_label, self.password)
        sl.addLayout(sform)
        sl.addWidget(
            muted(
                "A signed sign-off names the key that signed it, and Verify detects any later change to it. "
                "The passphrase is used once and never stored."
            )
        )
        self.body.addWidget(sign)
        self.body.addStretch(1)
        self.conditions.textChanged.connect(self._validate)
        self.sign_buttons[""].setChecked(True)
        self.set_identity(reviewer, role)

    # ------------------------------------------------------------------ identity and signing
    def set_identity(self, reviewer: str, role: str) -> None:
        """The workspace identity, shown read-only (again after "Change identity…" was saved)."""
        self.reviewer.setText(reviewer)
        self.role.setText(role)
        self.reviewer.setPlaceholderText("(not set)")
        self.role.setPlaceholderText("(not set)")
        self._validate()

    def signing(self) -> str:
        return next(k for k, b in self.sign_buttons.items() if b.isChecked())

    def _signing_changed(self, *_: object) -> None:
        how = self.signing()
        self.certificate.setEnabled(how == "pkcs12")
        self.password.setEnabled(bool(how))
        self.password_label.setText("Password" if how == "pkcs12" else "Passphrase")
        self._validate()

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose your certificate", self.certificate.path() or self._start_dir, CERT_FILTER
        )
        if path:
            self.certificate.set_path(path, emit=False)

    # ------------------------------------------------------------------ values and recording
    def decision(self) -> str | None:
        return next((k for k, b in self.decision_buttons.items() if b.isChecked()), None)

    def values(self) -> dict[str, str]:
        """Keyword arguments of `gui.workspace_jobs.signoff` (after the path and run id), plus the reviewer shown."""
        how = self.signing()
        return {
            "reviewer": self.reviewer.text(),
            "role": self.role.text(),
            "decision": self.decision() or "",
            "conditions": self.conditions.toPlainText().strip(),
            "comment": self.comment.toPlainText().strip(),
            "sign_with": how,
            "certificate": self.certificate.path() if how == "pkcs12" else "",
            "password": self.password.text() if how else "",
        }

    def problem_text(self) -> str:
        v = self.values()
        if self._busy:
            return "Recording the sign-off…"
        if not v["reviewer"] or not v["role"]:
            return "A sign-off is made in your name: set your name and role first (Change identity…)."
        if not v["decision"]:
            return "Choose a decision."
        if v["decision"] == "approve_with_conditions" and not v["conditions"]:
            return "State the conditions of the approval."
        if v["sign_with"] == "pkcs12" and not v["certificate"]:
            return "Choose your certificate file, or sign another way."
        if v["sign_with"] == "attest-key" and not v["password"]:
            return "Enter your sign-off key's passphrase."
        return ""

    def accept(self) -> None:
        """Asked to record (the button, Enter, or a caller): hand the values over; close once it is recorded."""
        if self._done:
            super().accept()
        elif not self._busy and not self.problem_text():
            self._busy = True
            self._validate()
            self.submitted.emit(self.values())

    def finish(self) -> None:
        """The sign-off was recorded."""
        self._busy, self._done = False, True
        self.accept()

    def failed(self, message: str) -> None:
        """It was not recorded: say why and keep everything typed (the password field is cleared for a retry)."""
        self._busy = False
        if self.signing():
            self.password.clear()
            self.password.setFocus()
        self._validate()
        self.problem.setText(f"Not recorded: {message}")
