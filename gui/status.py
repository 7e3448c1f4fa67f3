"""One progress bar for a whole job: the stage in words, 0 -> 100 % once over the run, and a time estimate.

A job reports `progress(step, done, total, message)` per stage (`audit.run.run_audit`: "load data", "model",
"predict", ..., "explain", "done"; the PDF export: "prepare", "charts", "pages", "archive", "signing", "writing").
Shown raw, the bar restarted at 0 % with every stage. Here a `Plan` gives each stage a weight (its share of a typical
run's time, measured) and the bar shows the overall fraction: the stages before the current one plus the current
one's own fraction times its weight. It never moves back: a stage that re-plans (the explainer's sample grows) or a
layout pass that starts over only holds the bar still. The estimate is elapsed time over the overall fraction.

Weights, measured on the demo (896 rows, 3 sensitive features, 1,000 draws; 52-page report, 12 charts):
audit without explanations 1.8 s: reading 2 %, model and predictions 21 %, metrics 10 %, disparities and tests 58 %,
quality 3 %; the explainer then takes its time budget (10 s of 13 s), so its stage is weighted by the budget and its
fraction is the time used of the budget. Export 6.3 s: prepare 17 %, charts (first layout pass) 63 %, pages (second
pass) 15 %, archive 5 %.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QWidget


@dataclass(frozen=True)
class Stage:
    name: str  # shown before the message, e.g. "Metrics"
    weight: float
    steps: tuple[str, ...]  # the job's step names that belong to this stage
    counted: bool = True  # done/total of its calls measure the stage's progress (else only its start is known)
    seconds: float | None = None  # a time-budgeted stage: its fraction is the time spent over this


@dataclass(frozen=True)
class Plan:
    name: str
    stages: tuple[Stage, ...]
    finished: tuple[str, ...] = ()  # steps that mean every stage before the last is done (run_audit's "done")


_CORE = (
    Stage("Reading the data", 4, ("load data",), counted=False),
    Stage("Model", 18, ("model", "predict"), counted=False),
    Stage("Groups", 2, ("groups",), counted=False),
    Stage("Resampling", 2, ("bootstrap",), counted=False),
    Stage("Metrics", 10, ("metrics",), counted=False),
    Stage("Disparities", 55, ("disparities",), counted=False),
    Stage("Data quality", 4, ("quality",), counted=False),
)
_CORE_SECONDS = 3.0  # what the weights above add up to, in seconds of a typical laptop-sized audit
_RECORD = Stage("Recording", 5, ("record",), counted=False)


def audit_plan(explain_budget_s: float | None = None) -> Plan:
    """The plan of `gui.jobs.run_audit_job`; `explain_budget_s`: the explainer's time budget when it runs, else None."""
    stages = list(_CORE)
    if explain_budget_s:
        core = sum(s.weight for s in _CORE)
        stages.append(
            Stage("Explaining", core * explain_budget_s / _CORE_SECONDS, ("explain",), counted=False, seconds=explain_budget_s)
        )
    return Plan("audit", (*stages, _RECORD), finished=("done",))


def audit_plan_for(request: dict[str, Any] | None) -> Plan:
    """The plan for a set-up request (`SetupView.request()`): the explainer's stage only when it will run."""
    r = request or {}
    ex = r.get("explain") or {}
    runs = bool(r.get("model_path")) and bool(ex.get("enabled", True))
    return audit_plan(float(ex.get("time_budget_s", 30.0)) if runs else None)


# The demo's second chapter after its audit (gui.demo_jobs.run_demo_story; CPU measured by
# benchmarks/bench_demo_chapter.py, 3.3 s with its PDFs: monitoring 47 %, its report 16 %, re-audit 25 %), in the
# audit's units (its core weights are about 32 a second).
_CHAPTER = (
    Stage("Production log", 2, ("log",), counted=False),
    Stage("Monitoring", 50, ("monitor",), counted=False),
    Stage("Monitoring report", 17, ("monitoring report",), counted=False),
    Stage("Re-audit", 27, ("re-audit",)),
    Stage("Comparison", 4, ("compare",), counted=False),
    Stage("Comparison report", 4, ("comparison report",), counted=False),
    Stage("Drift", 6, ("drift",)),
)


def demo_plan(explain_budget_s: float | None) -> Plan:
    """The plan of the app's demo story: the demo's audit and its recording, then the second chapter (the audit's
    own "done" only holds the bar here: the chapter follows)."""
    return Plan("demo", (*audit_plan(explain_budget_s).stages, *_CHAPTER))


# The Drift and Monitoring pages' jobs (gui/lifecycle_jobs.py): one stage each, counted by the job's calls; on the
# DuckDB engine the message within a stage is its query watcher's "N of M rows processed".
DRIFT_PLAN = Plan("drift", (Stage("Drift", 1, ("drift",)),))
MONITOR_PLAN = Plan("monitor", (Stage("Monitoring", 1, ("monitor",)),))

EXPORT_PLAN = Plan(
    "export",
    (
        Stage("Preparing", 17, ("prepare", "export")),
        Stage("Charts", 63, ("charts",)),
        Stage("Pages", 15, ("pages",)),
        Stage("Archiving", 4, ("archive",)),
        Stage("Signing", 4, ("signing",)),
        Stage("Writing", 1, ("writing",)),
    ),
)


class OverallProgress:
    """The arithmetic of the bar (no Qt): overall fraction and estimate from a job's progress calls."""

    def __init__(self, plan: Plan | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.plan = plan
        self._clock = clock
        self.started = clock()
        self.fraction = 0.0
        self.stage: Stage | None = None
        self._stage_index = -1
        self._stage_started = self.started
        self._total = sum(s.weight for s in plan.stages) if plan else 1.0

    def _index_of(self, step: str) -> int | None:
        if self.plan is None:
            return None
        if step in self.plan.finished:
            return len(self.plan.stages) - 1
        return next((i for i, s in enumerate(self.plan.stages) if step in s.steps), None)

    def update(self, step: str, done: int, total: int) -> float:
        """Take one progress call; the overall fraction (0..1), never lower than before."""
        now = self._clock()
        i = self._index_of(step)
        if i is None:  # without a plan: this call's own fraction; a step the plan does not know holds the bar
            if self.plan is None:
                self.fraction = max(self.fraction, _ratio(done, total))
            return self.fraction
        stages = self.plan.stages  # type: ignore[union-attr]
        if i != self._stage_index:
            first = i > self._stage_index
            self._stage_index, self._stage_started = i, now
            self.stage = stages[i]
            within = 0.0 if first else None  # a call entering a stage announces its start
        else:
            within = _ratio(done, total) if stages[i].counted else None
        s = stages[i]
        if s.seconds:
            within = max(within or 0.0, min((now - self._stage_started) / s.seconds, 0.98))
        before = sum(x.weight for x in stages[:i])
        value = (before + s.weight * (within or 0.0)) / self._total
        self.fraction = min(max(self.fraction, value), 1.0)
        return self.fraction

    def tick(self) -> float:
        """The time-budgeted stage advances with the clock between calls."""
        if self.stage is not None and self.stage.seconds:
            return self.update(self.stage.steps[0], 0, 0)
        return self.fraction

    def elapsed(self) -> float:
        return self._clock() - self.started

    def remaining(self) -> float | None:
        """Seconds left, estimated as elapsed x (1 - f) / f; None until there is enough to go on."""
        f, t = self.fraction, self.elapsed()
        if f < 0.02 or t < 1.0 or f >= 1.0:
            return None
        return t * (1.0 - f) / f


def _ratio(done: int, total: int) -> float:
    return min(max(done / total, 0.0), 1.0) if total > 0 else 0.0


def eta_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 10:
        return "a few seconds left"
    if seconds < 90:
        return f"about {round(seconds / 5.0) * 5} s left"
    return f"about {round(seconds / 60.0)} min left"


class StatusPanel(QWidget):
    """Label (stage: message · estimate), progress bar and Cancel button for the status bar.

    Wire a job runner with `attach(runner, plan)`; or call `set_busy` / `on_progress` directly."""

    def __init__(
        self, parent: QWidget | None = None, *, name: str = "status_panel", clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._clock = clock  # the estimate's clock (a test passes its own, so the estimate does not depend on load)
        self._plan: Plan | None = None
        self._state = OverallProgress(None)
        self._busy = 0
        self._message = ""
        self._cancels: list[Callable[[], None]] = []
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("Ready")
        self.label.setObjectName("step_label")
        self.label.setAccessibleName("Current step")
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bar = QProgressBar()
        self.bar.setObjectName("progress")
        self.bar.setAccessibleName("Progress")
        self.bar.setRange(0, 1000)
        self.bar.setMaximumWidth(260)
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancel_button")
        self.cancel_button.setAccessibleName("Cancel the running job")
        self.cancel_button.setToolTip("Stop the running job (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.bar)
        lay.addWidget(self.cancel_button)
        self.bar.setVisible(False)
        self.cancel_button.setVisible(False)
        from PySide6.QtCore import QTimer

        self._timer = QTimer(self)
        self._timer.setInterval(1000)  # the estimate and a time-budgeted stage move even between progress calls
        self._timer.timeout.connect(self._on_timer)

    # ------------------------------------------------------------------ wiring
    def attach(self, runner: QObject, plan: Plan | Callable[[], Plan | None] | None = None) -> None:
        """Show `runner`'s (a `gui.worker.Runner`) jobs here with `plan` (or a function giving the plan when a job starts);
        Cancel cancels it."""
        runner.progress.connect(self.on_progress)  # type: ignore[attr-defined]
        runner.busy_changed.connect(lambda busy: self.set_busy(busy, plan() if callable(plan) else plan))  # type: ignore[attr-defined]
        self._cancels.append(runner.cancel)  # type: ignore[attr-defined]

    def cancel(self) -> None:
        if self._busy:
            for c in self._cancels:
                c()
            self.label.setText("Cancelling…")
            self.cancel_button.setEnabled(False)

    # ------------------------------------------------------------------ state
    def set_busy(self, busy: bool, plan: Plan | None = None) -> None:
        """A job started (with its plan) or ended. Several attached runners may overlap; the bar shows the last started."""
        self._busy = self._busy + 1 if busy else max(self._busy - 1, 0)
        if busy:
            self._plan = plan
            self._state = OverallProgress(plan, self._clock)
            self._message = ""
            self.bar.setValue(0)
            self.bar.setFormat("%p%")
            if plan is None:
                self.bar.setRange(0, 0)  # busy indicator until the first call says how far
            else:
                self.bar.setRange(0, 1000)
            self._timer.start()
        active = self._busy > 0
        self.bar.setVisible(active)
        self.cancel_button.setVisible(active)
        self.cancel_button.setEnabled(True)
        if not active:
            self._timer.stop()
            self.label.setText(self._message)  # no time left to show once the job has ended

    def on_progress(self, step: str, done: int, total: int, message: str) -> None:
        if self.bar.maximum() == 0:
            self.bar.setRange(0, 1000)
        self._state.update(step, done, total)
        stage = self._state.stage
        self._message = f"{stage.name}: {message}" if stage and message else (message or step)
        self._show()

    def set_text(self, text: str) -> None:
        """A plain message (e.g. "Audit complete: ..."), kept until the next job reports."""
        self._message = text
        self.label.setText(text)

    def fraction(self) -> float:
        return self._state.fraction

    def eta(self) -> str:
        return eta_text(self._state.remaining())

    # ------------------------------------------------------------------ display
    def _on_timer(self) -> None:
        if self._busy:
            self._state.tick()
            self._show()

    def _show(self) -> None:
        self.bar.setValue(round(self._state.fraction * 1000))
        eta = self.eta()
        self.label.setText(f"{self._message} · {eta}" if eta else self._message)
        self.bar.setToolTip(f"{self._state.fraction:.0%} of the whole job" + (f", {eta}" if eta else ""))
