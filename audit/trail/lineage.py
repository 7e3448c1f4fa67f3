"""Lineage: what the trail says about one model or dataset. Read from events only (they are the record)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from audit.trail import events as ev
from audit.trail.errors import WorkspaceError
from audit.trail.records import Artifact, AuditRunRecord, DatasetLineage, ModelLineage, Training


class TrailReader(Protocol):
    """What lineage reads (a `Workspace` is one); a protocol, so this module does not import the workspace."""

    @property
    def path(self) -> Path: ...

    def artifact(self, ref: str) -> Artifact: ...

    def events(self, *, artifact: str | None = None) -> list[ev.Event]: ...

    def audit_runs(self) -> list[AuditRunRecord]: ...


def lineage(ws: TrailReader, ref: str) -> ModelLineage | DatasetLineage:
    """`ref`: an artifact id, SHA-256 or registered path. Unregistered ids that audits used are accepted too."""
    artifact: Artifact | None
    try:
        artifact = ws.artifact(ref)
        aid = artifact.id
    except WorkspaceError:
        artifact, aid = None, str(ref).strip()
    related = ws.events(artifact=aid) if aid.startswith(("ds-", "model-")) else []
    if not related:
        raise WorkspaceError(
            f"Nothing in {ws.path.name} refers to '{ref}'.",
            "Use an id shown by `attest trail log` (ds-... or model-...) or a registered path.",
        )
    trainings = tuple(_training(e) for e in related if e.kind == ev.TRAINING_RECORDED)
    run_ids = {e.payload["run_id"] for e in related if e.kind == ev.AUDIT_RUN}
    audits = tuple(r for r in ws.audit_runs() if r.run_id in run_ids)
    if aid.startswith("model-"):
        return ModelLineage(
            artifact=artifact,
            model_id=aid,
            trainings=trainings,
            datasets=tuple(dict.fromkeys(d for t in trainings for d in t.datasets)),
            trainers=tuple(dict.fromkeys(t.trainer for t in trainings)),
            audits=audits,
            events=tuple(related),
        )
    return DatasetLineage(
        artifact=artifact,
        dataset_id=aid,
        trainings=trainings,
        models=tuple(dict.fromkeys(t.model for t in trainings)),
        audits=audits,
        events=tuple(related),
    )


def _training(e: ev.Event) -> Training:
    p = e.payload
    return Training(
        event=e,
        model=p["model"],
        datasets=tuple(p["datasets"]),
        trainer=p["trainer"],
        trained_at=p["trained_at"],
        params=dict(p["params"]),
        code_version=p.get("code_version"),
    )


def describe(lin: ModelLineage | DatasetLineage) -> str:
    """Lineage as indented text for the terminal."""
    lines: list[str] = []
    a = lin.artifact
    if isinstance(lin, ModelLineage):
        lines.append(f"Model {a.label() if a else lin.model_id}" + (f"  {a.path}" if a else "  (not registered)"))
        for t in lin.trainings:
            code = f", code {t.code_version}" if t.code_version else ""
            lines.append(f"  trained by {t.trainer} at {t.trained_at} on {', '.join(t.datasets)}{code} (event #{t.event.seq})")
        if not lin.trainings:
            lines.append("  no training recorded")
    else:
        lines.append(f"Dataset {a.label() if a else lin.dataset_id}" + (f"  {a.path}" if a else "  (not registered)"))
        for t in lin.trainings:
            lines.append(f"  trained {t.model} (by {t.trainer}, event #{t.event.seq})")
        if not lin.trainings:
            lines.append("  no model recorded as trained on it")
    for r in lin.audits:
        lines.append(f"  audit {r.run_id} at {r.event.time} by {r.event.actor.label()} (event #{r.event.seq})")
        for rep in r.reports:
            lines.append(f"    report {rep.payload['path']} sha256 {rep.payload['sha256'][:12]} (event #{rep.seq})")
        for s in r.signoffs:
            lines.append(f"    sign-off: {s.summary()} (event #{s.seq})")
        if not r.signoffs:
            lines.append("    sign-off: open")
    if not lin.audits:
        lines.append("  no audits recorded")
    return "\n".join(lines)
