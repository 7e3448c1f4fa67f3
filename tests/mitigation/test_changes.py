"""The mitigation result carries `attest compare`'s comparison of the original and the mitigated decisions on the
same held-out rows: per group and metric before, after and the change with its interval, and the verdicts that flipped."""

from __future__ import annotations

import pytest

from tests.mitigation.helpers import frame, mitigate, record_run


@pytest.fixture(scope="module")
def proposal(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mit_changes")
    ws, run_id, _ = record_run(tmp, frame(3000, bias=1.6, seed=2))
    return run_id, mitigate(ws, run_id, tmp / "m.json", "--seed", "3")


def _rate(audit: dict, sex: str) -> float:
    return next(g for g in audit["groups"] if g["attributes"] == {"sex": sex})["metrics"]["selection_rate"]["value"]


def test_changes_are_after_minus_before_of_the_held_out_audits(proposal):
    _, r = proposal
    c = r["changes"]
    assert {"runs", "inputs_changed", "changes", "verdict_changes", "summary"} <= set(c)
    for sex in ("Female", "Male"):
        ch = next(
            x for x in c["changes"] if x["kind"] == "group" and x["metric"] == "selection_rate" and x["group"] == {"sex": sex}
        )
        assert ch["before"]["value"] == pytest.approx(_rate(r["before"], sex), abs=1e-12)
        assert ch["after"]["value"] == pytest.approx(_rate(r["after"], sex), abs=1e-12)
        assert ch["difference"]["value"] == pytest.approx(_rate(r["after"], sex) - _rate(r["before"], sex), abs=1e-12)
        assert ch["difference"]["ci_low"] <= ch["difference"]["value"] <= ch["difference"]["ci_high"]
    # Women's selection rate rose beyond its interval: the bias of the score was undone.
    women = next(
        x for x in c["changes"] if x["kind"] == "group" and x["metric"] == "selection_rate" and x["group"] == {"sex": "Female"}
    )
    assert women["difference"]["ci_low"] > 0 and women["significant"]


def test_flipped_verdicts_and_paired_note(proposal):
    run_id, r = proposal
    c = r["changes"]
    flips = {(v["before"], v["after"]) for v in c["verdict_changes"]}
    assert ("fail", "pass") in flips
    before = {v["check"] for v in r["before"]["verdicts"] if v["status"] == "fail"}
    assert {v["check"] for v in c["verdict_changes"] if v["before"] == "fail"} <= before
    assert c["same_data"] is True and c["runs"]["a"]["rows"] == c["runs"]["b"]["rows"] == r["split"]["test_rows"]
    assert c["runs"]["a"]["run_id"] == f"{run_id}/original" and c["runs"]["b"]["run_id"] == f"{run_id}/mitigated"
    # The temporary tables each side was audited from are not reported as a change of data.
    assert not [x for x in c["inputs_changed"] if x["input"] == "data"]
    assert any(line.startswith("What changed: the decisions only") for line in c["summary"])
    assert any("same held-out rows" in n for n in c["notes"])
