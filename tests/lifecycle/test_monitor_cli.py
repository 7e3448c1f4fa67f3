"""`attest monitor` end to end: exit codes, JSON, the monitoring_run event with its stored result, verify."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pandas as pd
import pytest

from audit.hashing import sha256_bytes
from audit.trail import Workspace
from cli.main import main
from tests.lifecycle.conftest import lender_frame
from tests.lifecycle.monitor_helpers import simulate


@pytest.fixture(scope="module")
def d(tmp_path_factory):
    d = tmp_path_factory.mktemp("monitor_cli")
    simulate(4000, 1, days=30).drop(columns="time").to_csv(d / "ref.csv", index=False)
    simulate(3000, 2, days=90).to_csv(d / "stable.csv", index=False)
    simulate(3000, 3, days=90, drift_from="2024-02-15").to_csv(d / "drifted.csv", index=False)
    return d


def _args(d, log, ws, *extra):
    return [
        "monitor",
        "--data",
        str(d / log),
        "--time-column",
        "time",
        "--window",
        "1mo",
        "--predictions",
        "pred",
        "--scores",
        "score",
        "--target",
        "y",
        "--sensitive",
        "group",
        "--reference",
        str(d / "ref.csv"),
        "--workspace",
        str(ws),
        *extra,
    ]


def test_all_clear_exits_0_and_records_a_verified_event(d, tmp_path, capsys):
    ws = tmp_path / "w.attest"
    out = tmp_path / "m.json"
    assert main(_args(d, "stable.csv", ws, "--json", str(out))) == 0
    printed = capsys.readouterr().out
    assert "No alert" in printed and "Recorded the monitoring run" in printed
    result = json.loads(out.read_text())
    assert result["status"] == "pass" and len(result["windows"]) == 3
    with Workspace.open(ws, create=False) as w:
        events = w.events(kind="monitoring_run")
        assert len(events) == 1
        p = events[0].payload
        assert p["status"] == "pass" and p["windows"] == 3 and p["alerts"] == 0
        from audit.lifecycle.record import monitoring_result

        stored = monitoring_result(w, p["monitoring_id"])
        assert sha256_bytes(stored.encode("utf-8")) == p["result_sha256"]
        assert json.loads(stored)["windows"] == result["windows"]
        report = w.verify()
        assert report.ok, report
    assert main(["trail", "verify", "--workspace", str(ws)]) == 0


def test_an_alert_exits_1(d, tmp_path, capsys):
    ws = tmp_path / "w.attest"
    assert main(_args(d, "drifted.csv", ws)) == 1
    printed = capsys.readouterr().out
    assert "ALERT" in printed
    with Workspace.open(ws, create=False) as w:
        p = w.events(kind="monitoring_run")[0].payload
        assert p["status"] == "alert" and p["alerts"] > 0


def test_a_changed_stored_result_fails_verify(d, tmp_path):
    ws = tmp_path / "w.attest"
    main(_args(d, "stable.csv", ws))
    conn = sqlite3.connect(ws)
    conn.execute("DROP TRIGGER results_no_update")
    conn.execute("UPDATE audit_results SET result_json = replace(result_json, '\"pass\"', '\"alert\"')")
    conn.commit()
    conn.close()
    with Workspace.open(ws, create=False) as w:
        report = w.verify()
    assert not report.ok
    assert main(["trail", "verify", "--workspace", str(ws)]) != 0


def test_reference_by_run_id_uses_the_runs_dataset_and_columns(recorded, data_file, tmp_path, capsys):
    ws, run_a, _ = recorded
    log = lender_frame(seed=5, n=2000)
    log.insert(0, "time", pd.date_range("2024-01-01", periods=len(log), freq="h").strftime("%Y-%m-%dT%H:%M"))
    log.to_csv(tmp_path / "log.csv", index=False)
    out = tmp_path / "m.json"
    rc = main(
        [
            "monitor",
            "--data",
            str(tmp_path / "log.csv"),
            "--time-column",
            "time",
            "--window",
            "1000",
            "--predictions",
            "pred",
            "--scores",
            "score",
            "--reference",
            run_a,
            "--workspace",
            str(ws),
            "--json",
            str(out),
        ]
    )
    assert rc in (0, 1)
    r = json.loads(out.read_text())
    assert r["reference"]["run_id"] == run_a
    assert {g["column"] for g in r["windows"][0]["groups"]} == {"race", "sex"}  # the run's sensitive columns
    assert r["reference"]["n_with_outcome"] == 3000  # the run's target
    with Workspace.open(ws, create=False) as w:
        ev = w.events(kind="monitoring_run")[0]
        assert run_a in ev.refs and ev.payload["reference_run"] == run_a
        assert w.verify().ok


def test_pdf_report_is_bound_to_the_stored_result(d, tmp_path):
    import io

    from pypdf import PdfReader

    from audit.hashing import sha256_file

    ws, pdf = tmp_path / "w.attest", tmp_path / "m.pdf"
    assert main(_args(d, "drifted.csv", ws, "--pdf", str(pdf))) == 1
    with Workspace.open(ws, create=False) as w:
        p = w.events(kind="monitoring_run")[0].payload
        assert w.verify().ok
    assert p["pdf_sha256"] == sha256_file(pdf)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    assert "Post-market monitoring" in text and "ALERT" in text
    assert p["result_sha256"] in text.replace("\n", "")


def test_an_earlier_estimate_is_checked_once_outcomes_arrive(tmp_path, capsys):
    """Run 1 sees the log without outcomes and estimates; run 2 sees the same log with the outcomes filled in and
    sets run 1's estimates against the realised accuracy."""
    simulate(4000, 1, days=30).drop(columns="time").to_csv(tmp_path / "ref.csv", index=False)
    full = simulate(3000, 6, days=90)
    full.assign(y=np.nan).to_csv(tmp_path / "early.csv", index=False)
    full.to_csv(tmp_path / "late.csv", index=False)
    ws = tmp_path / "w.attest"
    main(["monitor", *_args(tmp_path, "early.csv", ws)[1:]])
    out = tmp_path / "late.json"
    main([*_args(tmp_path, "late.csv", ws), "--json", str(out)])
    r = json.loads(out.read_text())
    with Workspace.open(ws, create=False) as w:
        first = w.events(kind="monitoring_run")[0].payload["monitoring_id"]
    month = pd.to_datetime(full.time).dt.to_period("M")
    for win, m in zip(r["windows"], sorted(month.unique()), strict=True):
        e = win["earlier_estimate"]
        assert e["monitoring_id"] == first and e["n_then"] == win["n"]
        realised = float((full.y == full.pred)[month == m].mean())
        assert e["realised_accuracy"] == pytest.approx(realised, abs=1e-12)
        assert e["estimation_error"] == pytest.approx(e["accuracy"]["value"] - realised, abs=1e-12)
        assert abs(e["estimation_error"]) < 0.05
    assert any("estimated by an earlier run" in s for s in r["summary"])


def test_a_model_decides_and_scores_the_log(d, tmp_path):
    """--model: the model's decisions and probabilities on both files, its features the drift's features."""
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    ref = pd.read_csv(d / "ref.csv")
    model = LogisticRegression().fit(ref[["x"]], ref.y)
    path = tmp_path / "m.skops"
    sio.dump(model, path)
    out = tmp_path / "m.json"
    argv = _args(d, "drifted.csv", tmp_path / "w.attest", "--json", str(out))
    i = argv.index("--predictions")
    del argv[i : i + 4]  # --predictions pred --scores score
    assert main([*argv, "--model", str(path)]) == 1
    r = json.loads(out.read_text())
    assert r["decision_source"] == "model m.skops"
    log = pd.read_csv(d / "drifted.csv")
    log["month"] = pd.to_datetime(log.time).dt.to_period("M")
    first = log[log.month == log.month.min()]
    assert r["windows"][0]["selection_rate"]["value"] == pytest.approx(model.predict(first[["x"]]).mean(), abs=1e-12)
    assert set(r["windows"][0]["drift_features"]) == {"x", "(predictions)"}
    assert r["calibration"]["calibrated"] is True
