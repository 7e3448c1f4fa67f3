"""Explanations: global importance (bars or the SHAP beeswarm, for everyone or side by side by group), importance by
group and where it shifts, a dependence plot of a chosen feature coloured by group, and local examples with the
waterfall of the selected decision; honest about status. Every chart is a `reports.charts` display object built from
the result (the report draws the same ones), shown by `gui.views.figure.FigureView`."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QModelIndex, QRect, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QStyledItemDelegate,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui import theme
from gui.models.results import label
from gui.models.table import SORT_ROLE, Column, RecordTableModel, SortProxy
from gui.views.common import fit_columns, heading, labelled_combo, muted, refill_combo, table_view
from gui.views.figure import FigureView

MODEL_HINT = "To explain decisions, choose the model file on the Set-up page (Decisions from: Model file) and run again."
STATUS_WORDS = {
    "complete": "Complete",
    "partial": "Partial (time budget reached)",
    "not_assessed": "Not assessed",
    "failed": "Failed",
}


def _value(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else f"{v:.6g}"
    return str(v)


class BarDelegate(QStyledItemDelegate):
    """Draws the share column as a bar behind its text, scaled so the largest value fills the cell."""

    max_value = 1.0

    def paint(self, painter: QPainter, option, index: QModelIndex) -> None:
        value = index.data(SORT_ROLE)
        if isinstance(value, (int, float)) and value != float("inf") and self.max_value > 0:
            painter.save()
            rect = QRect(option.rect)
            rect.setWidth(int(rect.width() * max(0.0, min(1.0, float(value) / self.max_value))))
            painter.fillRect(rect.adjusted(1, 3, -1, -3), theme.color("accent").lighter(170 if not theme.is_dark() else 60))
            painter.restore()
        super().paint(painter, option, index)


class ExplanationsView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("explanations_view")
        self.explanations = None
        self.result = None
        lay = QVBoxLayout(self)
        lay.addWidget(heading("Explanations"))
        self.status = muted("No audit yet.")
        self.status.setObjectName("explain_status")
        self.status.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.status)
        self.notes_button = QToolButton()
        self.notes_button.setObjectName("explain_notes_toggle")
        self.notes_button.setAccessibleName("Show the explainer's limits and warnings")
        self.notes_button.setCheckable(True)
        self.notes_button.setArrowType(Qt.ArrowType.RightArrow)
        self.notes_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.notes_button.setAutoRaise(True)
        self.notes_button.toggled.connect(self._toggle_notes)
        self.notes = muted()
        self.notes.setObjectName("explain_notes")
        self.notes.setTextFormat(Qt.TextFormat.RichText)
        self.notes.setVisible(False)
        self.notes_button.setVisible(False)
        lay.addWidget(self.notes_button)
        lay.addWidget(self.notes)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("explain_tabs")
        self.tabs.addTab(self._global_tab(), "&Global")
        self.tabs.addTab(self._groups_tab(), "By &group")
        self.tabs.addTab(self._dependence_tab(), "&Dependence")
        self.tabs.addTab(self._local_tab(), "&Local examples")
        lay.addWidget(self.tabs, 1)
        self.tabs.setVisible(False)

    def _global_tab(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        bar = QHBoxLayout()
        self.global_kind = labelled_combo(
            bar,
            "explain_global_kind",
            "&Chart",
            "Chart of global importance",
            [("Importance (mean |SHAP|)", "bars"), ("SHAP summary (beeswarm)", "beeswarm")],
        )
        self.global_split = labelled_combo(
            bar, "explain_global_split", "&Split by", "Show the chart for everyone or by group", []
        )
        bar.addStretch(1)
        lay.addLayout(bar)
        self.global_kind.currentIndexChanged.connect(self._show_global_chart)
        self.global_split.currentIndexChanged.connect(self._show_global_chart)
        self.global_note = muted()
        lay.addWidget(self.global_note)
        split = QSplitter(Qt.Orientation.Horizontal)  # side by side: a laptop screen is wider than tall
        self.global_figure = FigureView("explain_global", save_name="importance")
        split.addWidget(self.global_figure)
        self.global_model = RecordTableModel(
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
        return w

    def _dependence_tab(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        bar = QHBoxLayout()
        self.dep_feature = labelled_combo(bar, "explain_dep_feature", "&Feature", "Feature whose effect is plotted", [])
        self.dep_colour = labelled_combo(
            bar, "explain_dep_colour", "C&olour by", "Sensitive attribute the dots are coloured by", []
        )
        bar.addStretch(1)
        lay.addLayout(bar)
        self.dep_feature.currentIndexChanged.connect(self._show_dependence)
        self.dep_colour.currentIndexChanged.connect(self._show_dependence)
        self.dep_figure = FigureView("explain_dependence", save_name="dependence")
        lay.addWidget(self.dep_figure, 1)
        self.dep_note = muted()
        self.dep_note.setObjectName("explain_dep_note")
        lay.addWidget(self.dep_note)
        return w

    def _groups_tab(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Group"))
        self.group_combo = QComboBox()
        self.group_combo.setObjectName("explain_group")
        self.group_combo.setAccessibleName("Group to explain")
        self.group_combo.currentIndexChanged.connect(self._show_group)
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
        self.group_model = RecordTableModel(
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
        self.shift_model = RecordTableModel(
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
        return w

    def _local_tab(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.addWidget(
            muted(
                "Individual decisions: adverse ones and borderline ones (nearest the threshold). "
                "Base value + contributions = the model's output. Contributions are associations, not causes."
            )
        )
        split = QSplitter(Qt.Orientation.Horizontal)
        self.local_model = RecordTableModel(
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
        lp = SortProxy(self)
        lp.setSourceModel(self.local_model)
        self.local_table = table_view("local_examples")
        self.local_table.setModel(lp)
        self.local_table.selectionModel().currentRowChanged.connect(self._show_local)
        split.addWidget(self.local_table)
        self.contrib_model = RecordTableModel(
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
        return w

    # ------------------------------------------------------------------ data
    def set_result(self, result) -> None:
        ex = getattr(result, "explanations", None) if result is not None else None
        self.explanations, self.result = ex, result
        self.notes_button.setVisible(False)
        self.notes.setVisible(False)
        if result is None or ex is None or ex.status not in ("complete", "partial"):
            for fv in (self.global_figure, self.group_figure, self.dep_figure, self.waterfall_figure):
                fv.set_display(None)
        if result is None:
            self.status.setText("No audit yet.")
            self.tabs.setVisible(False)
            return
        if ex is None and result.model is None:  # predictions-only: nothing to explain, and the page says what would be
            why = next(
                (n.reason for n in result.not_assessed if n.item == "explanations"),
                "There is no model whose reasoning could be explained.",
            )
            self.status.setText(
                f"<b>Explanations need a model.</b> {escape(why)} This audit took its decisions from the "
                f"{escape(result.decision_source)}. {MODEL_HINT}"
            )
            self.tabs.setVisible(False)
            return
        if ex is None:
            reason = next((n.reason for n in result.not_assessed if n.item == "explanations"), "No explanations in this result.")
            self.status.setText(f"<b>Not assessed.</b> {reason}")
            self.tabs.setVisible(False)
            return
        has = ex.status in ("complete", "partial")
        # With figures, the status is one short paragraph (the charts need the room); how it was done goes in the notes.
        parts = [
            f"<b>{STATUS_WORDS.get(ex.status, ex.status)}.</b> "
            + (
                f"Explainer {ex.explainer}, output space: {escape(ex.output_space)}; {ex.sample_size:,} of {ex.rows_available:,} "
                f"rows explained in {ex.seconds:.1f} s."
                if has
                else escape(ex.reason)
            )
        ]
        if ex.proxy_share is not None:
            ps = ex.proxy_share
            parts.append(
                f"Attribution to candidate proxy features ({', '.join(ps.features) or 'none used'}): "
                f"{ps.share:.1%} [{ps.ci_low:.1%}, {ps.ci_high:.1%}]."
            )
        if ex.sensitive_share is not None:
            parts.append(f"To sensitive features the model takes as inputs: {ex.sensitive_share.share:.1%}.")
        self.status.setText(" ".join(parts))
        how = (
            [
                f"<b>How:</b> {escape(ex.reason)} Computed by {escape(ex.library)}"
                + (f", background {ex.background_size} rows" if ex.background_size else "")
                + "."
            ]
            if has
            else []
        )
        self.notes.setText("<br>".join(how + [f"⚠ {escape(w)}" for w in ex.warnings]))
        self.notes_button.setText(
            ("How it was explained, limits and warnings" if has else "Limits and warnings") + f" ({len(ex.warnings)})"
        )
        self.notes_button.setVisible(bool(ex.warnings) or has)
        self._toggle_notes(self.notes_button.isChecked())
        self.tabs.setVisible(has)
        if not has:
            return
        self.global_model.set_rows(ex.global_)
        self.global_bar.max_value = max((f.share for f in ex.global_), default=1.0)
        fit_columns(self.global_table)
        self._fill_pickers(ex)
        self._show_global_chart()
        self.group_combo.blockSignals(True)
        self.group_combo.clear()
        for g in ex.by_group:
            self.group_combo.addItem(f"{label(g.attributes)}  ({g.n_explained:,} of {g.n_rows:,} rows explained)", g)
        self.group_combo.blockSignals(False)
        self._show_group(0)
        self.shift_model.set_rows(ex.rank_shifts)
        fit_columns(self.shift_table)
        self.local_model.set_rows(ex.local)
        fit_columns(self.local_table)
        if ex.local:
            self.local_table.selectRow(0)
        self.local_note.setText("" if ex.local else "No local examples in this result.")

    def _toggle_notes(self, on: bool) -> None:
        self.notes_button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        self.notes.setVisible(on and self.notes_button.isVisible())

    def _show_group(self, index: int) -> None:
        g = self.group_combo.itemData(index) if index >= 0 else None
        self.group_model.set_rows(g.features if g else [])
        self.group_bar.max_value = max((f.share for f in g.features), default=1.0) if g else 1.0
        if g is None:
            self.group_note.setText("")
            self.group_figure.set_display(None)
            return
        self._show_chart(self.group_figure, lambda c: c.ImportanceDisplay.from_result(self.result, group=g.attributes))
        extra = []
        if g.proxy_share is not None:
            extra.append(f"{g.proxy_share:.1%} of this group's attribution goes to candidate proxy features")
        if g.sensitive_share is not None:
            extra.append(f"{g.sensitive_share:.1%} to sensitive features")
        self.group_note.setText("; ".join(extra))
        fit_columns(self.group_table)

    def _show_local(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.contrib_model.set_rows([])
            self.waterfall_figure.set_display(None)
            return
        proxy = self.local_table.model()
        rec = self.local_model.record(proxy.mapToSource(current).row())
        index = next(i for i, e in enumerate(self.explanations.local) if e is rec)
        self._show_chart(self.waterfall_figure, lambda c: c.WaterfallDisplay.from_result(self.result, index))
        rows = [(f, c, rec.feature_values.get(f)) for f, c in rec.contributions.items()]
        self.contrib_model.set_rows(rows)
        self.local_note.setText(
            f"Base value {rec.base_value:+.4f} + contributions {sum(rec.contributions.values()):+.4f} = "
            f"output {rec.output:+.4f}" + (f" (P = {rec.score:.3f})" if rec.score is not None else "")
        )
        fit_columns(self.contrib_table)

    # ------------------------------------------------------------------ charts
    def _fill_pickers(self, ex) -> None:
        rs = getattr(ex, "row_sample", None)
        attrs = list(dict.fromkeys(k for g in ex.by_group if len(g.attributes) == 1 for k in g.attributes))
        sample_attrs = list(dict.fromkeys(k for c in rs.cells for k in c)) if rs is not None else []
        refill_combo(self.global_split, [("Everyone", None)] + [(a, a) for a in attrs])
        refill_combo(self.dep_feature, [(f.feature, f.feature) for f in rs.features] if rs is not None else [])
        refill_combo(self.dep_colour, [(a, a) for a in sample_attrs] or [("—", None)])
        beeswarm = self.global_kind.model().item(1)
        beeswarm.setEnabled(rs is not None)
        if rs is None and self.global_kind.currentIndex() == 1:
            self.global_kind.setCurrentIndex(0)
        self.dep_note.setText(
            f"One dot per sampled row: {rs.sampling}. The {len(rs.features)} most important of "
            f"{rs.features_total} features can be plotted."
            if rs is not None
            else ""
        )
        self._show_dependence()

    def _show_global_chart(self, *_: object) -> None:
        if self.result is None or self.explanations is None or self.explanations.status not in ("complete", "partial"):
            return
        kind, split = self.global_kind.currentData(), self.global_split.currentData()
        ex = self.explanations
        rs = getattr(ex, "row_sample", None)
        self.global_note.setText(
            f"One dot per sampled row ({len(rs.rows)} rows, stratified by group): its SHAP value for each feature, "
            "coloured by the feature's value; right of 0 pushes towards the favourable decision."
            if kind == "beeswarm" and rs
            else f"Mean absolute SHAP value per original feature over {ex.global_rows:,} sampled rows, with a bootstrap "
            "interval. Larger means the feature moves decisions more."
        )
        if kind == "beeswarm":
            self._show_chart(self.global_figure, lambda c: c.BeeswarmDisplay.from_result(self.result, split))
        elif split:
            self._show_chart(self.global_figure, lambda c: c.GroupImportanceDisplay.from_result(self.result, split))
        else:
            self._show_chart(self.global_figure, lambda c: c.ImportanceDisplay.from_result(self.result))

    def _show_dependence(self, *_: object) -> None:
        feature = self.dep_feature.currentData()
        if self.result is None or feature is None:
            self.dep_figure.set_display(
                None,
                empty_text="This result keeps no per-row sample of explanations to plot "
                "(it was made before Attest kept one, or nothing was explained).",
            )
            return
        colour = self.dep_colour.currentData()
        self._show_chart(self.dep_figure, lambda c: c.DependenceDisplay.from_result(self.result, feature, colour))

    @staticmethod
    def _show_chart(view: FigureView, build) -> None:
        """Build a display from the result (cheap, no drawing) and hand it to `view`; say why when it cannot be built."""
        from reports import charts

        try:
            view.set_display(build(charts))
        except ValueError as exc:
            view.set_display(None, empty_text=str(exc))
