"""Reading two runs from the trail for `attest compare`, and recording the comparison as its own trail event."""
from __future__ import annotations

import uuid
from pathlib import Path

from audit.errors import InputError
from audit.lifecycle.compare_types import Comparison, RunInfo
from audit.result import AuditResult
from audit.trail import Event, Workspace
from audit.trail import events as ev


def run_info(run_id: str, event: Event, result: AuditResult) -> RunInfo:
    s = result.summary
    return RunInfo(run_id=run_id, result_sha256=event.payload["result_sha256"], recorded_at=event.time,
                   recorded_by=event.actor.label(), data=Path(result.data.path).name, data_sha256=result.data.sha256,
                   rows=result.data.rows, model=Path(result.model.path).name if result.model else None,
                   model_sha256=result.model.sha256 if result.model else None,
                   decision_source=result.decision_source, policy=result.spec.policy.name,
                   ci_level=result.spec.ci_level, passed=s.passed, failed=s.failed,
                   insufficient_evidence=s.insufficient_evidence)


def load_run(ws: Workspace, run_id: str) -> tuple[AuditResult, RunInfo]:
    """A recorded run's result, checked against the hash its chained event recorded (`get_result_json`)."""
    event = ws.run_event(run_id)
    text = ws.get_result_json(run_id)
    try:
        result = AuditResult.from_json(text)
    except ValueError as exc:  # a result of an older or newer schema than this Attest reads
        raise InputError(f"The stored result of {run_id} cannot be read by this version of Attest: "
                         f"{str(exc).splitlines()[0]}.",
                         "Compare runs recorded by the same Attest version, or re-run the older audit.") from exc
    return result, run_info(run_id, event, result)


def compare_runs(ws: Workspace, run_a: str, run_b: str, ci_level: float | None = None) -> Comparison:
    """Compare two recorded runs of `ws` (A before, B after)."""
    from audit.lifecycle.compare import compare_results

    if run_a == run_b:
        raise InputError(f"Both runs are {run_a}: a run compared with itself shows nothing.",
                         "Give two different run ids (see `attest trail log --kind audit_run`).")
    a, info_a = load_run(ws, run_a)
    b, info_b = load_run(ws, run_b)
    return compare_results(a, b, info_a, info_b, ci_level)


def record_comparison(ws: Workspace, comparison: Comparison, pdf_sha256: str | None = None) -> Event:
    """Append the `audit_compared` event: both runs' result hashes, the comparison's hash, what flipped, the summary."""
    a, b = comparison.runs["a"], comparison.runs["b"]
    payload = {"comparison_id": f"cmp-{uuid.uuid4().hex[:12]}", "run_a": a.run_id, "run_b": b.run_id,
               "result_a_sha256": a.result_sha256, "result_b_sha256": b.result_sha256,
               "comparison_sha256": comparison.sha256(), "ci_level": comparison.ci_level,
               "verdict_changes": [{"check": v.check, "group": v.group, "before": v.before, "after": v.after}
                                   for v in comparison.verdict_changes],
               "summary": list(comparison.summary), "pdf_sha256": pdf_sha256}
    return ws.append(ev.AUDIT_COMPARED, payload, [a.run_id, b.run_id])
