"""`attest compare`: reads both runs from the trail, writes JSON and PDF, records an `audit_compared` event that the
trail's verify covers; bad input exits 2 with a message and writes nothing."""

from __future__ import annotations

import io
import json

import pytest

from audit.hashing import sha256_file
from audit.trail import Workspace
from cli.main import main
from tests.trail.conftest import raw


def run_cli(argv, capsys):
    rc = main(argv)
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_compare_writes_json_pdf_and_records_a_verifiable_event(recorded, tmp_path, capsys):
    ws_path, run_a, run_b = recorded
    out, pdf = tmp_path / "cmp.json", tmp_path / "cmp.pdf"
    rc, stdout, err = run_cli(
        ["compare", run_a, run_b, "--workspace", str(ws_path), "--json", str(out), "--pdf", str(pdf)], capsys
    )
    assert rc == 0, err  # B fails nothing that A did not: re-thresholding removed the fails
    data = json.loads(out.read_text())
    assert {"runs", "inputs_changed", "changes", "verdict_changes"} <= set(data)
    assert set(data["runs"]) == {"a", "b"} and data["runs"]["a"]["run_id"] == run_a
    ch = data["changes"][0]
    assert {"level", "group", "metric", "before", "after", "difference"} <= set(ch)
    assert set(ch["difference"]) == {"value", "ci_low", "ci_high"}
    assert {"check", "group", "before", "after"} <= set(data["verdict_changes"][0])
    assert "the four_fifths check now passes" in stdout

    with Workspace.open(ws_path, readonly=True) as ws:
        events = ws.events(kind="audit_compared")
        assert len(events) == 1
        e = events[0]
        assert set(e.refs) == {run_a, run_b}
        assert e.payload["result_a_sha256"] == ws.run_event(run_a).payload["result_sha256"]
        assert e.payload["pdf_sha256"] == sha256_file(pdf)
        from audit.lifecycle.compare_types import Comparison

        assert e.payload["comparison_sha256"] == Comparison.model_validate_json(out.read_text()).sha256()
        assert {"check": "four_fifths", "group": {"race": "B"}, "before": "fail", "after": "pass"} in e.payload["verdict_changes"]
        assert ws.verify().ok
        assert ws.events(artifact=run_a)[-1].kind == "audit_compared"  # found from either run

    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    assert "Comparison of two audits" in text and run_a in text and "four_fifths" in text

    # The comparison event is in the chain: editing its summary breaks verify at that event.
    conn = raw(ws_path)
    body = conn.execute("SELECT body FROM events WHERE seq = ?", (e.seq,)).fetchone()[0]
    conn.execute("UPDATE events SET body = ? WHERE seq = ?", (body.replace("now passes", "now fails"), e.seq))
    conn.close()
    with Workspace.open(ws_path, readonly=True) as ws:
        report = ws.verify()
    assert not report.ok and report.problem is not None and report.problem.seq == e.seq


def test_compare_again_gives_the_same_comparison_hash(recorded, capsys):
    ws_path, run_a, run_b = recorded
    for _ in range(2):
        assert run_cli(["compare", run_a, run_b, "--workspace", str(ws_path)], capsys)[0] == 0
    with Workspace.open(ws_path, readonly=True) as ws:
        hashes = {e.payload["comparison_sha256"] for e in ws.events(kind="audit_compared")}
        log = [e.summary() for e in ws.events(kind="audit_compared")]
    assert len(hashes) == 1
    assert log[0].startswith(f"{run_a} -> {run_b}: ")


def test_a_newly_failing_check_exits_1(recorded, capsys):
    ws_path, run_a, run_b = recorded
    rc, stdout, _ = run_cli(["compare", run_b, run_a, "--workspace", str(ws_path)], capsys)  # backwards: B -> A
    assert rc == 1
    assert "now fails (it passed)" in stdout


@pytest.mark.parametrize(
    "case, expected",
    [
        ("unknown_run", ["There is no audit run 'run-000000000000'"]),
        ("same_run", ["a run compared with itself"]),
        ("no_workspace", ["There is no workspace at"]),
        ("json_exists", ["exists already"]),
        ("bad_level", ["--ci-level 1.5 is not a confidence level"]),
    ],
)
def test_bad_input_exits_2_and_records_nothing(case, expected, recorded, tmp_path, capsys):
    ws_path, run_a, run_b = recorded
    existing = tmp_path / "there.json"
    existing.write_text("{}")
    argv = {
        "unknown_run": [run_a, "run-000000000000", "--workspace", str(ws_path)],
        "same_run": [run_a, run_a, "--workspace", str(ws_path)],
        "no_workspace": [run_a, run_b, "--workspace", str(tmp_path / "nope.attest")],
        "json_exists": [run_a, run_b, "--workspace", str(ws_path), "--json", str(existing)],
        "bad_level": [run_a, run_b, "--workspace", str(ws_path), "--ci-level", "1.5"],
    }[case]
    rc, _, err = run_cli(["compare", *argv], capsys)
    assert rc == 2, err
    assert err.startswith("error: ") and "How to fix: " in err and "Traceback" not in err
    for s in expected:
        assert s in err, err
    assert existing.read_text() == "{}"
    assert not (tmp_path / "nope.attest").exists()
    with Workspace.open(ws_path, readonly=True) as ws:
        assert ws.events(kind="audit_compared") == []
