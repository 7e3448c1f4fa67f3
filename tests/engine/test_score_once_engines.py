"""Score once on both engines: a model audit without --threshold of a vetted type calls predict_proba once per batch
(the in-memory engine's batches, DuckDB's streamed record batches) and predict only on each batch's tied rows, and
the result is the one the two-call path (predict for every decision) gives, figure for figure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.ensemble import HistGradientBoostingClassifier

import audit.engines.duckdb_model as dm
import audit.engines.numpy_engine as ne
import audit.models.sklearn_like as sk
from cli.main import main
from tests.engine.engine_cases import differences, load
from tests.engine.test_score_once import counted, tied_training

ROWS = 40_000


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """HistGradientBoosting with a leaf of equal classes (raw score exactly 0: p == 0.5, predict says 'deny'); a
    third of the rows fall in it, and some targets are missing (those rows are not scored)."""
    folder = tmp_path_factory.mktemp("score_once")
    X, y = tied_training()
    sio.dump(HistGradientBoostingClassifier(max_iter=1).fit(X, y), folder / "model.skops")
    rng = np.random.default_rng(3)
    x = rng.choice([0.0, 1.0, 2.0], ROWS)
    target = np.where(rng.random(ROWS) < 0.3 + 0.4 * (x > 1), "grant", "deny").astype(object)
    target[rng.choice(ROWS, 500, replace=False)] = None
    data = pd.DataFrame({"x": x, "z": rng.normal(size=ROWS), "race": rng.choice(["A", "B", "C"], ROWS), "y": target})
    data["sex"] = rng.choice(["F", "M"], ROWS)
    data.to_parquet(folder / "data.parquet", index=False)
    return folder, int(((x == 1.0) & data["y"].notna()).sum()), int(data["y"].notna().sum())


def _audit(folder, tmp_path, engine, name):
    out = tmp_path / f"{name}.{engine}.json"
    args = ["audit", "--data", str(folder / "data.parquet"), "--model", str(folder / "model.skops"), "--target", "y"]
    args += ["--sensitive", "race,sex", "--positive-label", "grant", "--no-explain", "--bootstrap", "100"]
    assert main([*args, "--engine", engine, "--json", str(out), "--quiet"]) in (0, 1)
    return out


@pytest.mark.parametrize("engine", ["numpy", "duckdb"])
def test_each_batch_scored_once_and_predict_only_on_its_ties(files, tmp_path, monkeypatch, engine, capsys):
    folder, tied, audited = files
    batch = 7_000
    monkeypatch.setattr(ne, "_PREDICT_BATCH", batch)
    monkeypatch.setattr(dm, "BATCH_ROWS", batch)
    with counted(HistGradientBoostingClassifier) as calls:
        once = _audit(folder, tmp_path, engine, "once")
    proba = [n for name, n in calls if name == "predict_proba"]
    predict = [n for name, n in calls if name == "predict"]
    assert sum(proba) == audited and len(proba) == -(-ROWS // batch) and max(proba) <= batch  # every audited row once
    assert sum(predict) == tied and len(predict) == len(proba) and max(predict) < batch  # each batch's tied rows only
    monkeypatch.setattr(sk, "rule_of", lambda est: None)  # the two-call path: predict decides every row
    with counted(HistGradientBoostingClassifier) as calls:
        twice = _audit(folder, tmp_path, engine, "twice")
    assert sum(n for name, n in calls if name == "predict") == audited
    assert differences(load(once), load(twice)) == []
    doc = load(once)
    assert doc["overall"]["n"] == audited and doc["decision_source"] == "model"
