"""A proposal's full JSON is stored in the workspace under its id, bound by the hash its chained event records:
readable later (the report, a reviewer), and `verify` finds it changed or removed."""

from __future__ import annotations

import pytest

from audit.mitigation.record import proposal_result
from audit.trail import Workspace, WorkspaceError
from tests.mitigation.helpers import frame, mitigate, record_run
from tests.trail.conftest import raw


@pytest.fixture
def proposed(tmp_path):
    ws, run_id, _ = record_run(tmp_path, frame(1500, bias=1.4, seed=3))
    return ws, mitigate(ws, run_id, tmp_path / "m.json")


def test_stored_result_is_the_written_json(proposed):
    ws, r = proposed
    with Workspace.open(ws, readonly=True) as w:
        stored = proposal_result(w, r["recorded"]["proposal_id"])
        assert w.verify().ok
    assert stored == {k: v for k, v in r.items() if k != "recorded"}


@pytest.mark.parametrize("how", ["change", "remove"])
def test_verify_finds_a_changed_or_removed_proposal(proposed, how):
    ws, r = proposed
    pid = r["recorded"]["proposal_id"]
    conn = raw(ws)  # what someone editing the file by hand can do: the triggers that forbid it dropped
    try:
        if how == "change":
            conn.execute(
                "UPDATE audit_results SET result_json = replace(result_json, 'ThresholdOptimizer', 'X') WHERE run_id = ?", (pid,)
            )
        else:
            conn.execute("DELETE FROM audit_results WHERE run_id = ?", (pid,))
    finally:
        conn.close()
    with Workspace.open(ws, readonly=True) as w:
        report = w.verify()
        assert not report.ok and pid in report.problem.message
        assert ("changed" if how == "change" else "removed") in report.problem.message
        with pytest.raises(WorkspaceError, match="missing or was changed"):
            proposal_result(w, pid)
