"""Every group's AUC, Brier score and calibration bins at once (audit/stats/score_levels.py), by numpy on small tables
and by the numba kernel on large ones, equal the per-group functions, and AUC equals scikit-learn's on the rows:
ties within and across cells, a group with one positive, one without negatives, one with no entries."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

import audit.stats.score_levels as SL
from audit.stats.score_metrics import auc_delong_counts, brier_counts, calibration_bins_counts


def _table(seed: int = 0, k: int = 4000, groups: int = 6):
    rng = np.random.default_rng(seed)
    s = np.sort(np.round(rng.random(k), 2))  # ties across entries (cells) of one group
    g = rng.integers(0, groups - 3, k)
    p = (rng.random(k) < 0.4 + 0.1 * g) * rng.integers(1, 4, k).astype(float)
    q = (p == 0) * rng.integers(1, 4, k).astype(float)
    one_pos = np.array([0.3, 0.5, 0.7])  # group groups-3: a single positive among negatives
    no_neg = np.array([0.2, 0.9])  # group groups-2: positives only (AUC undefined); group groups-1: no entries
    s = np.r_[s, one_pos, no_neg]
    g = np.r_[g, [groups - 3] * 3, [groups - 2] * 2]
    p = np.r_[p, [0.0, 1.0, 0.0], [2.0, 1.0]]
    q = np.r_[q, [2.0, 0.0, 1.0], [0.0, 0.0]]
    order = np.argsort(s, kind="stable")
    return s[order], p[order], q[order], g[order], groups


@pytest.mark.parametrize("kernel", [False, True])
def test_every_group_at_once_equals_the_per_group_functions(kernel, monkeypatch):
    monkeypatch.setattr(SL, "KERNEL_ENTRIES", 1 if kernel else 10**12)
    s, p, q, g, groups = _table()
    got = SL.level_scores(s, p, q, g, groups, 0.95)
    for k in range(groups):
        e = np.flatnonzero(g == k)
        want_auc = auc_delong_counts(s[e], p[e], q[e], 0.95) if len(e) else (np.nan,) * 3
        want_brier = brier_counts(s[e], p[e], q[e], 0.95) if len(e) else (np.nan,) * 3
        np.testing.assert_allclose(got.auc[k], want_auc, rtol=0, atol=1e-12)
        np.testing.assert_allclose(got.brier[k], want_brier, rtol=0, atol=1e-12)
        n, pos, ssum, present = got.bins(k)
        if len(e):
            wn, wp, ws, wpresent = calibration_bins_counts(s[e], p[e], q[e])
            assert np.array_equal(n, wn) and np.array_equal(present, wpresent)
            np.testing.assert_allclose(pos, wp, atol=1e-12)
            np.testing.assert_allclose(ssum, ws, atol=1e-9)
        else:
            assert n.sum() == 0
        rows_y = np.r_[np.ones(int(p[e].sum())), np.zeros(int(q[e].sum()))]
        rows_s = np.r_[np.repeat(s[e], p[e].astype(int)), np.repeat(s[e], q[e].astype(int))]
        if 0 < rows_y.sum() < len(rows_y):  # an independent AUC from the rows
            assert got.auc[k][0] == pytest.approx(roc_auc_score(rows_y, rows_s), abs=1e-12)
    assert np.isnan(got.auc[groups - 2][0]) and np.isnan(got.auc[groups - 1][0])
    assert got.auc[groups - 3][0] == pytest.approx(roc_auc_score([0, 1, 0, 0], [0.3, 0.5, 0.7, 0.3]))
