"""The drift statistics against scipy and against hand-worked examples; a dataset against itself shows no drift."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial.distance import jensenshannon

from audit.lifecycle import drift_stats as S
from audit.lifecycle.drift import feature_drift
from audit.lifecycle.plan import DriftPlan

PLAN = DriftPlan(min_sample=50)


@pytest.mark.parametrize("seed", range(5))
def test_wasserstein_is_scipys(seed):
    rng = np.random.default_rng(seed)
    u = rng.normal(0, 1, 300 + seed * 37)
    v = np.round(rng.gamma(2, 1, 211), 1)  # ties and a different size
    assert S.wasserstein(u, v) == pytest.approx(stats.wasserstein_distance(u, v), rel=1e-12)


@given(st.lists(st.integers(-5, 5), min_size=1, max_size=40), st.lists(st.integers(-5, 5), min_size=1, max_size=40))
@settings(max_examples=60, deadline=None)
def test_wasserstein_is_scipys_on_small_integer_samples(u, v):
    assert S.wasserstein(np.array(u), np.array(v)) == pytest.approx(stats.wasserstein_distance(u, v), abs=1e-12)


def test_numeric_feature_matches_scipy_after_missing_values_are_dropped():
    rng = np.random.default_rng(7)
    ref = pd.Series(rng.normal(50, 10, 800))
    cur = pd.Series(rng.normal(53, 10, 600))
    ref[::10] = np.nan
    cur[::4] = np.nan
    fd, _ = feature_drift("x", "numeric", ref, cur, PLAN)
    r, c = ref.dropna().to_numpy(), cur.dropna().to_numpy()
    assert (fd.n_reference, fd.n_current) == (720, 450)
    assert fd.wasserstein == pytest.approx(stats.wasserstein_distance(r, c), rel=1e-12)
    assert fd.wasserstein_normed == pytest.approx(stats.wasserstein_distance(r, c) / np.std(r, ddof=1), rel=1e-12)
    ks = stats.ks_2samp(r, c)
    assert (fd.ks_statistic, fd.ks_p) == pytest.approx((ks.statistic, ks.pvalue), rel=1e-12)
    assert (fd.missing_reference, fd.missing_current) == pytest.approx((0.1, 0.25))
    # the missing-rate change is Newcombe's 0.25 - 0.10 with the Agresti-Coull intervals of 150/600 and 80/800
    assert fd.missing_change.value == pytest.approx(0.15)
    assert fd.missing_change.ci_low is not None and fd.missing_change.ci_high is not None
    assert fd.missing_change.ci_low < 0.15 < fd.missing_change.ci_high
    assert fd.status == "alert" and any("missing values 10.0% -> 25.0%" in r for r in fd.reasons)


def test_psi_hand_worked_example():
    # Reference 1..8 in 4 bins: cuts at its empirical quartiles 2, 4, 6 (bins (-inf, 2], (2, 4], (4, 6], (6, inf)),
    # a quarter in each bin.
    # Current 1,1,1,3,5,7,7,8: shares 3/8, 1/8, 1/8, 3/8.
    # PSI = 2 (3/8 - 1/4) ln(3/2) + 2 (1/8 - 1/4) ln(1/2) = (ln 1.5 + ln 2) / 4 = ln(3) / 4.
    ref = np.arange(1, 9, dtype=float)
    cur = np.array([1, 1, 1, 3, 5, 7, 7, 8], dtype=float)
    cuts = S.quantile_cuts(ref, 4)
    assert cuts.tolist() == [2.0, 4.0, 6.0]
    assert S.bin_shares(ref, cuts).tolist() == [0.25] * 4
    assert S.bin_shares(cur, cuts).tolist() == [3 / 8, 1 / 8, 1 / 8, 3 / 8]
    assert S.psi(S.bin_shares(ref, cuts), S.bin_shares(cur, cuts)) == pytest.approx(math.log(3) / 4, abs=1e-15)
    fd, _ = feature_drift("x", "numeric", pd.Series(ref), pd.Series(cur), DriftPlan(bins=4, min_sample=1))
    assert fd.psi == pytest.approx(math.log(3) / 4) and fd.bin_cuts == (2.0, 4.0, 6.0)


def test_psi_bins_value_on_a_cut_falls_below_and_an_empty_bin_is_floored():
    cuts = np.array([2.0])
    assert S.bin_shares(np.array([2.0, 2.0, 3.0, 1.0]), cuts).tolist() == [0.75, 0.25]
    # [0.5, 0.5] -> [1, 0]: 0.5 ln 2 + (0.0001 - 0.5) ln(0.0001 / 0.5)
    assert S.psi(np.array([0.5, 0.5]), np.array([1.0, 0.0])) == pytest.approx(
        0.5 * math.log(2) + 0.4999 * math.log(5000), rel=1e-12
    )


def test_psi_with_tied_quantiles_merges_bins():
    ref = np.array([0] * 70 + [1] * 20 + [2] * 10, dtype=float)  # deciles collapse to the values 0, 1, 2
    cuts = S.quantile_cuts(ref, 10)
    assert cuts.tolist() == [0.0, 1.0]  # never between the values (linear interpolation would cut at 0.3)
    assert S.bin_shares(ref, cuts).tolist() == pytest.approx([0.7, 0.2, 0.1])


def test_js_distance_hand_worked_and_scipy():
    # p = (1/2, 1/2), q = (1, 0): m = (3/4, 1/4); KL(p||m) = 1/2 log2(2/3) + 1/2 log2(2); KL(q||m) = log2(4/3)
    kl_p = 0.5 * math.log2(2 / 3) + 0.5
    kl_q = math.log2(4 / 3)
    assert S.js_distance(np.array([0.5, 0.5]), np.array([1.0, 0.0])) == pytest.approx(math.sqrt((kl_p + kl_q) / 2), abs=1e-15)
    assert S.js_distance(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(1.0)
    p, q = np.array([0.2, 0.5, 0.3, 0.0]), np.array([0.1, 0.4, 0.3, 0.2])
    assert S.js_distance(p, q) == pytest.approx(jensenshannon(p, q, base=2), rel=1e-12)


def test_categorical_feature_chi2_psi_and_new_categories():
    ref = pd.Series(["N"] * 500 + ["S"] * 300 + ["E"] * 200)
    cur = pd.Series(["N"] * 400 + ["S"] * 300 + ["E"] * 200 + ["W"] * 100 + [None] * 50)
    fd, found = feature_drift("region", "categorical", ref, cur, PLAN)
    table = np.array([[500, 300, 200, 0], [400, 300, 200, 100]])
    assert fd.chi2_p == pytest.approx(stats.chi2_contingency(table, correction=False).pvalue, rel=1e-12)
    assert fd.js == pytest.approx(jensenshannon(table[0], table[1], base=2), rel=1e-12)
    r, c = np.maximum(table[0] / 1000, 1e-4), table[1] / 1000
    assert fd.psi == pytest.approx(float(np.sum((c - r) * np.log(c / r))), rel=1e-12)
    assert fd.new_categories == ("W",) and fd.new_category_share == pytest.approx(0.1)
    assert fd.status == "alert" and {f[0] for f in found} >= {"new_category_share", "js"}
    assert [(x.value, x.reference, x.current) for x in fd.categories][-1] == ("W", 0, 100)


def test_below_the_minimum_sample_a_big_shift_is_insufficient_evidence():
    fd, found = feature_drift(
        "x", "numeric", pd.Series(np.arange(40.0)), pd.Series(np.arange(40.0) + 100), DriftPlan(min_sample=50)
    )
    assert fd.status == "insufficient_evidence" and found == []
    assert fd.wasserstein == pytest.approx(100)  # still measured and shown, just not decided on


def test_a_current_column_with_no_values_is_an_alert_not_a_pass():
    fd, found = feature_drift("x", "numeric", pd.Series(np.arange(300.0)), pd.Series([np.nan] * 300), PLAN)
    assert fd.status == "alert" and [f[0] for f in found] == ["missing_rate_change"]
    assert "no values in the current file" in fd.reasons


def _frame(draw_seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(draw_seed)
    return pd.DataFrame(
        {
            "x": rng.normal(0, 1, n),
            "k": rng.choice(["a", "b", "c"], n),
            "g": rng.choice(["u", "v"], n),
            "s": rng.random(n),
            "d": rng.integers(0, 2, n),
        }
    )


@given(st.integers(0, 10_000), st.integers(60, 400))
@settings(max_examples=15, deadline=None)
def test_a_dataset_compared_with_itself_shows_no_drift(seed, n):
    from audit.lifecycle.drift import measure_drift
    from audit.lifecycle.drift_inputs import DriftInputs, Side
    from audit.lifecycle.drift_types import FileInfo

    df = _frame(seed, n)
    info = FileInfo(name="f.csv", sha256="0" * 64, rows=n, format="csv")
    inp = DriftInputs(
        df,
        df.copy(),
        info,
        info,
        ["x", "k"],
        {"x": "numeric", "k": "categorical"},
        ["g"],
        Side(df.s.to_numpy(), df.d.to_numpy()),
        Side(df.s.to_numpy(), df.d.to_numpy()),
        "cols",
        "1",
    )
    r = measure_drift(inp, DriftPlan(min_sample=50))
    assert r.alerts == ()
    assert r.predictions is not None and r.predictions.scores is not None
    for f in (*r.features, *r.group_shares, r.predictions.scores):
        assert (f.psi, f.wasserstein or 0.0, f.js or 0.0) == (0.0, 0.0, 0.0)
        assert f.ks_p in (None, 1.0) and f.chi2_p in (None, 1.0)
    assert r.predictions.decision_rate_change is not None and r.predictions.decision_rate_change.value == 0
    assert all(g.share_change.value == 0 and g.status != "alert" for g in r.groups)
