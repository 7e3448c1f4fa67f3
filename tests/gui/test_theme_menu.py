"""View > Theme: the choice changes the window's palette and the charts' theme, and is remembered by a new window."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QGuiApplication, QPalette


@pytest.fixture
def back_to_light():
    """The palette belongs to the whole application: put it back for the tests that follow."""
    yield
    from gui import theme

    theme.apply_theme("light")
    from gui.views.figure import set_chart_theme

    set_chart_theme(None)


def _window_lightness() -> int:
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness()


def test_dark_is_applied_checked_and_remembered(qtbot, settings, tmp_path, back_to_light):
    from gui.main_window import MainWindow
    from gui.views.figure import chart_theme

    first = MainWindow(settings, data_dir=tmp_path)
    qtbot.addWidget(first)
    acts = first.theme_actions
    assert set(acts) == {"light", "dark", "system"}
    assert acts["system"].isChecked() and not acts["dark"].isChecked()  # a new user follows the system
    menu = first.findChild(type(first.recent_menu), "theme_menu")
    assert [a.objectName() for a in menu.actions()] == ["theme_light", "theme_dark", "theme_system"]

    acts["light"].trigger()
    assert _window_lightness() > 128 and chart_theme() == "light"
    acts["dark"].trigger()
    assert acts["dark"].isChecked() and not acts["light"].isChecked() and not acts["system"].isChecked()
    assert _window_lightness() < 128  # the window itself is dark, not only the charts
    assert chart_theme() == "dark"
    # Text coloured at construction follows: secondary text stays readable, the status legend takes dark colours.
    label = first.setup.ready_label
    assert label.palette().color(label.foregroundRole()) == QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
    from gui import theme

    assert theme._DARK["fail"] in first.results.legend.text() and theme._LIGHT["fail"] not in first.results.legend.text()
    first.close()

    # Another session: the palette is light again until the new window applies the saved choice.
    theme.apply_theme("light")
    assert _window_lightness() > 128 and chart_theme() == "light"
    from gui.settings import Settings

    again = MainWindow(Settings(tmp_path / "settings.ini"), data_dir=tmp_path)
    qtbot.addWidget(again)
    assert again.theme_actions["dark"].isChecked() and not again.theme_actions["system"].isChecked()
    assert _window_lightness() < 128 and chart_theme() == "dark"
    assert theme._DARK["fail"] in again.results.legend.text()  # applied before the pages took their colours

    again.theme_actions["light"].trigger()
    assert Settings(tmp_path / "settings.ini").theme() == "light"
    assert _window_lightness() > 128 and chart_theme() == "light"


def test_charts_on_screen_are_redrawn_in_the_chosen_theme(qtbot, window, tmp_path, back_to_light):
    """A chart already shown is drawn again when the theme is chosen in the menu: its background follows the choice."""
    import io

    from PIL import Image

    from gui.views.figure import FigureView
    from reports import charts
    from tests.reports.charts_helpers import linear_result

    def corner(png: bytes):
        return Image.open(io.BytesIO(png)).convert("RGB").getpixel((2, 2))

    result = linear_result(str(tmp_path / "linear")).result
    window.theme_actions["light"].trigger()
    view = FigureView("probe")
    qtbot.addWidget(view)
    view.resize(700, 400)
    view.show()
    qtbot.waitExposed(view)
    with qtbot.waitSignal(view.drawn, timeout=60_000):
        view.set_display(charts.DisparityOverviewDisplay.from_result(result))
    assert corner(view.last_png) == (255, 255, 255)
    with qtbot.waitSignal(view.drawn, timeout=60_000):
        window.theme_actions["dark"].trigger()
    assert sum(corner(view.last_png)) < 180
    with qtbot.waitSignal(view.drawn, timeout=60_000):
        window.theme_actions["light"].trigger()
    assert corner(view.last_png) == (255, 255, 255)
