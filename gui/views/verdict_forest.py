"""The verdicts as a forest plot on the Results page: each check's statistic with its confidence interval against the
check's thresholds, marked and coloured by verdict (pass / fail / insufficient evidence). The picture is the report's
`reports.charts.VerdictForestDisplay`, drawn by `FigureView` (window theme, Save as PNG/SVG).

Hooked into `ResultsView` with one line (`VerdictForestPanel.attach(self)`): the panel adds its own tab and follows the
results view's verdict model, which is reset whenever a result is shown, so the results view needs no other change."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QTabWidget, QVBoxLayout, QWidget

from gui.views.common import labelled_combo, muted
from gui.views.figure import FigureView

# (label, statuses): what the "Show" picker offers; failed and undecided first, as in the report.
SHOW = (
    ("Failed and insufficient evidence", ("fail", "insufficient_evidence")),
    ("All verdicts", ("fail", "insufficient_evidence", "pass")),
    ("Failed", ("fail",)),
    ("Insufficient evidence", ("insufficient_evidence",)),
    ("Passed", ("pass",)),
)
MAX_ROWS = 150  # a taller picture is slow to draw and unreadable; the verdict table lists every comparison


class VerdictForestPanel(QWidget):
    """Pickers (which verdicts, which check) above the forest plot."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verdict_forest_panel")
        self.result: Any = None
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.show_combo = labelled_combo(bar, "forest_show", "&Show", "Which verdicts the forest plot shows")
        for text, statuses in SHOW:
            self.show_combo.addItem(text, statuses)
        self.check_combo = labelled_combo(bar, "forest_check", "Chec&k", "Which policy check the forest plot shows")
        bar.addStretch(1)
        lay.addLayout(bar)
        self.note = muted(
            "Each row is one group compared with its comparator: the dot is the statistic, the line its "
            "confidence interval, dashed lines the check's thresholds; the marker and colour give the verdict."
        )
        self.note.setObjectName("forest_note")
        lay.addWidget(self.note)
        self.figure = FigureView("verdict_forest", save_name="verdicts")
        lay.addWidget(self.figure, 1)
        self.show_combo.currentIndexChanged.connect(self.redraw)
        self.check_combo.currentIndexChanged.connect(self.redraw)

    @classmethod
    def attach(cls, results: Any, index: int = 1) -> VerdictForestPanel:
        """Add the panel as a tab of `results` (a ResultsView) and follow the result it shows."""
        panel = cls()
        tabs: QTabWidget = results.tabs
        tabs.insertTab(index, panel, "F&orest plot")
        results.verdicts_model.modelReset.connect(lambda: panel.set_result(results.result))
        panel.set_result(results.result)
        return panel

    def set_result(self, result: Any) -> None:
        self.result = result
        keep = self.check_combo.currentData()
        self.check_combo.blockSignals(True)
        self.check_combo.clear()
        self.check_combo.addItem("All checks", None)
        if result is not None:
            ids = [c.id for c in result.spec.policy.checks]
            ids += sorted({v.check for v in result.verdicts} - set(ids))
            for cid in ids:
                n = sum(1 for v in result.verdicts if v.check == cid)
                if n:
                    self.check_combo.addItem(f"{cid} ({n})", cid)
        at = self.check_combo.findData(keep) if keep is not None else 0
        self.check_combo.setCurrentIndex(max(at, 0))
        self.check_combo.blockSignals(False)
        self.redraw()

    def redraw(self, *_: object) -> None:
        if self.result is None:
            self.figure.set_display(None, empty_text="No audit yet.")
            return
        from reports import charts

        statuses, check = self.show_combo.currentData(), self.check_combo.currentData()
        display = charts.VerdictForestDisplay.from_result(
            self.result, statuses, None if check is None else (check,), max_rows=MAX_ROWS
        )
        if not display.shown:
            self.figure.set_display(None, empty_text=f"No verdicts of this kind ({self.show_combo.currentText().lower()}).")
            return
        self.figure.set_display(display)
