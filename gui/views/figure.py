"""A chart in the window: a display object of `reports.charts` (the same objects the PDF draws), drawn in a worker
process at the widget's width and in the window's chart theme, with "Save as PNG/SVG".

Embedding, e.g. the verdict forest plot in the results view:

    from gui.views.figure import FigureView
    view = FigureView("verdict_forest", save_name="verdicts")
    layout.addWidget(view)
    view.set_display(charts.VerdictForestDisplay.from_result(result, max_rows=None))   # GUI thread: no matplotlib here

The chart theme follows the window's palette until `set_chart_theme("light" | "dark")` chooses one (the View menu);
every FigureView redraws. Saved files are drawn in the light theme, as in the report, so they print and paste on white.
Saving: the "Save as PNG/SVG…" button, or the chart's context menu (Save as PNG…, Save as SVG…, Copy image).
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QMenu, QPushButton, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from gui import theme as window_theme
from gui.worker import Runner

THEMES = ("light", "dark")
_chosen: str | None = None  # None: follow the window's palette
_views: weakref.WeakSet[FigureView] = weakref.WeakSet()
_DPI = 100  # logical pixels per inch of the drawn figure (times the screen's pixel ratio)
FILTERS = {"png": "PNG image (*.png)", "svg": "SVG image (*.svg)"}

if TYPE_CHECKING:
    from PySide6.QtGui import QResizeEvent, QShowEvent


def chart_theme() -> str:
    """The theme charts are drawn in: the chosen one, else dark on a dark palette and light otherwise."""
    return _chosen or ("dark" if window_theme.is_dark() else "light")


def set_chart_theme(name: str | None) -> None:
    """Choose the chart theme ("light" or "dark"; None: follow the palette) and redraw every chart in the window."""
    global _chosen
    if name is not None and name not in THEMES:
        raise ValueError(f"Unknown chart theme {name!r}; use one of: {', '.join(THEMES)}.")
    _chosen = name
    from shiboken6 import isValid

    for view in list(_views):
        if isValid(view):  # a view whose C++ side is gone (its window closed) keeps its Python wrapper for a while
            view.redraw()


class FigureView(QWidget):
    """Shows one display object; redraws on resize and on a theme change; saves it as PNG or SVG."""

    drawn = Signal()  # a picture of the current display is on screen (or its failure is)
    saved = Signal(str)  # the path written

    def __init__(self, name: str, parent: QWidget | None = None, *, save_name: str = "chart") -> None:
        super().__init__(parent)
        self.setObjectName(f"figure_{name}")
        self.save_name = save_name
        self._display: Any = None
        self._drawn_key: tuple[str, float, float] | None = None  # theme, width in inches, device pixel ratio
        self.last_png: bytes = b""
        self.runner = Runner(f"figure-{name}", self)
        self.runner.finished.connect(self._on_png)
        self.runner.failed.connect(lambda exc: self._on_failed("could not be drawn", exc))
        self.save_runner = Runner(f"figure-save-{name}", self)
        self.save_runner.finished.connect(self._on_saved)
        self.save_runner.failed.connect(lambda exc: self._on_failed("was not saved", exc))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.status = QLabel()
        self.status.setObjectName(f"figure_{name}_status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar.addWidget(self.status, 1)
        self.save_button = QPushButton("Save as PNG/SVG…")
        self.save_button.setObjectName(f"figure_{name}_save")
        self.save_button.setToolTip("Save this chart as a PNG or SVG file (on white, as in the report)")
        self.save_button.setAccessibleName("Save this chart as PNG or SVG")
        self.save_button.clicked.connect(lambda: self.save_as())
        bar.addWidget(self.save_button)
        lay.addLayout(bar)
        self.image = QLabel()
        self.image.setObjectName(f"figure_{name}_image")
        self.image.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(self.image)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(lambda pos: self.context_menu().popup(self.mapToGlobal(pos)))
        self.save_dialog: QFileDialog | None = None
        lay.addWidget(self.scroll_area, 1)
        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(250)
        self._resize_timer.timeout.connect(self.redraw)
        _views.add(self)
        self.set_display(None)

    # ------------------------------------------------------------------ showing
    def display(self) -> Any:
        return self._display

    def set_display(self, display: Any, *, empty_text: str = "") -> None:
        """Show `display` (a `reports.charts` display object), or `empty_text` when None."""
        self._display = display
        self._drawn_key = None
        self.save_button.setEnabled(display is not None)
        self.image.clear()
        self.last_png = b""
        if display is None:
            self.runner.cancel()
            self.status.setText(empty_text)
            self.image.setAccessibleName("No chart")
            return
        self.status.setText("Drawing…")
        self.redraw()

    def width_in(self) -> float:
        px = max(self.scroll_area.viewport().width(), 200)
        return max(5.0, min(px / _DPI, 14.0))

    def redraw(self) -> None:
        """Draw the display again if the theme or the width changed since its picture was made. A hidden view (e.g.
        on another tab) waits until it is shown."""
        if self._display is None or not self.isVisible():
            return
        from gui import jobs

        key = (chart_theme(), round(self.width_in(), 1), self.devicePixelRatioF())
        if key == self._drawn_key:
            return
        self._drawn_key = key
        self.runner.start(jobs.render_chart, self._display, theme=key[0], dpi=int(_DPI * key[2]), width_in=key[1])

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self, self.redraw)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._display is not None:
            self._resize_timer.start()

    def _on_png(self, png: bytes) -> None:
        pix = QPixmap()
        pix.loadFromData(png, "PNG")
        pix.setDevicePixelRatio(self.devicePixelRatioF())
        self.image.setPixmap(pix)
        self.image.setMinimumHeight(int(pix.height() / pix.devicePixelRatio()))
        self.image.setAccessibleName(f"Chart: {type(self._display).__name__.removesuffix('Display')}")
        self.last_png = png
        self.status.setText("")
        self.drawn.emit()

    def _on_failed(self, what: str, exc: BaseException) -> None:
        self.status.setText(f"The chart {what}: {type(exc).__name__}: {exc}")
        self.drawn.emit()

    # ------------------------------------------------------------------ saving
    def context_menu(self) -> QMenu:
        """The chart's right-click menu: save as PNG or SVG, copy the picture on screen."""
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for fmt in FILTERS:
            act = menu.addAction(f"Save as {fmt.upper()}…")
            act.setObjectName(f"save_{fmt}")
            act.setEnabled(self._display is not None)
            act.triggered.connect(lambda _=False, f=fmt: self.save_as(f))
        copy = menu.addAction("Copy image")
        copy.setObjectName("copy_image")
        copy.setEnabled(bool(self.last_png))
        copy.triggered.connect(self.copy_image)
        return menu

    def copy_image(self) -> None:
        """Put the picture as shown (window theme) on the clipboard."""
        pix = self.image.pixmap()
        if pix is not None and not pix.isNull():
            QGuiApplication.clipboard().setPixmap(pix)
            self.status.setText("Copied the chart to the clipboard.")

    def save_as(self, fmt: str | None = None) -> QFileDialog | None:
        """Ask where, with `fmt`'s filter chosen (the dialog adds the filter's suffix and asks before replacing a
        file), then save. The dialog is opened, not run, so the window never blocks on it."""
        if self._display is None:
            return None
        fmt = fmt if fmt in FILTERS else "png"
        dlg = QFileDialog(self, "Save chart", str(Path.home() / f"{self.save_name}.{fmt}"))
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dlg.setNameFilters(list(FILTERS.values()))
        dlg.selectNameFilter(FILTERS[fmt])
        dlg.setDefaultSuffix(fmt)
        dlg.filterSelected.connect(lambda f: dlg.setDefaultSuffix(next((k for k, v in FILTERS.items() if v == f), "png")))
        dlg.fileSelected.connect(
            lambda path: self.save_to(path, next((k for k, v in FILTERS.items() if v == dlg.selectedNameFilter()), None))
        )
        self.save_dialog = dlg
        dlg.open()
        return dlg

    def save_to(self, path: str, fmt: str | None = None) -> None:
        """Write the chart to `path` in a worker: as its suffix says (.png / .svg), else as `fmt` with that suffix
        added (default PNG)."""
        from gui import jobs

        p = Path(path)
        typed = p.suffix.lstrip(".").lower()
        if typed in FILTERS:
            fmt = typed
        else:
            fmt = (fmt or "png").lower()
            p = p.with_name(f"{p.name}.{fmt}")
        self.status.setText(f"Saving {p.name}…")
        self.save_runner.start(jobs.save_chart, self._display, str(p), fmt)

    def _on_saved(self, path: str) -> None:
        self.status.setText(f"Saved {path}")
        self.saved.emit(path)
