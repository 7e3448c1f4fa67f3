"""The set-up page's declared-context box: the inline fields, every other field kept for the dialog, and the count of
filled fields. Reads and writes the draft's declared context."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLineEdit, QPlainTextEdit, QPushButton, QWidget

from gui.views.common import muted

if TYPE_CHECKING:
    from gui.dialogs.context import ContextDialog

ANNEX_III = (
    "",
    "Not high-risk (document the reasoning)",
    "Annex III 1: biometrics",
    "Annex III 2: critical infrastructure",
    "Annex III 3: education and vocational training",
    "Annex III 4: employment and workers management",
    "Annex III 5(a): access to essential public services and benefits",
    "Annex III 5(b): creditworthiness assessment of natural persons",
    "Annex III 5(c): risk assessment and pricing in life and health insurance",
    "Annex III 5(d): emergency calls and first response triage",
    "Annex III 6: law enforcement",
    "Annex III 7: migration, asylum and border control",
    "Annex III 8: administration of justice and democratic processes",
)
CONTEXT_FIELDS = (
    ("system_name", "System name", False),
    ("provider", "Provider", False),
    ("intended_purpose", "Intended purpose", True),
    ("deployment_context", "Deployment context", True),
    ("affected_persons", "Affected persons", False),
    ("oversight", "Human oversight", True),
)


class ContextBox(QGroupBox):
    def __init__(self, start_dir: Callable[[], str], parent: QWidget | None = None) -> None:
        """`start_dir`: where the dialog's Load and Save open (beside the page's files)."""
        super().__init__("5  Declared context (for the report)", parent)
        self._start_dir = start_dir
        lay = QFormLayout(self)
        lay.addRow(muted("Only you can say these; the report prints \u201cneeds provider input\u201d for each one left empty."))
        self.context_fields: dict[str, QLineEdit | QPlainTextEdit | QComboBox] = {}
        self.context_extra: dict[str, str] = {}  # the fields without a widget here (edited in the dialog)
        self.context_dialog: ContextDialog | None = None
        for key, label, multiline in CONTEXT_FIELDS:
            w: QLineEdit | QPlainTextEdit
            if multiline:
                w = QPlainTextEdit()
                w.setTabChangesFocus(True)
                w.setFixedHeight(w.fontMetrics().lineSpacing() * 3 + 12)
            else:
                w = QLineEdit()
            w.setObjectName(f"context_{key}")
            w.setAccessibleName(label)
            self.context_fields[key] = w
            lay.addRow(label, w)
            if key == "deployment_context":
                annex = QComboBox()
                annex.setObjectName("context_annex_iii_category")
                annex.setAccessibleName("Annex III category")
                annex.setEditable(True)
                annex.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
                annex.setMinimumContentsLength(20)
                annex.addItems(ANNEX_III)
                self.context_fields["annex_iii_category"] = annex
                lay.addRow("Annex III category", annex)
        for field in self.context_fields.values():
            signal = field.currentTextChanged if isinstance(field, QComboBox) else field.textChanged
            signal.connect(self._count_context)
        more = QPushButton("All fields, load or save…")
        more.setObjectName("context_more")
        more.setToolTip(
            "Every declared-context field the report uses, with the provisions each one evidences; load or save them as TOML"
        )
        more.clicked.connect(self.open_context_dialog)
        self.context_count = muted()
        self.context_count.setObjectName("context_count")
        row = QHBoxLayout()
        row.addWidget(more)
        row.addWidget(self.context_count, 1)
        lay.addRow(row)
        self._count_context()

    # -- declared context: the fields above plus every other one, kept here and edited in the dialog --------------------
    def context_values(self) -> dict[str, str]:
        """Every DeclaredContext field ("" when empty): the form's widgets, then the dialog's other fields."""
        from audit.spec import DeclaredContext

        inline = {
            k: (
                w.currentText() if isinstance(w, QComboBox) else w.toPlainText() if isinstance(w, QPlainTextEdit) else w.text()
            ).strip()
            for k, w in self.context_fields.items()
        }
        return {**dict.fromkeys(DeclaredContext.model_fields, ""), **self.context_extra, **inline}

    def set_context_values(self, values: dict[str, str]) -> None:
        for key, text in values.items():
            w = self.context_fields.get(key)
            if isinstance(w, QComboBox):
                w.setCurrentText(text)
            elif isinstance(w, QPlainTextEdit):
                w.setPlainText(text)
            elif w is not None:
                w.setText(text)
            else:
                self.context_extra[key] = text
        self._count_context()

    @Slot()
    def open_context_dialog(self) -> None:
        from gui.dialogs.context import ContextDialog

        dlg = ContextDialog(self.context_values(), self, start_dir=self._start_dir())
        dlg.accepted.connect(lambda: self.set_context_values(dlg.values()))
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.context_dialog = dlg
        dlg.open()

    def _count_context(self, *_: object) -> None:
        from audit.spec import DeclaredContext

        filled = sum(1 for v in self.context_values().values() if v)
        self.context_count.setText(
            f"{filled} of {len(DeclaredContext.model_fields)} fields filled; the report marks the rest “needs provider input”"
        )
