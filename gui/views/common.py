"""Small building blocks shared by the views."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

DATA_SUFFIXES = {".csv", ".tsv", ".txt", ".parquet", ".pq", ".xlsx", ".xlsm", ".xls"}
MODEL_SUFFIXES = {".skops", ".pkl", ".pickle", ".joblib", ".onnx", ".lgb", ".lgbm", ".ubj", ".xgb", ".json", ".model"}
DATA_FILTER = "Datasets (*.csv *.tsv *.txt *.parquet *.pq *.xlsx *.xlsm);;All files (*)"
MODEL_FILTER = "Models (*.skops *.onnx *.lgb *.lgbm *.txt *.json *.ubj *.pkl *.pickle *.joblib);;All files (*)"

if TYPE_CHECKING:
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QDragEnterEvent, QDropEvent


def titled_panel(title: str | None = None, level: int = 2) -> tuple[QWidget, QVBoxLayout]:
    """A borderless panel with a vertical layout, headed by `title` when given."""
    w = QWidget()
    lay = QVBoxLayout(w)
    lay.setContentsMargins(0, 0, 0, 0)
    if title:
        lay.addWidget(heading(title, level))
    return w, lay


def heading(text: str, level: int = 1) -> QLabel:
    label = QLabel(text)
    label.setObjectName(f"heading{level}")
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * {1: 1.55, 2: 1.2, 3: 1.05}[level])
    font.setBold(True)
    label.setFont(font)
    label.setAccessibleName(text)
    return label


class MutedLabel(QLabel):
    """Secondary text in the palette's placeholder colour, re-tinted when the theme changes (View > Theme)."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.theme_changed()

    def theme_changed(self) -> None:
        from PySide6.QtGui import QGuiApplication, QPalette

        pal = self.palette()
        pal.setColor(self.foregroundRole(), QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText))
        self.setPalette(pal)

    def event(self, event: QEvent) -> bool:
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.ApplicationPaletteChange:  # posted after the change; not seen by changeEvent
            self.theme_changed()  # its own palette keeps the old colour otherwise
        return super().event(event)


def muted(text: str = "") -> QLabel:
    label = MutedLabel(text)
    label.setWordWrap(True)
    label.setObjectName("muted")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def table_view(name: str, *, stretch_last: bool = True, sortable: bool = True) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setAccessibleName(name.replace("_", " "))
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.setSortingEnabled(sortable)
    view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # start in the model's own order
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
    header = view.horizontalHeader()
    header.setStretchLastSection(stretch_last)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setHighlightSections(False)
    from gui.views.copying import install_copy

    install_copy(view)  # Ctrl+C copies the selected rows as TSV (Qt's own copies one cell)
    return view


def fit_columns(view: QTableView, widths: dict[int, int] | None = None, sample_rows: int = 25) -> None:
    """Size columns from the header and the first rows only (never `resizeColumnsToContents` over a large model)."""
    model = view.model()
    if model is None:
        return
    fm = view.fontMetrics()
    rows = min(model.rowCount(), sample_rows)
    for c in range(model.columnCount()):
        if widths and c in widths:
            view.setColumnWidth(c, widths[c])
            continue
        texts = [str(model.headerData(c, Qt.Orientation.Horizontal) or "")]
        texts += [str(model.index(r, c).data() or "") for r in range(rows)]
        view.setColumnWidth(c, min(420, max(60, max(fm.horizontalAdvance(t) for t in texts) + 24)))


class FileField(QWidget):
    """A path line edit with a Browse button that also accepts a dropped file."""

    changed = Signal(str)
    browse_requested = Signal()

    def __init__(self, name: str, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setObjectName(f"{name}_path")
        self.edit.setPlaceholderText(placeholder)
        self.edit.setAccessibleName(f"{name} file path")
        self.edit.setClearButtonEnabled(True)
        self.edit.editingFinished.connect(lambda: self.changed.emit(self.path()))
        self.button = QPushButton("Browse…")
        self.button.setAccessibleName(f"Browse for the {name} file")
        self.button.clicked.connect(self.browse_requested)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.edit, 1)
        lay.addWidget(self.button)
        self.setAcceptDrops(True)

    def path(self) -> str:
        return self.edit.text().strip()

    def set_path(self, path: str, *, emit: bool = True) -> None:
        self.edit.setText(path)
        self.edit.setToolTip(path)
        if emit:
            self.changed.emit(path)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.set_path(urls[0])
            event.acceptProposedAction()


def card(title: str, value: str, name: str) -> tuple[QFrame, QLabel]:
    frame = QFrame()
    frame.setObjectName(name)
    frame.setFrameShape(QFrame.Shape.StyledPanel)
    lay = QVBoxLayout(frame)
    lay.setContentsMargins(14, 8, 14, 8)
    big = QLabel(value)
    font = big.font()
    font.setPointSizeF(font.pointSizeF() * 1.8)
    font.setBold(True)
    big.setFont(font)
    big.setAccessibleName(title)
    lay.addWidget(big)
    lay.addWidget(QLabel(title))
    return frame, big


def labelled_combo(
    bar: QHBoxLayout, name: str, text: str, accessible: str, items: Iterable[tuple[str, object]] = ()
) -> QComboBox:
    """A picker with its label (whose mnemonic focuses it) added to `bar`, sized to its items, filled with
    (text, data) pairs."""
    combo = QComboBox()
    combo.setObjectName(name)
    combo.setAccessibleName(accessible)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    lab = QLabel(text)
    lab.setBuddy(combo)
    bar.addWidget(lab)
    bar.addWidget(combo)
    refill_combo(combo, list(items))
    return combo


def refill_combo(combo: QComboBox, items: list[tuple[str, object]]) -> None:
    """Replace the items, keeping the current choice where it still exists (no change signal while refilling)."""
    keep = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    for text, data in items:
        combo.addItem(text, data)
    at = combo.findData(keep) if keep is not None else -1
    combo.setCurrentIndex(at if at >= 0 else 0 if items else -1)
    combo.blockSignals(False)


def form_combo(name: str, accessible: str) -> QComboBox:
    """A form's picker: named for tests and accessibility, with its description as tooltip, never narrower than 14
    characters (the set-up page's column and policy choices)."""
    c = QComboBox()
    c.setObjectName(name)
    c.setAccessibleName(accessible)
    c.setToolTip(accessible)
    c.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    c.setMinimumContentsLength(14)
    return c


def form_spin(name: str, lo: int, hi: int, value: int, accessible: str) -> QSpinBox:
    """A form's whole-number field with thousands separators (resamples, seeds, group sizes)."""
    s = QSpinBox()
    s.setObjectName(name)
    s.setAccessibleName(accessible)
    s.setToolTip(accessible)
    s.setRange(lo, hi)
    s.setValue(value)
    s.setGroupSeparatorShown(True)
    return s
