"""The Mitigation page: from a failed check to a tested remedy. Pick a recorded run with scores and a constraint; the
what-if is computed off the GUI thread (thresholds fitted on one part of the rows, both decisions audited on the
other), recorded in the trail as a proposal and shown with its legal caveat first, the trade-off (pick any point to
see its full held-out audit), the rule, what changed, and the alternatives. Adopt it under your identity; save JSON/PDF."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gui.errors import show_error
from gui.models.table import RecordTableModel, SortProxy
from gui.views.common import fit_columns, heading, muted, table_view
from gui.views.figure import FigureView
from gui.views.mitigation_choices import MitigationChoices
from gui.views.mitigation_jobs import (
    CHANGE_COLUMNS,
    FLIP_COLUMNS,
    POINT_COLUMNS,
    RULE_COLUMNS,
    VERDICT_COLUMNS,
    adopt_job,
    alternatives_html,
    interval,
    point_job,
    propose_job,
    save_job,
)
from gui.worker import Runner

if TYPE_CHECKING:
    from gui.jobs import WorkspaceSnapshot


def _has_scores(run: Any) -> bool:
    spec = run.event.payload.get("spec", {})
    return bool(spec.get("scores_column") or spec.get("model_path"))


class MitigationView(QWidget):
    proposed = Signal(object)  # the proposal (dict), recorded in the trail
    adopted = Signal(object)  # the proposal's `recorded` block with the adoption
    point_audited = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mitigation_view")
        self.workspace: str | None = None
        self.result: dict[str, Any] | None = None
        self.point_audit: tuple[int, dict[str, Any]] | None = None

        lay = QVBoxLayout(self)
        lay.addWidget(heading("Mitigation what-if"))
        lay.addWidget(
            muted(
                "Thresholds are fitted on one part of the run's rows and both the original and the mitigated decisions "
                "are audited on the other part, with the run's policy. The proposal is recorded in the trail; adopting "
                "it is a decision recorded under your name."
            )
        )
        self.choices = MitigationChoices()
        lay.addWidget(self.choices)
        c = self.choices
        self.run, self.constraint, self.objective, self.seed = c.run, c.constraint, c.objective, c.seed
        self.test_size, self.train_data, self.propose_button = c.test_size, c.train_data, c.propose_button
        self.propose_button.clicked.connect(self.propose)
        self.status = muted("Open a workspace with an audit run that has scores (or a model).")
        self.status.setObjectName("mitigation_status")
        lay.addWidget(self.status)
        self.caveat = QLabel()
        self.caveat.setObjectName("mitigation_caveat")
        self.caveat.setWordWrap(True)
        self.caveat.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.caveat.setStyleSheet("font-weight: 600; padding: 6px; border: 1px solid palette(mid); border-radius: 3px;")
        self.caveat.hide()
        lay.addWidget(self.caveat)
        lay.addWidget(self._tabs(), 1)
        lay.addLayout(self._actions())
        self.runner = self._runner("mitigate", self._on_proposed, "Cannot propose a mitigation")
        self.point_runner = self._runner("mitigate-point", self._on_point, "Cannot audit this point")
        self.adopt_runner = self._runner("mitigate-adopt", self._on_adopted, "Not adopted")
        self.saver = self._runner("mitigate-save", lambda path: self.status.setText(f"Saved {path}"), "Not saved")
        self._update()

    # ------------------------------------------------------------------ building
    def _runner(self, name: str, done: Callable[[Any], None], title: str) -> Runner:
        def failed(exc: BaseException) -> None:
            self._update()
            show_error(self, exc, title=title)

        r = Runner(name, self)
        r.finished.connect(done)
        r.failed.connect(failed)
        r.busy_changed.connect(lambda _: self._update())
        return r

    def _tabs(self) -> QTabWidget:
        tabs = QTabWidget()
        tabs.setObjectName("mitigation_tabs")
        self.summary = QTextBrowser()
        self.summary.setObjectName("mitigation_summary")
        self.summary.setAccessibleName("Mitigation summary")
        tabs.addTab(self.summary, "Summary")
        self.points_model = RecordTableModel(POINT_COLUMNS, parent=self)
        self.points_proxy = SortProxy(self)
        self.points_proxy.setSourceModel(self.points_model)
        self.points = table_view("mitigation_points")
        self.points.setModel(self.points_proxy)
        self.points.selectionModel().currentRowChanged.connect(lambda *_: self._update())
        self.points.doubleClicked.connect(lambda _: self.audit_selected())
        self.chart = FigureView("mitigation_tradeoff", save_name="tradeoff")
        self.point_button = QPushButton("Audit this point")
        self.point_button.setObjectName("mitigation_audit_point")
        self.point_button.setToolTip("The full audit of the selected operating point on the held-out rows")
        self.point_button.clicked.connect(lambda: self.audit_selected())
        self.point_summary = muted("Pick a point and audit it to see its verdicts on the held-out rows.")
        self.point_summary.setObjectName("mitigation_point_summary")
        self.point_model = RecordTableModel(VERDICT_COLUMNS, parent=self)
        self.point_verdicts = table_view("mitigation_point_verdicts")
        self.point_verdicts.setModel(self.point_model)
        side = QWidget()
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(self.points, 2)
        bar = QHBoxLayout()
        bar.addWidget(self.point_summary, 1)
        bar.addWidget(self.point_button)
        sl.addLayout(bar)
        sl.addWidget(self.point_verdicts, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.chart)
        split.addWidget(side)
        split.setSizes([520, 520])
        tabs.addTab(split, "Trade-off")
        self.rule_model = RecordTableModel(RULE_COLUMNS, parent=self)
        self.flip_model = RecordTableModel(FLIP_COLUMNS, parent=self)
        self.change_model = RecordTableModel(CHANGE_COLUMNS, parent=self)
        self.tables = {}
        for name, model, title in (
            ("mitigation_rule", self.rule_model, "Rule"),
            ("mitigation_flips", self.flip_model, "Verdicts that changed"),
            ("mitigation_changes", self.change_model, "Before and after"),
        ):
            view = table_view(name)
            view.setModel(model)
            self.tables[name] = view
            tabs.addTab(view, title)
        self.alternatives = QTextBrowser()
        self.alternatives.setObjectName("mitigation_alternatives")
        self.alternatives.setAccessibleName("Alternatives and caveats")
        tabs.addTab(self.alternatives, "Alternatives")
        self.tabs = tabs
        return tabs

    def _actions(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addStretch(1)
        self.adopt_button = QPushButton("Adopt…")
        self.adopt_button.setObjectName("mitigation_adopt")
        self.adopt_button.clicked.connect(lambda: self.adopt())
        row.addWidget(self.adopt_button)
        self.save_json, self.save_pdf = QPushButton("Save JSON…"), QPushButton("Save PDF…")
        for b, kind in ((self.save_json, "json"), (self.save_pdf, "pdf")):
            b.setObjectName(f"mitigation_save_{kind}")
            b.clicked.connect(lambda _=False, k=kind: self.save(k))
            row.addWidget(b)
        return row

    # ------------------------------------------------------------------ data
    def set_workspace(self, snapshot: WorkspaceSnapshot | None) -> None:
        self.workspace = snapshot.path if snapshot else None
        runs = sorted(snapshot.runs, key=lambda r: r.event.seq) if snapshot else []
        usable = [r for r in runs if _has_scores(r)]
        picked = self.run.currentData()
        self.run.clear()
        for r in usable:
            self.run.addItem(f"{r.run_id}  {r.event.time[:16].replace('T', ' ')}Z  {r.model or 'predictions + scores'}", r.run_id)
        ids = [r.run_id for r in usable]
        if ids:
            self.run.setCurrentIndex(ids.index(picked) if picked in ids else len(ids) - 1)
        left_out = len(runs) - len(usable)
        self.status.setText(
            (f"{len(usable)} run(s) with scores." if usable else "No audit run with scores (or a model) in this workspace.")
            + (f" {left_out} run(s) without scores are not listed: thresholds need scores." if left_out else "")
        )
        self._update()

    def propose(self) -> None:
        run_id = self.run.currentData()
        if not self.workspace or not run_id:
            return
        self.status.setText(f"Proposing a mitigation for {run_id}…")
        c = self.choices
        self.runner.start(propose_job, self.workspace, run_id, c.options(), c.retrain_options())
        self._update()

    def _on_proposed(self, result: dict[str, Any]) -> None:
        self.show_result(result)
        rec = result["recorded"]
        self.status.setText(f"Recorded in the trail as proposal {rec['proposal_id']}.")
        self.proposed.emit(result)

    def show_result(self, result: dict[str, Any]) -> None:
        from reports.charts.tradeoff import TradeoffDisplay

        self.result, self.point_audit = result, None
        self.caveat.setText(result["caveats"][0])
        self.caveat.show()
        c = result["comparison"]
        lines = [f"<p>{escape(s)}</p>" for s in result["changes"]["summary"]]
        lines.append(
            "<p><b>On the held-out rows</b> ({:,} of them): original {}, accuracy {}; mitigated {}, accuracy {}.</p>".format(
                result["split"]["test_rows"],
                escape(f"{c['before']['disparity']['statistic']} {interval(c['before']['disparity'])}"),
                interval(c["before"]["accuracy"]),
                escape(interval(c["after"]["disparity"])),
                interval(c["after"]["accuracy"]),
            )
        )
        lines += [f"<p><i>{escape(n)}</i></p>" for n in result["changes"].get("notes", [])]
        self.summary.setHtml("".join(lines))
        self.points_model.set_rows(result["tradeoff"])
        self.rule_model.set_rows(sorted(result["thresholds"].items()))
        self.flip_model.set_rows(result["changes"]["verdict_changes"])
        self.change_model.set_rows([ch for ch in result["changes"]["changes"] if ch["significant"]])
        self.point_model.set_rows([])
        self.point_summary.setText("Pick a point and audit it to see its verdicts on the held-out rows.")
        self.chart.set_display(TradeoffDisplay.from_mitigation(result))
        self.alternatives.setHtml(alternatives_html(result))
        for view in (self.points, *self.tables.values()):
            fit_columns(view)
        self._update()

    # ------------------------------------------------------------------ a picked point
    def selected_point(self) -> int | None:
        index = self.points.currentIndex()
        if not index.isValid():
            return None
        return self.points_proxy.mapToSource(index).row()

    def audit_selected(self, index: int | None = None) -> None:
        index = self.selected_point() if index is None else index
        if self.result is None or index is None or not self.workspace:
            return
        self.point_summary.setText(f"Auditing '{self.result['tradeoff'][index]['label']}'…")
        self.point_runner.start(point_job, self.workspace, self.result, index)
        self._update()

    def _on_point(self, outcome: tuple[int, dict[str, Any]]) -> None:
        index, audit = outcome
        self.point_audit = outcome
        s = audit["summary"]
        label = self.result["tradeoff"][index]["label"] if self.result else f"point {index}"
        self.point_summary.setText(
            f"{label}: {s['passed']} passed, {s['failed']} failed, {s['insufficient_evidence']} lacked evidence "
            f"on {audit['data']['rows']:,} held-out rows."
        )
        self.point_model.set_rows(audit["verdicts"])
        fit_columns(self.point_verdicts)
        self._update()
        self.point_audited.emit(index)

    # ------------------------------------------------------------------ adopt, save
    def adopt(self, comment: str | None = None, *, ask: bool = True) -> None:
        if self.result is None or not self.workspace:
            return
        pid = self.result["recorded"]["proposal_id"]
        if ask:
            text, ok = QInputDialog.getMultiLineText(
                self,
                "Adopt the mitigation",
                f"Adopting {pid} is recorded in the trail under your name and role, as a decision.\n"
                "Read the caveat first. Comment (optional):",
            )
            if not ok:
                return
            comment = text
        self.adopt_runner.start(adopt_job, self.workspace, pid, comment)
        self._update()

    def _on_adopted(self, fields: dict[str, Any]) -> None:
        if self.result is not None:
            self.result["recorded"] |= fields
        self.status.setText(f"Adopted by {fields['adopted_by']} ({fields['role']}); recorded in the trail.")
        self._update()
        self.adopted.emit(self.result["recorded"] if self.result else fields)

    def save(self, kind: str, path: str | None = None) -> None:
        if self.result is None:
            return
        if path is None:
            from gui.files import choose_save_path

            pid = self.result["recorded"]["proposal_id"]
            suggested = Path(self.workspace or ".").with_name(f"{pid}.{kind}")
            chosen = choose_save_path(
                self, "Save the mitigation what-if", suggested, "PDF (*.pdf)" if kind == "pdf" else "JSON (*.json)"
            )
            if chosen is None:
                return
            path = str(chosen)
        self.saver.start(save_job, self.result, path, kind)

    def _update(self) -> None:
        busy = self.runner.busy
        self.propose_button.setEnabled(bool(self.workspace and self.run.count()) and not busy)
        have = self.result is not None and not busy
        adopted = have and bool(self.result and self.result["recorded"].get("adopted_by"))
        self.adopt_button.setEnabled(have and not adopted and not self.adopt_runner.busy)
        self.adopt_button.setToolTip("Already adopted" if adopted else "Record that you adopt this proposal (your identity)")
        for b in (self.save_json, self.save_pdf):
            b.setEnabled(have)
        self.point_button.setEnabled(have and self.selected_point() is not None and not self.point_runner.busy)
