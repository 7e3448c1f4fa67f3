"""The Explanations page's tabs, each a widget that shows its part of a result's explanations: global importance (bars,
the beeswarm or the groups x features heat map, for everyone or by group), importance by group with where it shifts,
and the dependence plot (local examples with the waterfall: gui.views.explanation_local). Every chart is a
`reports.charts` display object built from the result (the report draws the same ones), shown by
`gui.views.figure.FigureView`."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt, Slot
from PySide6.QtGui import QPainter, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from gui import theme
from gui.models.results import label
from gui.models.table import SORT_ROLE, Column, RecordTableModel, SortProxy
from gui.views.common import fit_columns, heading, labelled_combo, muted, refill_combo, table_view
from gui.views.figure import FigureView

if TYPE_CHECKING:
    from audit.explain.result import Explanations, FeatureImportance, GroupFeature, RankShift
    from audit.result import AuditResult

# The display object a tab shows, built from `reports.charts` (imported when first drawn: it loads matplotlib)
Build = Callable[[ModuleType], Any]


def show_chart(view: FigureView, build: Build) -> None:
    """Build a display from the result (cheap, no drawing) and hand it to `view`; say why when it cannot be built."""
    from reports import charts

    try:
        view.set_display(build(charts))
    except ValueError as exc:
        view.set_display(None, empty_text=str(exc))


def _explained(result: AuditResult | None) -> Explanations | None:
    """The result's explanations when they hold figures to show, else None."""
    ex = result.explanations if result is not None else None
    return ex if ex is not None and ex.status in ("complete", "partial") else None


class BarDelegate(QStyledItemDelegate):
    """Draws the share column as a bar behind its text, scaled so the largest value fills the cell."""

    max_value = 1.0

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        value = index.data(SORT_ROLE)
        if isinstance(value, int | float) and value != float("inf") and self.max_value > 0:
            painter.save()
            rect = QRect(option.rect)
            rect.setWidth(int(rect.width() * max(0.0, min(1.0, float(value) / self.max_value))))
            painter.fillRect(rect.adjusted(1, 3, -1, -3), theme.color("accent").lighter(170 if not theme.is_dark() else 60))
            painter.restore()
        super().paint(painter, option, index)


class GlobalTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: AuditResult | None = None
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.global_kind = labelled_combo(
            bar,
            "explain_global_kind",
            "&Chart",
            "Chart of global importance",
            [
                ("Importance (mean |SHAP|)", "bars"),
                ("SHAP summary (beeswarm)", "beeswarm"),
                ("Importance by group (heat map)", "heatmap"),
            ],
        )
        self.global_split = labelled_combo(
            bar, "explain_global_split", "&Split by", "Show the chart for everyone or by group", []
        )
        bar.addStretch(1)
        lay.addLayout(bar)
        self.global_kind.currentIndexChanged.connect(self.show_chart)
        self.global_split.currentIndexChanged.connect(self.show_chart)
        self.global_note = muted()
        lay.addWidget(self.global_note)
        split = QSplitter(Qt.Orientation.Horizontal)  # side by side: a laptop screen is wider than tall
        self.global_figure = FigureView("explain_global", save_name="importance")
        split.addWidget(self.global_figure)
        self.global_model: RecordTableModel[FeatureImportance] = RecordTableModel(
            [
                Column("Feature", lambda f: f.feature),
                Column("Share of attribution", lambda f: f"{f.share:.1%}", sort=lambda f: f.share, numeric=True),
                Column(
                    "Mean |SHAP|",
                    lambda f: f"{f.value:.4f} [{f.ci_low:.4f}, {f.ci_high:.4f}]",
                    sort=lambda f: f.value,
                    numeric=True,
                    header_tip="Mean absolute contribution with a bootstrap interval",
                ),
            ],
            [],
            self,
        )
        proxy = SortProxy(self)
        proxy.setSourceModel(self.global_model)
        self.global_table = table_view("global_importance")
        self.global_table.setModel(proxy)
        self.global_bar = BarDelegate(self.global_table)
        self.global_table.setItemDelegateForColumn(1, self.global_bar)
        split.addWidget(self.global_table)
        split.setSizes([640, 360])  # proportions: the chart gets most of the width
        lay.addWidget(split, 1)

    def show_table(self, result: AuditResult, ex: Explanations) -> None:
        self.result = result
        self.global_model.set_rows(ex.global_)
        self.global_bar.max_value = max((f.share for f in ex.global_), default=1.0)
        fit_columns(self.global_table)

    def fill_pickers(self, ex: Explanations) -> None:
        """Split by each single sensitive attribute; the beeswarm only where the result keeps a per-row sample."""
        rs = getattr(ex, "row_sample", None)
        attrs = list(dict.fromkeys(k for g in ex.by_group if len(g.attributes) == 1 for k in g.attributes))
        refill_combo(self.global_split, [("Everyone", None)] + [(a, a) for a in attrs])
        model = self.global_kind.model()
        assert isinstance(model, QStandardItemModel)  # a QComboBox's own model
        model.item(1).setEnabled(rs is not None)
        model.item(2).setEnabled(bool(ex.by_group))
        if not model.item(self.global_kind.currentIndex()).isEnabled():
            self.global_kind.setCurrentIndex(0)

    @Slot()
    def show_chart(self, *_: object) -> None:
        ex = _explained(self.result)
        if ex is None:
            return
        result = self.result
        kind, split = self.global_kind.currentData(), self.global_split.currentData()
        rs = getattr(ex, "row_sample", None)
        self.global_split.setEnabled(kind != "heatmap")  # the heat map shows every single-attribute group at once
        self.global_note.setText(
            "Each group's share of its own attribution per feature (%), one row per group of one attribute, the top "
            "features of the global importance; ✱ marks a small group, whose shares are the least certain. A share that "
            "differs between rows shows a feature moving decisions more for one group than for another."
            if kind == "heatmap"
            else f"One dot per sampled row ({len(rs.rows)} rows, stratified by group): its SHAP value for each feature, "
            "coloured by the feature's value; right of 0 pushes towards the favourable decision."
            if kind == "beeswarm" and rs
            else f"Mean absolute SHAP value per original feature over {ex.global_rows:,} sampled rows, with a bootstrap "
            "interval. Larger means the feature moves decisions more."
        )
        if kind == "heatmap":
            show_chart(self.global_figure, lambda c: c.ImportanceHeatmapDisplay.from_result(result))
        elif kind == "beeswarm":
            show_chart(self.global_figure, lambda c: c.BeeswarmDisplay.from_result(result, split))
        elif split:
            show_chart(self.global_figure, lambda c: c.GroupImportanceDisplay.from_result(result, split))
        else:
            show_chart(self.global_figure, lambda c: c.ImportanceDisplay.from_result(result))


class DependenceTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: AuditResult | None = None
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.dep_feature = labelled_combo(bar, "explain_dep_feature", "&Feature", "Feature whose effect is plotted", [])
        self.dep_colour = labelled_combo(
            bar, "explain_dep_colour", "C&olour by", "Sensitive attribute the dots are coloured by", []
        )
        bar.addStretch(1)
        lay.addLayout(bar)
        self.dep_feature.currentIndexChanged.connect(self.show_chart)
        self.dep_colour.currentIndexChanged.connect(self.show_chart)
        self.dep_figure = FigureView("explain_dependence", save_name="dependence")
        lay.addWidget(self.dep_figure, 1)
        self.dep_note = muted()
        self.dep_note.setObjectName("explain_dep_note")
        lay.addWidget(self.dep_note)

    def fill_pickers(self, result: AuditResult, ex: Explanations) -> None:
        """The features the per-row sample keeps, coloured by the sample's sensitive attributes."""
        self.result = result
        rs = getattr(ex, "row_sample", None)
        sample_attrs = list(dict.fromkeys(k for c in rs.cells for k in c)) if rs is not None else []
        from reports.sections.xai_figures import colour_attribute  # here: the window starts without reportlab

        first = colour_attribute(result)  # the spec's first attribute, as the report colours by
        sample_attrs.sort(key=lambda a: a != first)
        refill_combo(self.dep_feature, [(f.feature, f.feature) for f in rs.features] if rs is not None else [])
        refill_combo(self.dep_colour, [(a, a) for a in sample_attrs] or [("—", None)])

    def show_note(self, ex: Explanations) -> None:
        rs = getattr(ex, "row_sample", None)
        self.dep_note.setText(
            f"One dot per sampled row: {rs.sampling}. The {len(rs.features)} most important of "
            f"{rs.features_total} features can be plotted."
            if rs is not None
            else ""
        )

    @Slot()
    def show_chart(self, *_: object) -> None:
        feature = self.dep_feature.currentData()
        result = self.result
        if result is None or feature is None:
            self.dep_figure.set_display(
                None,
                empty_text="This result keeps no per-row sample of explanations to plot "
                "(it was made before Attest kept one, or nothing was explained).",
            )
            return
        colour = self.dep_colour.currentData()
        show_chart(self.dep_figure, lambda c: c.DependenceDisplay.from_result(result, feature, colour))


class GroupTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: AuditResult | None = None
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Group"))
        self.group_combo = QComboBox()
        self.group_combo.setObjectName("explain_group")
        self.group_combo.setAccessibleName("Group to explain")
        self.group_combo.currentIndexChanged.connect(self.show_group)
        bar.addWidget(self.group_combo, 1)
        lay.addLayout(bar)
        self.group_note = muted()
        lay.addWidget(self.group_note)
        outer = QSplitter(Qt.Orientation.Horizontal)
        self.group_figure = FigureView("explain_group", save_name="group_importance")
        outer.addWidget(self.group_figure)
        split = QSplitter(Qt.Orientation.Vertical)
        outer.addWidget(split)
        outer.setSizes([600, 400])
        self.group_model: RecordTableModel[GroupFeature] = RecordTableModel(
            [
                Column("Rank", lambda f: str(f.rank), sort=lambda f: f.rank, numeric=True),
                Column("Feature", lambda f: f.feature),
                Column("Share in group", lambda f: f"{f.share:.1%}", sort=lambda f: f.share, numeric=True),
                Column("Mean |SHAP|", lambda f: f"{f.value:.4f}", sort=lambda f: f.value, numeric=True),
            ],
            [],
            self,
        )
        gp = SortProxy(self)
        gp.setSourceModel(self.group_model)
        self.group_table = table_view("group_importance")
        self.group_table.setModel(gp)
        self.group_bar = BarDelegate(self.group_table)
        self.group_table.setItemDelegateForColumn(2, self.group_bar)
        split.addWidget(self.group_table)
        shifts = QWidget()
        sl = QVBoxLayout(shifts)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(heading("Where importance differs most between groups", 3))
        self.shift_model: RecordTableModel[RankShift] = RecordTableModel(
            [
                Column("Compared across", lambda r: " × ".join(r.attributes)),
                Column("Feature", lambda r: r.feature),
                Column(
                    "Share range", lambda r: f"{r.share_min:.1%} – {r.share_max:.1%}", sort=lambda r: r.share_spread, numeric=True
                ),
                Column(
                    "Rank range", lambda r: f"{r.rank_min} – {r.rank_max}", sort=lambda r: r.rank_max - r.rank_min, numeric=True
                ),
                Column("Lowest in", lambda r: label(r.group_min)),
                Column("Highest in", lambda r: label(r.group_max)),
            ],
            [],
            self,
        )
        sp = SortProxy(self)
        sp.setSourceModel(self.shift_model)
        self.shift_table = table_view("rank_shifts")
        self.shift_table.setModel(sp)
        sl.addWidget(self.shift_table)
        split.addWidget(shifts)
        lay.addWidget(outer, 1)

    def show_groups(self, result: AuditResult, ex: Explanations) -> None:
        self.result = result
        self.group_combo.blockSignals(True)
        self.group_combo.clear()
        for g in ex.by_group:
            self.group_combo.addItem(f"{label(g.attributes)}  ({g.n_explained:,} of {g.n_rows:,} rows explained)", g)
        self.group_combo.blockSignals(False)
        self.show_group(0)
        self.shift_model.set_rows(ex.rank_shifts)
        fit_columns(self.shift_table)

    @Slot(int)
    def show_group(self, index: int) -> None:
        g = self.group_combo.itemData(index) if index >= 0 else None
        self.group_model.set_rows(g.features if g else [])
        self.group_bar.max_value = max((f.share for f in g.features), default=1.0) if g else 1.0
        if g is None:
            self.group_note.setText("")
            self.group_figure.set_display(None)
            return
        result = self.result
        show_chart(self.group_figure, lambda c: c.ImportanceDisplay.from_result(result, group=g.attributes))
        extra = []
        if g.proxy_share is not None:
            extra.append(f"{g.proxy_share:.1%} of this group's attribution goes to candidate proxy features")
        if g.sensitive_share is not None:
            extra.append(f"{g.sensitive_share:.1%} to sensitive features")
        self.group_note.setText("; ".join(extra))
        fit_columns(self.group_table)
