"""The JSON evidence manifest: every evidence item (id, SHA-256, time, actor) tagged with the requirement ids it
evidences. Written beside the PDF and embedded in it as an attachment, byte for byte the same."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any

from reports.coverage import Coverage
from reports.frameworks import Catalogue
from reports.snapshot import TrailSnapshot

if TYPE_CHECKING:
    from audit.result import AuditResult

MANIFEST_VERSION = "1.0"

# Which result fields each section's evidence rests on: the section item's hash is over exactly these.
SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    "S0": ("provenance", "data", "model"),
    "S1": ("spec.context",),
    "S2": ("model", "decision_source", "positive_label", "spec.threshold", "provenance"),
    "S3": ("provenance", "data", "model"),
    "S4": ("data", "quality", "groups", "spec.sensitive"),
    "S5": ("spec.policy", "overall", "groups"),
    "S6": ("spec.policy", "spec.context", "groups", "levels", "disparities", "verdicts", "summary"),
    "S7": ("explanations", "quality.proxies"),
    "S8": ("spec.context", "spec.threshold", "verdicts"),
    "S9": ("verdicts", "spec.policy", "summary"),
    "S10": ("data", "model", "provenance"),
    "S11": ("spec.policy", "overall", "groups"),
    "S12": ("not_assessed", "warnings", "summary"),
}


def _sha(obj: Any) -> str:
    from audit.hashing import canonical_json

    return hashlib.sha256(canonical_json(obj)).hexdigest()


def _pick(dumped: dict[str, Any], path: str) -> Any:
    cur: Any = dumped
    for part in path.split("."):
        cur = cur.get(part) if isinstance(cur, dict) else None
    return cur


def _reqs(catalogue: Catalogue, names: AbstractSet[str] = frozenset(), section: str | None = None) -> list[str]:
    out = []
    for r in catalogue.requirements:
        if (section and section in r.sections) or (names and names & set(r.evidence)):
            out.append(r.id)
    return out


def build_manifest(
    result: AuditResult,
    trail: TrailSnapshot | None,
    catalogue: Catalogue,
    coverage: Coverage,
    *,
    report_id: str,
    generated_at: str,
    result_sha256: str | None = None,
    generator: dict[str, str] | None = None,
    share: bool = False,
) -> dict[str, Any]:
    """The manifest as a JSON-ready dict (no PDF hash: the PDF embeds it; the trail records the PDF's hash).

    `share`: `result` (and `trail`) are shared copies; `result_sha256` is then the full result's hash, which the
    trail holds, and `binding.shared_result_sha256` the hash of the copy the sections report on."""
    pv = result.provenance
    actor = f"{pv.user}@{pv.host}"
    sha = result_sha256 or result.sha256()
    dumped = result.model_dump(mode="json", by_alias=True)
    items: list[dict[str, Any]] = []

    def add(
        id_: str, title: str, kind: str, sha256: str, time: str, who: str, reqs: list[str], location: list[str], **extra: object
    ) -> None:
        items.append(
            {
                "id": id_,
                "title": title,
                "kind": kind,
                "sha256": sha256,
                "time": time,
                "actor": who,
                "requirements": sorted(set(reqs)),
                "location": location,
                **extra,
            }
        )

    add(
        "EV-DATASET",
        f"Evaluation dataset {result.data.path.replace(chr(92), '/').rsplit('/', 1)[-1]}",
        "dataset",
        result.data.sha256,
        pv.started_at,
        actor,
        _reqs(catalogue, {"data.sha256", "data.datasheet"}),
        ["S0", "S4", "S10"],
        path=result.data.path,
        size_bytes=result.data.size_bytes,
    )
    if result.model is not None:
        add(
            "EV-MODEL",
            f"Model {result.model.model_type}",
            "model",
            result.model.sha256,
            pv.started_at,
            actor,
            _reqs(catalogue, {"model.sha256", "model.description", "model.loading"}),
            ["S0", "S2", "S10"],
            path=result.model.path,
            size_bytes=result.model.size_bytes,
        )
    add(
        "EV-SPEC",
        "Audit specification: policy, thresholds and declared context (fixed before the run)",
        "specification",
        _sha(dumped["spec"]),
        pv.started_at,
        actor,
        _reqs(catalogue, {"spec.policy", "spec.decision_rule", "spec.sensitive"}),
        ["S1", "S5", "S6"],
    )
    add(
        "EV-RESULT",
        "Audit result (canonical JSON)",
        "result",
        sha,
        pv.finished_at,
        actor,
        _reqs(catalogue, {"result.sha256", "provenance", "provenance.libraries"}),
        ["S0"],
    )
    if trail is not None:
        add(
            "EV-TRAIL-HEAD",
            f"Audit trail head at export ({trail.event_count} events; {trail.verification})",
            "trail",
            trail.head_hash,
            trail.taken_at,
            trail.exported_by or actor,
            _reqs(catalogue, {"trail.head", "trail.verified", "trail.events"}),
            ["S0", "S3"],
        )
        for i, step in enumerate(trail.lineage, 1):
            if step.sha256:
                add(
                    f"EV-LINEAGE-{i}",
                    f"{step.kind}: {step.label}",
                    f"lineage:{step.kind}",
                    step.sha256,
                    step.time,
                    step.actor,
                    _reqs(catalogue, {"trail.lineage"} | ({"trail.training"} if step.kind == "training" else set())),
                    ["S3"],
                )
        for i, s in enumerate(trail.signoffs, 1):
            add(
                f"EV-SIGNOFF-{i}",
                f"Sign-off: {s.decision.replace('_', ' ')} by {s.reviewer} ({s.role})",
                "signoff",
                s.event_hash or _sha({"reviewer": s.reviewer, "role": s.role, "decision": s.decision, "time": s.time}),
                s.time,
                s.recorded_by or s.reviewer,
                _reqs(catalogue, {"trail.signoff"}),
                ["S0"],
                signature=s.signature or None,
            )
    for sid, fields in SECTION_FIELDS.items():
        sec = catalogue.section(sid)
        content = {f: _pick(dumped, f) for f in fields}
        add(
            f"EV-{sid}",
            f"{sid} {sec.title}: the result fields it reports ({', '.join(fields)})",
            "section",
            _sha(content),
            pv.finished_at,
            actor,
            _reqs(catalogue, section=sid),
            [sid],
        )

    status = {row.requirement.id: row.status for row in coverage.rows}
    reqs = [
        {
            "id": r.id,
            "ref": r.ref,
            "framework": r.framework,
            "title": r.title,
            "sections": list(r.sections),
            "status": status[r.id],
            "evidence": [it["id"] for it in items if r.id in it["requirements"]],
        }
        for r in catalogue.requirements
    ]
    return {
        "manifest_version": MANIFEST_VERSION,
        "report_id": report_id,
        "generated_at": generated_at,
        "generator": {"attest": pv.attest_version, **(generator or {})},
        "binding": {
            "result_sha256": sha,
            "dataset_sha256": [result.data.sha256]
            + (
                [s.sha256 for s in trail.lineage if s.kind == "dataset" and s.sha256 and s.sha256 != result.data.sha256]
                if trail
                else []
            ),
            "model_sha256": result.model.sha256 if result.model else None,
            "trail_head_hash": trail.head_hash if trail else None,
            "trail_verified": trail.verified if trail else None,
            "audit_run_id": trail.run_id if trail else None,
            "attest_version": pv.attest_version,
            "library_versions": dict(pv.library_versions),
            "shared_copy": share,
            **({"shared_result_sha256": result.sha256()} if share else {}),
        },
        "summary": {
            "passed": result.summary.passed,
            "failed": result.summary.failed,
            "insufficient_evidence": result.summary.insufficient_evidence,
            "sentence": result.summary.sentence(),
        },
        "evidence": items,
        "requirements": reqs,
    }


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
