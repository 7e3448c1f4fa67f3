"""The Explanations page's "Local examples" tab: the result's adverse and borderline decisions, the waterfall of the one
selected (the report's `WaterfallDisplay`) and its contributions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Slot
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from gui.models.results import label
from gui.models.table import Column, RecordTableModel, SortProxy
from gui.views.common import fit_columns, muted, table_view
from gui.views.explanation_tabs import show_chart
from gui.views.figure import FigureView

if TYPE_CHECKING:
    from audit.explain.result import Explanations, LocalExplanation
    from audit.result import AuditResult

# A contribution of the selected decision: feature, SHAP value, the row's value of the feature
Contribution = tuple[str, float, object]


def _value(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else f"{v:.6g}"
    return str(v)


class LocalTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: AuditResult | None = None
        self.local: list[LocalExplanation] = []  # the result's local examples
        lay = QVBoxLayout(self)
        lay.addWidget(
            muted(
                "Individual decisions: adverse ones and borderline ones (nearest the threshold). "
                "Base value + contributions = the model's output. Contributions are associations, not causes."
            )
        )
        split = QSplitter(Qt.Orientation.Horizontal)
        self.local_model: RecordTableModel[LocalExplanation] = RecordTableModel(
            [
                Column("Group", lambda e: label(e.attributes)),
                Column("Kind", lambda e: e.kind),
                Column("Row", lambda e: str(e.row), sort=lambda e: e.row, numeric=True),
                Column("Decision", lambda e: "favourable" if e.decision else "adverse"),
                Column("Score", lambda e: "—" if e.score is None else f"{e.score:.3f}", sort=lambda e: e.score, numeric=True),
            ],
            [],
            self,
        )
        self.local_proxy = SortProxy(self)
        self.local_proxy.setSourceModel(self.local_model)
        self.local_table = table_view("local_examples")
        self.local_table.setModel(self.local_proxy)
        self.local_table.selectionModel().currentRowChanged.connect(self.show_local)
        split.addWidget(self.local_table)
        self.contrib_model: RecordTableModel[Contribution] = RecordTableModel(
            [
                Column("Feature", lambda c: c[0]),
                Column("Value", lambda c: _value(c[2])),
                Column("Contribution", lambda c: f"{c[1]:+.4f}", sort=lambda c: c[1], numeric=True),
            ],
            [],
            self,
        )
        self.contrib_table = table_view("local_contributions", sortable=False)
        self.contrib_table.setModel(self.contrib_model)
        right = QSplitter(Qt.Orientation.Vertical)
        self.waterfall_figure = FigureView("explain_waterfall", save_name="decision")
        right.addWidget(self.waterfall_figure)
        right.addWidget(self.contrib_table)
        right.setSizes([600, 250])
        split.addWidget(right)
        split.setSizes([380, 620])
        lay.addWidget(split, 1)
        self.local_note = muted()
        lay.addWidget(self.local_note)

    def show_examples(self, result: AuditResult, ex: Explanations) -> None:
        self.result, self.local = result, list(ex.local)
        self.local_model.set_rows(ex.local)
        fit_columns(self.local_table)
        if ex.local:
            self.local_table.selectRow(0)
        self.local_note.setText("" if ex.local else "No local examples in this result.")

    @Slot(QModelIndex, QModelIndex)
    def show_local(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.contrib_model.set_rows([])
            self.waterfall_figure.set_display(None)
            return
        rec = self.local_model.record(self.local_proxy.mapToSource(current).row())
        index = next(i for i, e in enumerate(self.local) if e is rec)
        result = self.result
        show_chart(self.waterfall_figure, lambda c: c.WaterfallDisplay.from_result(result, index))
        rows = [(f, c, rec.feature_values.get(f)) for f, c in rec.contributions.items()]
        self.contrib_model.set_rows(rows)
        self.local_note.setText(
            f"Base value {rec.base_value:+.4f} + contributions {sum(rec.contributions.values()):+.4f} = "
            f"output {rec.output:+.4f}" + (f" (P = {rec.score:.3f})" if rec.score is not None else "")
        )
        fit_columns(self.contrib_table)
