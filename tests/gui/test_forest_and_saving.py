"""The Results page shows the verdicts as the report's forest plot, filtered by verdict and check; every chart saves as
a valid PNG or SVG from its context menu and its button (through a dialog that never blocks the window)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest

from tests.reports.charts_helpers import linear_result

DRAW_MS = 60_000


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return linear_result(str(tmp_path_factory.mktemp("linear"))).result


@pytest.fixture
def results_view(qtbot, result):
    from gui.views.results import ResultsView

    v = ResultsView()
    qtbot.addWidget(v)
    v.resize(1200, 760)
    v.show()
    qtbot.waitExposed(v)
    v.set_result(result)
    yield v
    v.chart_runner.cancel()


def _open_forest(qtbot, v):
    i = v.tabs.indexOf(v.forest)
    assert i >= 0 and v.tabs.tabText(i).replace("&", "") == "Forest plot"
    with qtbot.waitSignal(v.forest.figure.drawn, timeout=DRAW_MS):
        v.tabs.setCurrentIndex(i)
    return v.forest


def test_forest_tab_shows_the_reports_forest_of_the_shown_result(qtbot, results_view, result):
    from reports import charts

    forest = _open_forest(qtbot, results_view)
    shown = forest.figure.display()
    assert shown == charts.VerdictForestDisplay.from_result(result, ("fail", "insufficient_evidence"), max_rows=150)
    assert forest.figure.last_png.startswith(b"\x89PNG")
    # every verdict: one marker per drawn row, of the verdict's own status
    with qtbot.waitSignal(forest.figure.drawn, timeout=DRAW_MS):
        forest.show_combo.setCurrentIndex(forest.show_combo.findText("All verdicts"))
    shown = forest.figure.display()
    assert shown.shown == shown.total == len(result.verdicts)
    drawn = sorted(r.status for p in shown.panels for r in p.rows if not r.header)
    assert drawn == sorted(v.status for v in result.verdicts)
    # one check only: its verdicts, with its thresholds
    check = result.spec.policy.checks[0]
    with qtbot.waitSignal(forest.figure.drawn, timeout=DRAW_MS):
        forest.check_combo.setCurrentIndex(forest.check_combo.findData(check.id))
    shown = forest.figure.display()
    assert [p.check for p in shown.panels] == [check.id]
    assert shown.total == sum(1 for v in result.verdicts if v.check == check.id)
    assert set(shown.panels[0].bounds) == {b for b in (check.min, check.max) if b is not None}


def test_forest_follows_a_new_result_and_keeps_the_chosen_check(qtbot, results_view, result):
    forest = _open_forest(qtbot, results_view)
    check = result.spec.policy.checks[-1].id
    forest.check_combo.setCurrentIndex(forest.check_combo.findData(check))
    passed_only = result.model_copy(update={"verdicts": tuple(v for v in result.verdicts if v.status == "pass")})
    results_view.set_result(passed_only)
    assert forest.result is passed_only and forest.check_combo.currentData() in (check, None)
    forest.show_combo.setCurrentIndex(forest.show_combo.findText("Failed"))
    assert forest.figure.display() is None and "No verdicts" in forest.figure.status.text()
    assert not forest.figure.save_button.isEnabled()
    results_view.set_result(None)
    assert forest.figure.display() is None


def _accept(dlg, path):
    """What the user does in the save dialog: type a name and press Save."""
    dlg.selectFile(str(path))
    dlg.accept()


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_context_menu_saves_a_valid_file(qtbot, results_view, tmp_path, fmt):
    from PIL import Image

    fv = _open_forest(qtbot, results_view).figure
    menu = fv.context_menu()
    act = menu.findChild(type(menu.actions()[0]), f"save_{fmt}")
    assert act is not None and act.isEnabled() and act.text() == f"Save as {fmt.upper()}…"
    act.trigger()
    dlg = fv.save_dialog
    assert dlg is not None and dlg.isVisible() and dlg.selectedNameFilter().startswith(fmt.upper())
    with qtbot.waitSignal(fv.saved, timeout=DRAW_MS) as saved:
        _accept(dlg, tmp_path / "verdicts")  # no suffix typed: the chosen filter's is added
    out = tmp_path / f"verdicts.{fmt}"
    assert saved.args[0] == str(out) and out.stat().st_size > 1000
    if fmt == "png":
        img = Image.open(io.BytesIO(out.read_bytes()))
        img.verify()
        assert img.format == "PNG" and img.size[0] > 500
    else:
        root = ET.parse(out).getroot()
        assert root.tag.endswith("svg") and root.iter().__next__() is not None
        assert "Verdicts" in out.read_text()  # the figure's title is in the file as text
    menu.close()


def test_button_saves_and_copy_puts_the_picture_on_the_clipboard(qtbot, results_view, tmp_path):
    from PySide6.QtGui import QGuiApplication

    fv = _open_forest(qtbot, results_view).figure
    assert fv.save_button.text() == "Save as PNG/SVG…"
    fv.save_button.click()
    with qtbot.waitSignal(fv.saved, timeout=DRAW_MS):
        _accept(fv.save_dialog, tmp_path / "chosen.svg")  # a typed suffix wins over the PNG filter
    assert (tmp_path / "chosen.svg").read_text().lstrip().startswith("<?xml")
    menu = fv.context_menu()
    copy = menu.findChild(type(menu.actions()[0]), "copy_image")
    copy.trigger()
    assert not QGuiApplication.clipboard().pixmap().isNull()
    menu.close()
