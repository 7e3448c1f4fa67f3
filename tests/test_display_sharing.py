"""Every chart is shared by the desktop app and the report (issue 14: "charts as display objects ... shared by the GUI
and the report"): each public `Display` subclass of `reports.charts` is used somewhere in `gui/` and somewhere in the
report's sections or its other PDFs (`reports/sections/*.py`, `reports/*_pdf.py`). A chart drawn on one side only
fails here.

A use is the display's name, or the name of something in `reports.charts` that brings it in: a function whose code
names it (`attribute_rates_display` builds a `RatesDisplay`, `monitoring_figures` draws `monitoring_displays`) or a
display that holds it (`CalibrationPanelsDisplay` holds `CalibrationDisplay` panels)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _displays() -> list[type]:
    import reports.charts
    from reports.charts import Display

    for m in pkgutil.iter_modules(reports.charts.__path__):
        importlib.import_module(f"reports.charts.{m.name}")
    found, todo = [], list(Display.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if not cls.__name__.startswith("_") and cls.__module__.startswith("reports.charts."):
            found.append(cls)
    return sorted(found, key=lambda c: c.__name__)


def _carriers() -> dict[str, str]:
    """Public functions and display classes of reports.charts, by name: their source."""
    import reports.charts
    from reports.charts import Display

    out = {}
    for m in pkgutil.iter_modules(reports.charts.__path__):
        mod = importlib.import_module(f"reports.charts.{m.name}")
        for name, obj in vars(mod).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != mod.__name__:
                continue
            if inspect.isfunction(obj) or (isinstance(obj, type) and issubclass(obj, Display)):
                out[name] = inspect.getsource(obj)
    return out


def _names_bringing(display: type, carriers: dict[str, str]) -> set[str]:
    """The display's name and every carrier that names one of these, to a fixed point."""
    names = {display.__name__}
    while True:
        more = {c for c, src in carriers.items() if c not in names and any(re.search(rf"\b{re.escape(n)}\b", src) for n in names)}
        if not more:
            return names
        names |= more


def _users(files: list[Path], names: set[str]) -> list[str]:
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(names))) + r")\b")
    return [f.name for f in files if pattern.search(f.read_text(encoding="utf-8"))]


GUI = sorted((ROOT / "gui").rglob("*.py"))
REPORT = sorted((ROOT / "reports" / "sections").glob("*.py")) + sorted((ROOT / "reports").glob("*_pdf.py"))


def test_every_chart_is_drawn_by_the_app_and_by_a_report() -> None:
    carriers = _carriers()
    one_sided = []
    for display in _displays():
        names = _names_bringing(display, carriers)
        gui, report = _users(GUI, names), _users(REPORT, names)
        if not gui or not report:
            one_sided.append(
                f"{display.__name__}: app {gui or 'nowhere'}, report {report or 'nowhere'} (looked for {sorted(names)})"
            )
    assert not one_sided, "charts drawn on one side only (add them to the other):\n" + "\n".join(one_sided)


def test_the_displays_are_all_found() -> None:
    """The check covers the charts the app and report draw (a broken discovery would pass vacuously)."""
    names = {d.__name__ for d in _displays()}
    assert {
        "CalibrationPanelsDisplay",
        "DependenceDisplay",
        "GroupImportanceDisplay",
        "ImportanceHeatmapDisplay",
        "VerdictForestDisplay",
        "GroupRatesTimeDisplay",
        "DriftTimeDisplay",
    } <= names
    assert "Display" not in names and "_TimeDisplay" not in names


def test_a_chart_on_one_side_is_reported(tmp_path: Path) -> None:
    carriers = _carriers()
    from reports.charts import DependenceDisplay

    names = _names_bringing(DependenceDisplay, carriers)
    app = tmp_path / "app.py"
    app.write_text("from reports import charts\nd = charts.DependenceDisplay.from_result(r, 'x')\n", encoding="utf-8")
    report = tmp_path / "section.py"
    report.write_text("from reports import charts\nd = charts.ImportanceDisplay.from_result(r)\n", encoding="utf-8")
    assert _users([app], names) and not _users([report], names)
