"""The set-up page's data preview: the dataset's first rows with its size, format and checksum, read in its own runner
(`gui.jobs.load_preview`) so the window never waits for a file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.models.preview import PreviewModel
from gui.views.common import fit_columns, heading, muted, table_view
from gui.worker import Runner

if TYPE_CHECKING:
    from gui.jobs import DataPreview


class PreviewPanel(QWidget):
    loaded = Signal(object)  # gui.jobs.DataPreview
    failed = Signal(object)  # the exception, after the panel said it could not read the file
    busy_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._path = ""
        self.runner = Runner("preview", self)
        self.runner.finished.connect(self._on_loaded)
        self.runner.failed.connect(self._on_failed)
        self.runner.busy_changed.connect(self.busy_changed)
        lay = QVBoxLayout(self)  # a titled panel (gui.views.common.titled_panel) that is this widget
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(heading("Data preview", 2))
        self.data_info = muted("No dataset yet. Choose one under Inputs, or drop a file here.")
        self.data_info.setObjectName("data_info")
        lay.addWidget(self.data_info)
        self.preview_model = PreviewModel(self)
        self.preview_table = table_view("data_preview", stretch_last=False, sortable=False)
        self.preview_table.setModel(self.preview_model)
        lay.addWidget(self.preview_table, 1)

    def load(self, path: str, na_values: tuple[str, ...]) -> None:
        """Read `path` in the background, with `na_values` made missing as the audit will; `loaded` or `failed` follows."""
        from gui import jobs

        self._path = path
        self.data_info.setText(f"Reading {Path(path).name}…")
        self.runner.start(jobs.load_preview, path, na_values=na_values)

    @Slot(object)
    def _on_failed(self, exc: BaseException) -> None:
        self.data_info.setText(f"Could not read {Path(self._path).name}.")
        self.failed.emit(exc)

    @Slot(object)
    def _on_loaded(self, preview: DataPreview) -> None:
        ref = preview.ref
        self.data_info.setText(
            f"{Path(ref.path).name}: {ref.rows:,} rows × {len(ref.columns)} columns, {ref.format}, "
            f"SHA-256 {ref.sha256[:16]}…   (first {len(preview.rows)} rows shown)"
        )
        self.data_info.setToolTip(f"{ref.path}\nSHA-256 {ref.sha256}")
        self.preview_model.set_preview(preview.columns, preview.dtypes, preview.rows)
        fit_columns(self.preview_table, sample_rows=30)
        self.loaded.emit(preview)
