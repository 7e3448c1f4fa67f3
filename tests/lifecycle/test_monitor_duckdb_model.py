"""`attest monitor` / `attest drift --engine duckdb --model`: each file scored once in streamed batches (the DuckDB
audit's pass) gives the in-memory result on the whole JSON; windows of N rows out of core are the in-memory ones, ties
in time across a window boundary kept in file order; cancel during scoring; the in-memory refusals."""

from __future__ import annotations

import json
import tempfile

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression

import audit.engines.duckdb_model as dm
from audit import demo
from audit.cancel import CancelToken
from audit.errors import Cancelled, InputError
from audit.lifecycle.drift import measure_drift
from audit.lifecycle.drift_inputs import load_inputs as drift_inputs
from audit.lifecycle.monitor import monitor
from audit.lifecycle.monitor_inputs import load_inputs
from audit.lifecycle.ooc_drift import drift_duckdb
from audit.lifecycle.ooc_run import monitor_duckdb
from audit.lifecycle.plan import DriftPlan, MonitorPlan, load_monitor_plan
from audit.lifecycle.windows import parse_window
from cli.main import main
from tests.lifecycle.monitor_helpers import simulate
from tests.lifecycle.test_monitor_duckdb import _numbers

PLAN = MonitorPlan(checks=("selection_rate_change", "selection_ratio", "accuracy_drop", "tpr_drop", "drift", "group_drift"))


def _same(mem, ooc):
    a, b = json.loads(mem.to_json()), json.loads(ooc.to_json())
    assert (a.pop("engine"), b.pop("engine")) == ("memory", "duckdb")
    _numbers(a, b)
    return a


def test_model_on_the_demo_log_equals_memory(built, monkeypatch):
    folder, files, _ = built
    monkeypatch.setattr(dm, "BATCH_ROWS", 700)  # several batches, and commits, per file
    monkeypatch.setattr(dm, "COMMIT_ROWS", 1500)
    plan = load_monitor_plan(folder / "plan.toml")
    kw = dict(model=str(files.model), target=demo.TARGET, sensitive=list(demo.SENSITIVE))
    mem = monitor(load_inputs(folder / "log.csv", files.data, demo.TIME_COLUMN, **kw), plan, parse_window("1mo"))
    seen = []
    ooc = monitor_duckdb(
        folder / "log.csv", files.data, demo.TIME_COLUMN, parse_window("1mo"), plan, **kw,
        progress=lambda *a: seen.append(a[3]),
    )  # fmt: skip
    a = _same(mem, ooc)
    assert a["decision_source"] == "model mortgage_model.skops" and len(a["windows"]) == 12
    assert a["alerts"] and a["windows"][11]["estimated"]  # the drift alerts, the last quarter is estimated
    assert "Scored 700 of 3,600 rows of log.csv" in seen and "Scored 3,600 of 3,600 rows of log.csv" in seen
    assert any(s.startswith("Scored") and s.endswith(files.data.name) for s in seen)  # the reference is scored too


def test_model_drift_on_the_demo_equals_memory(built):
    folder, files, _ = built
    kw = dict(features=list(demo.FEATURES.values()), sensitive=list(demo.SENSITIVE), model=str(files.model))
    plan = DriftPlan(min_sample=100)
    mem = measure_drift(drift_inputs(files.data, folder / "log.csv", positive_label="1", **kw), plan)
    ooc = drift_duckdb(files.data, folder / "log.csv", plan, positive_label="1", **kw)
    a = _same(mem, ooc)
    assert a["predictions"] and a["alerts"]


def _tied(tmp_path, n=1200, fmt="parquet"):
    """A log with 24 distinct times, 50 rows each, shuffled: every window of 75 rows cuts a tie, so the file order
    decides which rows of the tie fall before the boundary."""
    rng = np.random.default_rng(11)
    log = simulate(n, 4, start="2024-03-01", days=30, drift_from="2024-03-15", labelled=0.6)
    times = pd.Timestamp("2024-03-01") + pd.to_timedelta(np.repeat(np.arange(n // 50), 50), unit="h")
    log["time"] = times.strftime("%Y-%m-%dT%H:%M:%S")
    log = log.iloc[rng.permutation(n)].reset_index(drop=True)
    ref = simulate(3000, 1, days=60)
    paths = (tmp_path / f"log.{fmt}", tmp_path / f"ref.{fmt}")
    for df, p in zip((log, ref), paths, strict=True):
        df.to_parquet(p, row_group_size=100) if fmt == "parquet" else df.to_csv(p, index=False)
    return paths, log


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_row_windows_with_ties_across_boundaries_equal_memory(tmp_path, fmt):
    (log_p, ref_p), log = _tied(tmp_path, fmt=fmt)
    kw = dict(predictions="pred", scores="score", target="y", sensitive=["group"])
    mem = monitor(load_inputs(log_p, ref_p, "time", **kw), PLAN, parse_window("75"))
    ooc = monitor_duckdb(log_p, ref_p, "time", parse_window("75"), PLAN, threads=2, **kw)
    a = _same(mem, ooc)
    # by hand: time, then file order; every window 75 rows, its selections those of its rows
    order = sorted(range(len(log)), key=lambda i: (log["time"][i], i))
    expected = [int(log["pred"].to_numpy()[order[k : k + 75]].sum()) for k in range(0, len(log), 75)]
    assert [w["n"] for w in a["windows"]] == [75] * 16
    assert [round(w["selection_rate"]["value"] * w["n"]) for w in a["windows"]] == expected
    assert a["windows"][0]["start"] == "2024-03-01T00:00:00" and a["windows"][0]["end"] == "2024-03-01T01:00:00"


def test_row_windows_with_a_model_equal_memory(tmp_path):
    (log_p, ref_p), log = _tied(tmp_path, n=1000)
    sio.dump(LogisticRegression().fit(log[["x"]], log["y"].fillna(0)), tmp_path / "m.skops")
    kw = dict(model=str(tmp_path / "m.skops"), target="y", sensitive=["group"])
    mem = monitor(load_inputs(log_p, ref_p, "time", **kw), PLAN, parse_window("300"))
    ooc = monitor_duckdb(log_p, ref_p, "time", parse_window("300"), PLAN, **kw)
    a = _same(mem, ooc)
    assert [w["n"] for w in a["windows"]] == [300, 300, 300, 100]


def _model_files(tmp_path, drop=None):
    log, ref = simulate(3000, 2, days=90, drift_from="2024-02-15", labelled=0.5), simulate(2000, 1, days=30)
    sio.dump(LogisticRegression().fit(ref[["x"]], ref["y"]), tmp_path / "m.skops")
    (log.drop(columns=[drop]) if drop else log).to_csv(tmp_path / "log.csv", index=False)
    ref.to_csv(tmp_path / "ref.csv", index=False)
    return tmp_path / "log.csv", tmp_path / "ref.csv", tmp_path / "m.skops"


def test_cancel_during_scoring_stops_it_and_leaves_no_scratch_file(tmp_path, monkeypatch):
    log_p, ref_p, model = _model_files(tmp_path)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # where the scratch folders go
    monkeypatch.setattr(dm, "BATCH_ROWS", 500)
    token, seen = CancelToken(), []

    def progress(*report):  # the token is set at the first batch scored
        seen.extend(m for m in report[3:] if m.startswith("Scored"))
        if seen:
            token.set()

    with pytest.raises(Cancelled):
        monitor_duckdb(log_p, ref_p, "time", parse_window("1mo"), PLAN, model=str(model), progress=progress, cancel=token)
    assert seen == ["Scored 500 of 3,000 rows of log.csv"]  # stopped before the next batch
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_model_missing_a_feature_column_gives_the_in_memory_message(tmp_path):
    log_p, ref_p, model = _model_files(tmp_path, drop="x")
    with pytest.raises(InputError) as mem:
        load_inputs(log_p, ref_p, "time", model=str(model))
    with pytest.raises(InputError) as ooc:
        monitor_duckdb(log_p, ref_p, "time", parse_window("1mo"), PLAN, model=str(model))
    with pytest.raises(InputError) as drift:
        drift_duckdb(ref_p, log_p, DriftPlan(), features=["group"], model=str(model))
    errors = [(e.value.message, e.value.hint) for e in (mem, ooc, drift)]
    assert errors[0] == errors[1] == errors[2] and "'x'" in errors[0][0] and "log.csv" in errors[0][0]
    with pytest.raises(InputError) as both:
        monitor_duckdb(log_p, ref_p, "time", parse_window("1mo"), PLAN, model=str(model), predictions="pred")
    assert "--model gives the scores and decisions itself" in both.value.message


def test_cli_monitor_and_drift_with_a_model_on_duckdb(tmp_path, capsys):
    log_p, ref_p, model = _model_files(tmp_path)
    outs = {}
    for engine in ("memory", "duckdb"):
        out = tmp_path / f"{engine}.json"
        ws = tmp_path / f"{engine}.attest"
        args = ["monitor", "--data", str(log_p), "--time-column", "time", "--window", "500", "--model", str(model),
                "--target", "y", "--sensitive", "group", "--reference", str(ref_p), "--workspace", str(ws),
                "--engine", engine, "--json", str(out)]  # fmt: skip
        assert main(args) in (0, 1)
        d = tmp_path / f"d-{engine}.json"
        assert main(["drift", "--reference", str(ref_p), "--current", str(log_p), "--features", "x", "--model", str(model),
                     "--engine", engine, "--json", str(d)]) in (0, 1)  # fmt: skip
        outs[engine] = [json.loads(out.read_text()), json.loads(d.read_text())]
    for a, b in zip(outs["memory"], outs["duckdb"], strict=True):
        assert (a.pop("engine"), b.pop("engine")) == ("memory", "duckdb")
        _numbers(a, b)
    assert outs["memory"][0]["window"] == "500 rows"
