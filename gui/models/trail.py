"""Models over the workspace: its events (the trail), its artifacts and its recorded audit runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor

from gui import theme
from gui.models.table import Column, RecordTableModel

if TYPE_CHECKING:
    from audit.trail import Artifact, AuditRunRecord, Event

KIND_TITLES = {
    "dataset_registered": "Dataset registered",
    "model_registered": "Model registered",
    "artifact_relocated": "File moved",
    "training_recorded": "Training recorded",
    "audit_run": "Audit run",
    "report_exported": "Report exported",
    "signoff": "Sign-off",
    "note": "Note",
    "identity_set": "Identity set",
    "audit_compared": "Audits compared",
    "monitoring_run": "Monitoring run",
}


def _time(t: str) -> str:
    return t.replace("T", " ")[:19]


class EventsModel(RecordTableModel["Event"]):
    def __init__(self, parent: QObject | None = None) -> None:
        columns: list[Column[Event]] = [
            Column("#", lambda e: str(e.seq), sort=lambda e: e.seq, numeric=True),
            Column("Time (UTC)", lambda e: _time(e.time), sort=lambda e: e.time),
            Column("Event", lambda e: KIND_TITLES.get(e.kind, e.kind), sort=lambda e: e.kind),
            Column("Actor", lambda e: e.actor.label(), tooltip=lambda e: e.actor.label()),
            Column("Details", lambda e: e.summary(), tooltip=lambda e: e.summary()),
            Column("Hash", lambda e: e.hash[:12] + "…", tooltip=lambda e: f"hash {e.hash}\nprevious {e.prev_hash}"),
        ]
        super().__init__(columns, [], parent)


def _status_text(status: str | None) -> str:
    return {"ok": "✓ unchanged", "changed": "⚠ CHANGED on disk", "missing": "⚠ MISSING"}.get(status or "", "—")


class ArtifactsModel(RecordTableModel["tuple[Artifact, str | None]"]):
    """Rows are (Artifact, on-disk status)."""

    def __init__(self, parent: QObject | None = None) -> None:
        def bg(r: tuple[Artifact, str | None]) -> QColor | None:
            return theme.color("fail") if r[1] in ("changed", "missing") else None

        def fg(r: tuple[Artifact, str | None]) -> QColor | None:
            return theme.color("fail_fg") if r[1] in ("changed", "missing") else None

        super().__init__(
            [
                Column("Kind", lambda r: r[0].kind),
                Column("Name", lambda r: r[0].name or "", tooltip=lambda r: r[0].description),
                Column(
                    "On disk",
                    lambda r: _status_text(r[1]),
                    background=bg,
                    foreground=fg,
                    tooltip=lambda r: (
                        "The file no longer has the registered SHA-256"
                        if r[1] == "changed"
                        else "The file is not at its registered path"
                        if r[1] == "missing"
                        else None
                    ),
                ),
                Column("Format", lambda r: r[0].format),
                Column("SHA-256", lambda r: r[0].sha256[:16] + "…", tooltip=lambda r: r[0].sha256),
                Column("Registered by", lambda r: r[0].registered_by.label()),
                Column("Registered (UTC)", lambda r: _time(r[0].registered_at), sort=lambda r: r[0].registered_at),
                Column("Size", lambda r: f"{r[0].size_bytes:,} B", sort=lambda r: r[0].size_bytes, numeric=True),
                Column("Id", lambda r: r[0].id),
                Column("Path", lambda r: r[0].path, tooltip=lambda r: r[0].path),
            ],
            [],
            parent,
        )


class RunsModel(RecordTableModel["AuditRunRecord"]):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column("Run", lambda r: r.run_id),
                Column("Time (UTC)", lambda r: _time(r.event.time), sort=lambda r: r.event.time),
                Column("By", lambda r: r.event.actor.label()),
                Column("Model", lambda r: r.model or "(predictions only)"),
                Column("Datasets", lambda r: ", ".join(r.datasets)),
                Column("Reports", lambda r: str(len(r.reports)), sort=lambda r: len(r.reports), numeric=True),
                Column(
                    "Sign-off",
                    lambda r: _signoff_text(r),
                    background=lambda r: None if r.signoffs else theme.color("insufficient_evidence"),
                ),
            ],
            [],
            parent,
        )


def _signoff_text(r: AuditRunRecord) -> str:
    if not r.signoffs:
        return "open"
    p = r.signoffs[-1].payload
    return f"{p['decision'].replace('_', ' ')} by {p['reviewer']}"
