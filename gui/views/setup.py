"""Audit set-up: inputs, outcome, sensitive features with their groups and counts, policy, statistics and declared
context. Produces the set-up request (and through gui.draft_binding the `AuditDraft`); never runs anything itself
except the data preview (in its own runner).

The page only composes its parts, each a small widget that reads and writes its share of the draft:
`InputsBox` (dataset, decision source, model), `OutcomeBox` (target and its guess, favourable value), `PolicyEditor`,
`StatsBox`, `ContextBox`, `PreviewPanel`, `GroupsPanel` (the groups tree, references, intersections, missing values)
and `RunLine`. What spans parts lives here: the dataset's preview reaching every part, column choices of a draft that
wait for it, the run line's state, and dropped files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, Qt, Signal, Slot
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QComboBox, QScrollArea, QSplitter, QVBoxLayout, QWidget

from gui.errors import show_error, show_message
from gui.views.common import DATA_SUFFIXES, MODEL_SUFFIXES, heading, muted
from gui.views.setup_context import ContextBox
from gui.views.setup_groups import GroupsPanel
from gui.views.setup_inputs import InputsBox
from gui.views.setup_outcome import OutcomeBox
from gui.views.setup_policy import PolicyEditor
from gui.views.setup_preview import PreviewPanel
from gui.views.setup_request import RunLine, missing_inputs, over_group_limit
from gui.views.setup_stats import StatsBox

if TYPE_CHECKING:
    from gui.dialogs.context import ContextDialog
    from gui.jobs import DataPreview
    from gui.settings import Settings


class SetupView(QWidget):
    run_requested = Signal(object)  # dict: the set-up request (see build_request)
    preview_loaded = Signal(object)  # gui.jobs.DataPreview
    preview_failed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setup_view")
        self.setAcceptDrops(True)
        self.preview: DataPreview | None = None
        self._pending: dict[str, Any] = {}  # a draft's column choices, applied when the dataset's preview arrives

        # Built in the order of the page (the order of keyboard focus)
        self.inputs = InputsBox()
        self.outcome = OutcomeBox()
        self.policy = PolicyEditor()
        self.stats = StatsBox()
        self.context = ContextBox(self.inputs.start_dir)
        self.preview_panel = PreviewPanel()
        self.groups = GroupsPanel()
        self.run_line = RunLine()

        left = QWidget()
        form = QVBoxLayout(left)
        form.addWidget(heading("Set up an audit"))
        form.addWidget(
            muted(
                "Everything on this page is declared before the run and recorded in the trail with the result. "
                "Drop a dataset or model file anywhere on this page."
            )
        )
        for box in (self.inputs, self.outcome, self.policy, self.stats, self.context):
            form.addWidget(box)
        form.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("setup_form")
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(left)
        scroll.setMinimumWidth(440)
        right = QSplitter(Qt.Orientation.Vertical)
        right.setObjectName("setup_right")
        right.addWidget(self.preview_panel)
        right.addWidget(self.groups)
        right.setSizes([300, 400])
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("setup_splitter")
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([520, 680])
        outer = QVBoxLayout(self)
        outer.addWidget(self.splitter, 1)
        outer.addWidget(self.run_line)

        # The parts' widgets, by the names the window, the session and the tests use
        i, o, p, st, g, r = self.inputs, self.outcome, self.policy, self.stats, self.groups, self.run_line
        self.data_field, self.model_field = i.data_field, i.model_field
        self.source_model, self.source_predictions = i.source_model, i.source_predictions
        self.predictions_combo, self.scores_combo = i.predictions_combo, i.scores_combo
        self.target_combo, self.positive_combo, self.target_guess_label = o.target_combo, o.positive_combo, o.target_guess_label
        self.policy_combo, self.decision_combo, self.custom = p.policy_combo, p.decision_combo, p.custom
        self.bootstrap_spin, self.seed_spin, self.ci_spin = st.bootstrap_spin, st.seed_spin, st.ci_spin
        self.min_group_spin, self.threshold_spin = st.min_group_spin, st.threshold_spin
        self.explain_check, self.budget_spin, self.engine_combo = st.explain_check, st.budget_spin, st.engine_combo
        self.context_fields, self.context_count = self.context.context_fields, self.context.context_count
        self.data_info, self.preview_model = self.preview_panel.data_info, self.preview_panel.preview_model
        self.preview_table = self.preview_panel.preview_table
        self.groups_tree, self.groups_note, self.na_edit = g.groups_tree, g.groups_note, g.na_edit
        self.intersection_combo, self.order_combo = g.intersection_combo, g.order_combo
        self.ready_label, self.run_button = r.ready_label, r.run_button
        self.sensitive_features, self.set_sensitive, self.set_reference = g.sensitive_features, g.set_sensitive, g.set_reference
        self.max_order, self.set_max_order = g.max_order, g.set_max_order
        self.na_values, self.set_na_values = g.na_values, g.set_na_values
        self.group_counts = g.group_counts
        self.context_values, self.set_context_values = self.context.context_values, self.context.set_context_values
        self.open_context_dialog = self.context.open_context_dialog

        i.data_chosen.connect(self.load_data)
        i.source_changed.connect(st.follow_source)
        i.source_changed.connect(self._update_ready)
        i.model_changed.connect(self._update_ready)
        o.changed.connect(self._update_ready)
        st.min_group_spin.valueChanged.connect(g.set_min_size)
        g.changed.connect(self._update_ready)
        g.na_values_changed.connect(lambda: self.load_data(self.data_field.path()))
        self.preview_panel.loaded.connect(self._on_preview)
        self.preview_panel.failed.connect(self._on_preview_failed)
        self.preview_panel.busy_changed.connect(lambda busy: self.data_field.setEnabled(not busy))
        r.run_button.clicked.connect(self.request_run)
        i.refresh_source()
        self._update_ready()

    # ------------------------------------------------------------------ state the parts keep
    @property
    def references(self) -> dict[str, str]:
        return self.groups.references

    @property
    def reference_combos(self) -> dict[str, QComboBox]:
        return self.groups.reference_combos

    @property
    def target_guessed(self) -> bool:
        return self.outcome.target_guessed

    @property
    def context_dialog(self) -> ContextDialog | None:
        return self.context.context_dialog

    # ------------------------------------------------------------------ files
    def set_model_path(self, path: str) -> None:
        self.inputs.set_model_path(path)

    def set_data_path(self, path: str) -> None:
        self.data_field.set_path(path)  # emits changed -> load_data

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.open_dropped(url.toLocalFile())
        event.acceptProposedAction()

    def open_dropped(self, path: str) -> None:
        """A dropped file goes where its kind belongs: datasets to Evaluation data, model files to Model."""
        suffix = Path(path).suffix.lower()
        if suffix in DATA_SUFFIXES and not (suffix in MODEL_SUFFIXES and self.data_field.path()):
            self.data_field.set_path(path)
        elif suffix in MODEL_SUFFIXES:
            self.set_model_path(path)
        else:
            self.data_field.set_path(path)  # let the loader say clearly what is wrong with it

    # ------------------------------------------------------------------ preview
    @Slot(str)
    def load_data(self, path: str) -> None:
        if path:
            self.preview_panel.load(path, self.na_values())

    @Slot(object)
    def _on_preview_failed(self, exc: BaseException) -> None:
        self.preview_failed.emit(exc)
        show_error(self, exc, title="Cannot read the dataset")

    @Slot(object)
    def _on_preview(self, preview: DataPreview) -> None:
        self.preview = preview
        previous_guess = self.outcome.target() if self.target_guessed else None
        self.outcome.set_preview(preview)
        self.inputs.set_preview(preview)
        pending_target = self._pending.get("target")
        self.groups.set_preview(preview)
        self.outcome.fill_positive(self.outcome.target())
        self._apply_pending()
        exclude = set(self.sensitive_features()) | self.inputs.decision_columns()
        if self.outcome.guess_target_if_unset(pending_target, previous_guess, exclude):
            self.outcome.fill_positive(self.outcome.target())
        self._update_ready()
        self.preview_loaded.emit(preview)

    def apply_values(self, values: dict[str, Any]) -> None:
        """Pre-fill the form (the demo workspace); column choices wait for the dataset's preview."""
        self.set_context_values(values.get("context") or {})
        if values.get("policy"):
            self.policy.select(values["policy"])
        self._pending = {k: v for k, v in values.items() if k in ("target", "positive_label", "sensitive", "references")}
        if self.preview is not None:
            self._apply_pending()

    def _apply_pending(self) -> None:
        values, self._pending = self._pending, {}
        if not values or self.preview is None:
            return
        self.outcome.apply_choices(values.get("target"), values.get("positive_label"))
        if values.get("sensitive"):
            self.set_sensitive(list(values["sensitive"]))
        for f, ref in (values.get("references") or {}).items():
            self.set_reference(f, ref)

    # ------------------------------------------------------------------ the request and the run line
    def missing_inputs(self) -> list[str]:
        needs_model = self.inputs.model_source() and not self.model_field.path()
        return missing_inputs(self.preview, needs_model, self.outcome.target(), self.sensitive_features())

    def over_group_limit(self) -> bool:
        return over_group_limit(self.preview, self.sensitive_features(), self.max_order())

    def _update_ready(self, *_: object) -> None:
        self.run_line.show_state(
            self.missing_inputs(),
            self.preview,
            self.outcome.target(),
            self.sensitive_features(),
            self.max_order(),
            self.target_guessed,
        )

    def set_running(self, running: bool) -> None:
        self.run_line.set_running(running, self.over_group_limit())

    def build_request(self) -> dict[str, Any]:
        """The set-up as plain values; the worker turns it into an `AuditSpec` (see `gui.jobs.build_spec`)."""
        i, o, g, st = self.inputs.request(self.preview), self.outcome.request(), self.groups.request(), self.stats.request()
        return dict(
            data_path=i["data_path"],
            target=o["target"],
            sensitive=g["sensitive"],
            positive_label=o["positive_label"],
            model_path=i["model_path"],
            predictions_column=i["predictions_column"],
            scores_column=i["scores_column"],
            threshold=st["threshold"],
            references=g["references"],
            policy=self.policy.request(),
            intersection_reference=g["intersection_reference"],
            max_intersection_order=g["max_intersection_order"],
            na_values=g["na_values"],
            min_group_size=st["min_group_size"],
            ci_level=st["ci_level"],
            bootstrap=st["bootstrap"],
            seed=st["seed"],
            explain=st["explain"],
            engine=st["engine"],  # which engine computes the statistics: in the request and the draft, not the spec
            context=self.context_values(),
        )

    @Slot()
    def request_run(self) -> None:
        missing = self.missing_inputs()
        if missing:
            show_message(
                self,
                "Cannot run the audit yet",
                "The audit is not set up yet: choose " + ", ".join(missing) + ".",
                hint="Fill in the Set-up page from top to bottom; the line above the Run button says what is left.",
            )
            return
        if self.over_group_limit():
            show_message(
                self,
                "Too many groups for one audit",
                self.ready_label.text().removeprefix("Cannot run: "),
                hint="Choose a lower 'Intersections up to' order, or tick fewer sensitive features.",
            )
            return
        self.run_requested.emit(self.build_request())

    # ------------------------------------------------------------------ layout memory
    def save_state(self, settings: Settings) -> None:
        settings.set_value("setup/splitter", self.splitter.saveState())

    def restore_state(self, settings: Settings) -> None:
        state = settings.value("setup/splitter")
        if isinstance(state, QByteArray | bytes):
            self.splitter.restoreState(state)
