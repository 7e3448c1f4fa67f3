"""`TrailSnapshot`: what the report needs from a workspace's audit trail, as plain frozen records.

The renderer reads only this, never the trail's internals; `snapshot_from_workspace` is the one adapter that builds it
from an `audit.trail` workspace (imported lazily)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class TrailEvent:
    seq: int
    time: str
    kind: str  # dataset_registered, model_registered, training_recorded, audit_run, report_exported, signoff, note, ...
    actor: str
    hash: str
    summary: str
    actor_role: str = ""
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LineageStep:
    """One link of dataset -> training run -> model -> audit run."""

    kind: str  # "dataset" | "training" | "model" | "audit run" | ...
    label: str
    actor: str
    time: str
    sha256: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class Signoff:
    reviewer: str
    role: str
    decision: str  # approve | approve_with_conditions | reject
    time: str
    conditions: str = ""
    comment: str = ""
    recorded_by: str = ""
    event_hash: str = ""


@dataclass(frozen=True)
class TrailSnapshot:
    workspace: str
    head_hash: str
    event_count: int
    verified: bool | None  # None: not checked
    verification: str  # plain words: "intact: 42 events, chain verified" / what is wrong
    taken_at: str  # UTC, ISO 8601
    run_id: str | None = None
    exported_by: str = ""
    events: tuple[TrailEvent, ...] = ()
    lineage: tuple[LineageStep, ...] = ()
    signoffs: tuple[Signoff, ...] = ()

    @property
    def has_training(self) -> bool:
        return any(s.kind == "training" for s in self.lineage)
