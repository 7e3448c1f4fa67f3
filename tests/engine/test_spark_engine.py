"""The Spark engine gives the in-memory audit (1e-12, counts exact) on local[2]: predictions with scores (exact ranks),
text labels, a model scored on the executors (mapInPandas); many distinct scores go through a histogram whose stated
AUC error bound holds against the exact figure; without pyspark, `--engine spark` says how to install it.

One Spark session for the whole run (starting the JVM costs seconds): the fixture is session-scoped, and the CLI's
engine uses the active session."""

from __future__ import annotations

import builtins
import json
import time

import joblib
import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.ensemble import HistGradientBoostingClassifier

from audit.draft import AuditDraft
from audit.engines.histogram import auc_bound
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


@pytest.mark.parametrize("name", ["scores_parquet", "scores_csv", "labels_max_order"])
def test_spark_engine_gives_the_in_memory_result(spark, cases, name, tmp_path, capsys):
    data, args = cases[name]
    a, b = _run(tmp_path, name, data, args, "numpy"), _run(tmp_path, name, data, args, "spark")
    ja, jb = load(a), load(b)
    assert differences(ja, jb) == []
    doc = json.loads(b.read_text())
    assert doc["provenance"]["engine"] == "spark" and "pyspark" in doc["provenance"]["library_versions"]
    assert doc["score_resolution"] is None  # every score exact: the same ranks as in memory
    assert len(ja["groups"]) > 5 and ja["warnings"]


def test_a_csv_with_na_markers_gives_the_in_memory_result(spark, tmp_path, capsys):
    """pandas' NA markers in a feature, the target and a score are missing; "NA" in a sensitive column is a group; the
    result is the in-memory one to the letter, the data description (pandas' dtypes) and the favourable value's text
    included."""
    from tests.engine.test_engines_csv_missing import ARGS, _csv

    path = _csv(tmp_path)
    a, b = _run(tmp_path, "na", path, ARGS, "numpy"), _run(tmp_path, "na", path, ARGS, "spark")
    ja, jb = load(a), load(b)
    assert differences(ja, jb) == []
    cols = {c["name"]: c for c in jb["data"]["columns"]}
    assert cols["income"]["dtype"] == "float64" and cols["race"]["missing"] == 0


def test_every_proxy_table_is_the_in_memory_partition(spark, tmp_path):
    """Every (column, sensitive column) table, not only the flagged proxies the JSON lists, partitions the rows as
    in memory (the same counts up to the order of levels, Cramér's V to 1e-12), through each way the Spark engine
    codes a column: text of 400 values (its own value-count job), of 52 values (top 50 from the counts), of 2;
    numbers of 12 values (counted by value, then quintiles), continuous numbers (quintiles), booleans; a numeric
    sensitive column of 70 values (quintiles of the cells' values) and sensitive text with missing values."""
    from audit.cancel import CancelToken
    from audit.engines.numpy_engine import NumpyEngine
    from audit.engines.spark_engine import SparkEngine
    from audit.stats.quality import cramers_v_table

    df = predictions_frame(4000, seed=9)
    rng = np.random.default_rng(1)
    df["city"] = [f"c{i}" for i in rng.integers(0, 400, len(df))]
    df["state"] = [f"s{i}" for i in rng.integers(0, 52, len(df))]
    df["age"] = rng.integers(18, 30, len(df))
    df["agegroup"] = np.minimum(rng.integers(0, 70, len(df)), df["years"] + rng.integers(0, 3, len(df)))
    df["flag"] = rng.random(len(df)) < 0.5
    path = tmp_path / "wide.parquet"
    df.to_parquet(path, index=False)
    draft = AuditDraft(
        data_path=str(path),
        target="y",
        sensitive=("race", "sex", "agegroup"),
        positive_label="1",
        source="predictions",
        predictions_column="pred",
        scores_column="score",
        max_intersection_order=1,
    )
    spec = draft.to_spec(hint="")
    a = NumpyEngine().statistics(spec, lambda *x: None, CancelToken()).stats.quality.proxy_tables
    b = SparkEngine(spark=spark).statistics(spec, lambda *x: None, CancelToken()).stats.quality.proxy_tables
    assert [t[:2] for t in a] == [t[:2] for t in b] and len(a) == 9 * 3
    for (column, sensitive, ta), (_, _, tb) in zip(a, b, strict=True):
        assert ta.shape == tb.shape and sorted(ta.ravel()) == sorted(tb.ravel()), (column, sensitive)
        assert cramers_v_table(tb) == pytest.approx(cramers_v_table(ta), abs=1e-12, rel=1e-12)
    assert max(cramers_v_table(t) for c, f, t in a if (c, f) == ("years", "agegroup")) > 0.3  # a real association


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
    bound the result states (and the bound is not vacuous), Brier within 1/bins, counts exact; the bound is in the
    JSON, round-trips, and a result written before schema 1.4 (without it) still loads."""
    from audit.run import run_audit

    df = predictions_frame(5000, seed=5)
    df["score"] = np.random.default_rng(5).random(len(df)) * 0.6 + 0.4 * df["y"]  # continuous: ~5000 distinct
    path = tmp_path / "many.parquet"
    df.to_parquet(path, index=False)
    spec = _spec(path)
    exact = run_audit(spec)
    binned = run_audit(spec, engine="spark", engine_options={"exact_scores": 100, "histogram_bins": 1000})
    res = binned.score_resolution
    assert res is not None and res.bins == 1000 and res.brier_max_error == pytest.approx(1e-3)
    assert 0 < res.auc_max_error < 0.05
    worst = 0.0
    for ge, gb in zip((exact.overall, *exact.groups), (binned.overall, *binned.groups), strict=True):
        assert ge.label == gb.label and ge.counts == gb.counts  # counts exact
        if ge.metrics["auc"].value is None:
            continue
        diff = abs(ge.metrics["auc"].value - gb.metrics["auc"].value)
        assert diff <= res.auc_max_error + 1e-12
        assert abs(ge.metrics["brier"].value - gb.metrics["brier"].value) <= res.brier_max_error
        worst = max(worst, diff)
    assert worst > 0  # the histogram did change some AUC: the bound was tested, not met trivially
    doc = json.loads(binned.to_json())
    assert doc["score_resolution"]["method"] == "histogram" and doc["score_resolution"]["auc_max_error"] == res.auc_max_error
    assert AuditResult.from_json(binned.to_json()).score_resolution == res
    doc.pop("score_resolution")
    assert AuditResult.model_validate(doc).score_resolution is None


def test_auc_bound_counts_the_pairs_a_histogram_cannot_rank():
    """One group, two bins: bin 0 has 2 positives and 3 negatives, bin 1 one of each; 6+1 = 7 of the 3*4 = 12 pairs
    share a bin, so the bound is 7/24."""
    from audit.stats.cells import build_index

    index = build_index(pd.DataFrame({"g": ["a", "b"]}), ("g",))  # every entry below in cell 0 (group a)
    b = np.array([0, 1], dtype=np.int64)
    bound = auc_bound(index, b, np.zeros(2, dtype=np.int64), np.array([2, 1]), np.array([3, 1]))
    assert bound == pytest.approx(7 / 24)


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


def test_cancel_stops_the_running_spark_job_and_the_session_stays_usable(spark, tmp_path):
    """The model waits 10 minutes in each task: only a cancel of the running job (its job group) ends the audit in
    time, with the audit's Cancelled; progress reported the job's tasks while it ran; the next audit on the same
    session runs."""
    from audit.cancel import CancelToken
    from audit.errors import Cancelled
    from audit.run import run_audit
    from tests.engine.slow_model import SlowModel

    df = predictions_frame(1000, seed=4)
    path, model = tmp_path / "d.parquet", tmp_path / "slow.joblib"
    df.to_parquet(path, index=False)
    joblib.dump(SlowModel().fit(df[["years", "band"]], df["y"]), model)
    draft = AuditDraft(
        data_path=str(path), target="y", sensitive=("race", "sex"), positive_label="1", model_path=str(model), trust_pickle=True
    )
    token, seen, when = CancelToken(), [], []

    def progress(stage, step, of, text):
        seen.append(text)
        if stage == "model" and text.startswith("Spark:") and not token.is_set:  # the job running the model
            when.append(time.perf_counter())
            token.set()  # cancel while a job runs (its tasks asleep in the model)

    with pytest.raises(Cancelled):
        run_audit(draft.to_spec(hint=""), progress=progress, cancel=token, engine="spark")
    assert when and time.perf_counter() - when[0] < 60  # the tasks sleep 600 s: the job itself was stopped
    assert any("tasks of this pass done" in t for t in seen)
    assert spark.sparkContext.getLocalProperty("spark.jobGroup.id") is None  # the thread's job group restored
    assert spark.range(100).count() == 100
    result = run_audit(_spec(path), engine="spark")
    assert result.overall.counts == run_audit(_spec(path)).overall.counts
