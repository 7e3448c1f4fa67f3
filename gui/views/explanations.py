"""Explanations: global importance (bars or the SHAP beeswarm, for everyone or side by side by group), importance by
group and where it shifts, a dependence plot of a chosen feature coloured by group, and local examples with the
waterfall of the selected decision; honest about status. The page says what was explained and how; its four tabs
(gui.views.explanation_tabs) show the figures."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QTabWidget, QToolButton, QVBoxLayout, QWidget

from gui.views.common import heading, muted
from gui.views.explanation_local import LocalTab
from gui.views.explanation_tabs import DependenceTab, GlobalTab, GroupTab

if TYPE_CHECKING:
    from audit.explain.result import Explanations
    from audit.result import AuditResult

MODEL_HINT = "To explain decisions, choose the model file on the Set-up page (Decisions from: Model file) and run again."
STATUS_WORDS = {
    "complete": "Complete",
    "partial": "Partial (time budget reached)",
    "not_assessed": "Not assessed",
    "failed": "Failed",
}


class ExplanationsView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("explanations_view")
        self.explanations: Explanations | None = None
        self.result: AuditResult | None = None
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
        self.global_tab, self.group_tab = GlobalTab(), GroupTab()
        self.dependence_tab, self.local_tab = DependenceTab(), LocalTab()
        self.tabs.addTab(self.global_tab, "&Global")
        self.tabs.addTab(self.group_tab, "By &group")
        self.tabs.addTab(self.dependence_tab, "&Dependence")
        self.tabs.addTab(self.local_tab, "&Local examples")
        lay.addWidget(self.tabs, 1)
        self.tabs.setVisible(False)
        # The tabs' widgets, by the names the tests and the screenshot driver use
        gt, dt, pt, lt = self.global_tab, self.dependence_tab, self.group_tab, self.local_tab
        self.global_kind, self.global_split, self.global_figure = gt.global_kind, gt.global_split, gt.global_figure
        self.dep_feature, self.dep_colour, self.dep_figure = dt.dep_feature, dt.dep_colour, dt.dep_figure
        self.group_combo, self.group_figure = pt.group_combo, pt.group_figure
        self.local_table, self.local_model, self.waterfall_figure = lt.local_table, lt.local_model, lt.waterfall_figure

    # ------------------------------------------------------------------ data
    def set_result(self, result: AuditResult | None) -> None:
        ex = getattr(result, "explanations", None) if result is not None else None
        self.explanations, self.result = ex, result
        for tab in (self.global_tab, self.group_tab, self.dependence_tab, self.local_tab):
            tab.result = result
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
        self.global_tab.show_table(result, ex)
        self.global_tab.fill_pickers(ex)
        self.dependence_tab.fill_pickers(result, ex)
        self.dependence_tab.show_note(ex)
        self.dependence_tab.show_chart()
        self.global_tab.show_chart()
        self.group_tab.show_groups(result, ex)
        self.local_tab.show_examples(result, ex)

    @Slot(bool)
    def _toggle_notes(self, on: bool) -> None:
        self.notes_button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        self.notes.setVisible(on and self.notes_button.isVisible())
