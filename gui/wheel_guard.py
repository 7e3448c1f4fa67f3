"""Number boxes and drop-down lists ignore the mouse wheel unless they have keyboard focus.

Without this, scrolling the set-up page with the pointer passing over a spin box changes its value (issue 12: bootstrap
1,000 became 800 while the user only scrolled). One application-wide event filter handles every such widget, present and
future: a wheel event over an unfocused QAbstractSpinBox or QComboBox is not given to the widget but to the nearest
scroll area around it, which scrolls as if the pointer were over empty space. Once the user clicks or tabs into the box,
the wheel changes its value as usual.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QApplication, QComboBox, QWidget

_GUARDED = (QAbstractSpinBox, QComboBox)


def _guarded_widget(obj: QObject) -> QWidget | None:
    """The spin box or combo box a wheel event is aimed at: the widget itself or its inner line edit."""
    w = obj if isinstance(obj, QWidget) else None
    for _ in range(2):  # the event may arrive at a spin box's or an editable combo's QLineEdit child
        if w is None:
            return None
        if isinstance(w, _GUARDED):
            return w
        w = w.parentWidget()
    return None


def _scroll_area(w: QWidget) -> QAbstractScrollArea | None:
    p = w.parentWidget()
    while p is not None:
        if isinstance(p, QAbstractScrollArea) and not isinstance(p, _GUARDED):
            return p
        p = p.parentWidget()
    return None


class WheelGuard(QObject):
    """The event filter; `install_wheel_guard` puts one on the application."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Wheel:
            return False
        box = _guarded_widget(obj)
        proxy = box.focusProxy() if box is not None else None
        if box is None or box.hasFocus() or (proxy is not None and proxy.hasFocus()):
            return False
        if isinstance(box, QComboBox) and box.view().isVisible():
            return False  # the open list scrolls its own items
        area = _scroll_area(box)
        if area is not None:
            # The scroll area's viewport handles wheel events by scrolling; a copy avoids re-entering this filter
            # for the same event object.
            QCoreApplication.sendEvent(area.viewport(), event.clone())
        return True  # swallowed: the value never changes


def install_wheel_guard(app: QApplication) -> WheelGuard:
    """Install the guard once on `app` (again: the same guard is returned)."""
    existing = app.findChild(WheelGuard, "wheel_guard")
    if existing is not None:
        return existing
    guard = WheelGuard(app)
    guard.setObjectName("wheel_guard")
    app.installEventFilter(guard)
    return guard
