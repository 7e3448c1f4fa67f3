"""The append/chain core: one connection, one lock, and the only code that adds events to the chain.

Writes go through `transaction()` (BEGIN IMMEDIATE: read the head, insert, move the head, commit), so concurrent
processes queue on SQLite's lock instead of forking the chain; WAL with `synchronous=FULL` makes an acknowledged event
a durable one. Reads go through `reading()` (the same lock: the connection is shared between threads).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from audit.cancel import CancelToken, Progress
from audit.trail import events as ev
from audit.trail.chain import VerifyReport, link_hash, verify
from audit.trail.errors import WorkspaceError
from audit.trail.events import Event, build_body, iso_utc, validate_payload
from audit.trail.identity import Actor, os_account
from audit.trail.storage import Opened, sql_errors


class Ledger:
    """An open workspace's event chain. Thread-safe (one lock around the connection)."""

    def __init__(self, opened: Opened) -> None:
        self.path: Path = opened.path
        self.readonly = opened.readonly
        self._opened = opened
        self._conn = opened.conn
        self._lock = threading.RLock()
        self._identity: Actor | None = None

    def close(self) -> None:
        with self._lock:
            self._opened.close()

    @property
    def access(self) -> str:
        """How the file is read: read-write, read-only, immutable (read-only media) or copy (a private copy)."""
        return self._opened.how

    # ------------------------------------------------------------------ identity (stamped on every event)
    def whoami(self) -> Actor:
        """The OS account and host, plus the display name and role last set in this workspace for that account."""
        if self._identity is None:
            user, host = os_account()
            last = self.identity_event(user, host)
            name, role = (last.payload["name"], last.payload["role"]) if last else ("", "")
            self._identity = Actor(user, host, name, role)
        return self._identity

    def identity_event(self, user: str, host: str, before_seq: int | None = None) -> Event | None:
        """The newest `identity_set` event of an account (before event `before_seq`, if given)."""
        found = None
        with self.reading() as conn:
            rows = conn.execute(
                "SELECT prev_hash, body, hash FROM events WHERE kind = ? AND actor_user = ? AND seq < ? ORDER BY seq",
                (ev.IDENTITY_SET, user, before_seq or 2**62),
            ).fetchall()
        for row in rows:
            e = Event.from_row(*row)
            if e.actor.host == host:
                found = e
        return found

    def use_identity(self, actor: Actor) -> None:
        """Stamp `actor` on this connection's events from now on (after recording an `identity_set` event)."""
        self._identity = actor

    # ------------------------------------------------------------------ reading
    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock, sql_errors(self.path):
            yield self._conn

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: everything read inside sees the same trail, whatever other processes append."""
        with self.reading() as conn:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")

    def head(self) -> tuple[int, str]:
        """(seq, hash) of the newest event; (0, 64 zeros) for an empty trail."""
        with self.reading() as conn:
            seq, h = conn.execute("SELECT seq, hash FROM chain_head WHERE id = 1").fetchone()
        return seq, h

    def head_hash(self) -> str:
        """The hash that pins the whole trail so far; print it in reports so the trail can be anchored later."""
        return self.head()[1]

    def info(self) -> dict[str, str]:
        with self.reading() as conn:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        seq, h = self.head()
        return meta | {"path": str(self.path), "events": str(seq), "head_hash": h}

    def verify_chain(
        self, anchors: Iterable[str] = (), *, progress: Progress | None = None, cancel: CancelToken | None = None
    ) -> VerifyReport:
        """Re-check every hash, the chain head and the stored results; see `audit.trail.chain`."""
        with self._lock, sql_errors(self.path):
            return verify(self._conn, anchors, progress, cancel)

    # ------------------------------------------------------------------ writing
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        if self.readonly:
            raise WorkspaceError(
                f"{self.path} was opened read-only, so nothing can be recorded in it.",
                "Open it without read-only mode to record events.",
            )
        with self._lock, sql_errors(self.path, writing=True):
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")  # take the write lock before reading the head: no forks
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def insert(
        self, conn: sqlite3.Connection, kind: str, payload: dict[str, Any], refs: list[str], *, time: str | None = None
    ) -> Event:
        """Append inside an open transaction. `time`: the event's time (default: now)."""
        payload = validate_payload(kind, payload)
        seq, prev = conn.execute("SELECT seq, hash FROM chain_head WHERE id = 1").fetchone()
        seq += 1
        body = build_body(
            seq=seq,
            event_id=new_event_id(),
            kind=kind,
            time=time or iso_utc(),
            actor=self.whoami(),
            refs=list(dict.fromkeys(refs)),
            payload=payload,
        )
        h = link_hash(prev, body)
        conn.execute("INSERT INTO events(seq, prev_hash, body, hash) VALUES (?, ?, ?, ?)", (seq, prev, body, h))
        return Event.from_row(prev, body, h)

    def append(self, kind: str, payload: Mapping[str, Any], refs: list[str], *, time: str | None = None) -> Event:
        payload = validate_payload(kind, payload)  # before taking the lock: bad input never blocks others
        self.whoami()
        with self.transaction() as conn:
            return self.insert(conn, kind, payload, refs, time=time)

    def append_note_batch(self, texts: Iterable[str]) -> int:
        """Append many notes in one transaction (bulk imports, benchmarks); they share one timestamp, as they are
        committed together. Returns how many were appended."""
        actor = self.whoami()
        now = iso_utc()
        with self.transaction() as conn:
            head: tuple[int, str] = conn.execute("SELECT seq, hash FROM chain_head WHERE id = 1").fetchone()
            seq, prev = head
            first = seq

            def rows() -> Iterator[tuple[int, str, str, str]]:
                nonlocal seq, prev
                for text in texts:
                    seq += 1
                    body = build_body(
                        seq=seq, event_id=new_event_id(), kind=ev.NOTE, time=now, actor=actor, refs=[], payload={"text": text}
                    )
                    h = link_hash(prev, body)
                    yield seq, prev, body, h
                    prev = h

            conn.executemany("INSERT INTO events(seq, prev_hash, body, hash) VALUES (?, ?, ?, ?)", rows())
            return seq - first


def new_event_id() -> str:
    return "ev-" + os.urandom(8).hex()  # 64 random bits; unique within and across workspaces in practice
