"""`attest audit --workspace`: record the run in the trail and say so."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from audit.result import AuditResult


def record_run(workspace: str | Path | None, result: AuditResult) -> str:
    from audit.recording import record_audit_run
    from audit.trail import Workspace

    with Workspace.open(workspace) as ws:
        run_id = record_audit_run(ws, result)
    print(f"Recorded audit run {run_id} in workspace {workspace or 'default'}")
    return run_id
