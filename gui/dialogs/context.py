"""Every declared-context field the report needs, grouped by the report section that prints it, each with the provisions it
is evidence for; loaded from or saved to the same TOML file `attest audit --context` reads."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from gui.dialogs.scrolling import limit
from gui.errors import show_error, show_message
from gui.views.common import heading, muted

TOML_FILTER = "Declared context (*.toml);;All files (*)"


class ContextDialog(QDialog):
    def __init__(self, values: dict[str, str], parent: QWidget | None = None, start_dir: str = "") -> None:
        from audit.spec import DeclaredContext
        from reports.context_fields import context_fields

        super().__init__(parent)
        self.setObjectName("context_dialog")
        self.setWindowTitle("Declared context")
        self.setAccessibleName("Declared context: every field the report needs")
        # 860 x 760 at most, never larger than a 1280 x 720 laptop screen or the real one (at 1280 x 720 the buttons
        # were off-screen): the fields scroll inside, the buttons stay below the scroll area.
        cap = limit()
        self.resize(min(860, cap.width() - 40), min(760, cap.height()))
        self._start_dir = start_dir
        self.fields = context_fields(list(DeclaredContext.model_fields))
        lay = QVBoxLayout(self)
        intro = QLabel(
            "What only the provider can say. Each field is printed in the report section shown and is the evidence "
            "for the provisions listed; a field left empty reads \u201cneeds provider input\u201d. The same TOML "
            "file works with <tt>attest audit --context</tt>."
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)
        bar = QHBoxLayout()
        self.filter = QLineEdit()
        self.filter.setObjectName("context_filter")
        self.filter.setPlaceholderText("Find a field (label, provision or text)")
        self.filter.setAccessibleName("Find a field")
        self.filter.setClearButtonEnabled(True)
        self.only_empty = QCheckBox("Only empty fields")
        self.only_empty.setObjectName("context_only_empty")
        self.count = muted()
        self.count.setObjectName("context_count")
        bar.addWidget(self.filter, 1)
        bar.addWidget(self.only_empty)
        bar.addWidget(self.count)
        lay.addLayout(bar)

        self.edits: dict[str, QPlainTextEdit] = {}
        self._rows: list[tuple[str, QWidget, str]] = []  # (field or "" for a section heading, widget, section)
        body = QWidget()
        form = QVBoxLayout(body)
        section = None
        for f in self.fields:
            if f.section_heading != section:
                section = f.section_heading
                head = heading(section, 3)
                form.addWidget(head)
                self._rows.append(("", head, section))
            row = QWidget()
            rl = QVBoxLayout(row)
            rl.setContentsMargins(0, 4, 0, 4)
            rl.setSpacing(2)
            label = QLabel(f"<b>{f.label}</b>")
            label.setWordWrap(True)
            why = muted(f.evidence_for)
            why.setWordWrap(True)
            edit = QPlainTextEdit(values.get(f.name, ""))
            edit.setObjectName(f"context_edit_{f.name}")
            edit.setAccessibleName(f.label)
            edit.setAccessibleDescription(f.evidence_for)
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(edit.fontMetrics().lineSpacing() * 3 + 12)
            edit.textChanged.connect(self._refresh)
            label.setBuddy(edit)
            for w in (label, why, edit):
                rl.addWidget(w)
            form.addWidget(row)
            self.edits[f.name] = edit
            self._rows.append((f.name, row, section))
        form.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        lay.addWidget(scroll, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        load = QPushButton("Load from TOML\u2026")
        load.setObjectName("context_load")
        load.setToolTip("Replace every field with the file's (fields the file does not name become empty)")
        save = QPushButton("Save as TOML\u2026")
        save.setObjectName("context_save")
        save.setToolTip("Write the filled fields to a file you can keep with the model or pass to attest audit --context")
        load.clicked.connect(self._choose_load)
        save.clicked.connect(self._choose_save)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        foot = QHBoxLayout()
        foot.addWidget(load)
        foot.addWidget(save)
        foot.addStretch(1)
        foot.addWidget(buttons)
        lay.addLayout(foot)
        self.filter.textChanged.connect(self._refresh)
        self.only_empty.toggled.connect(self._refresh)
        self._refresh()

    def values(self) -> dict[str, str]:
        return {name: edit.toPlainText().strip() for name, edit in self.edits.items()}

    def filled(self) -> int:
        return sum(1 for v in self.values().values() if v)

    # -- files --------------------------------------------------------------------------------------------------------------
    def load_file(self, path: str | Path) -> bool:
        """Replace the fields with the file's; on a bad file, say why and change nothing."""
        from audit.errors import InputError
        from audit.spec import DeclaredContext

        path = Path(path)
        try:
            ctx = DeclaredContext.from_toml(path.read_text(encoding="utf-8"), source=f"The context file {path.name}")
        except InputError as exc:
            show_error(self, exc, title="Cannot load the declared context")
            return False
        except (OSError, UnicodeDecodeError) as exc:
            show_message(
                self,
                "Cannot load the declared context",
                f"{path} cannot be read: {exc}.",
                hint="Choose a UTF-8 text file saved by Attest or written for attest audit --context.",
            )
            return False
        for name, edit in self.edits.items():
            edit.setPlainText(getattr(ctx, name))
        return True

    def save_file(self, path: str | Path) -> bool:
        from audit.spec import DeclaredContext

        path = Path(path)
        try:
            path.write_text(DeclaredContext(**self.values()).to_toml(), encoding="utf-8")
        except OSError as exc:
            show_message(
                self,
                "Cannot save the declared context",
                f"{path} cannot be written: {exc}.",
                hint="Choose a folder you can write to.",
            )
            return False
        return True

    def _choose_load(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load the declared context", self._start_dir, TOML_FILTER)
        if path:
            self.load_file(path)

    def _choose_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the declared context", str(Path(self._start_dir) / "context.toml"), TOML_FILTER
        )
        if path:
            self.save_file(path)

    # -- view -----------------------------------------------------------------------------------------------------------
    def _refresh(self) -> None:
        needle = self.filter.text().strip().lower()
        only_empty = self.only_empty.isChecked()
        by_name = {f.name: f for f in self.fields}
        shown_sections: set[str] = set()
        for name, widget, section in self._rows:
            if not name:
                continue
            f, text = by_name[name], self.edits[name].toPlainText()
            hay = " ".join((f.label, f.evidence_for, section, text)).lower()
            show = (not needle or needle in hay) and not (only_empty and text.strip())
            widget.setVisible(show)
            if show:
                shown_sections.add(section)
        for name, widget, section in self._rows:
            if not name:
                widget.setVisible(section in shown_sections)
        self.count.setText(f"{self.filled()} of {len(self.edits)} filled")
