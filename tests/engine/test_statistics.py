"""Intervals, tests and score metrics checked against independent computations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import brier_score_loss, roc_auc_score

from audit.stats.bootstrap import percentile_intervals, posterior_counts
from audit.stats.quality import cramers_v
from audit.stats.score_metrics import auc_delong, brier, expected_calibration_error


def test_posterior_draws_keep_sizes_and_never_collapse_at_zero_or_n():
    """Jeffreys-posterior draws: each group keeps its n rows, a rate of 0 or 1 still varies, the mean is the posterior's."""
    counts = np.array([[40, 0, 0, 0], [10, 5, 3, 20]])  # group 0: nobody selected, no positives
    draws = posterior_counts(counts, 4000, np.random.default_rng(2))
    assert draws.shape == (4000, 2, 4)
    assert np.allclose(draws.sum(axis=2), counts.sum(axis=1))
    sel = (draws[:, 0, 1] + draws[:, 0, 3]) / 40
    assert sel.min() >= 0 and np.quantile(sel, 0.975) > 0.02  # 0 of 40 selected: not the point [0, 0]
    # Dirichlet(counts + 1/2): the selection rate of group 1 is Beta(25 + 1, 13 + 1) scaled by n
    sel1 = (draws[:, 1, 1] + draws[:, 1, 3]) / 38
    assert sel1.mean() == pytest.approx(26 / 40, abs=0.005)
    lo, hi = percentile_intervals(sel1[:, None], 0.95)
    assert (lo[0], hi[0]) == (
        pytest.approx(stats.beta.ppf(0.025, 26, 14), abs=0.01),
        pytest.approx(stats.beta.ppf(0.975, 26, 14), abs=0.01),
    )


def test_posterior_draws_are_seeded():
    counts = np.array([[10, 5, 3, 20], [7, 7, 7, 7]])
    a = posterior_counts(counts, 50, np.random.default_rng(7))
    b = posterior_counts(counts, 50, np.random.default_rng(7))
    assert (a == b).all()


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
    assert expected_calibration_error(np.array([1, 0]), np.array([0.9, 0.9]), 0.95, np.random.default_rng(0), 10)[
        0
    ] == pytest.approx(0.4)


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


def test_group_rate_at_one_gets_a_nonzero_interval():
    import pandas as pd

    from audit.stats import estimates
    from audit.stats.cells import build_index
    from audit.stats.metrics import confusion_counts

    df = pd.DataFrame({"g": ["a"] * 40 + ["b"] * 40})
    y = np.array([1] * 40 + [1, 0] * 20)
    p = np.array([1] * 40 + [1, 0, 0, 1] * 10)  # group a: TPR 40/40
    index = build_index(df, ("g",))
    counts = confusion_counts(index.cell_of_row, y, p, index.n_cells)
    (st,) = [estimates.level_stats(lv, index.n_cells, counts, {}, 500, np.random.default_rng(0)) for lv in index.levels]
    res = estimates.group_results(st, 80, 30, 0.95, y, None, None, np.random.default_rng(0), 500)
    a = next(r for r in res if r.attributes == {"g": "a"})
    assert a.metrics["tpr"].value == 1.0 and a.metrics["tpr"].ci_low < 0.95 and a.metrics["tpr"].ci_high == 1.0
    assert a.metrics["fpr"].value is None  # no actual negatives: undefined, not 0
    assert a.metrics["f1"].ci_low < a.metrics["f1"].value == 1.0  # the posterior draws do not collapse at F1 = 1


def test_perfect_auc_gets_an_interval():
    y = np.array([0] * 20 + [1] * 12)
    s = np.linspace(0, 1, 32)
    auc, lo, hi = auc_delong(y, s, 0.95)
    assert auc == 1.0 and hi == 1.0 and 0.7 < lo < 0.95  # not [1, 1]: 12 positives are few


def test_calibration_error_interval_does_not_collapse_when_one_label_only():
    y = np.zeros(50, dtype=int)
    s = np.full(50, 0.05)
    ece, lo, hi = expected_calibration_error(y, s, 0.95, np.random.default_rng(0), 500)
    assert ece == pytest.approx(0.05) and hi > lo


def test_brier_interval_does_not_collapse_on_perfect_scores():
    """40 rows scored exactly right: the Brier score is 0, but 40 rows cannot show it is exactly 0."""
    y = np.array([0.0, 1.0] * 20)
    value, lo, hi = brier(y, y.copy(), 0.95)
    assert value == 0.0 and lo == 0.0
    assert hi > 0.05  # the rate interval of 0 of 40 reaches ~0.088


def test_brier_interval_covers_by_simulation():
    """Calibrated scores S ~ Beta(2, 3), labels Y ~ Bernoulli(S): the true Brier score is E[S(1 - S)] = 0.2."""
    rng = np.random.default_rng(3)
    truth = 2 * 3 / (5 * 6)  # E[S] - E[S^2] for Beta(2, 3)
    hits = 0
    for _ in range(600):
        s = rng.beta(2, 3, 150)
        y = (rng.random(150) < s).astype(float)
        _, lo, hi = brier(y, s, 0.95)
        hits += lo <= truth <= hi
    assert 0.92 <= hits / 600 <= 0.98
