"""The demo's story as the app runs it after "Open the demo workspace" (no Qt here; a worker-process job like
`gui.jobs.run_audit_job`): the demo's audit, recorded, then its second chapter (audit/demo_chapter.py, the code of
`attest demo`: a year of production decisions monitored against the audit, the alert from July, the re-audit after
re-thresholding, the comparison, and their PDFs in the demo's folder), and the drift of the drifted months for the
Drift page. Everything comes back as plain data for the pages to show; all of it is in the workspace's trail."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gui.jobs import AuditOutcome
from gui.processes import in_worker_process

# The app's demo audit: the CLI's 1,000 draws; a shorter explanation budget than `attest demo`'s 30 s, so the story
# is ready soon after the workspace opens (the Set-up page, pre-filled, runs the longer one on request).
DEMO_OPTIONS: dict[str, Any] = {"bootstrap": 1000, "explain": True, "explain_budget_s": 10.0, "pdfs": True}


@dataclass(frozen=True)
class DemoStory:
    workspace: str
    audit: AuditOutcome  # the first audit, recorded
    monitoring_result: Any  # MonitorResult
    monitoring_row: tuple[str, str, str]  # its monitoring_run event as stored (an Event's payload does not pickle)
    comparison_result: Any  # Comparison
    comparison_row: tuple[str, str, str]  # its audit_compared event
    drift: Any  # DriftResult of the drifted months against the audited data
    monitor_form: dict[str, str] = field(default_factory=dict)  # the Monitoring page's fields, to run it again there
    drift_form: dict[str, Any] = field(default_factory=dict)  # the Drift page's
    line: str = ""  # what the status line says at the end (with the chapter's notes on its cheaper re-audit)

    @property
    def monitoring(self) -> tuple[Any, Any]:
        """(MonitorResult, its Event), as the Monitoring page's own job returns them."""
        return self.monitoring_result, _event(self.monitoring_row)

    @property
    def comparison(self) -> tuple[Any, Any]:
        """(Comparison, its Event), as the Compare page's own job returns them."""
        return self.comparison_result, _event(self.comparison_row)


def _event(row: tuple[str, str, str]) -> Any:
    from audit.trail.events import Event

    prev_hash, body, hash_ = row
    return Event.from_row(prev_hash, body, hash_)


def _row(event: Any) -> tuple[str, str, str]:
    return event.prev_hash, event.body, event.hash


@in_worker_process
def run_demo_story(folder: str, workspace: str, options: dict[str, Any] | None = None, *, progress, cancel) -> DemoStory:
    from audit import demo
    from audit.demo_chapter import ChapterPdfs, chapter_drift, chapter_line, demo_spec, drift_request, second_chapter
    from audit.explain.settings import ExplainSettings
    from audit.run import run_audit
    from gui.jobs import record_audit

    opts = {**DEMO_OPTIONS, **(options or {})}
    out = Path(folder)
    files = demo.DemoFiles(
        model=out / "mortgage_model.skops", data=out / "boston_hmda_eval.csv", train=out / "boston_hmda_train.csv"
    )
    spec = demo_spec(files, int(opts["bootstrap"]), float(opts["explain_budget_s"]))
    if not opts["explain"]:
        spec = spec.model_copy(update={"explain": ExplainSettings(enabled=False)})
    result = run_audit(spec, progress=progress, cancel=cancel)
    progress("record", 1, 1, "Recording the demo's audit in the trail")
    run_id = record_audit(workspace, result)
    cancel.raise_if_set()
    pdfs = None
    if opts["pdfs"]:
        from reports.compare_pdf import comparison_pdf
        from reports.monitor_pdf import monitoring_pdf

        pdfs = ChapterPdfs(monitoring=monitoring_pdf, comparison=comparison_pdf)
    ch = second_chapter(out, files, Path(workspace), run_id, spec, first=result, pdfs=pdfs, progress=progress, cancel=cancel)
    progress("drift", 0, 1, "Drift of the drifted months against the audited data")
    request = drift_request(out, files)
    drift = chapter_drift(request)
    progress("drift", 1, 1, "The demo's story is recorded")
    return DemoStory(
        workspace=workspace,
        audit=AuditOutcome(result=result, run_id=run_id, recorded=True),
        monitoring_result=ch.monitoring,
        monitoring_row=_row(ch.monitoring_event),
        comparison_result=ch.comparison,
        comparison_row=_row(ch.comparison_event),
        drift=drift,
        monitor_form={
            "data": str(out / "production_log.csv"),
            "model": str(files.model),
            "plan": str(out / "monitoring_plan.toml"),
            "reference": run_id,
            "time_column": demo.TIME_COLUMN,
            "window": "1mo",
            "target": demo.TARGET,
        },
        drift_form=request,
        line=chapter_line(ch),
    )
