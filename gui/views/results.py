"""Results: the verdict overview, the verdict list, the forest plot, the group metrics table and the report's charts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui import theme
from gui.models.results import GroupMetricsModel, VerdictsModel
from gui.models.table import SortProxy
from gui.views.common import card, fit_columns, heading, muted, table_view
from gui.views.result_charts import ResultChartsPanel
from gui.views.verdict_forest import VerdictForestPanel

if TYPE_CHECKING:
    from PySide6.QtCore import QEvent, QModelIndex

    from audit.result import AuditResult, GroupResult


class ResultsView(QWidget):
    signoff_requested = Signal()
    export_requested = Signal()
    charts_ready = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("results_view")
        self.result: AuditResult | None = None
        self.run_id: str | None = None

        lay = QVBoxLayout(self)
        lay.addWidget(heading("Results"))
        self.empty = muted(
            "No audit yet. Set one up and press Run audit (Ctrl+R), or open a recorded run from the Workspace page."
        )
        lay.addWidget(self.empty)

        self.banner = QLabel()
        self.banner.setObjectName("verdict_banner")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.setAccessibleName("Verdict summary")
        lay.addWidget(self.banner)

        cards = QHBoxLayout()
        f1, self.failed_value = card("checks failed", "–", "card_failed")
        f2, self.insufficient_value = card("lacked evidence", "–", "card_insufficient")
        f3, self.passed_value = card("passed", "–", "card_passed")
        self._cards = {"fail": f1, "insufficient_evidence": f2, "pass": f3}
        for f in (f1, f2, f3):
            cards.addWidget(f)
        self.facts = muted()
        self.facts.setObjectName("result_facts")
        cards.addWidget(self.facts, 2)
        actions = QVBoxLayout()
        self.signoff_button = QPushButton("Sign off…")
        self.signoff_button.setObjectName("signoff_button")
        self.signoff_button.setAccessibleName("Sign off this audit run")
        self.signoff_button.setToolTip("Record a reviewer's decision in the trail (Ctrl+Shift+S)")
        self.signoff_button.clicked.connect(self.signoff_requested)
        self.export_button = QPushButton("Export PDF…")
        self.export_button.setAccessibleName("Export the PDF report")
        self.export_button.setToolTip("Write the PDF report (Ctrl+E)")
        self.export_button.clicked.connect(self.export_requested)
        actions.addWidget(self.signoff_button)
        actions.addWidget(self.export_button)
        actions.addStretch(1)
        cards.addLayout(actions)
        self.summary_row = QWidget()
        self.summary_row.setLayout(cards)
        lay.addWidget(self.summary_row)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("results_tabs")
        self.tabs.setAccessibleName("Result sections")
        self.tabs.addTab(self._verdicts_tab(), "&Verdicts")
        self.tabs.addTab(self._groups_tab(), "&Group metrics")
        self.charts = ResultChartsPanel()  # the report's charts of the result, drawn by FigureView
        self.charts.ready.connect(self.charts_ready)
        self.chart_runner = self.charts.figure.runner
        self.tabs.addTab(self.charts, "C&harts")
        self.tabs.addTab(self._notes_tab(), "&Warnings and limits")
        self.forest = VerdictForestPanel.attach(self)  # its own tab, following the verdict model
        lay.addWidget(self.tabs, 1)
        self._show(False)

    # ------------------------------------------------------------------ tabs
    def _verdicts_tab(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.addWidget(
            muted(
                "Each row is one group compared under one check of the declared policy. "
                "Insufficient evidence means the group is too small or the interval too wide to decide."
            )
        )
        self.verdicts_model = VerdictsModel(self)
        self.verdicts_proxy = SortProxy(self)
        self.verdicts_proxy.setSourceModel(self.verdicts_model)
        self.verdicts_table = table_view("verdicts_table", stretch_last=False)
        self.verdicts_table.setModel(self.verdicts_proxy)
        self.verdicts_table.selectionModel().currentRowChanged.connect(self._show_verdict)
        lay.addWidget(self.verdicts_table, 1)
        self.verdict_detail = muted("Select a row to read its rule and reason in full.")
        self.verdict_detail.setObjectName("verdict_detail")
        self.verdict_detail.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.verdict_detail)
        return w

    def _show_verdict(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        from html import escape

        from gui.models.results import fmt_estimate, label

        v = self.verdicts_model.record(self.verdicts_proxy.mapToSource(current).row())
        p = "" if v.p_adjusted is None else f" · p (adjusted) {v.p_adjusted:.3g}"
        self.verdict_detail.setText(
            f"<b>{escape(theme.STATUS_TEXT[v.status])}</b> — {escape(v.check)}: {escape(label(v.group))} (n = {v.n_group:,}) "
            f"vs {escape(label(v.comparator))} (n = {v.n_comparator:,}); statistic {escape(fmt_estimate(v.statistic))}{p}"
            f"<br>Rule: {escape(v.rule)}<br>{escape(v.reason)}"
        )

    def _groups_tab(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        bar = QHBoxLayout()
        self.level_filter = QComboBox()
        self.level_filter.setObjectName("level_filter")
        self.level_filter.setAccessibleName("Show groups of")
        self.level_filter.currentIndexChanged.connect(self._apply_group_filter)
        self.group_search = QLineEdit()
        self.group_search.setObjectName("group_search")
        self.group_search.setPlaceholderText("Filter groups…")
        self.group_search.setAccessibleName("Filter groups")
        self.group_search.setClearButtonEnabled(True)
        self.group_search.textChanged.connect(self._apply_group_filter)
        self.hide_small = QCheckBox("Hide small groups")
        self.hide_small.setAccessibleName("Hide small groups")
        self.hide_small.toggled.connect(self._apply_group_filter)
        bar.addWidget(QLabel("Show"))
        bar.addWidget(self.level_filter)
        bar.addWidget(self.group_search, 1)
        bar.addWidget(self.hide_small)
        self.csv_button = QPushButton("Export CSV…")
        self.csv_button.setObjectName("export_groups_csv")
        self.csv_button.setAccessibleName("Export the group table as CSV")
        self.csv_button.setToolTip("Write the groups shown, in this order, with each value, its interval and verdict")
        self.csv_button.clicked.connect(self.export_groups_csv)
        bar.addWidget(self.csv_button)
        lay.addLayout(bar)
        self.legend = legend = QLabel()
        legend.setObjectName("metrics_legend")
        legend.setTextFormat(Qt.TextFormat.RichText)
        self._colour_legend()
        legend.setWordWrap(True)
        lay.addWidget(legend)
        self.groups_model = GroupMetricsModel(self)
        self.groups_proxy = SortProxy(self)
        self.groups_proxy.setSourceModel(self.groups_model)
        self.groups_table = table_view("group_metrics_table", stretch_last=False)
        self.groups_table.setModel(self.groups_proxy)
        lay.addWidget(self.groups_table, 1)
        self.groups_count = muted()
        lay.addWidget(self.groups_count)
        return w

    def _notes_tab(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.addWidget(heading("Warnings", 3))
        self.warnings_list = QListWidget()
        self.warnings_list.setObjectName("warnings_list")
        self.warnings_list.setAccessibleName("Warnings")
        self.warnings_list.setWordWrap(True)
        lay.addWidget(self.warnings_list, 1)
        lay.addWidget(heading("Not assessed", 3))
        self.not_assessed_list = QListWidget()
        self.not_assessed_list.setObjectName("not_assessed_list")
        self.not_assessed_list.setAccessibleName("Not assessed")
        self.not_assessed_list.setWordWrap(True)
        lay.addWidget(self.not_assessed_list, 1)
        self.provenance = muted()
        self.provenance.setObjectName("provenance")
        lay.addWidget(self.provenance)
        return w

    # ------------------------------------------------------------------ data
    def _show(self, has: bool) -> None:
        self.empty.setVisible(not has)
        for w in (self.banner, self.summary_row, self.tabs):
            w.setVisible(has)

    def set_result(self, result: AuditResult | None, run_id: str | None = None) -> None:
        self.result, self.run_id = result, run_id
        self._show(result is not None)
        self.verdicts_model.set_result(result)
        self.groups_model.set_result(result)
        if result is None:
            self.charts.set_result(None)
            return
        s = result.summary
        state = "fail" if s.failed else "insufficient_evidence" if s.insufficient_evidence else "pass"
        headline = {
            "fail": "At least one check failed",
            "insufficient_evidence": "No check failed, but some lacked evidence",
            "pass": "Every check found no disparity beyond the declared thresholds",
        }[state]
        self.banner.setText(
            f"<b style='font-size:large'>{theme.STATUS_TEXT[state].split(' ', 1)[0]} {headline}.</b><br>"
            f"Policy “{result.spec.policy.name}”: {s.sentence()}"
        )
        self._state = state
        self._colour_summary()
        self.failed_value.setText(str(s.failed))
        self.insufficient_value.setText(str(s.insufficient_evidence))
        self.passed_value.setText(str(s.passed))
        data = Path(result.data.path).name
        model = f"model {Path(result.model.path).name} ({result.model.model_type})" if result.model else result.decision_source
        run = f"Run {run_id} (recorded in the trail)" if run_id else "Not recorded in a workspace"
        self.facts.setText(
            f"{data}: {result.data.rows:,} rows · decisions from {model} · favourable outcome "
            f"“{result.positive_label}” · {len(result.spec.sensitive)} sensitive features · "
            f"{result.provenance.seconds:.1f} s<br>{run}"
        )
        self.signoff_button.setEnabled(run_id is not None)
        self.signoff_button.setToolTip(
            "Record a reviewer's decision in the trail (Ctrl+Shift+S)"
            if run_id
            else "Sign-off needs a run recorded in a workspace"
        )
        levels = sorted({g.level for g in result.groups}, key=lambda lv: (len(lv), lv))
        self.level_filter.blockSignals(True)
        self.level_filter.clear()
        self.level_filter.addItem("All groups", None)
        self.level_filter.addItem("Single features", "single")
        self.level_filter.addItem("Intersections", "intersections")
        for lv in levels:
            self.level_filter.addItem(" × ".join(lv), lv)
        self.level_filter.blockSignals(False)
        self._apply_group_filter()
        fit_columns(self.verdicts_table, {2: 300, 4: 480, 5: 300})
        fit_columns(self.groups_table)
        self.warnings_list.clear()
        self.warnings_list.addItems(list(result.warnings) or ["No warnings."])
        self.not_assessed_list.clear()
        self.not_assessed_list.addItems([f"{n.item}: {n.reason}" for n in result.not_assessed] or ["Everything was assessed."])
        p = result.provenance
        QTimer.singleShot(0, self, lambda: self.charts.set_result(self.result))  # after the tables: the window paints first
        self.provenance.setText(
            f"Attest {p.attest_version} · {p.user}@{p.host} · {p.started_at} → {p.finished_at} · seed {p.seed}"
            f" · data SHA-256 {p.data_sha256[:16]}…" + (f" · model SHA-256 {p.model_sha256[:16]}…" if p.model_sha256 else "")
        )

    # ------------------------------------------------------------------ colours of the current theme
    def _colour_legend(self) -> None:
        c = theme.hex_color
        self.legend.setText(
            f"Cells show value [confidence interval]. "
            f"<span style='background:{c('fail')}; color:{c('fail_fg')}'>&nbsp;FAIL&nbsp;</span> a check on this metric "
            f"failed; <span style='background:{c('insufficient_evidence')}; color:{c('insufficient_evidence_fg')}'>"
            f"&nbsp;insufficient&nbsp;</span> not enough evidence; ⚠ small: fewer rows than the minimum group size."
        )

    def _colour_summary(self) -> None:
        state = getattr(self, "_state", None)
        if state is None:
            return
        self.banner.setStyleSheet(
            f"QLabel#verdict_banner {{ background: {theme.hex_color(state)}; "
            f"color: {theme.hex_color(state + '_fg')}; padding: 10px; border-radius: 4px; }}"
        )
        for key, frame in self._cards.items():
            frame.setStyleSheet(f"QFrame#{frame.objectName()} {{ border-left: 4px solid {theme.hex_color(key + '_fg')}; }}")

    def event(self, event: QEvent) -> bool:
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.ApplicationPaletteChange:  # the system's scheme changed
            self.theme_changed()
        return super().event(event)

    def theme_changed(self) -> None:
        """View > Theme (gui.theme.apply_theme) or the system: the status colours follow."""
        self._colour_legend()
        self._colour_summary()

    def _apply_group_filter(self, *_: object) -> None:
        choice = self.level_filter.currentData()
        text = self.group_search.text().strip().lower()
        hide = self.hide_small.isChecked()

        def keep(g: GroupResult) -> bool:
            if hide and g.small:
                return False
            if choice == "single" and len(g.level) != 1:
                return False
            if choice == "intersections" and len(g.level) < 2:
                return False
            if isinstance(choice, tuple) and g.level != choice:
                return False
            return not text or text in " ".join(f"{k}={v}" for k, v in g.attributes.items()).lower()

        self.groups_proxy.set_predicate(keep)
        n_small = sum(1 for g in self.groups_model.records if g.small)
        self.groups_count.setText(
            f"{self.groups_proxy.rowCount()} of {self.groups_model.rowCount()} groups shown; {n_small} small."
        )

    def shown_groups(self) -> list[GroupResult]:
        """The groups the table shows, in its order (filter and sort applied)."""
        p = self.groups_proxy
        return [self.groups_model.record(p.mapToSource(p.index(r, 0)).row()) for r in range(p.rowCount())]

    def export_groups_csv(self, path: str | Path | None = None) -> Path | None:
        """Ask where (and before replacing a file), then write the shown groups as CSV; the path written or None."""
        if self.result is None:
            return None
        from gui.files import choose_save_path, confirm_overwrite
        from gui.models.results import SHOWN_METRICS
        from gui.views.group_csv import CSV_FILTER, group_table_rows, write_csv

        if path is None:
            stem = f"attest-groups-{self.run_id}" if self.run_id else "attest-groups"
            path = choose_save_path(
                self, "Export the group table", str(Path(self.result.data.path).parent / f"{stem}.csv"), CSV_FILTER
            )
        elif not confirm_overwrite(self, [path]):
            path = None
        if path is None:
            return None
        metrics = [m for m in SHOWN_METRICS if any(m in g.metrics for g in self.result.groups)]
        header, rows = group_table_rows(self.result, self.shown_groups(), metrics)
        try:
            written = write_csv(path, header, rows)
        except Exception as exc:
            from gui.errors import show_error

            show_error(self, exc, title="The group table was not exported")
            return None
        self.groups_count.setText(f"{len(rows)} groups written to {written}.")
        return written
