"""Sign-off: a reviewer's decision on an audit run, recorded in the trail."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QButtonGroup, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit,
                               QRadioButton, QVBoxLayout, QWidget)

DECISIONS = (("approve", "Approve"), ("approve_with_conditions", "Approve with conditions"), ("reject", "Reject"))


class SignoffDialog(QDialog):
    def __init__(self, run_id: str, summary: str = "", reviewer: str = "", role: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signoff_dialog")
        self.run_id = run_id
        self.setWindowTitle(f"Sign off {run_id}")
        self.setAccessibleName(f"Sign off {run_id}")
        self.setMinimumWidth(520)
        lay = QVBoxLayout(self)
        intro = QLabel(f"Your decision on audit run <b>{run_id}</b> is added to the trail, hash-chained and recorded with your "
                       f"account name; it cannot be edited afterwards." + (f"<br><br>{summary}" if summary else ""))
        intro.setWordWrap(True)
        lay.addWidget(intro)
        form = QFormLayout()
        self.reviewer = QLineEdit(reviewer)
        self.reviewer.setObjectName("signoff_reviewer")
        self.reviewer.setAccessibleName("Reviewer name")
        self.role = QLineEdit(role)
        self.role.setObjectName("signoff_role")
        self.role.setAccessibleName("Reviewer role")
        self.role.setPlaceholderText("e.g. Compliance officer")
        form.addRow("Reviewer", self.reviewer)
        form.addRow("Role", self.role)
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
        self.conditions.setTabChangesFocus(True)
        self.conditions.setFixedHeight(70)
        self.comment = QPlainTextEdit()
        self.comment.setObjectName("signoff_comment")
        self.comment.setAccessibleName("Comment")
        self.comment.setTabChangesFocus(True)
        self.comment.setFixedHeight(70)
        form.addRow("Conditions", self.conditions)
        form.addRow("Comment", self.comment)
        lay.addLayout(form)
        self.problem = QLabel()
        self.problem.setObjectName("signoff_problem")
        self.problem.setWordWrap(True)
        lay.addWidget(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton("Record sign-off", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("signoff_accept")
        self.ok.setAccessibleName("Record the sign-off")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        for w in (self.reviewer, self.role):
            w.textChanged.connect(self._validate)
        self.conditions.textChanged.connect(self._validate)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._validate()

    def decision(self) -> str | None:
        return next((k for k, b in self.decision_buttons.items() if b.isChecked()), None)

    def values(self) -> dict[str, str]:
        return {"reviewer": self.reviewer.text().strip(), "role": self.role.text().strip(), "decision": self.decision() or "",
                "conditions": self.conditions.toPlainText().strip(), "comment": self.comment.toPlainText().strip()}

    def _validate(self, *_: object) -> None:
        v = self.values()
        problem = ("Enter the reviewer's name." if not v["reviewer"] else "Enter the reviewer's role." if not v["role"]
                   else "Choose a decision." if not v["decision"]
                   else "State the conditions of the approval." if v["decision"] == "approve_with_conditions" and not v["conditions"]
                   else "")
        self.problem.setText(problem)
        self.ok.setEnabled(not problem)
