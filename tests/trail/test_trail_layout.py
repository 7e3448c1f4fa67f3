"""The trail's layout, and that reorganising it changed nothing on disk.

`golden_trail.json` holds the rows of a trail written by Attest before `workspace.py` was split into `runs`, `queries`
and `people` (registrations, a relocation, a training, two audit runs with stored results, a report, a signed and an
unsigned sign-off, notes). Today's code must verify it, read it the same, write the same bytes for the same event and
extend its chain: the hash chain must not change by a byte.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import grimp

from audit.trail import Workspace
from audit.trail.events import build_body
from audit.trail.identity import Actor

GOLDEN = Path(__file__).with_name("golden_trail.json")
TRAIL = Path(__file__).resolve().parents[2] / "audit" / "trail"


def _restore(folder: Path) -> tuple[Path, dict[str, Any]]:
    """A workspace holding exactly the golden rows, inserted as the older Attest wrote them."""
    doc = json.loads(GOLDEN.read_text(encoding="utf-8"))
    path = folder / "old.attest"
    Workspace.open(path).close()  # today's schema (unchanged since schema 1), no events
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'workspace_id'", (doc["workspace_id"],))  # signatures name it
        conn.executemany("INSERT INTO events(seq, prev_hash, body, hash) VALUES (?, ?, ?, ?)", doc["events"])
        conn.executemany("INSERT INTO audit_results(run_id, sha256, result_json) VALUES (?, ?, ?)", doc["results"])
    conn.close()
    return path, doc


def test_a_trail_written_before_the_split_verifies(tmp_path: Path) -> None:
    path, doc = _restore(tmp_path)
    with Workspace.open(path, readonly=True) as ws:
        report = ws.verify()
    assert report.ok, report.summary()
    assert (report.events, report.head_seq) == (14, 14)
    assert report.head_hash == doc["events"][-1][3]
    assert report.signatures == 1  # the signed approval; the rejection was not signed


def test_its_hashes_follow_the_published_rule_and_today_writes_the_same_bytes() -> None:
    doc = json.loads(GOLDEN.read_text(encoding="utf-8"))
    prev = "0" * 64
    for seq, prev_hash, body, h in doc["events"]:
        assert prev_hash == prev
        assert hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest() == h  # independent of audit.trail.chain
        d = json.loads(body)
        rebuilt = build_body(
            seq=d["seq"],
            event_id=d["id"],
            kind=d["kind"],
            time=d["time"],
            actor=Actor(**d["actor"]),
            refs=d["refs"],
            payload=d["payload"],
        )
        assert rebuilt == body, f"event #{seq} would be written differently today"
        prev = h


def test_it_reads_the_same_through_the_public_api(tmp_path: Path) -> None:
    path, _ = _restore(tmp_path)
    with Workspace.open(path, readonly=True) as ws:
        runs = ws.audit_runs()
        assert [(len(r.reports), [s.payload["decision"] for s in r.signoffs]) for r in runs] == [
            (1, ["approve_with_conditions"]),
            (0, ["reject"]),
        ]
        assert ws.open_signoffs() == []
        assert [c.status for c in ws.signoff_checks()] == ["valid", "unsigned"]
        assert ws.get_result_json(runs[0].run_id) == '{"x": 1}'
        assert runs[0].model is not None
        lineage = ws.lineage(runs[0].model)
        assert len(lineage.trainings) == 1 and [a.run_id for a in lineage.audits] == [runs[0].run_id]
        arts = ws.artifacts()
        assert sorted(a.kind for a in arts.values()) == ["dataset", "model"]
        assert next(a.path for a in arts.values() if a.kind == "dataset").endswith("data2.csv")  # the relocation
        assert [e.kind for e in ws.events(kind="note")] == ["note"] * 3
        assert len(ws.events(artifact=runs[0].run_id)) == 4  # audit, report, sign-off, note


def test_today_extends_its_chain(tmp_path: Path) -> None:
    path, doc = _restore(tmp_path)
    with Workspace.open(path) as ws:
        note = ws.add_note("after the split")
        assert (note.seq, note.prev_hash) == (15, doc["events"][-1][3])
        assert ws.verify().ok


def test_the_trail_has_no_import_cycle() -> None:
    graph = grimp.build_graph("audit", include_external_packages=False)
    modules = {m for m in graph.modules if m.startswith("audit.trail.")}
    cycles = [
        (a, b)
        for a in modules
        for b in graph.find_modules_directly_imported_by(a) & modules
        if graph.chain_exists(importer=b, imported=a)
    ]
    assert cycles == []


def test_trail_modules_stay_small() -> None:
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in TRAIL.glob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 400} == {}
    assert {"storage.py", "ledger.py", "registry.py", "people.py", "runs.py", "queries.py", "workspace.py"} <= set(sizes)
