"""Workspace schema and its migrations (sqlite-utils `Migrations`), plus the triggers that make the trail append-only.

`PRAGMA user_version` holds the schema version so a file from a newer Attest is recognised before anything is written;
`PRAGMA application_id` marks the file as an Attest workspace. sqlite-utils imports pandas (~0.5 s), so this module
imports it only when a workspace is created or upgraded, never on the path that opens an up-to-date one.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

APPLICATION_ID = 0x41545354  # "ATST"
GENESIS = "0" * 64  # prev_hash of the first event

_TRIGGERS = """
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'attest: the trail is append-only; events cannot be changed'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'attest: the trail is append-only; events cannot be deleted'); END;
CREATE TRIGGER events_extend_head BEFORE INSERT ON events
WHEN NEW.seq IS NOT (SELECT seq + 1 FROM chain_head WHERE id = 1)
  OR NEW.prev_hash IS NOT (SELECT hash FROM chain_head WHERE id = 1)
BEGIN SELECT RAISE(ABORT, 'attest: an event must extend the chain head'); END;
CREATE TRIGGER events_move_head AFTER INSERT ON events
BEGIN UPDATE chain_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1; END;
CREATE TRIGGER head_follows_events BEFORE UPDATE ON chain_head
WHEN NEW.id IS NOT 1 OR NEW.hash IS NOT (SELECT hash FROM events WHERE seq = NEW.seq)
BEGIN SELECT RAISE(ABORT, 'attest: the chain head can only move to the newest event'); END;
CREATE TRIGGER head_no_delete BEFORE DELETE ON chain_head
BEGIN SELECT RAISE(ABORT, 'attest: the chain head cannot be deleted'); END;
CREATE TRIGGER results_no_update BEFORE UPDATE ON audit_results
BEGIN SELECT RAISE(ABORT, 'attest: stored audit results cannot be changed'); END;
CREATE TRIGGER results_no_delete BEFORE DELETE ON audit_results
BEGIN SELECT RAISE(ABORT, 'attest: stored audit results cannot be deleted'); END;
"""

# Columns computed from the hashed body: they can be indexed and filtered on but never disagree with it.
_GENERATED = {
    "kind": "json_extract(body, '$.kind')",
    "time": "json_extract(body, '$.time')",
    "actor_user": "json_extract(body, '$.actor.user')",
    "actor_name": "json_extract(body, '$.actor.name')",
}


def m001_initial(db: Database) -> None:
    db.create_table("meta", {"key": str, "value": str}, pk="key", not_null=["value"], strict=True)
    db.create_table("chain_head", {"id": int, "seq": int, "hash": str}, pk="id", not_null=["seq", "hash"], strict=True)
    db.create_table(
        "events",
        {"seq": int, "prev_hash": str, "body": str, "hash": str},
        pk="seq",
        not_null=["prev_hash", "body", "hash"],
        strict=True,
    )
    for name, expr in _GENERATED.items():
        db.execute(f"ALTER TABLE events ADD COLUMN {name} TEXT GENERATED ALWAYS AS ({expr}) VIRTUAL")
    db.table("events").create_index(["kind"], index_name="events_by_kind")
    db.table("events").create_index(["time"], index_name="events_by_time")
    db.create_table(
        "audit_results",
        {"run_id": str, "sha256": str, "result_json": str},
        pk="run_id",
        not_null=["sha256", "result_json"],
        strict=True,
    )
    db.table("chain_head").insert({"id": 1, "seq": 0, "hash": GENESIS})
    db.table("meta").insert_all(
        [
            {"key": "app", "value": "attest"},
            {"key": "workspace_id", "value": uuid.uuid4().hex},
            {"key": "created_at", "value": _now()},
        ]
    )
    for statement in _TRIGGERS.split("END;"):  # one by one: executescript would COMMIT our transaction
        if statement.strip():
            db.execute(statement + "END;")


class NewerSchema(Exception):
    """The file was written by a newer Attest; the caller turns this into a `WorkspaceError`."""

    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


MIGRATIONS: list[Callable[[Database], None]] = [m001_initial]
SCHEMA_VERSION = len(MIGRATIONS)


def _now() -> str:
    from audit.trail.events import iso_utc

    return iso_utc()


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the workspace behind `conn` (legacy transaction mode, outside a transaction) to `SCHEMA_VERSION`.

    The whole upgrade runs in one `BEGIN IMMEDIATE` transaction, so two processes creating the same new workspace
    cannot both apply it, and a failed upgrade leaves the file as it was.
    """
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    migrations = Migrations("attest")
    for fn in MIGRATIONS:
        migrations(name=fn.__name__)(fn)
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode=WAL")
    db = Database(conn, execute_plugins=False, recursive_triggers=False)
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise NewerSchema(version)
        if version < SCHEMA_VERSION:
            migrations.apply(db)  # nested in our transaction: sqlite-utils uses savepoints
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.table("meta").upsert({"key": "schema_version", "value": str(SCHEMA_VERSION)}, pk="key")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
