"""Reading the trail: events filtered by actor, artifact, time and kind; audit runs with their reports and sign-offs.

Everything here is read from the events (they are the record); nothing writes.
"""

from __future__ import annotations

from datetime import datetime

from audit.trail import events as ev
from audit.trail import registry
from audit.trail.errors import WorkspaceError
from audit.trail.events import Event, iso_utc, parse_when
from audit.trail.files import file_status
from audit.trail.ledger import Ledger
from audit.trail.records import AuditRunRecord


def events(
    ledger: Ledger,
    actor: str | None = None,
    artifact: str | None = None,
    since: str | datetime | None = None,
    kind: str | None = None,
    limit: int | None = None,
) -> list[Event]:
    """Events, oldest first; see `Workspace.events` for the filters."""
    where: list[str] = []
    args: list[str] = []
    if actor:
        where.append("(actor_user = ? COLLATE NOCASE OR instr(lower(actor_name), lower(?)) > 0)")
        args += [actor.strip(), actor.strip()]
    if artifact:
        ref = artifact if str(artifact).startswith(("run-", "mit-")) else registry.ref_id(ledger, artifact)
        where.append("EXISTS (SELECT 1 FROM json_each(events.body, '$.refs') WHERE json_each.value = ?)")
        args.append(ref)
    if since:
        where.append("time >= ?")
        args.append(iso_utc(parse_when(since)))
    if kind:
        where.append("kind = ?")
        args.append(kind)
    sql = "SELECT seq, prev_hash, body, hash FROM events" + (" WHERE " + " AND ".join(where) if where else "")
    if limit:  # the newest `limit` events, still shown oldest first
        sql = f"SELECT * FROM ({sql} ORDER BY seq DESC LIMIT {int(limit)})"
    sql = f"SELECT prev_hash, body, hash FROM ({sql}) ORDER BY seq"
    with ledger.reading() as conn:
        return [Event.from_row(*row) for row in conn.execute(sql, args)]


def run_event(ledger: Ledger, run_id: str) -> Event:
    """The `audit_run` event of `run_id`; a `WorkspaceError` naming the run when there is none."""
    with ledger.reading() as conn:
        for row in conn.execute("SELECT prev_hash, body, hash FROM events WHERE kind = ? ORDER BY seq", (ev.AUDIT_RUN,)):
            e = Event.from_row(*row)
            if e.payload["run_id"] == run_id:
                return e
    raise WorkspaceError(
        f"There is no audit run '{run_id}' in {ledger.path.name}.",
        "Use a run id from `attest trail log --kind audit_run` or `attest signoff --pending`.",
    )


def audit_runs(ledger: Ledger) -> list[AuditRunRecord]:
    """Every recorded audit run with its reports and sign-offs, oldest first."""
    with ledger.reading() as conn:
        rows = conn.execute(
            "SELECT prev_hash, body, hash FROM events WHERE kind IN (?, ?, ?) ORDER BY seq",
            (ev.AUDIT_RUN, ev.REPORT_EXPORTED, ev.SIGNOFF),
        ).fetchall()
    return _audit_records([Event.from_row(*r) for r in rows])


def check_reports(ledger: Ledger) -> list[tuple[Event, str]]:
    """The newest recorded export at each report path, with its file's state now: ok, changed or missing."""
    latest = {e.payload["path"]: e for e in events(ledger, kind=ev.REPORT_EXPORTED)}
    return [(e, file_status(path, e.payload["sha256"])) for path, e in latest.items()]


def _audit_records(found: list[Event]) -> list[AuditRunRecord]:
    runs: dict[str, Event] = {}
    reports: dict[str, list[Event]] = {}
    signed: dict[str, list[Event]] = {}
    for e in found:
        run_id: str = e.payload["run_id"]  # required in all three payloads (see `audit.trail.events`)
        if e.kind == ev.AUDIT_RUN:
            runs[run_id] = e
        elif e.kind == ev.REPORT_EXPORTED:
            reports.setdefault(run_id, []).append(e)
        elif e.kind == ev.SIGNOFF:
            signed.setdefault(run_id, []).append(e)
    return [
        AuditRunRecord(
            run_id=r,
            event=e,
            model=e.payload.get("model"),
            datasets=tuple(e.payload["datasets"]),
            result_sha256=e.payload["result_sha256"],
            reports=tuple(reports.get(r, ())),
            signoffs=tuple(signed.get(r, ())),
        )
        for r, e in runs.items()
    ]
