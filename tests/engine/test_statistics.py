"""Intervals, tests and score metrics checked against independent computations."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import brier_score_loss, roc_auc_score

from audit.bootstrap import aggregate, percentile_interval, resample_counts
from audit.quality import cramers_v
from audit.scoremetrics import auc_delong, brier, expected_calibration_error
from audit.significance import holm, proportion_test


def test_count_bootstrap_matches_row_bootstrap():
    """Resampling counts multinomially must give the same interval as resampling rows, stratified by cell."""
    rng = np.random.default_rng(1)
    cells = np.repeat([0, 1], [600, 400])
    y = rng.integers(0, 2, 1000)
    p = (rng.random(1000) < np.where(cells == 0, 0.6, 0.3)).astype(int)
    counts = np.stack([np.bincount(y[cells == c] * 2 + p[cells == c], minlength=4) for c in (0, 1)])
    boot = resample_counts(counts, 4000, np.random.default_rng(2))
    assert (boot.sum(axis=2) == counts.sum(axis=1)).all(), "each cell keeps its size"
    sel = aggregate(boot, np.ones((2, 1)))[:, 0, [1, 3]].sum(axis=1) / 1000
    lo, hi = percentile_interval(sel, 0.95)
    # Row bootstrap, stratified by cell, written out independently.
    r = np.random.default_rng(3)
    idx0, idx1 = np.flatnonzero(cells == 0), np.flatnonzero(cells == 1)
    rows = [np.concatenate([r.choice(idx0, len(idx0)), r.choice(idx1, len(idx1))]) for _ in range(4000)]
    row_sel = np.array([p[i].mean() for i in rows])
    assert lo == pytest.approx(np.quantile(row_sel, 0.025), abs=0.006)
    assert hi == pytest.approx(np.quantile(row_sel, 0.975), abs=0.006)


def test_bootstrap_is_seeded():
    counts = np.array([[10, 5, 3, 20], [7, 7, 7, 7]])
    a = resample_counts(counts, 50, np.random.default_rng(7))
    b = resample_counts(counts, 50, np.random.default_rng(7))
    assert (a == b).all()


def test_two_proportion_z_by_hand():
    # 60/100 vs 40/100: pooled 0.5, se = sqrt(0.25 * 0.02) = 0.0707, z = 2.828, p = 0.00468
    p, test = proportion_test(60, 100, 40, 100)
    assert test == "two_proportion_z"
    assert p == pytest.approx(2 * stats.norm.sf(0.2 / np.sqrt(0.25 * 0.02)), rel=1e-12)
    assert p == pytest.approx(0.004678, abs=1e-6)


def test_small_counts_use_fisher():
    p, test = proportion_test(1, 6, 5, 6)
    assert test == "fisher_exact"
    assert p == pytest.approx(stats.fisher_exact([[1, 5], [5, 1]]).pvalue)


def test_holm_by_hand():
    # Sorted 0.01, 0.02, 0.04 -> 3*0.01, max(0.03, 2*0.02), max(0.04, 1*0.04)
    assert holm([0.04, 0.01, 0.02, float("nan")])[:3] == pytest.approx([0.04, 0.03, 0.04])
    assert np.isnan(holm([0.04, 0.01, 0.02, float("nan")])[3])


def test_auc_and_delong_interval():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    s = np.clip(0.3 * y + rng.random(500) * 0.7, 0, 1)
    s[:50] = 0.5  # ties
    auc, lo, hi = auc_delong(y, s, 0.95)
    assert auc == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert lo < auc < hi and hi - lo < 0.2
    # DeLong variance against a bootstrap of rows (independent): the interval widths agree within 15%.
    r = np.random.default_rng(1)
    boots = []
    for _ in range(1500):
        i = r.integers(0, 500, 500)
        boots.append(roc_auc_score(y[i], s[i]))
    width = np.quantile(boots, 0.975) - np.quantile(boots, 0.025)
    assert (hi - lo) == pytest.approx(width, rel=0.15)


def test_brier_matches_sklearn():
    rng = np.random.default_rng(0)
    y, s = rng.integers(0, 2, 300), rng.random(300)
    assert brier(y, s, 0.95)[0] == pytest.approx(brier_score_loss(y, s), abs=1e-12)


def test_calibration_error_of_perfectly_calibrated_bins_is_zero():
    y = np.array([1, 0, 0, 0, 1, 1, 1, 0])
    s = np.array([0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75])
    assert expected_calibration_error(y, s, 0.95, np.random.default_rng(0), 100)[0] == pytest.approx(0.0)
    # Hand-worked: all scores 0.9, observed rate 0.5 -> ECE 0.4
    assert expected_calibration_error(np.array([1, 0]), np.array([0.9, 0.9]), 0.95, np.random.default_rng(0), 10)[0] == pytest.approx(0.4)


def test_cramers_v_limits():
    a = np.repeat([0, 1, 2], 100)
    assert cramers_v(a, a) == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    assert cramers_v(rng.integers(0, 3, 5000), rng.integers(0, 4, 5000)) < 0.05
    # Without bias correction the value equals scipy's Cramér's V; with it, it is never larger.
    x, z = rng.integers(0, 3, 200), rng.integers(0, 2, 200)
    table = np.bincount(x * 2 + z, minlength=6).reshape(3, 2)
    assert cramers_v(x, z) <= stats.contingency.association(table, method="cramer") + 1e-12


def test_presorted_auc_path_equals_the_sorting_path():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 2000)
    s = np.round(rng.random(2000), 2)  # many ties
    order = np.argsort(s, kind="stable")
    assert auc_delong(y[order], s[order], 0.95, presorted=True) == pytest.approx(auc_delong(y, s, 0.95), abs=1e-12)
    assert auc_delong(y, s, 0.95)[0] == pytest.approx(roc_auc_score(y, s), abs=1e-12)


def test_wilson_by_hand_and_for_degenerate_rates():
    from audit.fairness import wilson

    # 34 of 34: the percentile bootstrap collapses to [1, 1]; Wilson gives [0.898, 1] (z = 1.96).
    lo, hi = wilson(34, 34, 0.95)
    assert lo == pytest.approx(0.8985, abs=5e-4) and hi == 1.0
    # Agreement with statsmodels' textbook example: 0.5 of 100 -> [0.404, 0.596]
    lo, hi = wilson(50, 100, 0.95)
    assert (lo, hi) == (pytest.approx(0.4038, abs=5e-4), pytest.approx(0.5962, abs=5e-4))


def test_group_rate_at_one_gets_a_nonzero_interval():
    import pandas as pd

    from audit import fairness
    from audit.groups import build_index
    from audit.metrics import confusion_counts

    df = pd.DataFrame({"g": ["a"] * 40 + ["b"] * 40})
    y = np.array([1] * 40 + [1, 0] * 20)
    p = np.array([1] * 40 + [1, 0, 0, 1] * 10)  # group a: TPR 40/40
    index = build_index(df, ("g",))
    counts = confusion_counts(index.cell_of_row, y, p, index.n_cells)
    boot = resample_counts(counts, 500, np.random.default_rng(0))
    (st,) = [fairness.level_stats(lv, index.n_cells, counts, boot, {}) for lv in index.levels]
    res = fairness.group_results(st, 80, 30, 0.95, y, None, None, np.random.default_rng(0), 500)
    a = next(r for r in res if r.attributes == {"g": "a"})
    assert a.metrics["tpr"].value == 1.0 and a.metrics["tpr"].ci_low < 0.95 and a.metrics["tpr"].ci_high == 1.0
