"""`attest mitigate --pdf`: the what-if as a PDF bound to the recorded proposal, with the legal caveat first."""

from __future__ import annotations

import json
import re

import pytest

from cli.main import main
from tests.mitigation.helpers import frame, mitigate, record_run
from tests.reports.report_helpers import page_texts


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mit_pdf")
    ws, run_id, _ = record_run(tmp, frame(3000, bias=1.6, seed=2))
    r = mitigate(ws, run_id, tmp / "m.json", "--seed", "3", "--pdf", str(tmp / "m.pdf"))
    return tmp, ws, run_id, r, page_texts(tmp / "m.pdf")


def _flat(pages: list[str]) -> str:
    return re.sub(r"\s+", " ", " ".join(pages))


def test_pdf_opens_with_the_caveat_and_is_bound_to_the_proposal(written):
    _, _, run_id, r, pages = written
    first = re.sub(r"\s+", " ", pages[0])
    assert first.index("disparate treatment") < first.index("Summary")
    text = _flat(pages)
    rec = r["recorded"]
    assert rec["proposal_id"] in pages[-1] and rec["proposal_id"] in pages[0]  # the header of every page, and the binding
    assert rec["result_sha256"] in text.replace(" ", "") and rec["event_hash"] in text.replace(" ", "")
    assert r["split"]["test_rows_sha256"] in text.replace(" ", "")
    assert run_id in text and "not adopted" in text


def test_pdf_shows_the_rule_the_headline_and_the_flipped_verdict(written):
    _, _, _, r, pages = written
    text = _flat(pages)
    for g, v in r["thresholds"].items():
        assert g in text
        assert f"{v['rule'][0]['threshold']:.4g}" in text
    after = r["comparison"]["after"]["disparity"]
    assert f"{after['value']:.3f} [{after['low']:.3f}, {after['high']:.3f}]" in text
    assert "✗ FAIL" in text and "✓ PASS" in text  # the demographic-parity check flipped
    assert f"{r['alternatives']['single_threshold']['threshold']:.4g}" in text
    assert "unknown until retrained" in text


def test_pdf_and_json_are_written_together_or_not_at_all(written):
    tmp, ws, run_id, _, _ = written
    (tmp / "exists.pdf").write_bytes(b"keep me")
    out = tmp / "again.json"
    rc = main(
        [
            "mitigate",
            run_id,
            "--workspace",
            str(ws),
            "--constraint",
            "demographic_parity",
            "--json",
            str(out),
            "--pdf",
            str(tmp / "exists.pdf"),
        ]
    )
    assert rc == 2
    assert (tmp / "exists.pdf").read_bytes() == b"keep me" and not out.exists()


def test_adopted_proposal_names_the_person_in_the_pdf(written):
    tmp, ws, run_id, _, _ = written
    assert main(["trail", "whoami", "--workspace", str(ws), "--set-name", "Dana Kim", "--set-role", "ML lead"]) == 0
    r = mitigate(ws, run_id, tmp / "a.json", "--adopt", "--pdf", str(tmp / "a.pdf"))
    assert json.loads((tmp / "a.json").read_text())["recorded"]["adopted_by"] == "Dana Kim" == r["recorded"]["adopted_by"]
    assert "Dana Kim (ML lead)" in _flat(page_texts(tmp / "a.pdf"))
