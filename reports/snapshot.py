"""`TrailSnapshot`: what the report needs from a workspace's audit trail, as plain frozen records.

The renderer reads only this, never the trail's internals; `snapshot_from_workspace` is the one adapter that builds it
from an `audit.trail` workspace (imported lazily)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from audit.result import AuditResult
    from audit.trail import Workspace
    from audit.trail.chain import VerifyReport
    from audit.trail.events import Event


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
    signature: str = ""  # "signed by CN=..., key fingerprint ..." / "not signed: recorded by OS account ..." / invalid
    signature_status: str = ""  # valid | unsigned | invalid ("" when not checked)


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
    # the trade-off of each stored mitigation proposal of the run: {proposal_id, constraint, split.test_rows, tradeoff}
    tradeoffs: tuple[Mapping[str, Any], ...] = ()

    shared: bool = False  # paths, account and host names left out (`shared_copy()`)

    @property
    def has_training(self) -> bool:
        return any(s.kind == "training" for s in self.lineage)

    def shared_copy(self, replacements: Sequence[tuple[str, str]] = ()) -> TrailSnapshot:
        """The snapshot for a shared report: file names instead of paths, no OS account or host names.
        `replacements`: further (text, replacement) pairs, e.g. the result's own paths."""
        if self.shared:
            return self
        from audit.sharing import file_name, scrub_text

        pairs = dict(replacements)
        for e in self.events:
            for key in _PATH_KEYS:
                if isinstance(e.payload.get(key), str):
                    pairs[e.payload[key]] = file_name(e.payload[key])
        pairs[self.workspace] = file_name(self.workspace)
        order = sorted(pairs.items(), key=lambda kv: -len(kv[0]))

        def text(value: str) -> str:
            return scrub_text(_without_account(value), order)

        def scrub(value: Any) -> Any:
            if isinstance(value, str):
                return text(value)
            if isinstance(value, Mapping):
                return {k: scrub(v) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return [scrub(v) for v in value]
            return value

        return replace(
            self,
            workspace=file_name(self.workspace),
            exported_by=text(self.exported_by),
            shared=True,
            events=tuple(
                replace(e, actor=text(e.actor), summary=text(e.summary), payload=scrub(dict(e.payload))) for e in self.events
            ),
            lineage=tuple(replace(st, label=text(st.label), actor=text(st.actor), detail=text(st.detail)) for st in self.lineage),
            signoffs=tuple(
                replace(
                    so,
                    recorded_by=text(so.recorded_by),
                    signature=(SHARED_UNSIGNED if so.signature_status == "unsigned" else so.signature),
                )
                for so in self.signoffs
            ),
        )


_PATH_KEYS = ("path", "old_path", "new_path", "data_path", "model_path")
SHARED_UNSIGNED = "not signed: recorded by an OS account (its name is left out of this shared copy)"
_LABEL_ACCOUNT = re.compile(r" \[[^\[\]\s]+@[^\[\]\s]+\]")
_BARE_ACCOUNT = re.compile(r"^[^\s@\[\]]+@[^\s@\[\]]+$")


def _without_account(label: str) -> str:
    """`Dana Kim (ML lead) [dana@box]` -> `Dana Kim (ML lead)`; a bare `dana@box` -> `an OS account`."""
    label = _LABEL_ACCOUNT.sub("", label)
    return "an OS account" if _BARE_ACCOUNT.match(label) else label


def _short_verification(report: VerifyReport) -> str:
    if report.ok:
        return f"intact: {report.events:,} events verified, head #{report.head_seq}"
    return f"NOT intact: {report.problem.message if report.problem else 'verification failed'}"


def find_run_id(ws: Workspace, result_sha256: str) -> str | None:
    """The newest audit run in the workspace whose recorded result hash is `result_sha256`."""
    runs = [r for r in ws.audit_runs() if r.result_sha256 == result_sha256]
    return runs[-1].run_id if runs else None


def snapshot_from_workspace(
    workspace: Workspace | str | Path, run_id: str | None = None, result: AuditResult | None = None
) -> TrailSnapshot:
    """Read what the report needs from an `audit.trail.Workspace` (or a path to one): head hash, verification, the
    events about this run and its model and datasets, lineage and sign-offs. `run_id` defaults to the newest run
    whose result hash equals `result`'s."""
    from audit.trail import Workspace

    if not isinstance(workspace, Workspace):
        with Workspace.open(workspace, create=False, readonly=True) as ws:
            return snapshot_from_workspace(ws, run_id, result)
    ws = workspace
    from audit.trail.events import iso_utc

    report = ws.verify()
    head_seq, head_hash = ws.head()
    if run_id is None and result is not None:
        run_id = find_run_id(ws, result.sha256())
    run = next((r for r in ws.audit_runs() if r.run_id == run_id), None) if run_id else None
    events: dict[int, Event] = {}
    lineage: list[LineageStep] = []
    signoffs: list[Signoff] = []
    if run is not None:
        for e in ws.events(artifact=run.run_id):
            events[e.seq] = e
        ids = [i for i in (run.model, *run.datasets) if i]
        for aid in ids:
            for e in ws.events(artifact=aid):
                events[e.seq] = e
        arts = ws.artifacts()
        trainings = [e for e in events.values() if e.kind == "training_recorded" and e.payload["model"] == run.model]
        train_ds = list(dict.fromkeys(d for t in trainings for d in t.payload["datasets"]))
        for aid in [*train_ds, *[d for d in run.datasets if d not in train_ds]]:
            a = arts.get(aid)
            role = "training data" if aid in train_ds else "evaluation data"
            if aid in train_ds and aid in run.datasets:
                role = "training and evaluation data"
            lineage.append(
                LineageStep(
                    kind="dataset",
                    label=(a.label() + f" — {a.path}") if a else f"{aid} (not registered)",
                    actor=a.registered_by.label() if a else "",
                    time=a.registered_at if a else "",
                    sha256=a.sha256 if a else None,
                    detail=role,
                )
            )
        for t in trainings:
            p = t.payload
            params = ", ".join(f"{k}={v}" for k, v in list(p.get("params", {}).items())[:6])
            params = params if len(params) <= 160 else params[:157] + "…"
            lineage.append(
                LineageStep(
                    kind="training",
                    label=f"{p['model']} trained on {', '.join(p['datasets'])}",
                    actor=p["trainer"],
                    time=p["trained_at"],
                    sha256=t.hash,
                    detail=f"event #{t.seq}"
                    + (f"; code {p['code_version']}" if p.get("code_version") else "")
                    + (f"; {params}" if params else ""),
                )
            )
        if run.model:
            a = arts.get(run.model)
            lineage.append(
                LineageStep(
                    kind="model",
                    label=(a.label() + f" — {a.path}") if a else f"{run.model} (not registered)",
                    actor=a.registered_by.label() if a else "",
                    time=a.registered_at if a else "",
                    sha256=a.sha256 if a else run.event.payload.get("model_sha256"),
                )
            )
        lineage.append(
            LineageStep(
                kind="audit run",
                label=f"{run.run_id}",
                actor=run.event.actor.label(),
                time=run.event.time,
                sha256=run.result_sha256,
                detail=f"event #{run.event.seq}; hash {run.event.hash[:16]}…",
            )
        )
        checks = {c.event.seq: c for c in ws.signoff_checks()}
        for s in run.signoffs:
            p = s.payload
            c = checks.get(s.seq)
            signoffs.append(
                Signoff(
                    reviewer=p["reviewer"],
                    role=p["role"],
                    decision=p["decision"],
                    time=s.time,
                    conditions=p.get("conditions") or "",
                    comment=p.get("comment") or "",
                    recorded_by=s.actor.label(),
                    event_hash=s.hash,
                    signature=c.line() if c else "",
                    signature_status=c.status if c else "",
                )
            )
    recs = tuple(
        TrailEvent(
            seq=e.seq,
            time=e.time,
            kind=e.kind,
            actor=e.actor.label(),
            actor_role=e.actor.role,
            hash=e.hash,
            summary=e.summary(),
            payload=dict(e.payload),
        )
        for _, e in sorted(events.items())
    )
    return TrailSnapshot(
        workspace=str(ws.path),
        head_hash=head_hash,
        event_count=head_seq,
        verified=report.ok,
        verification=_short_verification(report),
        taken_at=iso_utc(),
        run_id=run_id,
        exported_by=ws.whoami().label(),
        events=recs,
        lineage=tuple(lineage),
        signoffs=tuple(signoffs),
        tradeoffs=_tradeoffs(ws, recs),
    )


def _tradeoffs(ws: Workspace, events: tuple[TrailEvent, ...]) -> tuple[Mapping[str, Any], ...]:
    """The trade-off points of the run's stored proposals (no paths: only rates, intervals and labels). A proposal whose
    stored result is missing or altered is left out: the trail's verification line says what is wrong."""
    from audit.mitigation.record import proposal_result
    from audit.trail import WorkspaceError

    out = []
    for e in events:
        if e.kind != "mitigation_proposed" or not e.payload.get("result_stored"):
            continue
        try:
            r = proposal_result(ws, e.payload["proposal_id"])
        except WorkspaceError:
            continue
        out.append(
            {
                "proposal_id": e.payload["proposal_id"],
                "constraint": r["constraint"],
                "split": {"test_rows": r["split"]["test_rows"]},
                "tradeoff": r["tradeoff"],
            }
        )
    return tuple(out)
