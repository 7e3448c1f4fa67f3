"""Explanations: global importance, importance by group (and where it shifts), local examples; honest about status."""
from __future__ import annotations

from html import escape

from PySide6.QtCore import QModelIndex, QRect, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QSplitter, QStyledItemDelegate, QTabWidget, QToolButton,
                               QVBoxLayout, QWidget)

from gui import theme
from gui.models.results import label
from gui.models.table import SORT_ROLE, Column, RecordTableModel, SortProxy
from gui.views.common import fit_columns, heading, muted, table_view

STATUS_WORDS = {"complete": "Complete", "partial": "Partial (time budget reached)", "not_assessed": "Not assessed",
                "failed": "Failed"}


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
        self.tabs.addTab(self._local_tab(), "&Local examples")
        lay.addWidget(self.tabs, 1)
        self.tabs.setVisible(False)

    def _global_tab(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        self.global_note = muted()
        lay.addWidget(self.global_note)
        self.global_model = RecordTableModel([
            Column("Feature", lambda f: f.feature),
            Column("Share of attribution", lambda f: f"{f.share:.1%}", sort=lambda f: f.share, numeric=True),
            Column("Mean |SHAP|", lambda f: f"{f.value:.4f} [{f.ci_low:.4f}, {f.ci_high:.4f}]", sort=lambda f: f.value,
                   numeric=True, header_tip="Mean absolute contribution with a bootstrap interval"),
        ], [], self)
        proxy = SortProxy(self)
        proxy.setSourceModel(self.global_model)
        self.global_table = table_view("global_importance")
        self.global_table.setModel(proxy)
        self.global_bar = BarDelegate(self.global_table)
        self.global_table.setItemDelegateForColumn(1, self.global_bar)
        lay.addWidget(self.global_table, 1)
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
        split = QSplitter(Qt.Orientation.Vertical)
        self.group_model = RecordTableModel([
            Column("Rank", lambda f: str(f.rank), sort=lambda f: f.rank, numeric=True),
            Column("Feature", lambda f: f.feature),
            Column("Share in group", lambda f: f"{f.share:.1%}", sort=lambda f: f.share, numeric=True),
            Column("Mean |SHAP|", lambda f: f"{f.value:.4f}", sort=lambda f: f.value, numeric=True),
        ], [], self)
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
        self.shift_model = RecordTableModel([
            Column("Compared across", lambda r: " × ".join(r.attributes)),
            Column("Feature", lambda r: r.feature),
            Column("Share range", lambda r: f"{r.share_min:.1%} – {r.share_max:.1%}", sort=lambda r: r.share_spread, numeric=True),
            Column("Rank range", lambda r: f"{r.rank_min} – {r.rank_max}", sort=lambda r: r.rank_max - r.rank_min, numeric=True),
            Column("Lowest in", lambda r: label(r.group_min)),
            Column("Highest in", lambda r: label(r.group_max)),
        ], [], self)
        sp = SortProxy(self)
        sp.setSourceModel(self.shift_model)
        self.shift_table = table_view("rank_shifts")
        self.shift_table.setModel(sp)
        sl.addWidget(self.shift_table)
        split.addWidget(shifts)
        lay.addWidget(split, 1)
        return w

    def _local_tab(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.addWidget(muted("Individual decisions: adverse ones and borderline ones (nearest the threshold). "
                            "Base value + contributions = the model's output. Contributions are associations, not causes."))
        split = QSplitter(Qt.Orientation.Horizontal)
        self.local_model = RecordTableModel([
            Column("Group", lambda e: label(e.attributes)),
            Column("Kind", lambda e: e.kind),
            Column("Row", lambda e: str(e.row), sort=lambda e: e.row, numeric=True),
            Column("Decision", lambda e: "favourable" if e.decision else "adverse"),
            Column("Score", lambda e: "—" if e.score is None else f"{e.score:.3f}", sort=lambda e: e.score, numeric=True),
        ], [], self)
        lp = SortProxy(self)
        lp.setSourceModel(self.local_model)
        self.local_table = table_view("local_examples")
        self.local_table.setModel(lp)
        self.local_table.selectionModel().currentRowChanged.connect(self._show_local)
        split.addWidget(self.local_table)
        self.contrib_model = RecordTableModel([
            Column("Feature", lambda c: c[0]),
            Column("Value", lambda c: _value(c[2])),
            Column("Contribution", lambda c: f"{c[1]:+.4f}", sort=lambda c: c[1], numeric=True),
        ], [], self)
        self.contrib_table = table_view("local_contributions", sortable=False)
        self.contrib_table.setModel(self.contrib_model)
        split.addWidget(self.contrib_table)
        lay.addWidget(split, 1)
        self.local_note = muted()
        lay.addWidget(self.local_note)
        return w

    # ------------------------------------------------------------------ data
    def set_result(self, result) -> None:
        ex = getattr(result, "explanations", None) if result is not None else None
        self.explanations = ex
        self.notes_button.setVisible(False)
        self.notes.setVisible(False)
        if result is None:
            self.status.setText("No audit yet.")
            self.tabs.setVisible(False)
            return
        if ex is None:
            reason = next((n.reason for n in result.not_assessed if n.item == "explanations"), "No explanations in this result.")
            self.status.setText(f"<b>Not assessed.</b> {reason}")
            self.tabs.setVisible(False)
            return
        parts = [f"<b>{STATUS_WORDS.get(ex.status, ex.status)}.</b> {escape(ex.reason)}"]
        if ex.status in ("complete", "partial"):
            parts.append(f"Explainer {ex.explainer} ({ex.library}), output space: {ex.output_space}; {ex.sample_size:,} rows "
                         f"explained of {ex.rows_available:,}"
                         + (f", background {ex.background_size}" if ex.background_size else "")
                         + f", {ex.seconds:.1f} s.")
        if ex.proxy_share is not None:
            ps = ex.proxy_share
            parts.append(f"Attribution to candidate proxy features ({', '.join(ps.features) or 'none used'}): "
                         f"{ps.share:.1%} [{ps.ci_low:.1%}, {ps.ci_high:.1%}].")
        if ex.sensitive_share is not None:
            ss = ex.sensitive_share
            parts.append(f"Attribution to sensitive features the model takes as inputs: {ss.share:.1%}.")
        self.status.setText("<br>".join(parts))
        self.notes.setText("<br>".join(f"⚠ {escape(w)}" for w in ex.warnings))
        self.notes_button.setText(f"Limits and warnings ({len(ex.warnings)})")
        self.notes_button.setVisible(bool(ex.warnings))
        self._toggle_notes(self.notes_button.isChecked())
        has = ex.status in ("complete", "partial")
        self.tabs.setVisible(has)
        if not has:
            return
        self.global_model.set_rows(ex.global_)
        self.global_bar.max_value = max((f.share for f in ex.global_), default=1.0)
        self.global_note.setText(f"Mean absolute SHAP value per original feature over {ex.global_rows:,} sampled rows, "
                                 "with a bootstrap interval. Larger means the feature moves decisions more.")
        fit_columns(self.global_table)
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
            return
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
            return
        proxy = self.local_table.model()
        rec = self.local_model.record(proxy.mapToSource(current).row())
        rows = [(f, c, rec.feature_values.get(f)) for f, c in rec.contributions.items()]
        self.contrib_model.set_rows(rows)
        self.local_note.setText(f"Base value {rec.base_value:+.4f} + contributions {sum(rec.contributions.values()):+.4f} = "
                                f"output {rec.output:+.4f}" + (f" (P = {rec.score:.3f})" if rec.score is not None else ""))
        fit_columns(self.contrib_table)
