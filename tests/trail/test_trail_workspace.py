"""The workspace: schema, settings, identity, registration, training, audits, sign-off, queries, lineage, export."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import pytest

from audit.hashing import sha256_file
from audit.trail import (
    SCHEMA_VERSION,
    DatasetLineage,
    ModelLineage,
    Workspace,
    WorkspaceError,
    default_workspace_path,
    export_trail,
    record_training,
    verify_export,
)
from audit.trail.identity import os_account

from .conftest import populate, result_pair


def test_new_workspace_schema_and_settings(ws: Workspace, ws_path: Path) -> None:
    conn = ws._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    info = ws.info()
    assert info["app"] == "attest" and info["schema_version"] == str(SCHEMA_VERSION) and len(info["workspace_id"]) == 32
    applied = conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = 'attest'").fetchall()
    assert applied == [("m001_initial",)]  # sqlite-utils migrations
    assert ws.head() == (0, "0" * 64) and ws.verify().ok


def test_reopening_keeps_everything_and_migrates_nothing(ws_path: Path, files) -> None:
    with Workspace.open(ws_path) as ws:
        populate(ws, files)
        head = ws.head()
    with Workspace.open(ws_path) as ws:
        assert ws.head() == head and ws.verify().ok
        assert ws.whoami().name == "Dana Kim"


def test_default_workspace_honours_attest_home(attest_home: Path) -> None:
    assert default_workspace_path() == attest_home / "default.attest"
    with Workspace.open() as ws:
        assert ws.path == attest_home / "default.attest"
        ws.add_note("hello")
    assert (attest_home / "default.attest").exists()


def test_default_workspace_without_attest_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import platformdirs

    monkeypatch.delenv("ATTEST_HOME")
    seen = []
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda *a, **k: seen.append(a) or str(tmp_path / "data"))
    assert default_workspace_path() == tmp_path / "data" / "default.attest"
    assert seen[0][0] == "Attest"


def test_identity_on_every_event(ws: Workspace) -> None:
    user, host = os_account()
    assert ws.whoami().user == user and ws.whoami().host == host and ws.whoami().name == ""
    first = ws.add_note("before")
    ws.set_identity("Dana Kim", "ML lead")
    after = ws.add_note("after")
    assert (first.actor.user, first.actor.host, first.actor.name) == (user, host, "")
    assert (after.actor.name, after.actor.role) == ("Dana Kim", "ML lead")
    assert after.actor.label() == f"Dana Kim (ML lead) [{user}@{host}]"
    assert [e.kind for e in ws.events()] == ["note", "identity_set", "note"]


def test_events_are_immutable_records(ws: Workspace) -> None:
    e = ws.add_note("hi")
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.kind = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        e.payload["text"] = "changed"  # type: ignore[index]
    assert e.time.endswith("Z") and e.id.startswith("ev-") and e.seq == 1 and e.prev_hash == "0" * 64
    assert ws.events()[0] == e


def test_register_dataset_and_model(ws: Workspace, files) -> None:
    d = ws.register_dataset(files["train"], name="credit", version="2", description="training split")
    m = ws.register_model(files["model"])
    sha = sha256_file(files["train"])
    assert d.artifact.id == f"ds-{sha[:12]}" and d.artifact.path == str(files["train"].resolve())
    assert (d.artifact.format, d.artifact.size_bytes, d.artifact.sha256) == ("csv", files["train"].stat().st_size, sha)
    assert (d.artifact.name, d.artifact.version, d.artifact.description) == ("credit", "2", "training split")
    assert m.artifact.id.startswith("model-") and m.artifact.format == "skops"
    assert ws.artifact(files["train"]) == d.artifact == ws.artifact(sha) == ws.artifact(d.artifact.id)
    with pytest.raises(WorkspaceError, match="already registered as a dataset"):
        ws.register_model(files["train"])
    with pytest.raises(WorkspaceError, match="not a registered"):
        ws.artifact("ds-000000000000")


def test_copy_move_and_change_of_registered_files(ws: Workspace, files, tmp_path: Path) -> None:
    first = ws.register_dataset(files["train"]).artifact
    copy = tmp_path / "copy.csv"
    copy.write_bytes(files["train"].read_bytes())
    r = ws.register_dataset(copy)
    assert r.status == "already_registered" and "identical copy" in r.message and r.event is None
    copy.unlink()
    moved = tmp_path / "moved.csv"
    files["train"].rename(moved)
    assert [c.status for c in ws.check_files()] == ["missing"]
    assert "MISSING" in ws.check_files()[0].message()
    r = ws.register_dataset(moved)
    assert r.status == "relocated" and r.event.kind == "artifact_relocated" and r.artifact.id == first.id
    assert ws.artifact(first.id).path == str(moved.resolve())
    assert [c.status for c in ws.check_files()] == ["ok"]
    moved.write_text("age,income,approved\n99,1,1\n")
    checks = ws.check_files()
    assert [c.status for c in checks] == ["changed"] and "CHANGED" in checks[0].message()
    r = ws.register_dataset(moved)
    assert r.status == "registered" and r.artifact.id != first.id and "has changed since" in r.message


def test_record_training_in_one_call(ws_path: Path, files) -> None:
    class Scalar:  # what numpy scalars look like to us
        def item(self) -> float:
            return 0.05

    e = record_training(
        ws_path,
        model_path=files["model"],
        dataset_paths=[files["train"], files["holdout"]],
        trainer="Dana Kim",
        params={"lr": Scalar(), "depth": 6, "nan": float("nan"), "p": Path("/x")},
        code_version="git:abc123",
        trained_at="2024-05-01T10:00:00Z",
    )
    assert e.kind == "training_recorded"
    p = e.payload
    assert p["trainer"] == "Dana Kim" and p["code_version"] == "git:abc123"
    assert p["trained_at"] == "2024-05-01T10:00:00.000000Z"
    assert p["params"] == {"lr": 0.05, "depth": 6, "nan": "NaN", "p": "/x"}
    with Workspace.open(ws_path) as ws:
        assert [x.kind for x in ws.events()] == [
            "model_registered",
            "dataset_registered",
            "dataset_registered",
            "training_recorded",
        ]
        assert set(e.refs) == {p["model"], *p["datasets"]}
        again = ws.record_training(p["model"], p["datasets"][:1])  # ids work too, files are not registered twice
        assert again.payload["trainer"] == ws.whoami().user and len(ws.artifacts()) == 3


def test_audit_report_signoff_flow(ws: Workspace, files, tmp_path: Path) -> None:
    run = populate(ws, files)
    assert run.startswith("run-")
    text, _sha = result_pair()
    assert ws.get_result_json(run) == text
    assert [r.run_id for r in ws.open_signoffs()] == [run]
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.7 fake")
    with pytest.raises(WorkspaceError, match="does not have the SHA-256"):
        ws.record_report(run, pdf, "0" * 64)
    rep = ws.record_report(run, pdf, sha256_file(pdf), manifest_sha256="b" * 64)
    assert rep.payload["sha256"] == sha256_file(pdf) and run in rep.refs
    s = ws.signoff(run, "approve-with-conditions", conditions="re-audit after retraining", comment="ok")
    assert (s.payload["reviewer"], s.payload["role"], s.payload["decision"]) == ("Dana Kim", "ML lead", "approve_with_conditions")
    assert ws.open_signoffs() == []
    rec = ws.audit_runs()[0]
    assert rec.reports == (rep,) and rec.signoffs == (s,) and rec.signed_off
    assert rec.model == f"model-{sha256_file(files['model'])[:12]}"


def test_signoff_is_recorded_under_the_workspace_identity(ws: Workspace, files) -> None:
    text, sha = result_pair()
    run = ws.record_audit({}, text, sha, None, [])
    user, host = os_account()
    with pytest.raises(WorkspaceError, match="has no display name and role in this workspace yet") as err:
        ws.signoff(run, "reject")
    assert f"{user}@{host}" in err.value.message and "whoami --set-name" in err.value.hint
    ws.set_identity("Ann Lee", "")
    with pytest.raises(WorkspaceError, match="has no display name and role"):
        ws.signoff(run, "reject")  # a role is needed too
    ws.set_identity("Ann Lee", "Compliance officer")
    head = ws.head()
    with pytest.raises(
        WorkspaceError,
        match="The sign-off reviewer 'Bob Smith' is not your workspace identity "
        r"\('Ann Lee'\)",
    ) as err:
        ws.signoff(run, "approve", reviewer="Bob Smith")
    assert "as yourself" in err.value.hint
    with pytest.raises(WorkspaceError, match="The sign-off role 'CEO' is not your workspace identity"):
        ws.signoff(run, "approve", role="CEO")
    assert ws.head() == head  # refused sign-offs record nothing
    s = ws.signoff(run, "reject", comment="bias", reviewer="Ann Lee", role="Compliance officer")
    assert (s.payload["reviewer"], s.payload["role"], s.payload["decision"]) == ("Ann Lee", "Compliance officer", "reject")
    assert (s.actor.user, s.actor.host) == (user, host) and s.payload["signature"] is None


def test_event_filters(ws: Workspace, files) -> None:
    ws.add_note("by nobody")
    run = populate(ws, files)
    model = ws.artifact(files["model"]).id
    assert [e.kind for e in ws.events(actor="dana")] == [
        "identity_set",
        "model_registered",
        "dataset_registered",
        "training_recorded",
        "audit_run",
        "note",
    ][1:]
    assert len(ws.events(actor=ws.whoami().user)) == len(ws.events())
    assert [e.kind for e in ws.events(artifact=model)] == ["model_registered", "training_recorded", "audit_run"]
    assert [e.kind for e in ws.events(artifact=files["train"])] == ["dataset_registered", "training_recorded", "audit_run"]
    assert [e.kind for e in ws.events(artifact=run)] == ["audit_run"]
    assert ws.events(kind="note", limit=1)[0].payload["text"] == "audit reviewed in weekly meeting"
    assert [e.seq for e in ws.events(limit=2)] == [6, 7]
    assert ws.events(since="2999-01-01") == [] and len(ws.events(since="2000-01-01")) == 7


def test_lineage(ws: Workspace, files, tmp_path: Path) -> None:
    run = populate(ws, files)
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(b"%PDF")
    ws.record_report(run, pdf, sha256_file(pdf))
    ws.record_training(files["model"], [files["holdout"]], trainer="Sam")  # fine-tuned later on more data
    model = ws.lineage(str(files["model"]))
    assert isinstance(model, ModelLineage)
    train, hold = ws.artifact(files["train"]).id, ws.artifact(files["holdout"]).id
    assert model.datasets == (train, hold) and model.trainers == ("Dana Kim", "Sam")
    assert [a.run_id for a in model.audits] == [run] and len(model.reports) == 1 and model.signoffs == ()
    assert model.trainings[0].params == {"max_depth": 6} and model.trainings[0].code_version == "abc123"
    data = ws.lineage(train)
    assert isinstance(data, DatasetLineage)
    assert data.models == (model.model_id,) and [a.run_id for a in data.audits] == [run]
    assert ws.lineage(hold).audits == ()
    with pytest.raises(WorkspaceError, match="Nothing in"):
        ws.lineage("model-ffffffffffff")
    from audit.trail.lineage import describe

    text = describe(model)
    assert "trained by Dana Kim" in text and "sign-off: open" in text


def test_lineage_of_a_model_audited_but_never_registered(ws: Workspace) -> None:
    text, sha = result_pair()
    ws.record_audit({}, text, sha, "c" * 64, ["d" * 64])
    lin = ws.lineage("model-" + "c" * 12)
    assert lin.artifact is None and len(lin.audits) == 1
    assert len(ws.lineage("ds-" + "d" * 12).audits) == 1


def test_export_json_can_be_reverified_elsewhere(ws: Workspace, files) -> None:
    populate(ws, files)
    buf = io.StringIO()
    assert export_trail(ws, buf, "json") == ws.head()[0]
    data = json.loads(buf.getvalue())
    assert data["format"] == "attest-trail" and data["head"] == {"seq": ws.head()[0], "hash": ws.head_hash()}
    assert "SHA-256" in data["hash_rule"]
    assert verify_export(data) is None
    data["events"][2]["body"] = data["events"][2]["body"].replace("Dana", "Eve")
    assert verify_export(data).seq == 3
    data = json.loads(buf.getvalue())
    data["events"].pop(1)
    assert verify_export(data) is not None


def test_export_csv(ws: Workspace, files) -> None:
    import csv

    populate(ws, files)
    buf = io.StringIO()
    export_trail(ws, buf, "csv")
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert len(rows) == ws.head()[0] and rows[-1]["hash"] == ws.head_hash()
    assert rows[3]["kind"] == "training_recorded" and rows[3]["actor_name"] == "Dana Kim"
    assert json.loads(rows[3]["payload"])["params"] == {"max_depth": 6}
    with pytest.raises(WorkspaceError, match="not an export format"):
        export_trail(ws, buf, "xml")


def test_concurrent_threads_share_one_workspace(ws: Workspace) -> None:
    import threading

    def work(tag: str) -> None:
        for i in range(25):
            ws.add_note(f"{tag}{i}")

    threads = [threading.Thread(target=work, args=(t,)) for t in "abcd"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ws.verify().ok and ws.head()[0] == 100


def test_verify_reads_one_snapshot_while_others_append(ws_path: Path) -> None:
    """Without one read transaction, an append landing mid-verify would look like an event inserted after the head."""
    import threading

    with Workspace.open(ws_path) as ws:
        ws.append_note_batch(f"n{i}" for i in range(20_000))
        stop = threading.Event()

        def writer() -> None:
            with Workspace.open(ws_path) as other:
                while not stop.is_set():
                    other.add_note("concurrent")

        t = threading.Thread(target=writer)
        t.start()
        try:
            reports = [ws.verify() for _ in range(5)]
        finally:
            stop.set()
            t.join()
        assert all(r.ok for r in reports), [r.summary() for r in reports]
        assert reports[-1].events > 20_000


def test_verify_reports_progress_and_can_be_cancelled(ws: Workspace) -> None:
    from audit.cancel import CancelToken
    from audit.errors import Cancelled

    ws.append_note_batch(f"n{i}" for i in range(70_000))
    seen: list[tuple] = []
    assert ws.verify(progress=lambda *a: seen.append(a)).ok
    assert seen[0] == ("verify", 65_535, 70_000, "Verified 65,535 of 70,000 events")
    assert seen[-1][1:3] == (70_000, 70_000)
    token = CancelToken()
    token.set()
    with pytest.raises(Cancelled):
        ws.verify(cancel=token)
    ws.add_note("still writable after a cancelled verify")
    assert ws.verify().ok


def test_model_retrained_into_the_same_path_is_a_new_artifact(ws: Workspace, files) -> None:
    first = ws.record_training(files["model"], [files["train"]]).payload["model"]
    files["model"].write_bytes(b"PK\x03\x04 retrained weights")
    second = ws.record_training(files["model"], [files["train"]]).payload["model"]
    assert first != second and ws.artifact(files["model"]).id == second
    assert ws.artifact(first).path == ws.artifact(second).path
    assert {c.artifact.id: c.status for c in ws.check_files()}[first] == "changed"


def test_an_older_workspace_is_upgraded_by_the_next_migration(ws_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from audit.trail import schema
    from audit.trail import storage as storage_mod

    with Workspace.open(ws_path) as ws:
        ws.add_note("written by schema 1")
        head = ws.head()

    def m002_tags(db) -> None:
        db.create_table("tags", {"name": str}, pk="name")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, m002_tags])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(storage_mod, "SCHEMA_VERSION", 2)
    with pytest.raises(WorkspaceError, match="must be upgraded"):
        Workspace.open(ws_path, readonly=True)
    with Workspace.open(ws_path) as ws:
        assert ws._conn.execute("PRAGMA user_version").fetchone()[0] == 2
        assert ws._conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id").fetchall() == [
            ("m001_initial",),
            ("m002_tags",),
        ]
        assert ws.head() == head and ws.verify().ok
