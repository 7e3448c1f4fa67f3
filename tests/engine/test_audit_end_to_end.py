"""`attest audit` from the command line: the JSON schema users rely on, exit codes, and the round trip."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from audit.result import AuditResult
from cli.main import main


def _write(tmp_path, n=3000, bias=0.0, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"race": rng.choice(["A", "B", "C"], n, p=[0.5, 0.3, 0.2]), "sex": rng.choice(["F", "M"], n)})
    df.loc[rng.choice(n, 40, replace=False), "sex"] = np.nan
    df["y"] = rng.integers(0, 2, n)
    score = np.clip(0.5 * df.y + rng.random(n) * 0.5 - bias * (df.race == "C"), 0, 1)
    df["score"] = score
    df["pred"] = (score >= 0.5).astype(int)
    f = tmp_path / "preds.csv"
    df.to_csv(f, index=False)
    return f, df


def test_predictions_only_audit_json(tmp_path, capsys):
    f, df = _write(tmp_path, bias=0.3)
    out = tmp_path / "r.json"
    rc = main(
        [
            "audit",
            "--data",
            str(f),
            "--target",
            "y",
            "--sensitive",
            "race,sex",
            "--predictions",
            "pred",
            "--positive-label",
            "1",
            "--scores",
            "score",
            "--reference",
            "race=A",
            "--bootstrap",
            "200",
            "--json",
            str(out),
            "--quiet",
        ]
    )
    assert rc == 1  # race C is selected far less often: the four-fifths check fails
    doc = json.loads(out.read_text())
    assert doc["schema_version"] == "1.4"
    groups = {json.dumps(g["attributes"], sort_keys=True): g for g in doc["groups"]}
    c = groups['{"race": "C"}']
    assert c["n"] == int((df.race == "C").sum())
    expected = {"selection_rate", "tpr", "fpr", "fnr", "tnr", "precision", "npv", "accuracy", "base_rate", "auc", "brier"}
    assert expected <= set(c["metrics"])
    m = c["metrics"]["selection_rate"]
    assert m["value"] == pytest.approx(df.pred[df.race == "C"].mean(), abs=1e-12)
    assert m["ci_low"] <= m["value"] <= m["ci_high"]
    from sklearn.metrics import roc_auc_score

    in_c = (df.race == "C").to_numpy()
    assert c["metrics"]["auc"]["value"] == pytest.approx(roc_auc_score(df.y[in_c], df.score[in_c]), abs=1e-12)
    assert '{"race": "C", "sex": "F"}' in groups  # intersections
    assert '{"sex": "(missing)"}' in groups and groups['{"sex": "(missing)"}']["n"] == 40  # missing is a visible group
    statuses = {v["status"] for v in doc["verdicts"]}
    assert statuses <= {"pass", "fail", "insufficient_evidence"} and "fail" in statuses
    fails = [v for v in doc["verdicts"] if v["status"] == "fail"]
    assert any(v["group"] == {"race": "C"} and v["check"] == "four_fifths" for v in fails)
    assert doc["provenance"]["data_sha256"] and doc["provenance"]["seed"] == 0
    assert any(n["item"] == "explanations" for n in doc["not_assessed"])
    assert any(d["metric"] == "selection_rate" and d["group"] == {"race": "C"} for d in doc["disparities"])


def test_passing_audit_exits_zero_and_round_trips(tmp_path, capsys):
    f, _ = _write(tmp_path, n=20000, bias=0.0, seed=3)
    out = tmp_path / "r.json"
    rc = main(
        [
            "audit",
            "--data",
            str(f),
            "--target",
            "y",
            "--sensitive",
            "race",
            "--predictions",
            "pred",
            "--positive-label",
            "1",
            "--bootstrap",
            "300",
            "--json",
            str(out),
            "--quiet",
        ]
    )
    text = out.read_text()
    doc = json.loads(text)
    assert rc == 0, [v for v in doc["verdicts"] if v["status"] != "pass"]
    result = AuditResult.from_json(text)
    assert AuditResult.from_json(result.to_json()) == result
    assert result.sha256() == AuditResult.from_json(result.to_json()).sha256()


def test_same_seed_same_result(tmp_path):
    f, _ = _write(tmp_path)
    docs = []
    for i in range(2):
        out = tmp_path / f"r{i}.json"
        main(
            [
                "audit",
                "--data",
                str(f),
                "--target",
                "y",
                "--sensitive",
                "race",
                "--predictions",
                "pred",
                "--positive-label",
                "1",
                "--bootstrap",
                "100",
                "--json",
                str(out),
                "--quiet",
            ]
        )
        d = json.loads(out.read_text())
        docs.append((d["groups"], d["disparities"], d["verdicts"]))
    assert docs[0] == docs[1]


@pytest.mark.slow
def test_demo_runs_end_to_end(tmp_path, capsys):
    rc = main(["demo", "--out", str(tmp_path / "demo"), "--bootstrap", "200", "--explain-budget", "5", "--quiet"])
    assert rc == 0
    doc = json.loads((tmp_path / "demo" / "audit_result.json").read_text())
    assert doc["model"]["format"] == "skops" and doc["model"]["trusted"] is False
    assert {g["attributes"].get("race") for g in doc["groups"]} >= {"White", "Black", "Hispanic"}
    assert "Policy 'standard'" in capsys.readouterr().out


def test_audit_is_recorded_in_the_workspace(tmp_path, capsys):
    from audit.trail import Workspace

    f, _ = _write(tmp_path)
    ws_path = tmp_path / "w.attest"
    out = tmp_path / "r.json"
    main(
        [
            "audit",
            "--data",
            str(f),
            "--target",
            "y",
            "--sensitive",
            "race",
            "--predictions",
            "pred",
            "--positive-label",
            "1",
            "--bootstrap",
            "50",
            "--json",
            str(out),
            "--quiet",
            "--workspace",
            str(ws_path),
        ]
    )
    result = AuditResult.from_json(out.read_text())
    with Workspace.open(ws_path) as ws:
        (run,) = ws.audit_runs()
        stored = AuditResult.from_json(ws.get_result_json(run.run_id))
        assert stored == result
        assert stored.sha256() == result.sha256()
        assert ws.verify().ok
    assert main(["trail", "verify", "--workspace", str(ws_path)]) == 0


def test_run_audit_reports_progress_and_stops_at_cancel(tmp_path):
    from audit.cancel import CancelToken
    from audit.errors import Cancelled
    from audit.run import run_audit
    from audit.spec import AuditSpec

    f, _ = _write(tmp_path)
    spec = AuditSpec(
        data_path=str(f), target="y", sensitive=("race", "sex"), predictions_column="pred", positive_label="1", bootstrap=100
    )
    seen: list[str] = []
    token = CancelToken()

    def progress(step, done, total, message):
        seen.append(step)
        assert 0 <= done <= total
        if step == "bootstrap":
            token.set()

    with pytest.raises(Cancelled):
        run_audit(spec, progress=progress, cancel=token)
    assert seen[:4] == ["load data", "model", "groups", "bootstrap"] and "metrics" not in seen

    steps: list[str] = []
    run_audit(spec, progress=lambda s, d, t, m: steps.append(s))
    assert steps[-1] == "done" and {"metrics", "disparities", "quality"} <= set(steps)
