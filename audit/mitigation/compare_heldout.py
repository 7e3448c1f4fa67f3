"""The mitigated decisions against the original ones on the same held-out rows, with the lifecycle comparison
(`attest compare`'s method): every group metric and disparity before and after, with an interval, and the verdicts
that flipped. The two audits share their rows, so intervals that treat them as independent samples are conservative."""

from __future__ import annotations

import json
from typing import Any

from audit.hashing import canonical_json, sha256_bytes
from audit.lifecycle.compare import compare_results
from audit.lifecycle.compare_types import RunInfo
from audit.result import AuditResult

PAIRED_NOTE = (
    "Both sides audit the same held-out rows (paired decisions): the intervals of the changes treat them as "
    "independent samples, so they are wider than a paired analysis would give (conservative)."
)


def _info(label: str, run_id: str, audit: dict[str, Any], recorded_at: str) -> tuple[AuditResult, RunInfo]:
    text = json.dumps(audit)
    result = AuditResult.from_json(text)
    s = result.summary
    info = RunInfo(
        run_id=f"{run_id}/{label}",
        result_sha256=sha256_bytes(canonical_json(audit)),
        recorded_at=recorded_at,
        recorded_by="attest mitigate (not recorded as an audit run)",
        data="held-out rows of the run's evaluation data",
        data_sha256=result.data.sha256,
        rows=result.data.rows,
        model=None,
        model_sha256=None,
        decision_source=result.decision_source,
        policy=result.spec.policy.name,
        ci_level=result.spec.ci_level,
        passed=s.passed,
        failed=s.failed,
        insufficient_evidence=s.insufficient_evidence,
    )
    return result, info


def compare_heldout(run_id: str, before: dict[str, Any], after: dict[str, Any], *, label: str = "mitigated") -> dict[str, Any]:
    """The comparison (schema of `attest compare --json`) of the `before` and `after` audit JSON objects."""
    a, info_a = _info("original", run_id, before, before["provenance"]["finished_at"])
    b, info_b = _info(label, run_id, after, after["provenance"]["finished_at"])
    comparison = compare_results(a, b, info_a, info_b)
    out: dict[str, Any] = json.loads(comparison.to_json())
    # Each side was audited from its own temporary table (same rows, other decisions): that is not a change of data.
    out["inputs_changed"] = [c for c in out["inputs_changed"] if c["input"] != "data"]
    out["same_data"] = True
    out["summary"] = [
        f"What changed: the decisions only (original against {label}), on the same {a.data.rows:,} held-out rows."
        if line.startswith("What changed:")
        else line
        for line in out["summary"]
    ]
    out["notes"] = [*out["notes"], PAIRED_NOTE]
    return out
