"""The demo's story for `attest demo` and the app's "Open the demo workspace": the audit run recorded after a believable
history, then the second chapter, after launch: a year of production decisions monitored against that audit (the alert
from July), the model re-thresholded on the drifted months and re-audited, and the two audits compared; each step in
the trail, with the monitoring and comparison PDFs when the caller can render them (`ChapterPdfs`: the renderers
live in `reports`, which this layer does not import).

What it costs (CPU, benchmarks/bench_demo_chapter.py) and what it does to stay cheap without changing what it shows:
- the model runs on one OpenMP thread: scikit-learn's histogram gradient boosting predicts tree by tree in parallel
  regions, and on a few thousand rows with another program on the second core its threads spend more time waiting
  at each region's barrier than predicting (the explainer does the same, audit/explain/tree.py); the predictions
  do not depend on the thread count;
- the first audit's result is reused from memory for the reference (its data, columns and intersection order)
  instead of read back from the trail twice; the comparison does read both runs back, as `attest compare` does
  (the stored canonical JSON orders each group's columns by name, and the comparison's order and wording follow);
- the re-audit draws `REAUDIT_BOOTSTRAP` posterior samples instead of the first audit's 1,000 and runs without
  explanations: the demo's policy decides on closed-form intervals (four-fifths rule, equalized odds), so no verdict
  and no compared change depends on the draws, only the F1 and summary intervals are wider. Both are said in
  `Chapter.notes`, which the CLI prints and the app shows, and the comparison lists them as changed settings."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from audit import demo
from audit.cancel import CancelToken, Progress, no_progress

if TYPE_CHECKING:
    from audit.lifecycle.compare_types import Comparison
    from audit.lifecycle.drift_types import DriftResult
    from audit.lifecycle.monitor_types import MonitorResult
    from audit.result import AuditResult
    from audit.spec import AuditSpec
    from audit.trail import Event, Workspace

REAUDIT_BOOTSTRAP = 200
STEPS = ("log", "monitor", "monitoring report", "re-audit", "compare", "comparison report")
LOG_FILE, PLAN_FILE, RECENT_FILE = "production_log.csv", "monitoring_plan.toml", "production_recent_with_outcomes.csv"


def demo_spec(files: demo.DemoFiles, bootstrap: int, explain_budget: float) -> AuditSpec:
    """The first audit's specification (the same for the CLI and the app)."""
    from audit.explain.settings import ExplainSettings
    from audit.policy import OutcomeWording, resolve_policy
    from audit.spec import AuditSpec, DeclaredContext

    return AuditSpec(
        data_path=str(files.data),
        target=demo.TARGET,
        sensitive=demo.SENSITIVE,
        positive_label=demo.POSITIVE_LABEL,
        outcome=OutcomeWording(**demo.OUTCOME),
        model_path=str(files.model),
        references=demo.REFERENCES,
        policy=resolve_policy(demo.POLICY),
        bootstrap=bootstrap,
        seed=0,
        explain=ExplainSettings(time_budget_s=explain_budget),
        context=DeclaredContext(**demo.CONTEXT),
    )


def record_demo_history(ws_path: Path, files: demo.DemoFiles, result: AuditResult) -> str:
    """A believable history in a new workspace: data registered, training recorded by an ML lead, the audit run,
    sign-off still open. Returns the audit's run id."""
    from audit.recording import record_audit_run
    from audit.trail import Workspace

    for stale in (ws_path, ws_path.with_name(ws_path.name + "-wal"), ws_path.with_name(ws_path.name + "-shm")):
        stale.unlink(missing_ok=True)  # the demo's own workspace is rebuilt on every run
    with Workspace.open(ws_path) as ws:
        demo.record_training_history(ws, files)
        return record_audit_run(ws, result)


@dataclass(frozen=True)
class ChapterPdfs:
    """The renderers of the chapter's two reports (reports.monitor_pdf.monitoring_pdf, reports.compare_pdf.comparison_pdf)."""

    monitoring: Callable[..., bytes]  # (result, result_sha256, *, workspace_head) -> PDF bytes
    comparison: Callable[..., bytes]  # (comparison, *, workspace_head) -> PDF bytes


@dataclass(frozen=True)
class Chapter:
    folder: Path
    run_a: str  # the audit monitored against
    run_b: str  # the re-audit
    rows: int  # production decisions in the log
    monitoring: MonitorResult
    monitoring_event: Event
    first_alert: str | None  # the month of the first alert window, e.g. "2027-07"
    threshold: float | None  # the re-audit's threshold
    reaudit: AuditResult
    comparison: Comparison
    comparison_event: Event
    files: tuple[str, ...]  # written into `folder`
    notes: tuple[str, ...]  # how the chapter's runs differ from the first audit, said wherever the chapter is shown
    cpu_s: float


def chapter_line(ch: Chapter) -> str:
    """What the CLI prints and the app's status line shows at the end of the chapter."""
    when = f"first in {ch.first_alert}" if ch.first_alert else "none"
    told = (
        f"After launch: {ch.rows:,} production decisions over 12 months monitored against {ch.run_a} (alerts: {when}); "
        f"re-thresholded at {ch.threshold} on the drifted months and re-audited as {ch.run_b}; the two audits compared."
    )
    return " ".join([told, *ch.notes])


def _one_thread() -> Any:  # a threadpoolctl context manager (the package has no type information)
    """The model on one OpenMP thread (see the module docstring)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp")


def _monitor(
    ws: Workspace, folder: Path, files: demo.DemoFiles, run_id: str, first: AuditResult
) -> tuple[MonitorResult, np.ndarray | None]:
    """The monitoring run, and the model's scores of the log's rows (the re-threshold reuses them)."""
    from audit.hashing import sha256_file
    from audit.lifecycle.monitor import monitor
    from audit.lifecycle.monitor_inputs import load_inputs
    from audit.lifecycle.plan import load_monitor_plan
    from audit.lifecycle.windows import parse_window

    if sha256_file(first.data.path) != first.data.sha256:  # as `--reference run-...` refuses it (monitor_inputs.py)
        from audit.errors import InputError

        raise InputError(f"The dataset of {run_id} changed after the audit.", "Run the demo again: it rebuilds its files.")
    with _one_thread():
        inputs = load_inputs(
            folder / LOG_FILE,
            first.data.path,
            demo.TIME_COLUMN,
            model=str(files.model),
            target=first.spec.target,
            sensitive=list(first.spec.sensitive),
            run=(run_id, ws.run_event(run_id).payload["result_sha256"]),
            max_order=first.spec.max_intersection_order,
        )
    return monitor(inputs, load_monitor_plan(folder / PLAN_FILE), parse_window("1mo")), inputs.log.scores


def second_chapter(
    folder: Path,
    files: demo.DemoFiles,
    ws_path: Path,
    run_id: str,
    spec: AuditSpec,
    *,
    first: AuditResult | None = None,
    pdfs: ChapterPdfs | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> Chapter:
    """The chapter after the audit `run_id` of `ws_path` (`first`: its result, when the caller has it in memory).
    `progress` reports the steps of `STEPS`; `cancel` stops between them (what was recorded stays: the trail is
    append-only)."""
    from audit.hashing import sha256_bytes, sha256_file
    from audit.lifecycle.record import compare_runs, load_run, monitoring_json, record_comparison, record_monitoring
    from audit.recording import record_audit_run
    from audit.run import run_audit
    from audit.trail import Workspace

    cancel = cancel or CancelToken()
    began = time.process_time()
    n = len(STEPS)
    written = [LOG_FILE, PLAN_FILE, RECENT_FILE, "monitoring_result.json", "comparison.json"]
    progress("log", 0, n, "Writing a year of production decisions")
    log = demo.production_log(pd.read_csv(files.data))
    log.to_csv(folder / LOG_FILE, index=False)
    (folder / PLAN_FILE).write_text(demo.MONITOR_PLAN, encoding="utf-8")
    with Workspace.open(ws_path) as ws:
        if first is None:
            first, _ = load_run(ws, run_id)
        cancel.raise_if_set()
        progress("monitor", 1, n, f"Monitoring {len(log):,} decisions month by month against {run_id}")
        ws.set_identity("Sam Okafor", "Model operations")
        monitored, log_scores = _monitor(ws, folder, files, run_id, first)
        cancel.raise_if_set()
        pdf_sha = None
        if pdfs is not None:
            progress("monitoring report", 2, n, "Writing the monitoring report")
            data = pdfs.monitoring(monitored, monitoring_json(monitored)[1], workspace_head=ws.head_hash())
            (folder / "monitoring_report.pdf").write_bytes(data)
            pdf_sha, written = sha256_bytes(data), [*written, "monitoring_report.pdf"]
        (folder / "monitoring_result.json").write_text(monitored.to_json(), encoding="utf-8")
        mon_event = record_monitoring(ws, monitored, sha256_file(folder / PLAN_FILE), pdf_sha)
        alerted = next((w for w in monitored.windows if w.status == "alert"), None)

        # Re-threshold on the drifted months whose outcomes arrived: approve as many as the audited model did.
        months = log[demo.TIME_COLUMN] >= f"{demo.PRODUCTION_YEAR}-{demo.DRIFT_FROM_MONTH:02d}"
        recent = log[months & log[demo.TARGET].notna()]
        recent.drop(columns=demo.TIME_COLUMN).to_csv(folder / RECENT_FILE, index=False)
        scores = log_scores[recent.index.to_numpy()] if log_scores is not None else np.zeros(0)
        rate = monitored.reference.selection_rate or 0.5
        threshold = round(float(np.quantile(scores, 1 - rate, method="inverted_cdf")), 4) if scores.size else None
        cancel.raise_if_set()
        progress("re-audit", 3, n, f"Re-auditing the drifted months at threshold {threshold}")
        ws.set_identity("Jordan Blake", "Model risk auditor")
        draws = min(spec.bootstrap, REAUDIT_BOOTSTRAP)
        with _one_thread():
            reaudit = run_audit(
                spec.model_copy(
                    update={
                        "data_path": str(folder / RECENT_FILE),
                        "threshold": threshold,
                        "bootstrap": draws,
                        "explain": spec.explain.model_copy(update={"enabled": False}),  # only that differs
                    }
                ),
                progress=lambda _s, done, total, msg: progress("re-audit", done, total, msg),
                cancel=cancel,
            )
        run_b = record_audit_run(ws, reaudit)
        progress("compare", 4, n, f"Comparing {run_id} with {run_b}")
        # Both runs read back from the trail, as `attest compare` reads them: the stored canonical JSON orders each
        # group's columns by name, and the comparison's order and wording follow it (the in-memory result would differ).
        comparison = compare_runs(ws, run_id, run_b)
        cmp_sha = None
        if pdfs is not None:
            progress("comparison report", 5, n, "Writing the comparison report")
            data = pdfs.comparison(comparison, workspace_head=ws.head_hash())
            (folder / "comparison_report.pdf").write_bytes(data)
            cmp_sha, written = sha256_bytes(data), [*written, "comparison_report.pdf"]
        (folder / "comparison.json").write_text(comparison.to_json(), encoding="utf-8")
        cmp_event = record_comparison(ws, comparison, cmp_sha)
    notes = []
    if draws < spec.bootstrap:
        notes.append(
            f"The re-audit drew {draws} posterior samples (the first audit {spec.bootstrap:,}): the demo's checks decide "
            "on closed-form intervals, so no verdict depends on them; only its F1 and summary intervals are wider."
        )
    if spec.explain.enabled:
        notes.append("The re-audit ran without explanations (the model is the same; only its threshold moved).")
    progress("done", n, n, "The demo's second chapter is recorded")
    return Chapter(
        folder=folder,
        run_a=run_id,
        run_b=run_b,
        rows=len(log),
        monitoring=monitored,
        monitoring_event=mon_event,
        first_alert=alerted.start[:7] if alerted else None,
        threshold=threshold,
        reaudit=reaudit,
        comparison=comparison,
        comparison_event=cmp_event,
        files=tuple(written),
        notes=tuple(notes),
        cpu_s=time.process_time() - began,
    )


def drift_request(folder: Path, files: demo.DemoFiles) -> dict[str, Any]:
    """What the app's Drift page is filled with: the audit's evaluation data against the drifted months whose
    outcomes arrived (the re-audit's data), on the model's features, by the sensitive columns, with the demo's plan."""
    return {
        "reference": str(files.data),
        "current": str(folder / RECENT_FILE),
        "features": list(demo.FEATURES.values()),
        "sensitive": list(demo.SENSITIVE),
        "scores": None,
        "predictions": None,
        "plan": str(folder / PLAN_FILE),
        "model": str(files.model),
    }


def chapter_drift(request: dict[str, Any]) -> DriftResult:
    """The drift of `drift_request`'s files (the same code as `attest drift` and the Drift page), the model on one thread."""
    from audit.lifecycle.drift import measure_drift
    from audit.lifecycle.drift_inputs import load_inputs
    from audit.lifecycle.plan import load_plan

    r = dict(request)
    plan = load_plan(r.pop("plan"))
    with _one_thread():
        inputs = load_inputs(**r, positive_label=demo.POSITIVE_LABEL)
    return measure_drift(inputs, plan)
