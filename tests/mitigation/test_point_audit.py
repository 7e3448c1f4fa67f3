"""Any trade-off point of a proposal can be audited in full on the held-out rows (what the app shows for a picked
point): its decisions are derived again and must reproduce the stored point before the audit is returned."""

from __future__ import annotations

import copy

import pytest

from audit.errors import InputError
from audit.mitigation.point_audit import audit_point
from audit.trail import Workspace
from tests.mitigation.helpers import frame, mitigate, record_run


@pytest.fixture(scope="module")
def proposal(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mit_point")
    ws, run_id, _ = record_run(tmp, frame(2000, bias=1.4, seed=5))
    return ws, mitigate(ws, run_id, tmp / "m.json", "--seed", "7")


def _rates(audit: dict) -> dict[str, float]:
    return {
        " & ".join(f"{k}={v}" for k, v in g["attributes"].items()): g["metrics"]["selection_rate"]["value"]
        for g in audit["groups"]
        if g["level"] == ["sex"]
    }


def _picks(points: list[dict]) -> list[int]:
    kinds = {
        "original": lambda p: p["original"],
        "tolerance": lambda p: p.get("tolerance") is not None,
        "proposed": lambda p: p.get("proposed"),
        "single": lambda p: p["method"] == "single threshold",
    }
    return [next(i for i, p in enumerate(points) if test(p)) for test in kinds.values()]


def test_each_kind_of_point_audits_to_its_stored_rates(proposal):
    ws, r = proposal
    picks = _picks(r["tradeoff"])
    with Workspace.open(ws, readonly=True) as w:
        for i in picks:
            audit = audit_point(w, r, i)
            stored = {g: v["value"] for g, v in r["tradeoff"][i]["selection_rate_by_group"].items()}
            assert _rates(audit) == pytest.approx(stored, abs=1e-12)
            assert audit["data"]["rows"] == r["split"]["test_rows"]
        # The proposed point is the 'after' audit and the original one the 'before' audit, verdict for verdict.
        orig, _, prop, _ = picks
        for i, side in ((orig, "before"), (prop, "after")):
            audit = audit_point(w, r, i)
            assert [v["status"] for v in audit["verdicts"]] == [v["status"] for v in r[side]["verdicts"]]
            assert _rates(audit) == pytest.approx(_rates(r[side]), abs=1e-12)


def test_a_point_that_does_not_reproduce_is_refused(proposal):
    ws, r = proposal
    bad = copy.deepcopy(r)
    i = _picks(bad["tradeoff"])[1]
    bad["tradeoff"][i]["accuracy"]["value"] += 0.01
    with Workspace.open(ws, readonly=True) as w:
        with pytest.raises(InputError, match="differ from the proposal"):
            audit_point(w, bad, i)
        with pytest.raises(InputError, match="no point"):
            audit_point(w, r, len(r["tradeoff"]))
