"""Record an audit run in a workspace's trail: register its files (if new), then the run with its stored result."""
from __future__ import annotations

from pathlib import Path


def canonical_result_text(result) -> str:
    """The exact text stored and hashed: canonical JSON, so its SHA-256 equals `AuditResult.sha256()`."""
    from audit.hashing import canonical_json

    return canonical_json(result.model_dump(mode="json", by_alias=True)).decode("utf-8")


def record_run(workspace: str | Path | None, result) -> str:
    """Returns the run id. Registration never loads a model: it hashes files."""
    from audit.trail import Workspace

    with Workspace.open(workspace) as ws:
        ws.register_dataset(result.data.path)
        if result.model is not None and result.model.format != "memory":
            ws.register_model(result.model.path)
        text = canonical_result_text(result)
        run_id = ws.record_audit(
            spec=result.spec.model_dump(mode="json", by_alias=True), result_json=text, result_sha256=result.sha256(),
            model_sha256=result.model.sha256 if result.model else None, dataset_sha256s=[result.data.sha256],
        )
    print(f"Recorded audit run {run_id} in workspace {workspace or 'default'}")
    return run_id
