"""The workspace and its tamper-evident audit trail (EU AI Act Art. 12, 17(1)(k), 18; NIST AI RMF GOVERN 1.6, 2.1).

    from audit.trail import Workspace, record_training
    with Workspace.open("project.attest") as ws:
        ws.register_dataset("train.csv")
        ws.verify().ok

Heavy imports stay out: opening an up-to-date workspace needs only sqlite3, hashlib and pydantic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from audit.trail.chain import Problem, VerifyReport
from audit.trail.errors import WorkspaceError
from audit.trail.events import DECISIONS, Event
from audit.trail.export import export_trail, verify_export
from audit.trail.identity import Actor
from audit.trail.records import Artifact, AuditRunRecord, DatasetLineage, FileCheck, ModelLineage, Registration, Training
from audit.trail.registry import artifact_id
from audit.trail.schema import SCHEMA_VERSION
from audit.trail.storage import default_workspace_path
from audit.trail.workspace import Workspace

__all__ = [
    "DECISIONS",
    "SCHEMA_VERSION",
    "Actor",
    "Artifact",
    "AuditRunRecord",
    "DatasetLineage",
    "Event",
    "FileCheck",
    "ModelLineage",
    "Problem",
    "Registration",
    "Training",
    "VerifyReport",
    "Workspace",
    "WorkspaceError",
    "artifact_id",
    "default_workspace_path",
    "export_trail",
    "record_training",
    "verify_export",
]


def record_training(
    workspace: str | Path | Workspace | None = None,
    *,
    model_path: str | Path,
    dataset_paths: Sequence[str | Path],
    trainer: str | None = None,
    params: Mapping[str, Any] | None = None,
    code_version: str | None = None,
    trained_at: str | None = None,
    notes: str | None = None,
) -> Event:
    """One call for training pipelines: register the model and data files if needed, then record the training run.

    `workspace`: a path, an open `Workspace`, or None for the default workspace. Returns the training event.
    """
    if isinstance(workspace, Workspace):
        return workspace.record_training(
            model_path,
            dataset_paths,
            trainer=trainer,
            params=params,
            code_version=code_version,
            trained_at=trained_at,
            notes=notes,
        )
    with Workspace.open(workspace) as ws:
        return ws.record_training(
            model_path,
            dataset_paths,
            trainer=trainer,
            params=params,
            code_version=code_version,
            trained_at=trained_at,
            notes=notes,
        )
