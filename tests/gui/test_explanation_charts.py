"""The explanations page draws what the result holds, with the same display objects the report draws: pickers choose
the group, the feature and the decision; charts follow the chosen theme; a chart saves as PNG or SVG."""

from __future__ import annotations

import io

import pytest

from tests.reports.charts_helpers import linear_result

DRAW_MS = 60_000


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return linear_result(str(tmp_path_factory.mktemp("linear"))).result


@pytest.fixture
def view(qtbot, result):
    from gui.views.explanations import ExplanationsView

    v = ExplanationsView()
    qtbot.addWidget(v)
    v.resize(1200, 700)
    v.show()
    qtbot.waitExposed(v)
    with qtbot.waitSignal(v.global_figure.drawn, timeout=DRAW_MS):
        v.set_result(result)
    yield v
    from gui.views.figure import set_chart_theme

    set_chart_theme(None)


def _wait(qtbot, figure, change):
    with qtbot.waitSignal(figure.drawn, timeout=DRAW_MS):
        change()


def _corner(png: bytes):
    from PIL import Image

    return Image.open(io.BytesIO(png)).convert("RGB").getpixel((2, 2))


def test_global_chart_is_the_reports_display(qtbot, view, result):
    from reports import charts

    assert view.global_figure.display() == charts.ImportanceDisplay.from_result(result)
    assert view.global_figure.last_png.startswith(b"\x89PNG")
    _wait(qtbot, view.global_figure, lambda: view.global_kind.setCurrentIndex(1))
    assert view.global_figure.display() == charts.BeeswarmDisplay.from_result(result)
    _wait(qtbot, view.global_figure, lambda: view.global_split.setCurrentIndex(view.global_split.findData("region")))
    shown = view.global_figure.display()
    assert shown == charts.BeeswarmDisplay.from_result(result, "region") and len(shown.panels) == 3
    _wait(qtbot, view.global_figure, lambda: view.global_kind.setCurrentIndex(0))
    assert view.global_figure.display() == charts.GroupImportanceDisplay.from_result(result, "region")


def test_heat_map_of_importance_by_group_is_the_reports_display(qtbot, view, result):
    """The Global tab's third chart is the report's groups x features heat map, drawn from the result's shares, in the
    window's theme; "Split by" does not apply to it."""
    from gui.views.figure import set_chart_theme
    from reports import charts

    i = view.global_kind.findData("heatmap")
    assert view.global_kind.model().item(i).isEnabled()
    _wait(qtbot, view.global_figure, lambda: view.global_kind.setCurrentIndex(i))
    shown = view.global_figure.display()
    assert isinstance(shown, charts.ImportanceHeatmapDisplay) and shown == charts.ImportanceHeatmapDisplay.from_result(result)
    assert view.global_figure.last_png.startswith(b"\x89PNG") and _corner(view.global_figure.last_png) == (255, 255, 255)
    assert not view.global_split.isEnabled() and "share of its own attribution" in view.global_tab.global_note.text()
    # every single-attribute group is a row, and its cells are the result's shares (%), in the global feature order
    singles = [g for g in result.explanations.by_group if len(g.attributes) == 1]
    assert len(shown.groups) == len(singles) == 5  # region: 3, gender: 2
    north = next(g for g in singles if g.attributes == {"region": "North"})
    row = shown.matrix[next(k for k, lab in enumerate(shown.groups) if "North" in lab)]
    share = {f.feature: 100 * f.share for f in north.features}
    assert row == pytest.approx(tuple(share[f] for f in shown.features))
    _wait(qtbot, view.global_figure, lambda: set_chart_theme("dark"))
    assert sum(_corner(view.global_figure.last_png)) < 180
    _wait(qtbot, view.global_figure, lambda: view.global_kind.setCurrentIndex(0))
    assert view.global_split.isEnabled()


def test_group_picker_draws_that_groups_importance(qtbot, view, result):
    from reports import charts

    i = next(k for k in range(view.group_combo.count()) if view.group_combo.itemData(k).attributes == {"gender": "F"})
    assert not view.group_figure.last_png  # a chart on a hidden tab waits to be shown
    _wait(qtbot, view.group_figure, lambda: view.tabs.setCurrentIndex(1))
    _wait(qtbot, view.group_figure, lambda: view.group_combo.setCurrentIndex(i))
    assert view.group_figure.display() == charts.ImportanceDisplay.from_result(result, group={"gender": "F"})


def test_dependence_pickers(qtbot, view, result):
    from reports import charts

    assert [view.dep_feature.itemData(i) for i in range(view.dep_feature.count())] == [
        f.feature for f in result.explanations.row_sample.features
    ]
    assert view.dep_colour.itemData(0) == "region"  # the spec's first attribute, as the report colours by
    _wait(qtbot, view.dep_figure, lambda: view.tabs.setCurrentIndex(2))
    _wait(qtbot, view.dep_figure, lambda: view.dep_feature.setCurrentIndex(view.dep_feature.findData("debt")))
    _wait(qtbot, view.dep_figure, lambda: view.dep_colour.setCurrentIndex(view.dep_colour.findData("gender")))
    assert view.dep_figure.display() == charts.DependenceDisplay.from_result(result, "debt", "gender")
    view.set_result(result)  # a refresh keeps what the user chose
    assert view.dep_feature.currentData() == "debt" and view.dep_colour.currentData() == "gender"


def test_selected_decision_gets_its_waterfall_the_same_as_the_report(qtbot, view, result, monkeypatch):
    from reports import charts

    _wait(qtbot, view.waterfall_figure, lambda: view.tabs.setCurrentIndex(3))
    proxy = view.local_table.model()
    _wait(qtbot, view.waterfall_figure, lambda: view.local_table.selectRow(2))
    rec = view.local_model.record(proxy.mapToSource(proxy.index(2, 0)).row())
    index = list(result.explanations.local).index(rec)
    shown = view.waterfall_figure.display()
    assert isinstance(shown, charts.WaterfallDisplay) and shown == charts.WaterfallDisplay.from_result(result, index)
    drawn = []
    monkeypatch.setattr(charts.WaterfallDisplay, "figure", lambda self, **kw: drawn.append(self) or object())
    charts.waterfall_figure(result, index)  # the report's entry point draws the very same display
    assert drawn == [shown]


def test_charts_follow_the_chosen_theme(qtbot, view):
    from gui.views.figure import chart_theme, set_chart_theme

    assert chart_theme() == "light" and _corner(view.global_figure.last_png) == (255, 255, 255)
    _wait(qtbot, view.global_figure, lambda: set_chart_theme("dark"))
    assert chart_theme() == "dark" and sum(_corner(view.global_figure.last_png)) < 180
    _wait(qtbot, view.global_figure, lambda: set_chart_theme("light"))
    assert _corner(view.global_figure.last_png) == (255, 255, 255)
    with pytest.raises(ValueError, match="light, dark"):
        set_chart_theme("sepia")


def test_save_as_png_and_svg(qtbot, view, tmp_path):
    fv = view.global_figure
    with qtbot.waitSignal(fv.saved, timeout=DRAW_MS) as saved:
        fv.save_to(str(tmp_path / "importance"), "svg")  # the filter's format, its suffix added
    assert saved.args[0].endswith("importance.svg") and (tmp_path / "importance.svg").read_text().lstrip().startswith("<?xml")
    with qtbot.waitSignal(fv.saved, timeout=DRAW_MS):
        fv.save_to(str(tmp_path / "importance.png"), "svg")  # a typed suffix wins
    assert (tmp_path / "importance.png").read_bytes().startswith(b"\x89PNG")
    assert fv.save_button.isEnabled() and "Saved" in fv.status.text()


def test_a_result_without_a_row_sample(qtbot, view, result):
    ex = result.explanations.model_copy(update={"row_sample": None})
    view.set_result(result.model_copy(update={"explanations": ex}))
    assert not view.global_kind.model().item(1).isEnabled()
    assert view.global_kind.model().item(2).isEnabled()  # the heat map needs no per-row sample
    ex = ex.model_copy(update={"by_group": []})
    view.set_result(result.model_copy(update={"explanations": ex}))
    assert not view.global_kind.model().item(2).isEnabled()  # nor by-group explanations: no heat map
    assert view.dep_figure.display() is None and "per-row sample" in view.dep_figure.status.text()
    assert not view.dep_figure.save_button.isEnabled()
    view.set_result(None)
    assert view.global_figure.display() is None and view.waterfall_figure.display() is None
