"""Data quality: candidate proxy features and missing values by group, straight from `AuditResult.quality`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QSplitter, QVBoxLayout, QWidget

from gui import theme
from gui.models.results import label
from gui.models.table import Column, RecordTableModel, SortProxy
from gui.views.common import fit_columns, heading, muted, table_view, titled_panel

if TYPE_CHECKING:
    from audit.result import AuditResult, MissingByGroup, ProxyFlag


class QualityView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quality_view")
        lay = QVBoxLayout(self)
        lay.addWidget(heading("Data quality and proxy features"))
        self.summary = muted("No audit yet.")
        self.summary.setObjectName("quality_summary")
        lay.addWidget(self.summary)
        split = QSplitter(Qt.Orientation.Vertical)

        top, tl = titled_panel("Candidate proxy features")
        self.proxy_note = muted()
        tl.addWidget(self.proxy_note)
        self.proxy_model: RecordTableModel[ProxyFlag] = RecordTableModel(
            [
                Column("Feature", lambda p: p.feature),
                Column("Associated with", lambda p: p.sensitive),
                Column(
                    "Cramér's V",
                    lambda p: f"{p.cramers_v:.3f}",
                    sort=lambda p: p.cramers_v,
                    numeric=True,
                    header_tip="Bias-corrected association, 0 (none) to 1 (the feature determines the group)",
                ),
                Column(
                    "Strength",
                    lambda p: p.strength,
                    background=lambda p: theme.color("fail") if p.strength == "strong" else theme.color("insufficient_evidence"),
                ),
                Column("Used by the model", lambda p: {True: "yes", False: "no", None: "unknown"}[p.used_by_model]),
            ],
            [],
            self,
        )
        pp = SortProxy(self)
        pp.setSourceModel(self.proxy_model)
        self.proxy_table = table_view("proxy_table")
        self.proxy_table.setModel(pp)
        tl.addWidget(self.proxy_table, 1)
        split.addWidget(top)

        bottom, bl = titled_panel("Missing values by group")
        self.only_missing = QCheckBox("Only columns with missing values")
        self.only_missing.setAccessibleName("Only columns with missing values")
        self.only_missing.setChecked(True)
        self.only_missing.toggled.connect(self._filter_missing)
        bl.addWidget(self.only_missing)
        self.missing_model: RecordTableModel[MissingByGroup] = RecordTableModel(
            [
                Column("Group", lambda m: label(m.group)),
                Column("Column", lambda m: m.column),
                Column("Missing", lambda m: f"{m.missing:,}", sort=lambda m: m.missing, numeric=True),
                Column(
                    "Share of group",
                    lambda m: f"{m.share:.1%}",
                    sort=lambda m: m.share,
                    numeric=True,
                    background=lambda m: theme.color("insufficient_evidence") if m.share >= 0.05 else None,
                ),
            ],
            [],
            self,
        )
        self.missing_proxy = SortProxy(self)
        self.missing_proxy.setSourceModel(self.missing_model)
        self.missing_table = table_view("missing_table")
        self.missing_table.setModel(self.missing_proxy)
        bl.addWidget(self.missing_table, 1)
        split.addWidget(bottom)
        lay.addWidget(split, 1)
        self._filter_missing()

    def _filter_missing(self, *_: object) -> None:
        self.missing_proxy.set_predicate((lambda m: m.missing > 0) if self.only_missing.isChecked() else None)

    def set_result(self, result: AuditResult | None) -> None:
        q = result.quality if result is not None else None
        self.proxy_model.set_rows(q.proxies if q else [])
        self.missing_model.set_rows(q.missing_by_group if q else [])
        if q is None:
            self.summary.setText("No audit yet.")
            return
        gaps = sum(1 for m in q.missing_by_group if m.missing > 0)
        self.summary.setText(
            f"{q.rows:,} rows audited. {len(q.proxies)} candidate proxy feature(s) at Cramér's V ≥ "
            f"{q.proxy_threshold:g}; {gaps} group × column combination(s) with missing values."
        )
        self.proxy_note.setText(
            "A feature strongly associated with a sensitive attribute can carry the attribute into the model "
            "even when the attribute itself is not an input. Association is not proof of proxy use."
            if q.proxies
            else "No feature is associated with a sensitive attribute above the threshold."
        )
        fit_columns(self.proxy_table)
        fit_columns(self.missing_table)
