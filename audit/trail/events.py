"""Event kinds, their payloads (validated before anything is written) and the immutable event record.

An event's stored body is the canonical JSON (see `audit.hashing.canonical_json`) of
``{"v", "seq", "id", "kind", "time", "actor", "refs", "payload"}``; `refs` lists the artifact ids and audit-run ids
the event is about, so the trail can be filtered by artifact without trusting any other table.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePath
from types import MappingProxyType
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from audit.hashing import canonical_json
from audit.trail.errors import WorkspaceError
from audit.trail.identity import Actor

BODY_VERSION = 1

DATASET_REGISTERED = "dataset_registered"
MODEL_REGISTERED = "model_registered"
ARTIFACT_RELOCATED = "artifact_relocated"
TRAINING_RECORDED = "training_recorded"
AUDIT_RUN = "audit_run"
REPORT_EXPORTED = "report_exported"
SIGNOFF = "signoff"
NOTE = "note"
IDENTITY_SET = "identity_set"
AUDIT_COMPARED = "audit_compared"  # `attest compare`: two runs compared (audit/lifecycle)
MITIGATION_PROPOSED = "mitigation_proposed"
MITIGATION_ADOPTED = "mitigation_adopted"
MONITORING_RUN = "monitoring_run"  # `attest monitor`: a production log checked against the plan (audit/lifecycle)

DECISIONS = ("approve", "approve_with_conditions", "reject")
_SHA = r"^[0-9a-f]{64}$"


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class ArtifactRegistered(_Payload):
    artifact_id: str
    path: str
    sha256: str = Field(pattern=_SHA)
    size_bytes: int = Field(ge=0)
    format: str
    name: str | None = None
    version: str | None = None
    description: str | None = None


class ArtifactRelocated(_Payload):
    artifact_id: str
    sha256: str = Field(pattern=_SHA)
    old_path: str
    new_path: str


class TrainingRecorded(_Payload):
    model: str
    datasets: list[str] = Field(min_length=1)
    trainer: str = Field(min_length=1)
    trained_at: str
    params: dict[str, Any] = Field(default_factory=dict)
    code_version: str | None = None
    notes: str | None = None


class AuditRun(_Payload):
    run_id: str
    spec: dict[str, Any]
    result_sha256: str = Field(pattern=_SHA)
    model: str | None = None
    model_sha256: str | None = Field(default=None, pattern=_SHA)
    datasets: list[str] = Field(default_factory=list)
    dataset_sha256s: list[str] = Field(default_factory=list)


class ReportExported(_Payload):
    run_id: str
    path: str
    sha256: str = Field(pattern=_SHA)
    size_bytes: int = Field(ge=0)
    manifest_sha256: str | None = Field(default=None, pattern=_SHA)


class Signature(_Payload):
    """A reviewer's signature over the sign-off statement (see `audit.trail.signoffs`)."""

    scheme: Literal["ed25519", "ecdsa-sha256", "rsa-pkcs1v15-sha256"]
    public_key: str  # base64 DER SubjectPublicKeyInfo
    fingerprint: str = Field(pattern=_SHA)
    signer: str
    source: Literal["pkcs12", "attest-key"]
    certificate: str | None = None  # base64 DER, for PKCS#12 keys
    value: str  # base64


class Signoff(_Payload):
    run_id: str
    reviewer: str = Field(min_length=1)
    role: str = Field(min_length=1)
    decision: Literal["approve", "approve_with_conditions", "reject"]
    conditions: str | None = None
    comment: str | None = None
    signature: Signature | None = None  # absent in sign-offs recorded before signing existed

    @field_validator("conditions", "comment")
    @classmethod
    def _blank_is_none(cls, v: str | None) -> str | None:
        return v or None


class Note(_Payload):
    text: str = Field(min_length=1)


class IdentitySet(_Payload):
    name: str = Field(min_length=1)
    role: str = ""
    key_fingerprint: str | None = Field(default=None, pattern=_SHA)  # the account's Attest sign-off key, if any


class VerdictFlip(_Payload):
    check: str
    group: dict[str, str]
    before: str
    after: str


class AuditCompared(_Payload):
    """Two audit runs compared. The comparison is recomputable from the two stored results (bound by their hashes),
    so the event binds its JSON by SHA-256 and keeps the verdicts that flipped and the summary in the trail itself."""

    comparison_id: str
    run_a: str
    run_b: str
    result_a_sha256: str = Field(pattern=_SHA)
    result_b_sha256: str = Field(pattern=_SHA)
    comparison_sha256: str = Field(pattern=_SHA)
    ci_level: float = Field(gt=0.5, lt=1)
    verdict_changes: list[VerdictFlip] = Field(default_factory=list)
    summary: list[str] = Field(default_factory=list)
    pdf_sha256: str | None = Field(default=None, pattern=_SHA)


class MitigationProposed(_Payload):
    """A mitigation what-if on an audit run (see `audit.mitigation.record`); the full result is the JSON it hashes."""

    proposal_id: str = Field(pattern=r"^mit-[0-9a-f]{12}$")
    run_id: str
    method: str = Field(min_length=1)
    constraint: str = Field(min_length=1)
    objective: str
    split: dict[str, Any]
    thresholds: dict[str, Any]
    result_sha256: str = Field(pattern=_SHA)
    summary: dict[str, Any] = Field(default_factory=dict)
    # True: the result's JSON is stored under `proposal_id` and `verify` checks it (proposals recorded before that: False)
    result_stored: bool = False


class MitigationAdopted(_Payload):
    proposal_id: str = Field(pattern=r"^mit-[0-9a-f]{12}$")
    run_id: str
    result_sha256: str = Field(pattern=_SHA)
    adopted_by: str = Field(min_length=1)
    role: str = Field(min_length=1)
    comment: str | None = None


class MonitoringRun(_Payload):
    """A production log monitored window by window. Its full result is stored beside the audit results (under
    `monitoring_id`) and bound by `result_sha256`, which `verify` checks like an audit run's."""

    monitoring_id: str = Field(pattern=r"^mon-[0-9a-f]{12}$")
    result_sha256: str = Field(pattern=_SHA)
    log_sha256: str = Field(pattern=_SHA)
    reference_sha256: str = Field(pattern=_SHA)
    reference_run: str | None = None
    plan_sha256: str | None = Field(default=None, pattern=_SHA)
    window: str
    windows: int = Field(ge=0)
    alerts: int = Field(ge=0)
    status: Literal["pass", "alert", "insufficient_evidence"]
    summary: list[str] = Field(default_factory=list)
    pdf_sha256: str | None = Field(default=None, pattern=_SHA)  # the monitoring report, when one was written
    plan: dict[str, Any] | None = None  # the monitoring plan that ran (the audit report's S11 shows it from the trail)


PAYLOADS: dict[str, type[_Payload]] = {
    DATASET_REGISTERED: ArtifactRegistered,
    MODEL_REGISTERED: ArtifactRegistered,
    ARTIFACT_RELOCATED: ArtifactRelocated,
    TRAINING_RECORDED: TrainingRecorded,
    AUDIT_RUN: AuditRun,
    REPORT_EXPORTED: ReportExported,
    SIGNOFF: Signoff,
    NOTE: Note,
    IDENTITY_SET: IdentitySet,
    AUDIT_COMPARED: AuditCompared,
    MITIGATION_PROPOSED: MitigationProposed,
    MITIGATION_ADOPTED: MitigationAdopted,
    MONITORING_RUN: MonitoringRun,
}


def validate_payload(kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload as it will be stored, or a `WorkspaceError` naming the fields that are wrong."""
    model = PAYLOADS.get(kind)
    if model is None:
        raise WorkspaceError(f"'{kind}' is not an event kind Attest records.", f"Use one of: {', '.join(PAYLOADS)}.")
    try:
        return model.model_validate(dict(payload)).model_dump(mode="json")
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or kind}: {e['msg']}" for e in exc.errors())
        raise WorkspaceError(
            f"The {kind.replace('_', ' ')} event is not valid: {problems}.", "Correct the values named above and try again."
        ) from exc


def jsonable(value: Any) -> Any:
    """Parameters from training code as JSON: numpy scalars via `.item()`, paths and unknown objects as text,
    NaN/infinity as the strings "NaN"/"Infinity" (canonical JSON has no NaN)."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((jsonable(v) for v in value), key=repr)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, datetime):
        return iso_utc(value)
    item = getattr(value, "item", None)  # numpy scalar
    if callable(item):
        try:
            return jsonable(item())
        except (TypeError, ValueError):
            pass
    return str(value)


def iso_utc(when: datetime | None = None) -> str:
    """`2024-05-01T12:00:00.123456Z`. Naive datetimes are taken as local time."""
    when = datetime.now(UTC) if when is None else when.astimezone(UTC)
    return when.isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_when(value: str | datetime) -> datetime:
    """A datetime from ISO 8601 text (`2024-05-01`, `2024-05-01T12:00`, `...Z`); naive values are local time."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    try:
        return datetime.fromisoformat(value.strip()).astimezone(UTC)
    except ValueError as exc:
        raise WorkspaceError(
            f"'{value}' is not a date or time Attest understands.",
            "Use ISO 8601, e.g. 2024-05-01 or 2024-05-01T14:30 (local time) or 2024-05-01T12:30Z.",
        ) from exc


def build_body(*, seq: int, event_id: str, kind: str, time: str, actor: Actor, refs: list[str], payload: dict[str, Any]) -> str:
    body = {
        "v": BODY_VERSION,
        "seq": seq,
        "id": event_id,
        "kind": kind,
        "time": time,
        "actor": actor.to_dict(),
        "refs": refs,
        "payload": payload,
    }
    return canonical_json(body).decode("utf-8")


@dataclass(frozen=True, slots=True)
class Event:
    """One recorded event, as read back from the workspace. `body` is the exact text that was hashed."""

    seq: int
    id: str
    kind: str
    time: str
    actor: Actor
    refs: tuple[str, ...]
    payload: Mapping[str, Any]
    prev_hash: str
    hash: str
    body: str

    @classmethod
    def from_row(cls, prev_hash: str, body: str, hash_: str) -> Event:
        d = json.loads(body)
        return cls(
            seq=d["seq"],
            id=d["id"],
            kind=d["kind"],
            time=d["time"],
            actor=Actor(**d["actor"]),
            refs=tuple(d["refs"]),
            payload=MappingProxyType(d["payload"]),
            prev_hash=prev_hash,
            hash=hash_,
            body=body,
        )

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.body)  # a stored body is always a JSON object (`build_body`)
        return body | {"prev_hash": self.prev_hash, "hash": self.hash}

    def summary(self) -> str:
        """One line for logs and tables."""
        p = self.payload
        k = self.kind
        if k in (DATASET_REGISTERED, MODEL_REGISTERED):
            label = f" '{p['name']}'" if p.get("name") else ""
            version = f" v{p['version']}" if p.get("version") else ""
            return f"{p['artifact_id']}{label}{version} {p['format']} {p['path']}"
        if k == ARTIFACT_RELOCATED:
            return f"{p['artifact_id']} moved {p['old_path']} -> {p['new_path']}"
        if k == TRAINING_RECORDED:
            code = f", code {p['code_version']}" if p.get("code_version") else ""
            return f"{p['model']} trained by {p['trainer']} on {', '.join(p['datasets'])}{code}"
        if k == AUDIT_RUN:
            on = f" of {p['model']}" if p.get("model") else ""
            return f"{p['run_id']}{on} on {', '.join(p['datasets']) or '-'}, result {p['result_sha256'][:12]}"
        if k == REPORT_EXPORTED:
            return f"{p['run_id']} report {p['path']} ({p['sha256'][:12]})"
        if k == SIGNOFF:
            extra = f": {p['conditions']}" if p.get("conditions") else ""
            signed = f" [signed by {p['signature']['signer']}]" if p.get("signature") else ""
            return f"{p['run_id']} {p['decision'].replace('_', ' ')} by {p['reviewer']} ({p['role']}){extra}{signed}"
        if k == NOTE:
            return str(p["text"])
        if k == IDENTITY_SET:
            return f"display name '{p['name']}', role '{p['role']}'"
        if k == AUDIT_COMPARED:
            return (
                f"{p['run_a']} -> {p['run_b']}: {len(p['verdict_changes'])} verdict(s) changed, comparison "
                f"{p['comparison_sha256'][:12]}"
            )
        if k == MITIGATION_PROPOSED:
            return f"{p['proposal_id']} on {p['run_id']}: {p['method']} for {p['constraint']}, result {p['result_sha256'][:12]}"
        if k == MITIGATION_ADOPTED:
            return f"{p['proposal_id']} on {p['run_id']} adopted by {p['adopted_by']} ({p['role']})"
        if k == MONITORING_RUN:
            return (
                f"{p['monitoring_id']}: {p['windows']} window(s) of {p['window']}, {p['alerts']} alert(s), "
                f"{p['status'].replace('_', ' ')}, result {p['result_sha256'][:12]}"
            )
        return k
