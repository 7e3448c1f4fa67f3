"""Typed, immutable views over the trail: artifacts, file checks, audit runs and lineage. Built from events only."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from audit.trail.events import Event
from audit.trail.identity import Actor


@dataclass(frozen=True, slots=True)
class Artifact:
    """A registered dataset or model file. `path` is where it was last registered (it may have moved since)."""

    id: str
    kind: str  # dataset | model
    path: str
    sha256: str
    size_bytes: int
    format: str
    name: str | None
    version: str | None
    description: str | None
    registered_seq: int
    registered_at: str
    registered_by: Actor

    def label(self) -> str:
        return f"{self.id}" + (f" '{self.name}'" if self.name else "") + (f" v{self.version}" if self.version else "")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Registration:
    """What `register_dataset`/`register_model` did. `status`: registered | already_registered | relocated."""

    artifact: Artifact
    status: str
    message: str
    event: Event | None  # None when nothing was recorded


@dataclass(frozen=True, slots=True)
class FileCheck:
    """`status`: ok | changed (the bytes differ from the registered SHA-256) | missing (moved or deleted)."""

    artifact: Artifact
    status: str

    def message(self) -> str:
        a = self.artifact
        if self.status == "ok":
            return f"{a.label()}: ok ({a.path})"
        if self.status == "changed":
            return (
                f"{a.label()}: CHANGED - {a.path} no longer has the registered content "
                f"(SHA-256 {a.sha256[:12]}...); register the new file as a new version."
            )
        return f"{a.label()}: MISSING - {a.path} is gone; if it was moved, register it at its new place and the move is recorded."


@dataclass(frozen=True, slots=True)
class Training:
    event: Event
    model: str
    datasets: tuple[str, ...]
    trainer: str
    trained_at: str
    params: dict[str, Any]
    code_version: str | None


@dataclass(frozen=True, slots=True)
class AuditRunRecord:
    run_id: str
    event: Event
    model: str | None
    datasets: tuple[str, ...]
    result_sha256: str
    reports: tuple[Event, ...]
    signoffs: tuple[Event, ...]

    @property
    def signed_off(self) -> bool:
        return bool(self.signoffs)


@dataclass(frozen=True, slots=True)
class ModelLineage:
    """A model: how it was trained (on which data, by whom), its audits, reports and sign-offs."""

    artifact: Artifact | None  # None when the model was audited by hash but never registered
    model_id: str
    trainings: tuple[Training, ...]
    datasets: tuple[str, ...]  # every dataset it was trained on, in order of first use
    trainers: tuple[str, ...]
    audits: tuple[AuditRunRecord, ...]
    events: tuple[Event, ...]  # everything in the trail that refers to the model

    @property
    def reports(self) -> tuple[Event, ...]:
        return tuple(r for a in self.audits for r in a.reports)

    @property
    def signoffs(self) -> tuple[Event, ...]:
        return tuple(s for a in self.audits for s in a.signoffs)


@dataclass(frozen=True, slots=True)
class DatasetLineage:
    """A dataset: the models trained on it and the audits that used it."""

    artifact: Artifact | None
    dataset_id: str
    trainings: tuple[Training, ...]
    models: tuple[str, ...]
    audits: tuple[AuditRunRecord, ...]
    events: tuple[Event, ...]
