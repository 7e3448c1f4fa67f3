"""Reading two runs from the trail for `attest compare`, and recording the comparison as its own trail event."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from audit.errors import InputError
from audit.lifecycle.compare_types import Comparison, RunInfo
from audit.result import AuditResult
from audit.trail import Event, Workspace
from audit.trail import events as ev

if TYPE_CHECKING:
    from audit.lifecycle.monitor_types import MonitorResult


def run_info(run_id: str, event: Event, result: AuditResult) -> RunInfo:
    s = result.summary
    return RunInfo(
        run_id=run_id,
        result_sha256=event.payload["result_sha256"],
        recorded_at=event.time,
        recorded_by=event.actor.label(),
        data=Path(result.data.path).name,
        data_sha256=result.data.sha256,
        rows=result.data.rows,
        model=Path(result.model.path).name if result.model else None,
        model_sha256=result.model.sha256 if result.model else None,
        decision_source=result.decision_source,
        policy=result.spec.policy.name,
        ci_level=result.spec.ci_level,
        passed=s.passed,
        failed=s.failed,
        insufficient_evidence=s.insufficient_evidence,
    )


def load_run(ws: Workspace, run_id: str) -> tuple[AuditResult, RunInfo]:
    """A recorded run's result, checked against the hash its chained event recorded (`get_result_json`)."""
    event = ws.run_event(run_id)
    text = ws.get_result_json(run_id)
    try:
        result = AuditResult.from_json(text)
    except ValueError as exc:  # a result of an older or newer schema than this Attest reads
        raise InputError(
            f"The stored result of {run_id} cannot be read by this version of Attest: {str(exc).splitlines()[0]}.",
            "Compare runs recorded by the same Attest version, or re-run the older audit.",
        ) from exc
    return result, run_info(run_id, event, result)


def compare_runs(ws: Workspace, run_a: str, run_b: str, ci_level: float | None = None) -> Comparison:
    """Compare two recorded runs of `ws` (A before, B after)."""
    from audit.lifecycle.compare import compare_results

    if run_a == run_b:
        raise InputError(
            f"Both runs are {run_a}: a run compared with itself shows nothing.",
            "Give two different run ids (see `attest trail log --kind audit_run`).",
        )
    a, info_a = load_run(ws, run_a)
    b, info_b = load_run(ws, run_b)
    return compare_results(a, b, info_a, info_b, ci_level)


def record_comparison(ws: Workspace, comparison: Comparison, pdf_sha256: str | None = None) -> Event:
    """Append the `audit_compared` event: both runs' result hashes, the comparison's hash, what flipped, the summary."""
    a, b = comparison.runs["a"], comparison.runs["b"]
    payload = {
        "comparison_id": f"cmp-{uuid.uuid4().hex[:12]}",
        "run_a": a.run_id,
        "run_b": b.run_id,
        "result_a_sha256": a.result_sha256,
        "result_b_sha256": b.result_sha256,
        "comparison_sha256": comparison.sha256(),
        "ci_level": comparison.ci_level,
        "verdict_changes": [
            {"check": v.check, "group": v.group, "before": v.before, "after": v.after} for v in comparison.verdict_changes
        ],
        "summary": list(comparison.summary),
        "pdf_sha256": pdf_sha256,
    }
    return ws.append(ev.AUDIT_COMPARED, payload, [a.run_id, b.run_id])


def monitoring_json(result: MonitorResult) -> tuple[str, str]:
    """The stored text of a monitoring result and its SHA-256 (what the event and the PDF bind)."""
    from audit.hashing import sha256_bytes

    text = result.to_json(indent=None)
    return text, sha256_bytes(text.encode("utf-8"))


def record_monitoring(
    ws: Workspace, result: MonitorResult, plan_sha256: str | None = None, pdf_sha256: str | None = None
) -> Event:
    """Append the `monitoring_run` event and store the result JSON under its monitoring id, in one transaction;
    the event carries the JSON's SHA-256, so `verify` finds a result changed or removed afterwards."""
    from audit.trail.events import validate_payload

    text, sha = monitoring_json(result)
    mid = f"mon-{uuid.uuid4().hex[:12]}"
    ref = result.reference
    payload = validate_payload(
        ev.MONITORING_RUN,
        {
            "monitoring_id": mid,
            "result_sha256": sha,
            "log_sha256": result.log.sha256,
            "reference_sha256": ref.file.sha256,
            "reference_run": ref.run_id,
            "plan_sha256": plan_sha256,
            "window": result.window,
            "windows": len(result.windows),
            "alerts": len(result.alerts),
            "status": result.status,
            "summary": list(result.summary),
            "pdf_sha256": pdf_sha256,
            "plan": result.plan.model_dump(mode="json"),
        },
    )
    ws.whoami()
    with ws.transaction() as conn:
        conn.execute("INSERT INTO audit_results(run_id, sha256, result_json) VALUES (?, ?, ?)", (mid, sha, text))
        return ws.insert(conn, ev.MONITORING_RUN, payload, [mid, *([ref.run_id] if ref.run_id else [])])


def monitoring_result(ws: Workspace, monitoring_id: str) -> str:
    """The stored result JSON of a monitoring run, checked against the hash its event recorded."""
    from audit.hashing import sha256_bytes

    event = next((e for e in ws.events(kind=ev.MONITORING_RUN) if e.payload["monitoring_id"] == monitoring_id), None)
    if event is None:
        raise InputError(
            f"There is no monitoring run {monitoring_id} in this workspace.",
            "See `attest trail log` for the monitoring runs recorded.",
        )
    with ws.reading() as conn:
        row = conn.execute("SELECT result_json FROM audit_results WHERE run_id = ?", (monitoring_id,)).fetchone()
    if row is None or sha256_bytes(row[0].encode("utf-8")) != event.payload["result_sha256"]:
        raise InputError(
            f"The stored result of {monitoring_id} is missing or was changed after it was recorded.",
            "Run `attest trail verify` to see what else was altered.",
        )
    return str(row[0])
