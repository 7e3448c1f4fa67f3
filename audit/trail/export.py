"""Export the trail as CSV (for reading) or JSON (for re-verifying elsewhere).

JSON layout: `{"format": "attest-trail", "format_version": 1, "hash_rule", "genesis", "workspace_id", "exported_at",
"head": {"seq", "hash"}, "events": [{"seq", "prev_hash", "hash", "body", "event"}, ...]}`. `body` is the exact text
that was hashed and `event` the same content parsed. Anyone can re-check it without Attest:

    prev = "0" * 64
    for n, e in enumerate(events, start=1):
        assert e["seq"] == n and e["prev_hash"] == prev
        assert sha256((prev + e["body"]).encode("utf-8")).hexdigest() == e["hash"]
        prev = e["hash"]
    assert prev == head["hash"] and head["seq"] == len(events)

(`verify_export` below does exactly that.) Stored audit results are not exported; their SHA-256 is in each audit-run
event, so a result file handed over separately can be checked against the trail.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import IO, Any, Protocol

from audit.outputs import spreadsheet_safe
from audit.trail.chain import Problem
from audit.trail.events import Event, iso_utc
from audit.trail.schema import GENESIS


class TrailSource(Protocol):
    """What an export reads (an `audit.trail.Workspace` is one)."""

    def snapshot(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def info(self) -> dict[str, str]: ...


HASH_RULE = (
    "hash(n) = SHA-256(prev_hash(n) || body(n)): prev_hash(n) is hash(n-1) as 64 lower-case hex ASCII "
    "characters (64 zeros for n = 1), body(n) the event's canonical JSON (sorted keys, no whitespace) as "
    "UTF-8, || concatenation; seq runs 1, 2, 3 ... without gaps and head is the last (seq, hash)."
)
CSV_COLUMNS = (
    "seq",
    "time",
    "kind",
    "event_id",
    "actor_user",
    "actor_host",
    "actor_name",
    "actor_role",
    "refs",
    "summary",
    "payload",
    "prev_hash",
    "hash",
)


def export_trail(ws: TrailSource, out: IO[str], fmt: str) -> int:
    """Write every event to `out` as `csv` or `json`; returns the number of events written.

    CSV cells that a spreadsheet would run as a formula (text starting with = + - @ TAB CR, e.g. a display name
    `=HYPERLINK(...)`) get a leading `'` (OWASP's rule); the JSON export is exact."""
    if fmt == "csv":
        return _csv(ws, out)
    if fmt == "json":
        return _json(ws, out)
    from audit.trail.errors import WorkspaceError

    raise WorkspaceError(f"'{fmt}' is not an export format.", "Use --format csv or --format json.")


@contextmanager
def _snapshot(ws: TrailSource) -> Iterator[tuple[tuple[int, str], Iterator[tuple[str, str, str]]]]:
    """The head and a cursor over all events, in one read snapshot, streamed: a million events never sit in memory."""
    with ws.snapshot() as conn:
        head = conn.execute("SELECT seq, hash FROM chain_head WHERE id = 1").fetchone()
        yield head, conn.execute("SELECT prev_hash, body, hash FROM events ORDER BY seq")


def _csv(ws: TrailSource, out: IO[str]) -> int:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    n = 0
    with _snapshot(ws) as (_, rows):
        for prev, body, h in rows:
            e = Event.from_row(prev, body, h)
            a = e.actor
            w.writerow(
                [
                    spreadsheet_safe(v)
                    for v in (
                        e.seq,
                        e.time,
                        e.kind,
                        e.id,
                        a.user,
                        a.host,
                        a.name,
                        a.role,
                        " ".join(e.refs),
                        e.summary(),
                        json.dumps(dict(e.payload), sort_keys=True, ensure_ascii=False),
                        e.prev_hash,
                        e.hash,
                    )
                ]
            )
            n += 1
    return n


def _json(ws: TrailSource, out: IO[str]) -> int:
    meta = ws.info()
    n = 0
    with _snapshot(ws) as ((head_seq, head_hash), rows):
        header = {
            "format": "attest-trail",
            "format_version": 1,
            "hash_rule": HASH_RULE,
            "genesis": GENESIS,
            "workspace_id": meta.get("workspace_id", ""),
            "exported_at": iso_utc(),
            "head": {"seq": head_seq, "hash": head_hash},
        }
        out.write(json.dumps(header, ensure_ascii=False, indent=1)[:-2] + ',\n "events": [')
        for prev, body, h in rows:
            event = json.loads(body)
            item = {"seq": event["seq"], "prev_hash": prev, "hash": h, "body": body, "event": event}
            out.write(("\n  " if n == 0 else ",\n  ") + json.dumps(item, ensure_ascii=False))
            n += 1
    out.write("\n ]\n}\n")
    return n


def verify_export(data: dict[str, Any]) -> Problem | None:
    """Re-check an exported JSON trail (parsed) by the rule above; None when it is intact."""
    prev, events = data.get("genesis", GENESIS), data.get("events", [])
    for n, e in enumerate(events, start=1):
        if e.get("seq") != n or e.get("prev_hash") != prev:
            return Problem("reordered", n, None, f"exported event {n} is out of place or does not follow {n - 1}.")
        if hashlib.sha256((prev + e["body"]).encode("utf-8")).hexdigest() != e.get("hash"):
            return Problem("changed", n, None, f"exported event {n} does not match its hash.")
        if json.loads(e["body"]) != e.get("event"):
            return Problem("changed", n, None, f"exported event {n}: the parsed copy differs from the hashed body.")
        prev = e["hash"]
    head = data.get("head", {})
    if head.get("seq") != len(events) or head.get("hash") != prev:
        return Problem("head", len(events), None, "the export's head does not match its last event.")
    return None
