"""Colours and text markers that read well in light and dark system themes.

Status is never colour alone: every coloured cell also carries a word or symbol (for colour-blind users and screen readers)."""
from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette

STATUS_TEXT = {"pass": "✓ pass", "fail": "✗ FAIL", "insufficient_evidence": "? insufficient evidence"}
STATUS_SHORT = {"pass": "pass", "fail": "FAIL", "insufficient_evidence": "insufficient"}

_LIGHT = {"pass": "#d9f2e1", "fail": "#f8d7da", "insufficient_evidence": "#fff1c2", "small": "#eceff3",
          "pass_fg": "#13622f", "fail_fg": "#9b1c24", "insufficient_evidence_fg": "#7a5600", "accent": "#2457a6"}
_DARK = {"pass": "#1f4d2e", "fail": "#5c1f25", "insufficient_evidence": "#5a4a14", "small": "#33383f",
         "pass_fg": "#8fe0a8", "fail_fg": "#ff9ea6", "insufficient_evidence_fg": "#ffd779", "accent": "#8ab4f8"}


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
