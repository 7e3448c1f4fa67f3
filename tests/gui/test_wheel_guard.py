"""Scrolling a page over a number box or drop-down scrolls the page and never changes the value (issue 12: bootstrap
1,000 became 800); a focused box still takes the wheel."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox, QScrollArea, QSpinBox, QVBoxLayout, QWidget


@pytest.fixture
def page(qtbot):
    from gui.wheel_guard import install_wheel_guard

    guard = install_wheel_guard(QApplication.instance())
    area = QScrollArea()
    area.setWidgetResizable(True)
    inner = QWidget()
    lay = QVBoxLayout(inner)
    lay.addSpacing(300)
    spin = QSpinBox()
    spin.setRange(0, 100_000)
    spin.setValue(1000)
    spin.setSingleStep(100)
    combo = QComboBox()
    combo.addItems(["a", "b", "c", "d"])
    lay.addWidget(spin)
    lay.addWidget(combo)
    lay.addSpacing(2000)
    area.setWidget(inner)
    area.resize(300, 400)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    area.verticalScrollBar().setValue(200)
    yield area, spin, combo
    QApplication.instance().removeEventFilter(guard)
    guard.deleteLater()


def wheel(widget, steps: int = -1) -> None:
    """`steps` notches of the wheel over the widget's centre (negative: towards the user, i.e. scroll down)."""
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(
        pos,
        widget.mapToGlobal(pos),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_wheel_over_an_unfocused_number_box_scrolls_the_page(page):
    area, spin, combo = page
    spin.clearFocus()
    before = area.verticalScrollBar().value()
    wheel(spin, -2)
    assert spin.value() == 1000
    assert area.verticalScrollBar().value() > before
    up = area.verticalScrollBar().value()
    wheel(combo.lineEdit() or combo, +1)
    assert combo.currentIndex() == 0
    assert area.verticalScrollBar().value() < up


def test_wheel_changes_a_focused_number_box(qtbot, page):
    area, spin, combo = page
    area.activateWindow()
    spin.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(spin.hasFocus, timeout=2000)
    before = area.verticalScrollBar().value()
    wheel(spin, +1)
    assert spin.value() == 1100
    assert area.verticalScrollBar().value() == before
    combo.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(combo.hasFocus, timeout=2000)
    wheel(combo, -1)
    assert combo.currentIndex() == 1


def test_create_app_installs_the_guard():
    from gui.app import create_app
    from gui.wheel_guard import WheelGuard, install_wheel_guard

    app = QApplication.instance()
    for old in app.findChildren(WheelGuard):
        app.removeEventFilter(old)
        old.setParent(None)
    assert create_app([]) is app
    guard = app.findChild(WheelGuard, "wheel_guard")
    assert guard is not None and install_wheel_guard(app) is guard
