"""Bad input: each case gives a clear message (what was wrong, how to fix it) and corrupts nothing."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from audit.errors import InputError
from audit.trail import Workspace, WorkspaceError
from audit.trail import storage as storage_mod

from .conftest import populate


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_workspace_error_is_an_input_error() -> None:
    assert issubclass(WorkspaceError, InputError)  # the CLI maps it to exit code 2


def test_file_that_is_not_sqlite(tmp_path: Path) -> None:
    p = tmp_path / "notes.attest"
    p.write_text("these are my meeting notes\n" * 20)
    before = digest(p)
    for readonly in (False, True):
        with pytest.raises(WorkspaceError, match="not an SQLite database") as err:
            Workspace.open(p, readonly=readonly)
        assert "left untouched" in err.value.message and err.value.hint
    assert digest(p) == before
    assert [x.name for x in tmp_path.iterdir()] == ["notes.attest"]  # no -wal, -shm or journal left behind


def test_sqlite_file_of_another_program(tmp_path: Path) -> None:
    p = tmp_path / "other.db"
    conn = sqlite3.connect(p)
    conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.commit()
    conn.close()
    before = digest(p)
    with pytest.raises(WorkspaceError, match="SQLite database but not an Attest workspace"):
        Workspace.open(p)
    assert digest(p) == before


def test_damaged_sqlite_file(ws_path: Path, files) -> None:
    with Workspace.open(ws_path) as ws:
        populate(ws, files)
        ws._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(ws_path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # garble the schema page, keep the header
    ws_path.write_bytes(bytes(data))
    with pytest.raises(WorkspaceError, match="damaged or not an Attest workspace") as err:
        Workspace.open(ws_path)
    assert "backup" in err.value.hint


def test_workspace_from_a_newer_attest(ws_path: Path, files) -> None:
    with Workspace.open(ws_path) as ws:
        populate(ws, files)
    conn = sqlite3.connect(ws_path)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = digest(ws_path)
    for readonly in (False, True):
        with pytest.raises(WorkspaceError, match="created by a newer Attest") as err:
            Workspace.open(ws_path, readonly=readonly)
        assert "schema 99" in err.value.message and "Update Attest" in err.value.hint
    assert digest(ws_path) == before


def test_read_only_file(ws_path: Path, files) -> None:
    with Workspace.open(ws_path) as ws:
        populate(ws, files)
        head = ws.head()
        ws._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = digest(ws_path)
    ws_path.chmod(stat.S_IRUSR | stat.S_IRGRP)
    try:
        with pytest.raises(WorkspaceError, match="is read-only") as err:
            Workspace.open(ws_path)
        assert "chmod" in err.value.hint
        with Workspace.open(ws_path, readonly=True) as ws:  # reading still works
            assert ws.verify().ok and ws.head() == head and len(ws.events()) == head[0]
            with pytest.raises(WorkspaceError, match="opened read-only"):
                ws.add_note("nope")
    finally:
        ws_path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert digest(ws_path) == before


def test_full_disk(ws: Workspace, files) -> None:
    populate(ws, files)
    head = ws.head()
    pages = ws._conn.execute("PRAGMA page_count").fetchone()[0]
    ws._conn.execute(f"PRAGMA max_page_count = {pages}")  # the file may not grow: as if the disk were full
    with pytest.raises(WorkspaceError, match=r"disk holding .* is full") as err:
        for i in range(100):
            ws.add_note("x" * 5000 + str(i))
    assert "was not recorded" in err.value.message and "Free some disk space" in err.value.hint
    with pytest.raises(WorkspaceError, match="is full"):
        big = '{"x": "' + "y" * 50_000 + '"}'
        ws.record_audit({"a": 1}, big, hashlib.sha256(big.encode()).hexdigest(), None, [])
    assert ws.verify().ok and ws.head()[0] >= head[0]
    assert len(ws.audit_runs()) == 1  # the failed audit left neither event nor stored result
    ws._conn.execute("PRAGMA max_page_count = 1073741823")
    ws.add_note("space freed")
    report = ws.verify()
    assert report.ok and report.head_seq == ws.head()[0]


def test_file_registered_twice(ws: Workspace, files) -> None:
    first = ws.register_dataset(files["train"], name="train")
    again = ws.register_dataset(files["train"])
    assert (first.status, again.status) == ("registered", "already_registered")
    assert again.artifact == first.artifact and again.event is None
    assert "already registered as ds-" in again.message and "nothing new was recorded" in again.message
    assert len(ws.events()) == 1


def test_missing_file(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="does not exist") as err:
        ws.register_dataset(tmp_path / "nope.csv")
    assert "Check the path" in err.value.hint
    with pytest.raises(WorkspaceError, match="neither a registered model id nor an existing file"):
        ws.record_training(tmp_path / "nope.pkl", [tmp_path / "nope.csv"])
    assert ws.events() == []


def test_folder_as_file(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="is a folder"):
        ws.register_model(tmp_path)
    with pytest.raises(WorkspaceError, match="is a folder"):
        Workspace.open(tmp_path)


def test_missing_parent_folder(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="does not exist") as err:
        Workspace.open(tmp_path / "no" / "such" / "w.attest")
    assert "Create the folder" in err.value.hint
    assert not (tmp_path / "no").exists()


def test_no_workspace_for_reading(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="There is no workspace"):
        Workspace.open(tmp_path / "absent.attest", readonly=True)
    assert not (tmp_path / "absent.attest").exists()


def test_empty_files(tmp_path: Path) -> None:
    (tmp_path / "new.attest").touch()
    with Workspace.open(tmp_path / "new.attest") as ws:  # an empty *.attest is simply initialised
        assert ws.verify().ok
    (tmp_path / "notes.txt").touch()
    with pytest.raises(WorkspaceError, match="empty file"):
        Workspace.open(tmp_path / "notes.txt")
    assert (tmp_path / "notes.txt").stat().st_size == 0


def test_busy_workspace(ws_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Workspace.open(ws_path).close()
    monkeypatch.setattr(storage_mod, "BUSY_TIMEOUT_S", 0.2)
    blocker = sqlite3.connect(ws_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        with Workspace.open(ws_path) as ws:
            with pytest.raises(WorkspaceError, match="is busy") as err:
                ws.add_note("waiting")
            assert "try again" in err.value.hint
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    with Workspace.open(ws_path) as ws:
        ws.add_note("now")
        assert ws.verify().ok and ws.head()[0] == 1


def test_bad_payloads_are_refused_before_writing(ws: Workspace, files) -> None:
    run = populate(ws, files)
    n = ws.head()[0]
    with pytest.raises(WorkspaceError, match="not a sign-off decision"):
        ws.signoff(run, "maybe")
    with pytest.raises(WorkspaceError, match="must state the conditions"):
        ws.signoff(run, "approve_with_conditions", conditions="  ")
    with pytest.raises(WorkspaceError, match="no audit run"):
        ws.signoff("run-000000000000", "approve")
    with pytest.raises(WorkspaceError, match="does not match the SHA-256"):
        ws.record_audit({}, '{"a": 1}', "0" * 64, None, [])
    with pytest.raises(WorkspaceError, match="not valid"):
        ws.record_audit({}, '{"a": 1}', hashlib.sha256(b'{"a": 1}').hexdigest(), "not-a-hash", [])
    with pytest.raises(WorkspaceError, match="not valid"):
        ws.add_note("")
    with pytest.raises(WorkspaceError, match="not a date"):
        ws.events(since="last tuesday")
    assert ws.head()[0] == n


def test_path_is_never_executed_or_unpickled(ws: Workspace, tmp_path: Path) -> None:
    import pickle

    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    model = tmp_path / "evil.pkl"
    model.write_bytes(pickle.dumps(Evil()))
    r = ws.register_model(model)
    assert r.artifact.format == "pickle" and not marker.exists()
