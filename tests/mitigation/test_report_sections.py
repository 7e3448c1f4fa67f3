"""The audit report shows mitigation evidence from the trail: S6 the remedies tried (before and after on their
held-out rows), S9 the proposals, the adopted measure with the person who adopted it, and the residual risk."""

from __future__ import annotations

import re

import pytest

from cli.main import main
from tests.mitigation.helpers import frame, mitigate, record_run
from tests.reports.report_helpers import page_texts


def _report(ws, run_id, out) -> str:
    assert main(["report", "--workspace", str(ws), "--run", run_id, "--out", str(out), "--force"]) == 0
    return re.sub(r"\s+", " ", " ".join(page_texts(out)))


def _section(text: str, start: str, end: str) -> str:
    i = text.index(start)
    return text[i : text.index(end, i)]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mit_report")
    ws, run_id, _ = record_run(tmp, frame(2000, bias=1.6, seed=8))
    return tmp, ws, run_id


def test_no_proposal_says_so(recorded):
    tmp, ws, run_id = recorded
    text = _report(ws, run_id, tmp / "none.pdf")
    assert "No mitigation was proposed for this run" in text
    assert "Remedies tried on this run" not in text


def test_proposal_then_adoption_appear_in_s6_and_s9(recorded):
    tmp, ws, run_id = recorded
    r = mitigate(ws, run_id, tmp / "m.json", "--seed", "2")
    pid = r["recorded"]["proposal_id"]
    text = _report(ws, run_id, tmp / "proposed.pdf")
    s6 = _section(text, "Remedies tried on this run", "S7")
    after = r["comparison"]["after"]["disparity"]
    assert pid in s6 and f"{after['value']:.3f} [{after['low']:.3f}, {after['high']:.3f}]" in s6
    assert "Adopted measure: none yet" in text and r["recorded"]["result_sha256"][:16] in text
    assert f"The trade-off of {pid}:" in text  # the stored proposal's chart, drawn in S9
    assert main(["trail", "whoami", "--workspace", str(ws), "--set-name", "Dana <Kim>", "--set-role", "ML lead"]) == 0
    assert main(["adopt", pid, "--workspace", str(ws), "--comment", "legal basis: Art. 10(5)"]) == 0
    text = _report(ws, run_id, tmp / "adopted.pdf")
    measure = _section(text, "Adopted measure:", "Residual risk")
    assert pid in measure and "Dana <Kim> (ML lead)" in measure and "legal basis: Art. 10(5)" in measure
    assert f"The trade-off of {pid} (adopted)" in text
    residual = _section(text, "Residual risk:", "S10")
    assert f"up to {after['high']:.3f}" in residual and "Re-audit" in residual
    assert "disparate treatment" in text
    # the copy to hand out names the people, never the OS account that recorded the proposal
    import getpass

    out = tmp / "shared.pdf"
    assert main(["report", "--workspace", str(ws), "--run", run_id, "--out", str(out), "--share", "--force"]) == 0
    shared = re.sub(r"\s+", " ", " ".join(page_texts(out)))
    assert "Dana <Kim> (ML lead)" in shared and f"{getpass.getuser()}@" not in shared
