"""`attest monitor --engine duckdb` equals the in-memory engine on the same files (exact counts, rates, PSI, JS,
chi2; Wasserstein and KS exact with few distinct values, within the stated bound otherwise, checked against
scipy on the raw rows); a log far larger than a tiny memory limit; cancel, progress and bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from audit.cancel import CancelToken
from audit.errors import Cancelled, InputError
from audit.lifecycle import ooc_scan
from audit.lifecycle.dist import inverted_cdf_ranks
from audit.lifecycle.monitor import monitor
from audit.lifecycle.monitor_inputs import load_inputs
from audit.lifecycle.ooc_run import monitor_duckdb
from audit.lifecycle.plan import MonitorPlan
from audit.lifecycle.windows import parse_window
from tests.lifecycle.monitor_helpers import simulate

PLAN = MonitorPlan(checks=("selection_rate_change", "selection_ratio", "accuracy_drop", "tpr_drop", "drift", "group_drift"))


def _files(tmp_path, n=6000, fmt="parquet", rounding=2):
    ref = simulate(n, 1, days=60)
    log = simulate(n, 2, start="2024-03-01", days=120, drift_from="2024-05-01", labelled=0.5)
    for df in (ref, log):
        df["x"] = df["x"].round(rounding)
        df["score"] = df["score"].round(rounding + 1)
        df["region"] = np.where(df["x"] > 0.5, "north", "south")
        df.loc[df.index[::97], "x"] = np.nan
    paths = []
    for name, df in (("ref", ref), ("log", log)):
        p = tmp_path / f"{name}.{fmt}"
        df.to_parquet(p) if fmt == "parquet" else df.to_csv(p, index=False)
        paths.append(p)
    return paths[0], paths[1], ref, log


def _both(ref_p, log_p, plan=PLAN, window="1mo"):
    kw = dict(predictions="pred", scores="score", target="y", sensitive=["group"])
    mem = monitor(load_inputs(log_p, ref_p, "time", **kw), plan, parse_window(window))
    ooc = monitor_duckdb(log_p, ref_p, "time", parse_window(window), plan, **kw)
    return mem, ooc


def _numbers(a, b, path="", rel=1e-9):
    """Every number of two JSON trees equal (floats to `rel`), every text the same."""
    if isinstance(a, dict):
        assert set(a) == set(b), path
        for k in a:
            _numbers(a[k], b[k], f"{path}.{k}", rel)
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _numbers(x, y, f"{path}[{i}]", rel)
    elif isinstance(a, float) and isinstance(b, float):
        assert b == pytest.approx(a, rel=rel, abs=1e-12), path
    else:
        assert a == b, path


def test_duckdb_equals_memory_with_few_distinct_values(tmp_path):
    ref_p, log_p, _, _ = _files(tmp_path)
    mem, ooc = _both(ref_p, log_p)
    assert ooc.engine == "duckdb" and mem.engine == "memory"
    a, b = json.loads(mem.to_json()), json.loads(ooc.to_json())
    a.pop("engine"), b.pop("engine")
    assert any(w["status"] == "alert" for w in a["windows"])  # the drift from May shows, so alerts are compared too
    _numbers(a, b)


def test_duckdb_equals_memory_on_csv(tmp_path):
    ref_p, log_p, _, _ = _files(tmp_path, n=3000, fmt="csv")
    mem, ooc = _both(ref_p, log_p, window="30d")
    a, b = json.loads(mem.to_json()), json.loads(ooc.to_json())
    a.pop("engine"), b.pop("engine")
    _numbers(a, b)


def test_many_distinct_values_bound_holds_against_scipy(tmp_path, monkeypatch):
    monkeypatch.setattr(ooc_scan, "EXACT_LIMIT", 500)  # x (6 decimals) becomes a fine histogram
    ref_p, log_p, ref, log = _files(tmp_path, n=8000, rounding=6)
    mem, ooc = _both(ref_p, log_p)
    assert any("fine histograms" in n for n in ooc.notes)
    r = ref["x"].dropna().to_numpy()
    times = pd.to_datetime(log["time"])
    checked = 0
    for wm, wo in zip(mem.windows, ooc.windows, strict=True):
        assert (wm.n, wm.n_with_outcome, wm.drift_features) == (wo.n, wo.n_with_outcome, wo.drift_features)
        assert [g.selected for g in wm.groups] == [g.selected for g in wo.groups]
        if wm.n == 0:
            continue
        rows = (times >= pd.Timestamp(wm.start)) & (times < pd.Timestamp(wm.end))
        c = log.loc[rows, "x"].dropna().to_numpy()
        (gm,) = [g for g in wm.group_drift if g.group == "group=A"]
        (go,) = [g for g in wo.group_drift if g.group == "group=A"]
        fm, fo = gm.features[0], go.features[0]
        assert fm.wasserstein_bound is None and fo.wasserstein_bound is not None
        assert fm.wasserstein == pytest.approx(
            stats.wasserstein_distance(
                r[ref.loc[ref["x"].notna(), "group"] == "A"], c[log.loc[rows & log["x"].notna(), "group"] == "A"]
            )
        )
        assert abs(fo.wasserstein - fm.wasserstein) <= fo.wasserstein_bound + 1e-12
        assert 0 < fo.wasserstein_bound < 0.05 * np.std(r)
        w_all = stats.wasserstein_distance(r, c)
        assert wo.drift_distances["x"] * np.std(r, ddof=1) == pytest.approx(w_all, abs=0.02 * np.std(r))
        checked += 1
    assert checked >= 3


def test_fine_edges_ranks_are_numpys_inverted_cdf():
    qs = np.linspace(0, 1, 41)[1:-1]
    for n in [1, 2, 3, 7, 10, 99, 100, 101, 1000, 12345]:
        expected = np.quantile(np.arange(n), qs, method="inverted_cdf")
        assert np.array_equal(inverted_cdf_ranks(n, qs), expected)


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """3M rows (a 100 MB Parquet file, about 170 MB as columns in memory)."""
    d = tmp_path_factory.mktemp("big")
    n = 3_000_000
    rng = np.random.default_rng(0)
    t = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.uniform(0, 360, n), unit="D")
    x = rng.normal(0, 1, n)
    p = 1 / (1 + np.exp(-2 * x))
    df = pd.DataFrame({"time": t, "group": rng.choice(["A", "B", "C"], n), "x": x, "score": p, "pred": (p >= 0.5).astype(int)})
    df.to_parquet(d / "log.parquet")
    df.iloc[:200_000].to_parquet(d / "ref.parquet")
    return d, n


def _big_run(big, window="1mo", **kw):
    d, _ = big
    return monitor_duckdb(
        d / "log.parquet", d / "ref.parquet", "time", parse_window(window), MonitorPlan(),
        predictions="pred", scores="score", sensitive=["group"], threads=1, **kw,
    )  # fmt: skip


def test_a_log_larger_than_the_memory_limit(big):
    seen = []
    res = _big_run(big, memory_limit="50MB", progress=lambda *a: seen.append(a[3]))
    assert sum(w.n for w in res.windows) == big[1] and len(res.windows) == 12
    assert any("fine histograms" in n for n in res.notes)  # x and the scores: millions of distinct values
    assert any("rows processed" in s for s in seen)  # progress in rows from inside the queries


def test_windows_of_n_rows_sort_a_log_larger_than_the_memory_limit(big):
    d, n = big
    res = _big_run(big, memory_limit="50MB", window="250000")
    df = pd.read_parquet(d / "log.parquet", columns=["time", "pred"])
    order = np.argsort(df["time"].to_numpy(), kind="stable")  # by hand: time order, ties in file order
    chunks = np.split(df["pred"].to_numpy()[order], range(250_000, n, 250_000))
    times = df["time"].to_numpy()[order]
    assert [w.n for w in res.windows] == [250_000] * 12
    assert [sum(g.selected for g in w.groups) for w in res.windows] == [int(c.sum()) for c in chunks]
    assert [w.start for w in res.windows] == [pd.Timestamp(times[k]).isoformat() for k in range(0, n, 250_000)]


def test_cancel_reaches_a_running_query(big):
    token = CancelToken()

    def progress(step, done, total, message):
        if "rows processed" in message:  # only the watcher reports this, while a query runs
            token.set()

    with pytest.raises(Cancelled):
        _big_run(big, memory_limit="50MB", progress=progress, cancel=token)


def test_cancel_stops_the_scan(tmp_path):
    ref_p, log_p, _, _ = _files(tmp_path, n=2000)
    token = CancelToken()
    token.set()
    with pytest.raises(Cancelled):
        monitor_duckdb(log_p, ref_p, "time", parse_window("1mo"), PLAN, predictions="pred", cancel=token)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("missing", "The time column 'time' is empty in 2 row(s) (e.g. row 4)"),
        ("bad", "value(s) of the time column 'time' are not dates or times ('yesterday'"),
        ("mixed", "mixes times with a UTC offset"),
    ],
)
def test_bad_times_give_the_in_memory_errors(tmp_path, change, message):
    ref = simulate(300, 1)
    log = simulate(300, 2)
    if change == "missing":
        log.loc[[3, 7], "time"] = None
    elif change == "bad":
        log.loc[5, "time"] = "yesterday"
    else:
        log.loc[5, "time"] = "2024-01-02T10:00:00Z"
    ref.to_csv(tmp_path / "ref.csv", index=False)
    log.to_csv(tmp_path / "log.csv", index=False)
    with pytest.raises(InputError) as mem:
        load_inputs(tmp_path / "log.csv", tmp_path / "ref.csv", "time", predictions="pred")
    with pytest.raises(InputError) as ooc:
        monitor_duckdb(tmp_path / "log.csv", tmp_path / "ref.csv", "time", parse_window("7d"), PLAN, predictions="pred")
    assert message in str(mem.value.message) and str(ooc.value.message) == str(mem.value.message)


def test_a_missing_time_column_is_refused(tmp_path):
    ref_p, log_p, _, _ = _files(tmp_path, n=500)
    with pytest.raises(InputError) as mem:
        load_inputs(log_p, ref_p, "when", predictions="pred")
    with pytest.raises(InputError) as ooc:
        monitor_duckdb(log_p, ref_p, "when", parse_window("1mo"), PLAN, predictions="pred")
    assert str(ooc.value.message) == str(mem.value.message)


def test_binned_distributions_bound_wasserstein_and_ks_of_the_rows():
    """A fine histogram as the scan builds it (counts per bin, the bin's ends clipped to the values' range)."""
    from audit.lifecycle.dist import Dist, numeric_stats

    rng = np.random.default_rng(3)
    r, c = rng.normal(0, 1, 5000), rng.normal(0.3, 1.2, 4000)
    edges = np.quantile(r, np.linspace(0, 1, 201)[1:-1], method="inverted_cdf")

    def binned(x):
        idx = np.searchsorted(edges, x, side="left")
        keys, counts = np.unique(idx, return_counts=True)
        lo = np.where(keys == 0, x.min(), edges[np.maximum(keys - 1, 0)])
        hi = np.where(keys >= edges.size, x.max(), edges[np.minimum(keys, edges.size - 1)])
        return Dist("numeric", keys.astype(float), counts, 0, np.maximum(lo, x.min()), np.minimum(hi, x.max()),
                    float(x.sum()), float(((x - x.mean()) ** 2).sum()), True)  # fmt: skip

    got = numeric_stats(binned(r), binned(c))
    w, ks = stats.wasserstein_distance(r, c), stats.ks_2samp(r, c).statistic
    assert abs(got.wasserstein - w) <= got.wasserstein_bound < 0.1
    assert got.ks_statistic <= ks + 1e-12 <= got.ks_statistic + got.ks_bound + 1e-12


def test_results_written_before_the_engine_fields_still_load(tmp_path):
    from audit.lifecycle.monitor_types import MonitorResult

    ref_p, log_p, _, _ = _files(tmp_path, n=1500)
    res = monitor_duckdb(log_p, ref_p, "time", parse_window("1mo"), PLAN, predictions="pred", scores="score", sensitive=["group"])
    old = json.loads(res.to_json())
    old.pop("engine")
    for w in old["windows"]:
        for g in w["group_drift"]:
            for f in g["features"]:
                f.pop("wasserstein_bound"), f.pop("ks_bound")
    back = MonitorResult.model_validate(old)
    assert back.engine == "memory" and [w.n for w in back.windows] == [w.n for w in res.windows]
    assert all(f.wasserstein_bound is None for w in back.windows for g in w.group_drift for f in g.features)


def test_many_windows_and_cells_bin_a_column_whose_values_are_few(tmp_path, monkeypatch):
    """Value counts per (window, cell) live in DuckDB's aggregate state: their number is bounded, not only the
    distinct values of the file."""
    monkeypatch.setattr(ooc_scan, "EXACT_ENTRIES", 1000)
    ref_p, log_p, _, _ = _files(tmp_path, n=3000)  # x: ~600 distinct values, 5 windows x 2 groups
    res = monitor_duckdb(log_p, ref_p, "time", parse_window("1mo"), PLAN, predictions="pred", scores="score", sensitive=["group"])
    assert any("x" in n and "fine histograms" in n for n in res.notes)
    monkeypatch.setattr(ooc_scan, "EXACT_ENTRIES", 10**9)
    res = monitor_duckdb(log_p, ref_p, "time", parse_window("1mo"), PLAN, predictions="pred", scores="score", sensitive=["group"])
    assert not any("fine histograms" in n for n in res.notes)
