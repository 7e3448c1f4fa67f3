"""The Results page's "Charts" tab: the report's charts of the shown result, one at a time, picked from a list.

Each chart is a `reports.charts` display object built from the `AuditResult` (the values the audit computed; nothing is
recomputed here) and drawn by `FigureView`, so it follows the window's theme and saves as PNG or SVG. The verdict
forest plot has its own tab (gui/views/verdict_forest.py) and is not repeated here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from gui.views.common import labelled_combo, muted, refill_combo
from gui.views.figure import FigureView


def _rates_by(result: Any, level: tuple[str, ...], name: str) -> Callable[[Any], Any]:
    """The rates chart of one level (bound here: a lambda in a loop would see the loop's last level)."""
    return lambda c: c.RatesDisplay.from_result(result, [(level, None)], title=f"Rates by group: {name}")


def chart_choices(result: Any) -> list[tuple[str, str, Callable[[Any], Any]]]:
    """(title, file name, build) for each chart of `result`; `build(charts_module)` makes the display (cheap, no drawing)."""
    choices: list[tuple[str, str, Callable[[Any], Any]]] = [
        ("Disparities against the policy thresholds", "disparities", lambda c: c.DisparityOverviewDisplay.from_result(result))
    ]
    singles = [lv.level for lv in result.levels if len(lv.level) == 1]
    for level in singles + [lv.level for lv in result.levels if len(lv.level) > 1]:  # features, then intersections
        name = " × ".join(level)
        choices.append((f"Selection and error rates by {name}", "rates-" + "-".join(level), _rates_by(result, level, name)))
    if any(g.calibration for g in result.groups):
        first = singles[0] if singles else None
        choices.append(
            (
                "Calibration: predicted against observed, by group",
                "calibration",
                lambda c: c.CalibrationDisplay.from_result(result, first),
            )
        )
        if singles:  # the report's panels: one per sensitive attribute, everyone's curve in each
            choices.append(
                (
                    "Calibration by group: one panel per attribute",
                    "calibration-panels",
                    lambda c: c.CalibrationPanelsDisplay.from_result(result, tuple(singles)),
                )
            )
    return choices


class ResultChartsPanel(QWidget):
    """A chart picker above one `FigureView`. `ready` is emitted once per result: when its first chart is on screen,
    or at once when the tab is hidden (the chart is then drawn when the tab is first shown)."""

    ready = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("result_charts")
        self.result: Any = None
        self._choices: list[tuple[str, str, Callable[[Any], Any]]] = []
        self._waiting = False
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.picker = labelled_combo(bar, "result_chart_picker", "C&hart", "Which chart of the result is shown")
        bar.addStretch(1)
        lay.addLayout(bar)
        self.note = muted("The report's charts of this run, drawn from its result. Right-click a chart to copy it.")
        self.note.setObjectName("result_charts_note")
        lay.addWidget(self.note)
        self.figure = FigureView("result_chart", save_name="chart")
        lay.addWidget(self.figure, 1)
        self.figure.drawn.connect(self._on_drawn)
        self.picker.currentIndexChanged.connect(self.show_chart)
        self.set_result(None)

    def titles(self) -> list[str]:
        return [self.picker.itemText(i) for i in range(self.picker.count())]

    def set_result(self, result: Any) -> None:
        self.result = result
        self._choices = chart_choices(result) if result is not None else []
        refill_combo(self.picker, [(title, i) for i, (title, _, _) in enumerate(self._choices)])
        self.picker.setEnabled(bool(self._choices))
        if result is None:
            self.figure.set_display(None, empty_text="Charts appear here after a run.")
            return
        self._waiting = True
        self.show_chart()
        if not self.figure.isVisible():
            QTimer.singleShot(0, self, self._on_drawn)  # nothing to draw until the tab is shown

    def show_chart(self, *_: object) -> None:
        i = self.picker.currentData()
        if self.result is None or i is None:
            return
        title, name, build = self._choices[i]
        from reports import charts

        self.figure.save_name = name
        try:
            self.figure.set_display(build(charts))
        except ValueError as exc:  # a chart this result has no values for: say why, keep the others
            self.figure.set_display(None, empty_text=f"{title}: not drawn for this result: {exc}")
            self._on_drawn()

    def _on_drawn(self) -> None:
        if self._waiting:
            self._waiting = False
            self.ready.emit()
