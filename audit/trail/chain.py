"""The hash chain: how each event's hash is made, and `verify`, which re-derives every hash and says what broke.

Hash rule (also what an external party re-checks from an export):
    hash(n) = SHA-256( prev_hash(n) || body(n) )
where `prev_hash(n)` is `hash(n-1)` as 64 lower-case hex ASCII characters (64 zeros for the first event), `body(n)` is
the event's canonical JSON as UTF-8 (it contains `"seq": n`), and `||` is concatenation. Events are numbered 1, 2, 3 ...
without gaps, and the `chain_head` row holds the newest (seq, hash), written in the same transaction as the event.

Because each hash covers its predecessor's, an edited, removed, inserted or reordered event breaks the chain at that
point; removing or forging events at the end disagrees with the head. Someone able to rewrite the whole file can rebuild
a consistent chain: hashes printed outside the file (e.g. the head hash in a report) anchor it, see `verify(anchors=)`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from audit.cancel import CancelToken, Progress
from audit.trail.schema import GENESIS


def link_hash(prev_hash: str, body: str) -> str:
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Problem:
    """The first thing found wrong. `kind`: changed | removed | inserted | reordered | head | result | anchor |
    signature (a sign-off whose signature does not hold)."""

    kind: str
    seq: int | None
    event_id: str | None
    message: str


@dataclass(frozen=True, slots=True)
class VerifyReport:
    ok: bool
    events: int  # events checked and found intact (up to the first problem)
    head_seq: int
    head_hash: str
    problem: Problem | None
    seconds: float
    signatures: int = 0  # signed sign-offs whose signatures were checked and hold

    def summary(self) -> str:
        if self.ok:
            rate = f", {self.events / self.seconds:,.0f} events/s" if self.seconds > 0 and self.events else ""
            signed = f", {self.signatures} sign-off signature{'s' * (self.signatures != 1)} valid" if self.signatures else ""
            return (
                f"Trail intact: {self.events:,} events{signed}, head #{self.head_seq} {self.head_hash} "
                f"({self.seconds:.2f} s{rate})."
            )
        assert self.problem is not None
        return f"Trail NOT intact: {self.problem.message}"


def verify(
    conn: sqlite3.Connection, anchors: Iterable[str] = (), progress: Progress | None = None, cancel: CancelToken | None = None
) -> VerifyReport:
    """Re-derive every hash in one read snapshot. `conn` must be in autocommit mode (isolation_level=None).

    `progress("verify", done, total, message)` is called every 65,536 events; `cancel.raise_if_set()` as often."""
    started = time.perf_counter()
    wanted = {a.strip().lower().encode() for a in anchors if a.strip()}
    conn.execute("BEGIN")  # one snapshot: appends by other processes during the check are not seen half-way
    try:
        head = conn.execute("SELECT seq, hash FROM chain_head WHERE id = 1").fetchone()
        total = head[0] if head else 0
        sha = hashlib.sha256
        tick = progress is not None or cancel is not None
        expected, prev, problem = 1, GENESIS.encode(), None
        # As bytes (CAST): the hashed UTF-8 is what SQLite stores, so nothing is decoded and re-encoded per event.
        rows = conn.execute(
            "SELECT seq, CAST(prev_hash AS BLOB), CAST(body AS BLOB), CAST(hash AS BLOB) FROM events ORDER BY seq"
        )
        for seq, pv, body, h in rows:
            if seq != expected or pv != prev or sha(prev + body).hexdigest().encode() != h:
                problem = _diagnose(
                    conn, seq, expected, prev.decode(), _text(pv), _text(body), _text(h), head[0] if head else None
                )
                break
            if wanted:
                wanted.discard(h)
            prev = h
            expected += 1
            if tick and not expected & 0xFFFF:
                if cancel is not None:
                    cancel.raise_if_set()
                if progress is not None:
                    progress("verify", expected - 1, total, f"Verified {expected - 1:,} of {total:,} events")
        checked = expected - 1
        if progress is not None:
            progress("verify", checked, total, f"Verified {checked:,} events")
        if problem is None:
            problem = _check_head(head, checked, prev.decode())
        if problem is None:
            problem = _check_results(conn)
        if problem is None and wanted:
            missing = sorted(wanted)[0].decode()
            problem = Problem(
                "anchor",
                None,
                None,
                f"the hash {missing} (e.g. printed in a report) is not in this trail: the trail was "
                "rewritten after it was printed, or it belongs to another workspace.",
            )
    finally:
        conn.execute("COMMIT")
    head_seq, head_hash = head if head else (0, "")
    return VerifyReport(
        ok=problem is None,
        events=checked,
        head_seq=head_seq,
        head_hash=head_hash,
        problem=problem,
        seconds=time.perf_counter() - started,
    )


def _text(value: bytes | None) -> str:
    return value.decode("utf-8", errors="replace") if value is not None else ""


def _parse(body: str) -> dict[str, Any]:
    try:
        d = json.loads(body)
        return d if isinstance(d, dict) else {}
    except ValueError:
        return {}


def _name(seq: int, d: Mapping[str, Any]) -> str:
    kind = str(d.get("kind", "event")).replace("_", " ")
    return f"event #{seq} ({kind}, id {d.get('id', '?')})"


def _body_seq_at(conn: sqlite3.Connection, position: int) -> int | None:
    row = conn.execute("SELECT body FROM events WHERE seq = ?", (position,)).fetchone()
    return _parse(row[0]).get("seq") if row else None


def _diagnose(conn: sqlite3.Connection, s: int, e: int, p: str, pv: str, body: str, h: str, head_seq: int | None) -> Problem:
    """Classify the first break. Only runs on failure, so it may re-read rows."""
    d = _parse(body)
    if s < e:
        return Problem("inserted", s, d.get("id"), f"{_name(s, d)} was inserted before the first event.")
    if head_seq is not None and s == e > head_seq:
        return Problem("inserted", s, d.get("id"), f"{_name(s, d)} was inserted after the recorded chain head (#{head_seq}).")
    if s > e:
        gone = f"event #{e} was" if s == e + 1 else f"events #{e}-#{s - 1} were"
        return Problem("removed", e, None, f"{gone} removed: the trail jumps from #{e - 1} to #{s}.")
    if link_hash(pv, body) != h:
        return Problem(
            "changed", s, d.get("id"), f"{_name(s, d)} was changed (or forged): its stored content does not match its hash."
        )
    b = d.get("seq")
    if isinstance(b, int) and b != s:
        if b < s and _body_seq_at(conn, b) == b:
            forged = _parse(conn.execute("SELECT body FROM events WHERE seq = ?", (b,)).fetchone()[0])
            return Problem(
                "inserted",
                b,
                forged.get("id"),
                f"{_name(b, forged)} was inserted: the event first recorded as #{b} now sits at #{s}, "
                "and the later events were renumbered.",
            )
        if b > s and not conn.execute("SELECT 1 FROM events WHERE json_extract(body, '$.seq') = ?", (s,)).fetchone():
            gone = f"event #{s} was" if b == s + 1 else f"events #{s}-#{b - 1} were"
            return Problem(
                "removed",
                s,
                None,
                f"{gone} removed and the later events renumbered: position #{s} holds the event first recorded as #{b}.",
            )
        return Problem(
            "reordered",
            s,
            d.get("id"),
            f"events were reordered: position #{s} holds the event first recorded as #{b} (id {d.get('id', '?')}).",
        )
    # The row is intact and in its own place, but it was chained after a different predecessor.
    found = conn.execute("SELECT seq FROM events WHERE hash = ?", (pv,)).fetchone()
    if s == 1:
        return Problem("inserted", 1, d.get("id"), f"{_name(1, d)} does not start the chain: it was inserted.")
    before = _parse(conn.execute("SELECT body FROM events WHERE seq = ?", (s - 1,)).fetchone()[0])
    if found is None:
        return Problem(
            "changed",
            s - 1,
            before.get("id"),
            f"{_name(s - 1, before)} was changed (or replaced) and its hash recomputed: "
            f"event #{s} was chained after a different event #{s - 1}.",
        )
    j = found[0]
    if j < s - 1:
        forged = _parse(conn.execute("SELECT body FROM events WHERE seq = ?", (j + 1,)).fetchone()[0])
        return Problem(
            "inserted",
            j + 1,
            forged.get("id"),
            f"{_name(j + 1, forged)} was inserted: event #{s} was chained directly after #{j}.",
        )
    return Problem("reordered", s, d.get("id"), f"events were reordered: {_name(s, d)} was chained after the event now at #{j}.")


def _check_head(head: tuple[int, str] | None, last: int, last_hash: str) -> Problem | None:
    if head is None:
        return Problem("head", None, None, "the chain head record is missing: it was deleted.")
    hs, hh = head
    if hs > last:
        gone = f"event #{hs} was" if hs == last + 1 else f"events #{last + 1}-#{hs} were"
        return Problem(
            "removed", last + 1, None, f"{gone} removed from the end: the chain head records {hs} events, the trail holds {last}."
        )
    if hs < last:
        return Problem("inserted", hs + 1, None, f"event #{hs + 1} was inserted after the recorded chain head (#{hs}).")
    if hh != last_hash:
        return Problem(
            "head",
            last,
            None,
            f"the recorded chain head does not match event #{last}: the head, or event #{last} "
            "together with its hash, was changed.",
        )
    return None


def _check_results(conn: sqlite3.Connection) -> Problem | None:
    """Stored audit results must hash to what their (chained) audit-run events recorded."""
    runs: dict[str, tuple[int, str]] = {}
    kinds = "('audit_run', 'monitoring_run', 'mitigation_proposed')"
    for seq, kind, body in conn.execute(f"SELECT seq, kind, body FROM events WHERE kind IN {kinds} ORDER BY seq"):
        payload = _parse(body).get("payload", {})
        if kind == "mitigation_proposed":  # stored under the proposal id, when the event says it was stored
            if payload.get("result_stored"):
                runs[payload["proposal_id"]] = (seq, payload.get("result_sha256"))
            continue
        # a monitoring run's result is stored under its monitoring id, and checked the same way
        runs[payload.get("run_id") or payload.get("monitoring_id")] = (seq, payload.get("result_sha256"))
    for run_id, stored_sha, result_json in conn.execute("SELECT run_id, sha256, result_json FROM audit_results"):
        if run_id not in runs:
            return Problem(
                "result", None, None, f"a stored result for run {run_id} has no audit-run event: it was inserted afterwards."
            )
        seq, recorded = runs.pop(run_id)
        actual = hashlib.sha256(result_json.encode("utf-8")).hexdigest()
        if actual != recorded or stored_sha != recorded:
            return Problem(
                "result",
                seq,
                run_id,
                f"the stored result of run {run_id} (event #{seq}) was changed: "
                "it no longer matches the hash recorded in the trail.",
            )
    if runs:
        run_id, (seq, _) = min(runs.items(), key=lambda kv: kv[1][0])
        return Problem("result", seq, run_id, f"the stored result of run {run_id} (event #{seq}) was removed.")
    return None
