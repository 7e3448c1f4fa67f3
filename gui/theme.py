"""Colours and text markers that read well in light and dark system themes.

Status is never colour alone: every coloured cell also carries a word or symbol (for colour-blind users and screen readers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QColor, QGuiApplication, QPalette

STATUS_TEXT = {"pass": "✓ pass", "fail": "✗ FAIL", "insufficient_evidence": "? insufficient evidence"}
STATUS_SHORT = {"pass": "pass", "fail": "FAIL", "insufficient_evidence": "insufficient"}

_LIGHT = {
    "pass": "#d9f2e1",
    "fail": "#f8d7da",
    "insufficient_evidence": "#fff1c2",
    "small": "#eceff3",
    "pass_fg": "#13622f",
    "fail_fg": "#9b1c24",
    "insufficient_evidence_fg": "#7a5600",
    "accent": "#2457a6",
}
_DARK = {
    "pass": "#1f4d2e",
    "fail": "#5c1f25",
    "insufficient_evidence": "#5a4a14",
    "small": "#33383f",
    "pass_fg": "#8fe0a8",
    "fail_fg": "#ff9ea6",
    "insufficient_evidence_fg": "#ffd779",
    "accent": "#8ab4f8",
}

if TYPE_CHECKING:
    from PySide6.QtGui import QPainter
    from PySide6.QtWidgets import QStyle, QStyleOption, QWidget


def is_dark() -> bool:
    app = QGuiApplication.instance()
    if app is None:
        return False
    window = QGuiApplication.palette().color(QPalette.ColorRole.Window)
    return window.lightness() < 128


def color(name: str) -> QColor:
    return QColor((_DARK if is_dark() else _LIGHT)[name])


def hex_color(name: str) -> str:
    return (_DARK if is_dark() else _LIGHT)[name]


# -- the theme the user chose in View > Theme (remembered in the settings) ------------------------------------------
CHOICES = (("light", "&Light"), ("dark", "&Dark"), ("system", "Follow the &system"))
_original_style: str | None = None  # the platform's own style, restored when leaving the dark Fusion palette


def apply_theme(choice: str) -> None:
    """Make the window light, dark or follow the system, and draw every chart to match (gui.views.figure)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from gui.views.figure import set_chart_theme

    if choice not in {c for c, _ in CHOICES}:
        raise ValueError(f"Unknown theme {choice!r}; use one of: {', '.join(c for c, _ in CHOICES)}.")
    app = QApplication.instance()
    if not isinstance(app, QApplication):  # no application, or one without widgets: nothing to restyle
        return
    global _original_style
    if _original_style is None:
        _original_style = app.style().name()
    if choice == "dark":
        from gui.app import apply_dark_palette

        apply_dark_palette(app)  # an explicit palette: many platforms report no dark scheme to Qt
    else:
        if app.style().name().lower() != _original_style.lower():
            app.setStyle(_original_style)
        if choice == "light":
            app.styleHints().setColorScheme(Qt.ColorScheme.Light)
            app.setPalette(app.style().standardPalette())  # light even where the platform ignores the requested scheme
        else:
            app.styleHints().unsetColorScheme()
            app.setPalette(QPalette())  # an empty palette resolves to the platform's own (light or dark)
    set_chart_theme(None if choice == "system" else choice)
    # Widgets that took colours from the palette when built recolour now: Qt tells child widgets of a palette change
    # only from inside the running event loop, and then only those without a palette of their own.
    for w in app.allWidgets():
        hook = getattr(w, "theme_changed", None)
        if callable(hook):
            hook()


def outlined_fusion() -> QStyle:
    """Fusion whose check boxes and radio buttons get a visible edge: on a dark palette Fusion outlines them in a shade
    darker than the window, which is nearly the colour of the box itself, so an unticked box disappears."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QPainter, QPen
    from PySide6.QtWidgets import QProxyStyle, QStyle, QStyleFactory

    edged = {
        QStyle.PrimitiveElement.PE_IndicatorCheckBox,
        QStyle.PrimitiveElement.PE_IndicatorItemViewItemCheck,
        QStyle.PrimitiveElement.PE_IndicatorRadioButton,
    }

    class OutlinedFusion(QProxyStyle):
        def drawPrimitive(
            self, element: QStyle.PrimitiveElement, option: QStyleOption, painter: QPainter, widget: QWidget | None = None
        ) -> None:
            super().drawPrimitive(element, option, painter, widget)
            if element not in edged or option.palette.window().color().lightness() >= 128:
                return
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setPen(QPen(option.palette.placeholderText().color(), 1))
            painter.setBrush(QColor(0, 0, 0, 0))
            r = QRectF(option.rect).adjusted(1.5, 1.5, -1.5, -1.5)
            side = min(r.width(), r.height(), 13.0)
            box = QRectF(r.center().x() - side / 2, r.center().y() - side / 2, side, side)
            if element == QStyle.PrimitiveElement.PE_IndicatorRadioButton:
                painter.drawEllipse(box)
            else:
                painter.drawRoundedRect(box, 1.5, 1.5)
            painter.restore()

    return OutlinedFusion(QStyleFactory.create("Fusion"))
