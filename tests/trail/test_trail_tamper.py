"""Tampering is caught: each attack is done with plain sqlite3 after dropping the triggers, then `verify` must fail
and name the first event that was changed, removed, inserted or reordered."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.trail import Actor, Workspace
from audit.trail.chain import link_hash
from audit.trail.events import build_body

from .conftest import populate, raw

N = 12


@pytest.fixture
def chain(ws_path: Path, files) -> Path:
    with Workspace.open(ws_path) as ws:
        populate(ws, files)
        while ws.head()[0] < N:
            ws.add_note(f"note {ws.head()[0] + 1}")
        assert ws.verify().ok
    return ws_path


def check(path: Path, anchors=()):
    with Workspace.open(path, readonly=True) as ws:
        return ws.verify(anchors)


def row(conn: sqlite3.Connection, seq: int) -> tuple[str, str, str]:
    return conn.execute("SELECT prev_hash, body, hash FROM events WHERE seq = ?", (seq,)).fetchone()


def forged_body(seq: int, text: str = "forged approval") -> str:
    return build_body(
        seq=seq,
        event_id="ev-forged",
        kind="note",
        time="2024-01-01T00:00:00.000000Z",
        actor=Actor("mallory", "elsewhere"),
        refs=[],
        payload={"text": text},
    )


def test_intact_chain_verifies(chain: Path) -> None:
    report = check(chain)
    assert report.ok and report.events == N and report.head_seq == N and report.problem is None


def test_triggers_refuse_update_and_delete(chain: Path) -> None:
    conn = sqlite3.connect(chain)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE events SET body = '{}' WHERE seq = 3")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM events WHERE seq = 3")
    with pytest.raises(sqlite3.IntegrityError, match="chain head"):
        conn.execute("UPDATE chain_head SET hash = ? WHERE id = 1", ("f" * 64,))
    with pytest.raises(sqlite3.IntegrityError, match="chain head"):
        conn.execute("INSERT INTO events(seq, prev_hash, body, hash) VALUES (?, ?, ?, ?)", (N + 1, "0" * 64, "{}", "0" * 64))
    with pytest.raises(sqlite3.IntegrityError, match="cannot be changed"):
        conn.execute("UPDATE audit_results SET result_json = '{}'")
    conn.close()
    assert check(chain).ok


def test_edited_payload(chain: Path) -> None:
    conn = raw(chain)
    _prev, body, _h = row(conn, 6)
    assert "weekly" in body
    conn.execute("UPDATE events SET body = ? WHERE seq = 6", (body.replace("weekly", "monthly"),))
    report = check(chain)
    assert not report.ok
    assert (report.problem.kind, report.problem.seq) == ("changed", 6)
    assert "event #6 (note" in report.problem.message and report.events == 5


def test_edited_payload_with_recomputed_hash(chain: Path) -> None:
    conn = raw(chain)
    prev, body, _ = row(conn, 5)
    new_body = body.replace('"approved"', '"approved_v2"')
    assert new_body != body
    conn.execute("UPDATE events SET body = ?, hash = ? WHERE seq = 5", (new_body, link_hash(prev, new_body)))
    report = check(chain)
    assert (report.problem.kind, report.problem.seq) == ("changed", 5)
    assert "hash recomputed" in report.problem.message


def test_edited_and_rehashed_to_the_end_without_head(chain: Path) -> None:
    """Rewriting every later hash still disagrees with the chain head."""
    conn = raw(chain)
    prev = row(conn, 6)[0]
    for seq in range(6, N + 1):
        _, body, _ = row(conn, seq)
        if seq == 6:
            body = body.replace("note", "NOTE")
        h = link_hash(prev, body)
        conn.execute("UPDATE events SET prev_hash = ?, body = ?, hash = ? WHERE seq = ?", (prev, body, h, seq))
        prev = h
    report = check(chain)
    assert (report.problem.kind, report.problem.seq) == ("head", N)


def test_deleted_event(chain: Path) -> None:
    raw(chain).execute("DELETE FROM events WHERE seq = 7")
    report = check(chain)
    assert (report.problem.kind, report.problem.seq) == ("removed", 7)
    assert "event #7 was removed" in report.problem.message


def test_deleted_event_and_renumbered(chain: Path) -> None:
    conn = raw(chain)
    conn.execute("DELETE FROM events WHERE seq = 7")
    for seq in range(8, N + 1):
        conn.execute("UPDATE events SET seq = ? WHERE seq = ?", (seq - 1, seq))
    conn.execute("UPDATE chain_head SET seq = ?, hash = (SELECT hash FROM events WHERE seq = ?)", (N - 1, N - 1))
    report = check(chain)
    assert (report.problem.kind, report.problem.seq) == ("removed", 7)


def test_deleted_last_event(chain: Path) -> None:
    raw(chain).execute("DELETE FROM events WHERE seq = ?", (N,))
    report = check(chain)
    assert (report.problem.kind, report.problem.seq) == ("removed", N)


@pytest.mark.parametrize("a,b", [(4, 6), (8, 9)])
def test_swapped_events(chain: Path, a: int, b: int) -> None:
    conn = raw(chain)
    conn.execute("UPDATE events SET seq = -1 WHERE seq = ?", (a,))
    conn.execute("UPDATE events SET seq = ? WHERE seq = ?", (a, b))
    conn.execute("UPDATE events SET seq = ? WHERE seq = -1", (b,))
    report = check(chain)
    assert (report.problem.kind, report.problem.seq) == ("reordered", a)
    assert f"first recorded as #{b}" in report.problem.message


def test_swapped_contents_keeping_prev_column(chain: Path) -> None:
    """Swap bodies and hashes but leave each row's prev_hash column in place."""
    conn = raw(chain)
    _, body4, h4 = row(conn, 4)
    _, body6, h6 = row(conn, 6)
    conn.execute("UPDATE events SET body = ?, hash = ? WHERE seq = 4", (body6, h6))
    conn.execute("UPDATE events SET body = ?, hash = ? WHERE seq = 6", (body4, h4))
    report = check(chain)
    assert not report.ok and report.problem.seq == 4


def test_forged_event_appended_after_head(chain: Path) -> None:
    conn = raw(chain)
    prev = row(conn, N)[2]
    body = forged_body(N + 1)
    conn.execute("INSERT INTO events(seq, prev_hash, body, hash) VALUES (?, ?, ?, ?)", (N + 1, prev, body, link_hash(prev, body)))
    report = check(chain)
    assert (report.problem.kind, report.problem.seq) == ("inserted", N + 1)


def test_forged_event_with_bad_hash_appended(chain: Path) -> None:
    raw(chain).execute(
        "INSERT INTO events(seq, prev_hash, body, hash) VALUES (?, ?, ?, ?)", (N + 1, "0" * 64, forged_body(N + 1), "f" * 64)
    )
    report = check(chain)
    assert (report.problem.kind, report.problem.seq) == ("inserted", N + 1)


def test_forged_event_inserted_in_the_middle(chain: Path) -> None:
    conn = raw(chain)
    for seq in range(N, 4, -1):
        conn.execute("UPDATE events SET seq = ? WHERE seq = ?", (seq + 1, seq))
    prev = row(conn, 4)[2]
    body = forged_body(5)
    conn.execute("INSERT INTO events(seq, prev_hash, body, hash) VALUES (5, ?, ?, ?)", (prev, body, link_hash(prev, body)))
    conn.execute("UPDATE chain_head SET seq = ?, hash = (SELECT hash FROM events WHERE seq = ?)", (N + 1, N + 1))
    report = check(chain)
    assert (report.problem.kind, report.problem.seq, report.problem.event_id) == ("inserted", 5, "ev-forged")


def test_forged_event_before_the_first(chain: Path) -> None:
    body = forged_body(0)
    raw(chain).execute(
        "INSERT INTO events(seq, prev_hash, body, hash) VALUES (0, ?, ?, ?)", ("0" * 64, body, link_hash("0" * 64, body))
    )
    report = check(chain)
    assert (report.problem.kind, report.problem.seq) == ("inserted", 0)


def test_changed_head_hash(chain: Path) -> None:
    raw(chain).execute("UPDATE chain_head SET hash = ?", ("a" * 64,))
    report = check(chain)
    assert (report.problem.kind, report.problem.seq) == ("head", N)
    assert "chain head" in report.problem.message


def test_changed_head_seq(chain: Path) -> None:
    raw(chain).execute("UPDATE chain_head SET seq = ?", (N + 3,))
    report = check(chain)
    assert (report.problem.kind, report.problem.seq) == ("removed", N + 1)


def test_deleted_head(chain: Path) -> None:
    raw(chain).execute("DELETE FROM chain_head")
    assert check(chain).problem.kind == "head"


def test_changed_and_removed_audit_result(chain: Path) -> None:
    conn = raw(chain)
    conn.execute("UPDATE audit_results SET result_json = replace(result_json, 'pass', 'fail')")
    report = check(chain)
    assert report.problem.kind == "result" and "was changed" in report.problem.message
    conn.execute("DELETE FROM audit_results")
    assert "was removed" in check(chain).problem.message


def test_whole_chain_rewrite_is_caught_by_an_anchor(chain: Path) -> None:
    """Rewriting every hash and the head is undetectable from the file alone; a head hash kept elsewhere catches it."""
    old_head = check(chain).head_hash
    early = raw(chain).execute("SELECT hash FROM events WHERE seq = 3").fetchone()[0]
    conn = raw(chain)
    prev = row(conn, 6)[0]
    for seq in range(6, N + 1):
        _, body, _ = row(conn, seq)
        body = body.replace("weekly", "monthly") if seq == 6 else body
        h = link_hash(prev, body)
        conn.execute("UPDATE events SET prev_hash = ?, body = ?, hash = ? WHERE seq = ?", (prev, body, h, seq))
        prev = h
    conn.execute("UPDATE chain_head SET hash = ?", (prev,))
    assert prev != old_head
    assert check(chain).ok
    assert check(chain, anchors=[early]).ok
    report = check(chain, anchors=[old_head])
    assert report.problem.kind == "anchor" and old_head in report.problem.message


# ---------------------------------------------------------------------- any single edit is caught
_TEMPLATE: dict[str, Path] = {}


def _template() -> Path:
    if "path" not in _TEMPLATE:
        d = Path(tempfile.mkdtemp(prefix="attest-tamper-"))
        with Workspace.open(d / "template.attest") as ws:
            ws.append_note_batch(f"event {i}" for i in range(1, 11))
        _TEMPLATE["path"] = d / "template.attest"
    return _TEMPLATE["path"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    op=st.sampled_from(["edit", "rehash", "delete", "swap", "forge_end", "forge_mid", "head"]),
    a=st.integers(1, 10),
    b=st.integers(1, 10),
    text=st.text(alphabet="abcXYZ019 -", min_size=1, max_size=8),
)
def test_any_single_tampering_is_caught(tmp_path: Path, op: str, a: int, b: int, text: str) -> None:
    path = Path(tempfile.mkdtemp(dir=tmp_path)) / "t.attest"
    shutil.copy(_template(), path)
    conn = raw(path)
    prev, body, h = row(conn, a)
    if op == "edit":
        new = body.replace(f"event {a}", f"event {a}{text}")
        conn.execute("UPDATE events SET body = ? WHERE seq = ?", (new, a))
    elif op == "rehash":
        new = body.replace(f"event {a}", f"event {a}{text}")
        conn.execute("UPDATE events SET body = ?, hash = ? WHERE seq = ?", (new, link_hash(prev, new), a))
    elif op == "delete":
        conn.execute("DELETE FROM events WHERE seq = ?", (a,))
    elif op == "swap":
        if a == b:
            b = a % 10 + 1
        conn.execute("UPDATE events SET seq = -1 WHERE seq = ?", (a,))
        conn.execute("UPDATE events SET seq = ? WHERE seq = ?", (a, b))
        conn.execute("UPDATE events SET seq = ? WHERE seq = -1", (b,))
    elif op == "forge_end":
        last = row(conn, 10)[2]
        forged = forged_body(11, text)
        conn.execute("INSERT INTO events VALUES (11, ?, ?, ?)", (last, forged, link_hash(last, forged)))
    elif op == "forge_mid":
        for seq in range(10, a - 1, -1):
            conn.execute("UPDATE events SET seq = ? WHERE seq = ?", (seq + 1, seq))
        forged = forged_body(a, text)
        conn.execute("INSERT INTO events VALUES (?, ?, ?, ?)", (a, prev, forged, link_hash(prev, forged)))
        conn.execute("UPDATE chain_head SET seq = 11, hash = (SELECT hash FROM events WHERE seq = 11)")
    else:
        conn.execute("UPDATE chain_head SET hash = ?", (link_hash(h, text),))
    conn.close()
    assert not check(path).ok
