"""What leaves a chart: themed pixels (dark for a dark window, light for the report), PNG and SVG files written whole,
displays that travel to another process without their drawing, and report entry points another process can call."""

from __future__ import annotations

import inspect
import io
import pickle
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from audit.result import AuditResult
from reports import charts

DISPLAYS = {
    "forest": lambda r: charts.VerdictForestDisplay.from_result(r),
    "rates": lambda r: charts.RatesDisplay.from_result(r, [(r.levels[0].level, None)]),
    "overview": lambda r: charts.DisparityOverviewDisplay.from_result(r),
    "calibration": lambda r: charts.CalibrationDisplay.from_result(r, r.levels[0].level),
}


def _corner(png: bytes) -> tuple[int, int, int]:
    return Image.open(io.BytesIO(png)).convert("RGB").getpixel((2, 2))


@pytest.mark.parametrize("name", sorted(DISPLAYS))
def test_dark_theme_draws_dark_and_light_stays_white(small_result: AuditResult, name) -> None:
    d = DISPLAYS[name](small_result)
    light, dark = charts.render(d, theme="light", dpi=40), charts.render(d, theme="dark", dpi=40)
    assert _corner(light) == (255, 255, 255)
    assert sum(_corner(dark)) < 3 * 60
    with charts.themed("dark"):
        fig = d.figure(theme="dark")
    texts = [t for t in fig.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_color")) if t.get_text().strip()]
    assert texts and all(sum(_rgb(t.get_color())) > 1.5 for t in texts)  # no dark text left on the dark background


def _rgb(colour) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    return to_rgb(colour)


def test_unknown_theme_is_refused() -> None:
    with pytest.raises(ValueError, match="light, dark"):
        charts.theme("sepia")


def test_report_charts_are_light(small_result: AuditResult) -> None:
    """The report's entry points take no theme: whatever the app shows, the PDF's charts are on white."""
    for make, args in [
        (charts.disparity_overview_figure, ()),
        (charts.verdict_forest_figure, ()),
        (charts.group_rates_figure, (small_result.levels[0].level,)),
    ]:
        with charts.fast_text():
            fig = make(small_result, *args)
        assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)
        assert "theme" not in inspect.signature(make).parameters


def test_a_display_pickles_without_its_drawing(small_result: AuditResult) -> None:
    from matplotlib.figure import Figure

    d = charts.VerdictForestDisplay.from_result(small_result)
    fig = Figure()
    d.plot(list(fig.subplots(len(d.panels), 1, squeeze=False)[:, 0]))
    data = pickle.dumps(d)
    back = pickle.loads(data)
    assert back == d and not any(k.endswith("_") for k in vars(back))
    assert b"matplotlib" not in data and len(data) < 20_000


def test_save_png_and_svg(small_result: AuditResult, tmp_path: Path) -> None:
    d = charts.VerdictForestDisplay.from_result(small_result)
    png = charts.save_display(d, str(tmp_path / "forest.png"), dpi=50)
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    svg = tmp_path / "forest.svg"
    svg.write_text("old content")
    charts.save_display(d, str(svg))  # replaces the old file
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    with pytest.raises(ValueError, match="PNG or SVG"):
        charts.save_display(d, str(tmp_path / "forest.pdf"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forest.png", "forest.svg"]  # no partial or temporary file


def test_a_failed_save_leaves_the_old_file(small_result: AuditResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = charts.VerdictForestDisplay.from_result(small_result)
    target = tmp_path / "chart.png"
    target.write_bytes(b"previous")
    from matplotlib.figure import Figure

    def broken(self, *a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken)
    with pytest.raises(OSError, match="disk full"):
        charts.save_display(d, str(target))
    assert target.read_bytes() == b"previous" and [p.name for p in tmp_path.iterdir()] == ["chart.png"]


def test_report_entry_points_are_plain_functions_of_the_result() -> None:
    """Each `*_figure` is a module-level function whose first argument is the result: a process executor can pickle it
    by reference and call it with (result, ...)."""
    names = [n for n in charts.__all__ if n.endswith("_figure") and n not in ("importance_figure", "new_figure")]
    assert {"verdict_forest_figure", "beeswarm_figure", "waterfall_figure", "dependence_figure"} <= set(names)
    for n in names:
        fn = getattr(charts, n)
        assert inspect.isfunction(fn) and pickle.loads(pickle.dumps(fn)) is fn
        assert next(iter(inspect.signature(fn).parameters)) == "result"


def test_charts_import_no_matplotlib() -> None:
    """The app builds displays on its GUI thread; matplotlib loads only where a figure is drawn."""
    import subprocess
    import sys

    code = "import sys, reports.charts; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
