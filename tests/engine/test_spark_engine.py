"""The Spark engine gives the in-memory audit (1e-12, counts exact) on local[2]: predictions with scores (exact ranks),
text labels, a model scored on the executors (mapInPandas); many distinct scores go through a histogram whose stated
AUC error bound holds against the exact figure; without pyspark, `--engine spark` says how to install it.

One Spark session for the whole run (starting the JVM costs seconds): the fixture is session-scoped, and the CLI's
engine uses the active session."""

from __future__ import annotations

import builtins
import json

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.ensemble import HistGradientBoostingClassifier

from audit.cancel import CancelToken
from audit.draft import AuditDraft
from audit.engines.numpy_engine import NumpyEngine
from audit.engines.spark_engine import SparkEngine
from audit.engines.spark_scores import auc_bound
from audit.fairness import score_metrics_counts
from audit.result import AuditResult
from cli.main import main
from tests.engine.engine_cases import differences, load, predictions_frame, write_cases


@pytest.fixture(scope="session")
def spark():
    from audit.engines.spark_source import session

    s = session("local[2]")
    s.conf.set("spark.sql.shuffle.partitions", "2")  # tiny data: 200 shuffle tasks would cost seconds per job
    yield s
    s.stop()


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    return write_cases(tmp_path_factory.mktemp("spark_cases"))


def _run(tmp_path, name, data, args, engine):
    out = tmp_path / f"{name}.{engine}.json"
    rc = main(["audit", "--data", str(data), *args, "--engine", engine, "--json", str(out)])
    assert rc in (0, 1)
    return out


@pytest.mark.parametrize("name", ["scores_parquet", "labels_max_order"])
def test_spark_engine_gives_the_in_memory_result(spark, cases, name, tmp_path, capsys):
    data, args = cases[name]
    a, b = _run(tmp_path, name, data, args, "numpy"), _run(tmp_path, name, data, args, "spark")
    ja, jb = load(a), load(b)
    assert differences(ja, jb) == []
    doc = json.loads(b.read_text())
    assert doc["provenance"]["engine"] == "spark" and "pyspark" in doc["provenance"]["library_versions"]
    assert doc["score_resolution"] is None  # every score exact: the same ranks as in memory
    assert len(ja["groups"]) > 5 and ja["warnings"]


def test_a_model_scored_on_the_executors_gives_the_in_memory_result(spark, tmp_path, capsys):
    df = predictions_frame(4000, seed=3)
    features = ["years", "income", "band"]
    model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(df[features], df["y"])
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    data = tmp_path / "data.parquet"
    df.to_parquet(data, index=False)
    args = ["--target", "y", "--sensitive", "race,sex", "--model", str(path), "--positive-label", "1"]
    args += ["--bootstrap", "200", "--quiet", "--no-explain"]
    a, b = _run(tmp_path, "model", data, args, "numpy"), _run(tmp_path, "model", data, args, "spark")
    assert differences(load(a), load(b)) == []
    doc = json.loads(b.read_text())
    assert doc["decision_source"] == "model" and doc["model"]["sha256"] == json.loads(a.read_text())["model"]["sha256"]
    assert doc["overall"]["metrics"]["auc"]["value"] is not None  # the model's scores came back as statistics


def _spec(path):
    draft = AuditDraft(
        data_path=str(path),
        target="y",
        sensitive=("race", "sex"),
        positive_label="1",
        source="predictions",
        predictions_column="pred",
        scores_column="score",
    )
    return draft.to_spec(hint="")


def test_many_scores_go_through_a_histogram_whose_bound_holds(spark, tmp_path):
    """With fewer exact scores allowed than the data has, AUC comes from 1000 bins: every group's AUC is within the
    bound the engine states (and the bound is not vacuous), Brier within 1/bins, counts exact."""
    df = predictions_frame(5000, seed=5)
    df["score"] = np.random.default_rng(5).random(len(df)) * 0.6 + 0.4 * df["y"]  # continuous: ~5000 distinct
    path = tmp_path / "many.parquet"
    df.to_parquet(path, index=False)
    spec = _spec(path)
    exact = NumpyEngine().statistics(spec, lambda *a: None, CancelToken())
    binned = SparkEngine(exact_scores=100, histogram_bins=1000).statistics(spec, lambda *a: None, CancelToken())
    res = binned.score_bound
    assert res is not None and res.bins == 1000 and res.brier_max_error == pytest.approx(1e-3)
    assert 0 < res.auc_max_error < 0.05
    assert np.array_equal(exact.stats.counts, binned.stats.counts)
    worst = 0.0
    for level in exact.stats.levels:
        ge, gb = level.group_of_cell[exact.stats.scores.cell], level.group_of_cell[binned.stats.scores.cell]
        for g in range(len(level.groups)):
            e, b = exact.stats.scores, binned.stats.scores
            rng = np.random.default_rng(0)
            me = score_metrics_counts(e.score[ge == g], e.pos[ge == g], e.neg[ge == g], 0.95, rng, 0)
            mb = score_metrics_counts(b.score[gb == g], b.pos[gb == g], b.neg[gb == g], 0.95, rng, 0)
            if me["auc"].value is None:
                continue
            diff = abs(me["auc"].value - mb["auc"].value)
            assert diff <= res.auc_max_error + 1e-12
            assert abs(me["brier"].value - mb["brier"].value) <= res.brier_max_error
            worst = max(worst, diff)
    assert worst > 0  # the histogram did change some AUC: the bound was tested, not met trivially


def test_auc_bound_counts_the_pairs_a_histogram_cannot_rank():
    """One group, two bins: bin 0 has 2 positives and 3 negatives, bin 1 one of each; 6+1 = 7 of the 3*4 = 12 pairs
    share a bin, so the bound is 7/24."""
    from audit.groups import build_index

    index = build_index(pd.DataFrame({"g": ["a"]}), ("g",))
    b = np.array([0, 1], dtype=np.int64)
    bound = auc_bound(index, b, np.zeros(2, dtype=np.int64), np.array([2, 1]), np.array([3, 1]))
    assert bound == pytest.approx(7 / 24)


def test_histogram_resolution_is_in_the_json_and_round_trips(spark, tmp_path, capsys):
    df = predictions_frame(3000, seed=9)
    df["score"] = np.random.default_rng(9).random(len(df))
    path = tmp_path / "s.parquet"
    df.to_parquet(path, index=False)
    spec = _spec(path)
    from audit.run import run_audit

    result = run_audit(spec, engine="spark", engine_options={"exact_scores": 10, "histogram_bins": 10_000})
    doc = json.loads(result.to_json())
    assert doc["score_resolution"]["method"] == "histogram" and doc["score_resolution"]["bins"] == 10_000
    assert AuditResult.from_json(result.to_json()).score_resolution == result.score_resolution
    old = json.loads(result.to_json())
    old.pop("score_resolution")  # a result written before schema 1.4 still loads
    assert AuditResult.model_validate(old).score_resolution is None


def test_without_pyspark_the_engine_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    real = builtins.__import__

    def no_pyspark(name, *args, **kw):
        if name.startswith("pyspark"):
            raise ImportError(f"No module named {name!r}")
        return real(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", no_pyspark)
    data = tmp_path / "d.parquet"
    predictions_frame(200).to_parquet(data, index=False)
    args = ["audit", "--data", str(data), "--target", "y", "--sensitive", "race", "--predictions", "pred"]
    rc = main([*args, "--positive-label", "1", "--engine", "spark", "--json", str(tmp_path / "o.json"), "--quiet"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "needs PySpark" in err and "attest[spark]" in err and "openjdk-17-jre-headless" in err


def test_spark_master_needs_the_spark_engine(tmp_path, capsys):
    data = tmp_path / "d.parquet"
    predictions_frame(200).to_parquet(data, index=False)
    args = ["audit", "--data", str(data), "--target", "y", "--sensitive", "race", "--predictions", "pred"]
    rc = main([*args, "--positive-label", "1", "--spark-master", "local[2]", "--json", str(tmp_path / "o.json")])
    assert rc == 2 and "--spark-master applies to the Spark engine" in capsys.readouterr().err
