"""Record an audit run in a workspace's trail, the same way from the CLI, the demo and the desktop app."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from audit.hashing import canonical_json
from audit.result import AuditResult

if TYPE_CHECKING:  # the caller opened the workspace: no need to import the trail here
    from audit.trail import Workspace


def canonical_result_text(result: AuditResult) -> str:
    """The exact text stored and hashed: canonical JSON, so its SHA-256 equals `AuditResult.sha256()`."""
    return canonical_json(result.model_dump(mode="json", by_alias=True)).decode("utf-8")


def record_audit_run(ws: Workspace, result: AuditResult) -> str:
    """Register the audited files if they are new (so lineage shows the audit), then record the run; returns its id.

    `ws` is an open `audit.trail.Workspace`. Registration hashes files; it never loads a model."""
    if Path(result.data.path).is_file():
        ws.register_dataset(result.data.path)
    if result.model is not None and Path(result.model.path).is_file():
        ws.register_model(result.model.path)
    return ws.record_audit(
        spec=result.spec.model_dump(mode="json", by_alias=True),
        result_json=canonical_result_text(result),
        result_sha256=result.sha256(),
        model_sha256=result.model.sha256 if result.model else None,
        dataset_sha256s=[result.data.sha256],
    )
