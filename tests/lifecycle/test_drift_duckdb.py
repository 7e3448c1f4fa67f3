"""`attest drift --engine duckdb` equals the in-memory engine on the same files, and refuses what it refuses."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from audit.errors import InputError
from audit.lifecycle.drift import measure_drift
from audit.lifecycle.drift_inputs import load_inputs
from audit.lifecycle.ooc_drift import drift_duckdb
from audit.lifecycle.plan import DriftPlan
from tests.lifecycle.test_monitor_duckdb import _numbers

PLAN = DriftPlan(min_sample=100)


def _frame(n, seed, shift=0.0):
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(shift, 1, n), 2)
    p = np.round(1 / (1 + np.exp(-2 * x)), 3)
    df = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "x": x,
            "colour": rng.choice(["red", "green", "blue"] + (["violet"] if shift else []), n),
            "flag": rng.choice([True, False], n),
            "sex": rng.choice(["F", "M", None], n, p=[0.5, 0.45, 0.05]),
            "score": p,
            "pred": (p >= 0.5).astype(int),
        }
    )
    df.loc[df.index[::50], "x"] = np.nan
    return df


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_duckdb_drift_equals_memory(tmp_path, fmt):
    paths = []
    for name, df in (("ref", _frame(4000, 1)), ("cur", _frame(3000, 2, shift=0.4))):
        p = tmp_path / f"{name}.{fmt}"
        df.to_parquet(p) if fmt == "parquet" else df.to_csv(p, index=False)
        paths.append(p)
    kw = dict(sensitive=["sex", "flag"], scores="score", predictions="pred")  # a true/false group column too
    mem = measure_drift(load_inputs(*paths, **kw), PLAN)
    ooc = drift_duckdb(*paths, PLAN, **kw)
    a, b = json.loads(mem.to_json()), json.loads(ooc.to_json())
    assert (a.pop("engine"), b.pop("engine")) == ("memory", "duckdb")
    assert a["alerts"] and a["groups"]  # the shift and the new colour alert: alerts are compared too
    _numbers(a, b)


def test_duckdb_drift_refuses_what_memory_refuses(tmp_path):
    ref, cur = _frame(300, 1), _frame(300, 2)
    cur["age"] = cur["age"].astype(str) + " years"
    ref.to_parquet(tmp_path / "ref.parquet")
    cur.drop(columns=["colour"]).to_parquet(tmp_path / "cur.parquet")
    for kw in (dict(), dict(features=["age"])):
        with pytest.raises(InputError) as mem:
            load_inputs(tmp_path / "ref.parquet", tmp_path / "cur.parquet", **kw)
        with pytest.raises(InputError) as ooc:
            drift_duckdb(tmp_path / "ref.parquet", tmp_path / "cur.parquet", PLAN, **kw)
        assert str(ooc.value.message) == str(mem.value.message)


def test_a_fine_histogram_keeps_psi_and_counts_exact_and_bounds_w_and_ks(tmp_path, monkeypatch):
    from scipy import stats

    from audit.lifecycle import ooc_scan

    monkeypatch.setattr(ooc_scan, "EXACT_LIMIT", 500)  # x (2 decimals, ~800 distinct values) becomes binned
    ref, cur = _frame(20000, 1), _frame(15000, 2, shift=0.3)
    ref.to_parquet(tmp_path / "ref.parquet")
    cur.to_parquet(tmp_path / "cur.parquet")
    mem = measure_drift(load_inputs(tmp_path / "ref.parquet", tmp_path / "cur.parquet", features=["x"]), PLAN)
    ooc = drift_duckdb(tmp_path / "ref.parquet", tmp_path / "cur.parquet", PLAN, features=["x"])
    (fm,), (fo,) = mem.features, ooc.features
    assert fo.wasserstein_bound is not None and fm.wasserstein_bound is None and any("fine histograms" in n for n in ooc.notes)
    assert (fo.n_reference, fo.n_current, fo.missing_current) == (fm.n_reference, fm.n_current, fm.missing_current)
    assert fo.bin_cuts == fm.bin_cuts and fo.psi == pytest.approx(fm.psi, rel=1e-12)  # the reference's deciles are edges
    assert fo.bin_current == pytest.approx(fm.bin_current, rel=1e-12)
    r, c = ref["x"].dropna().to_numpy(), cur["x"].dropna().to_numpy()
    assert abs(fo.wasserstein - stats.wasserstein_distance(r, c)) <= fo.wasserstein_bound
    ks = stats.ks_2samp(r, c).statistic
    assert fo.ks_statistic - 1e-12 <= ks <= fo.ks_statistic + fo.ks_bound + 1e-12
    assert fo.mean_reference == pytest.approx(r.mean(), rel=1e-12)
    assert fo.wasserstein_normed * np.std(r, ddof=1) == pytest.approx(fo.wasserstein, rel=1e-9)
