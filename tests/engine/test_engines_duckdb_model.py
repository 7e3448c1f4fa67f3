"""Model audits on the DuckDB engine (audit/engines/duckdb_model.py): the file scored once in streamed batches gives
the in-memory audit (counts exact, every figure to 1e-12, the same verdicts); the model never sees more than a batch;
the explanation sample is seeded, stratified and independent of the batch size; cancel stops the scoring; a missing
feature and the NYC tables are refused as they should be; Python-side memory follows the batch, not the file."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.ensemble import HistGradientBoostingClassifier

import audit.engines.duckdb_model as dm
from audit.cancel import CancelToken, no_progress
from audit.demo import POSITIVE_LABEL, SENSITIVE, TARGET, build_demo
from audit.engines import choose_engine
from audit.engines.duckdb_engine import DuckDBEngine
from audit.errors import Cancelled, InputError
from audit.explain.settings import ExplainSettings
from audit.policy import resolve_policy as load_policy
from audit.run import run_audit
from audit.spec import AuditSpec
from cli.main import main
from tests.engine.engine_cases import differences, load, predictions_frame

FEATURES = ["years", "income", "band"]


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """~200k rows, a HistGradientBoosting model on three of their columns."""
    folder = tmp_path_factory.mktemp("duckdb_model")
    df = predictions_frame(200_000, seed=5)
    model = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(df[FEATURES].iloc[:20_000], df["y"].iloc[:20_000])
    sio.dump(model, folder / "model.skops")
    df.to_parquet(folder / "data.parquet", index=False)
    return folder


def _cli(tmp_path, name, data, args, engine):
    out = tmp_path / f"{name}.{engine}.json"
    rc = main(["audit", "--data", str(data), *args, "--engine", engine, "--json", str(out), "--quiet"])
    assert rc in (0, 1)
    return out


def test_demo_model_audit_on_duckdb_is_the_in_memory_audit(tmp_path, capsys):
    files = build_demo(tmp_path / "demo")
    args = ["--target", TARGET, "--sensitive", ",".join(SENSITIVE), "--model", str(files.model)]
    args += ["--positive-label", POSITIVE_LABEL, "--policy", "standard", "--no-explain", "--bootstrap", "300"]
    a, b = _cli(tmp_path, "demo", files.data, args, "numpy"), _cli(tmp_path, "demo", files.data, args, "duckdb")
    assert differences(load(a), load(b)) == []
    doc = json.loads(b.read_text())
    assert doc["provenance"]["engine"] == "duckdb" and doc["decision_source"] == "model"
    assert [c["name"] for c in doc["data"]["columns"]] == list(pd.read_csv(files.data, nrows=0).columns)
    assert doc["verdicts"] and doc["quality"] == json.loads(a.read_text())["quality"]


def test_streamed_scoring_equals_memory_and_scores_each_batch_once(big, tmp_path, capsys, monkeypatch):
    calls: list[int] = []
    real = HistGradientBoostingClassifier.predict_proba

    def counted(self, X):
        calls.append(len(X))
        return real(self, X)

    monkeypatch.setattr(HistGradientBoostingClassifier, "predict_proba", counted)
    monkeypatch.setattr(dm, "BATCH_ROWS", 30_000)
    monkeypatch.setattr(dm, "COMMIT_ROWS", 50_000)  # several transactions of the scratch table
    args = ["--target", "y", "--sensitive", "race,sex", "--model", str(big / "model.skops"), "--positive-label", "1"]
    args += ["--threshold", "0.4", "--no-explain", "--bootstrap", "200"]
    a = _cli(tmp_path, "big", big / "data.parquet", args, "numpy")
    calls.clear()
    b = _cli(tmp_path, "big", big / "data.parquet", args, "duckdb")
    assert differences(load(a), load(b)) == []  # counts exact, every number to 1e-12, the same verdicts
    audited = int(pd.read_parquet(big / "data.parquet", columns=["y"])["y"].notna().sum())
    # one predict_proba per batch of at most BATCH_ROWS rows, every audited row scored exactly once
    assert len(calls) == -(-200_000 // 30_000) and max(calls) <= 30_000 and sum(calls) == audited
    doc = json.loads(b.read_text())
    assert doc["overall"]["n"] == audited and doc["overall"]["metrics"]["auc"]["value"] is not None


def _spec(data, model, **explain):
    return AuditSpec(
        data_path=str(data),
        target="y",
        sensitive=("race", "sex"),
        model_path=str(model),
        positive_label="1",
        policy=load_policy("four_fifths"),
        bootstrap=100,
        explain=ExplainSettings(**explain),
    )


def _prepared(spec, batch, monkeypatch):
    monkeypatch.setattr(dm, "BATCH_ROWS", batch)
    return DuckDBEngine().statistics(spec, no_progress, CancelToken())


def _sample(spec, batch, monkeypatch):
    return _prepared(spec, batch, monkeypatch).rows


def test_sample_is_seeded_stratified_and_independent_of_the_batch_size(big, monkeypatch):
    spec = _spec(big / "data.parquet", big / "model.skops", max_rows=2000)
    prep = _prepared(spec, 7_000, monkeypatch)
    a, b = prep.rows, _sample(spec, 64_000, monkeypatch)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert np.array_equal(a.decisions, b.decisions) and np.array_equal(a.index.cell_of_row, b.index.cell_of_row)
    assert a.sample_of == int(pd.read_parquet(big / "data.parquet", columns=["y"])["y"].notna().sum())
    sizes = np.bincount(a.index.cell_of_row, minlength=a.index.n_cells)
    # every cell has its PER_CELL rows (or all it has); the rest is a uniform sample of about max_rows
    assert 2000 <= len(a.frame) <= 2000 + dm.PER_CELL * a.index.n_cells
    assert np.array_equal(np.minimum(sizes, dm.PER_CELL), np.minimum(prep.stats.counts.sum(axis=1), dm.PER_CELL))
    # the sample is, in file order, the audited rows of the 2000 smallest keys and each cell's 100 smallest (pandas)
    full = pd.read_parquet(big / "data.parquet")
    full["key"] = dm.row_keys(np.arange(len(full)), spec.seed)
    audited = full[full["y"].notna()]
    chosen = set(audited.nsmallest(2000, "key").index)
    for _, cell in audited.groupby(["race", "sex"], dropna=False):
        chosen |= set(cell.nsmallest(dm.PER_CELL, "key").index)
    expected = full.loc[sorted(chosen), list(a.frame.columns)].reset_index(drop=True)
    pd.testing.assert_frame_equal(a.frame, expected, check_dtype=False)
    other = _sample(spec.model_copy(update={"seed": spec.seed + 1}), 7_000, monkeypatch)
    assert not other.frame.equals(a.frame)  # the seed decides the sample


def test_bottom_k_sampler_does_not_depend_on_how_rows_arrive():
    rng = np.random.default_rng(0)
    strata = rng.integers(0, 7, 5000).astype(np.uint64)
    picked = []
    for cut in (100, 999, 5000):
        s = dm.Sampler(300, 20, seed=3)
        for start in range(0, 5000, cut):
            s.add(np.arange(start, min(start + cut, 5000)), strata[start : start + cut])
        picked.append(np.sort(s.rows))
    assert all(np.array_equal(picked[0], p) for p in picked[1:])
    keys = dm.row_keys(np.arange(5000), 3)
    expect = set(np.argsort(keys)[:300].tolist())  # the 300 smallest keys overall ...
    for k in range(7):  # ... and the 20 smallest of each stratum
        rows = np.flatnonzero(strata == k)
        expect |= set(rows[np.argsort(keys[rows])[:20]].tolist())
    assert set(picked[0].tolist()) == expect


def test_explanations_on_the_whole_sample_equal_memory_and_say_so(tmp_path, monkeypatch):
    df = predictions_frame(3000, seed=3)
    model = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(df[FEATURES], df["y"])
    sio.dump(model, tmp_path / "m.skops")
    df.to_parquet(tmp_path / "d.parquet", index=False)
    monkeypatch.setattr(dm, "BATCH_ROWS", 1000)
    spec = _spec(tmp_path / "d.parquet", tmp_path / "m.skops", max_rows=3000, time_budget_s=600)
    a = run_audit(spec, engine="numpy").explanations
    b = run_audit(spec, engine="duckdb").explanations
    assert a is not None and b is not None and a.status == b.status == "complete"
    audited = int(df["y"].notna().sum())
    assert b.warnings[0].startswith(f"Explanations ran on a stratified sample of {audited:,} of the {audited:,} audited rows")
    assert b.row_sample is not None and b.row_sample.sampling.startswith(f"From a stratified sample of {audited:,} of")
    ja, jb = a.model_dump(mode="json"), b.model_dump(mode="json")
    for doc in (ja, jb):
        for k in ("seconds", "warnings", "row_sample", "processes"):
            doc.pop(k)
    assert differences(ja, jb) == []  # every row in the sample: the same SHAP figures as in memory


def test_cancel_during_scoring_stops_it(big, monkeypatch):
    monkeypatch.setattr(dm, "BATCH_ROWS", 20_000)
    token, seen = CancelToken(), []

    def progress(step, done, total, message):
        if message.startswith("Scored"):
            seen.append(message)
            token.set()

    with pytest.raises(Cancelled):
        DuckDBEngine().statistics(_spec(big / "data.parquet", big / "model.skops"), progress, token)
    assert seen == ["Scored 20,000 of 200,000 rows"]  # stopped before the next batch


def test_a_missing_feature_is_refused_as_in_memory(tmp_path):
    df = predictions_frame(2000, seed=1)
    model = HistGradientBoostingClassifier(max_iter=5).fit(df[FEATURES], df["y"])
    sio.dump(model, tmp_path / "m.skops")
    df.drop(columns=["income"]).to_parquet(tmp_path / "d.parquet", index=False)
    spec = _spec(tmp_path / "d.parquet", tmp_path / "m.skops")
    messages = []
    for engine in ("numpy", "duckdb"):
        with pytest.raises(InputError) as err:
            run_audit(spec, engine=engine)
        messages.append((err.value.message, err.value.hint))
    assert messages[0] == messages[1] and "income" in messages[0][0]


def test_nyc_tables_and_auto_choice(big, monkeypatch):
    import audit.engines as engines

    spec = _spec(big / "data.parquet", big / "model.skops", enabled=False)
    assert choose_engine("auto", spec) == "numpy"  # 200k rows of Parquet: a few MB, in memory
    monkeypatch.setattr(engines, "AUTO_BYTES", 1000)
    assert choose_engine("auto", spec) == "duckdb"  # a large file with a model streams
    nyc = spec.model_copy(update={"policy": load_policy("nyc_ll144")})
    assert choose_engine("auto", nyc) == "numpy"  # the NYC tables need every row
    with pytest.raises(InputError, match="NYC Local Law 144 tables are computed on the in-memory engine"):
        run_audit(nyc, engine="duckdb")


def test_python_memory_follows_the_batch_not_the_file(big, monkeypatch):
    """tracemalloc sees NumPy and pandas buffers: in memory they hold the 200k-row file, on DuckDB one 10k-row batch."""
    import tracemalloc

    spec = _spec(big / "data.parquet", big / "model.skops", enabled=False)
    monkeypatch.setattr(dm, "BATCH_ROWS", 10_000)
    peaks = {}
    for name in ("numpy", "duckdb"):
        from audit.engines import make_engine

        tracemalloc.start()
        make_engine(name, spec).statistics(spec, no_progress, CancelToken())
        peaks[name] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peaks["duckdb"] * 4 < peaks["numpy"], peaks
