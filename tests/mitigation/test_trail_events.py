"""A proposal is a chained trail event; adoption is recorded under the adopter's workspace identity; the trail stays
verifiable, and editing a proposal afterwards is caught."""

from __future__ import annotations

import json

import pytest

from audit.trail import Workspace
from cli.main import main
from tests.mitigation.helpers import frame, mitigate, record_run
from tests.trail.conftest import raw


@pytest.fixture(scope="module")
def proposed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mit_trail")
    ws, run_id, _ = record_run(tmp, frame(1200, seed=9))
    r = mitigate(ws, run_id, tmp / "m.json", "--seed", "1")
    return tmp, ws, run_id, r


def _events(ws, kind):
    with Workspace.open(ws, readonly=True) as w:
        return w.events(kind=kind), w.verify()


def test_proposal_event_records_method_split_thresholds_and_hash(proposed):
    _, ws, run_id, r = proposed
    events, report = _events(ws, "mitigation_proposed")
    assert report.ok
    [e] = [e for e in events if e.payload["proposal_id"] == r["recorded"]["proposal_id"]]
    p = e.payload
    assert (p["run_id"], p["method"], p["constraint"], p["objective"]) == (
        run_id,
        "fairlearn.postprocessing.ThresholdOptimizer",
        "demographic_parity",
        "accuracy",
    )
    assert p["split"] == r["split"] and p["thresholds"] == json.loads(json.dumps(r["thresholds"]))
    assert p["result_sha256"] == r["recorded"]["result_sha256"]
    assert e.hash == r["recorded"]["event_hash"]
    assert run_id in e.refs and p["proposal_id"] in e.refs
    assert p["summary"]["after"]["disparity"] == r["comparison"]["after"]["disparity"]["value"]


def test_adopt_needs_identity_then_records_it_once(proposed, capsys):
    _, ws, _, r = proposed
    pid = r["recorded"]["proposal_id"]
    assert main(["adopt", pid, "--workspace", str(ws)]) == 2
    assert "no display name and role" in capsys.readouterr().err
    with Workspace.open(ws) as w:
        w.set_identity("Dana Kim", "ML lead")
    assert main(["adopt", pid, "--workspace", str(ws), "--comment", "ship with review in Q3"]) == 0
    [e], report = _events(ws, "mitigation_adopted")
    assert report.ok
    assert (e.payload["proposal_id"], e.payload["adopted_by"], e.payload["role"], e.payload["comment"]) == (
        pid,
        "Dana Kim",
        "ML lead",
        "ship with review in Q3",
    )
    assert e.payload["result_sha256"] == r["recorded"]["result_sha256"]
    assert main(["adopt", pid, "--workspace", str(ws)]) == 2
    assert "already adopted by Dana Kim" in capsys.readouterr().err


def test_mitigate_adopt_flag_records_both(proposed):
    tmp, ws, run_id, _ = proposed
    with Workspace.open(ws) as w:
        w.set_identity("Sam Roe", "Compliance officer")
    r = mitigate(ws, run_id, tmp / "m2.json", "--adopt", "--comment", "interim", constraint="equal_opportunity")
    assert (r["recorded"]["adopted_by"], r["recorded"]["role"]) == ("Sam Roe", "Compliance officer")
    adopted, report = _events(ws, "mitigation_adopted")
    assert report.ok
    assert adopted[-1].payload["proposal_id"] == r["recorded"]["proposal_id"]
    assert main(["trail", "verify", "--workspace", str(ws)]) == 0


def test_editing_a_proposal_breaks_the_chain(tmp_path):
    ws, run_id, _ = record_run(tmp_path, frame(800, seed=10))
    r = mitigate(ws, run_id, tmp_path / "m.json")
    conn = raw(ws)
    seq, body = conn.execute("SELECT seq, body FROM events WHERE json_extract(body, '$.kind') = 'mitigation_proposed'").fetchone()
    forged = body.replace(r["recorded"]["result_sha256"], "0" * 64)
    assert forged != body
    conn.execute("UPDATE events SET body = ? WHERE seq = ?", (forged, seq))
    conn.close()
    with Workspace.open(ws, readonly=True) as w:
        report = w.verify()
    assert not report.ok and report.problem is not None and report.problem.seq == seq
