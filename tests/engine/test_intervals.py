"""The production (vectorised) intervals and tests against statsmodels and scipy, on counts that include 0 and n."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint
from statsmodels.stats.proportion import test_proportions_2indep as sm_test_2indep

from audit.stats import intervals
from audit.stats.significance import equal_rates_test, holm, needed_scale, threshold_pvalues


@st.composite
def counts(draw, max_n=400):
    """(x, n) pairs biased towards the edges: 0 of n, n of n, 1 of n, n - 1 of n."""
    n = draw(st.integers(1, max_n))
    x = draw(st.one_of(st.sampled_from([0, n, min(1, n), max(n - 1, 0)]), st.integers(0, n)))
    return x, n


LEVELS = st.sampled_from([0.8, 0.9, 0.95, 0.99, 0.9999])


def _sm_wilson(x, n, z):
    """statsmodels' Wilson interval, to run the production MOVER code with Newcombe's components."""
    alpha = 2 * stats.norm.sf(z)
    lo, hi = proportion_confint(np.asarray(x), np.asarray(n), alpha=alpha, method="wilson")
    return np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)


@settings(max_examples=300, deadline=None)
@given(st.lists(counts(), min_size=1, max_size=8), LEVELS)
def test_rate_interval_is_statsmodels_agresti_coull(cs, level):
    x, n = np.array(cs).T
    lo, hi = intervals.rate(x, n, intervals.z_two_sided(level))
    sm_lo, sm_hi = proportion_confint(x, n, alpha=1 - level, method="agresti_coull")
    assert lo == pytest.approx(np.clip(sm_lo, 0, 1), abs=1e-12)
    assert hi == pytest.approx(np.clip(sm_hi, 0, 1), abs=1e-12)
    assert ((lo <= x / n) & (x / n <= hi)).all()


@settings(max_examples=300, deadline=None)
@given(counts(), counts(), LEVELS)
def test_difference_mover_code_reproduces_statsmodels_newcombe(a, b, level):
    """The production MOVER combination, fed statsmodels' Wilson intervals, is statsmodels' Newcombe interval."""
    (x1, n1), (x2, n2) = a, b
    z = intervals.z_two_sided(level)
    d, lo, hi = intervals.difference(np.array([x1]), np.array([n1]), np.array([x2]), np.array([n2]), z, rate=_sm_wilson)
    sm_lo, sm_hi = confint_proportions_2indep(x1, n1, x2, n2, compare="diff", method="newcomb", alpha=1 - level)
    assert (lo[0], hi[0]) == (pytest.approx(sm_lo, abs=1e-9), pytest.approx(sm_hi, abs=1e-9))
    # and the production components give an interval that contains the point estimate and stays in [-1, 1]
    d, lo, hi = intervals.difference(x1, n1, x2, n2, z)
    assert -1 <= lo <= d <= hi <= 1


def _mover_ratio_by_root(x1, n1, x2, n2, z, rate):
    """MOVER-R by definition, solved numerically: the ratios t where the MOVER interval of p1 - t*p2 touches 0."""
    p1, p2 = x1 / n1, x2 / n2
    (l1,), (u1,) = rate(np.array([x1]), np.array([n1]), z)
    (l2,), (u2,) = rate(np.array([x2]), np.array([n2]), z)

    def lower_of_diff(t):  # MOVER lower limit of p1 - t p2 (limits of t p2 are t l2, t u2)
        return (p1 - t * p2) - np.sqrt((p1 - l1) ** 2 + (t * u2 - t * p2) ** 2)

    def upper_of_diff(t):
        return (p1 - t * p2) + np.sqrt((u1 - p1) ** 2 + (t * p2 - t * l2) ** 2)

    point = p1 / p2 if p2 > 0 else np.inf
    lo = (
        0.0 if lower_of_diff(0.0) <= 0 else optimize.brentq(lower_of_diff, 0.0, point if np.isfinite(point) else 1e12, xtol=1e-14)
    )
    if l2 == 0:  # t p2 - t l2 grows as fast as t p2: the upper limit of p1 - t p2 never reaches 0
        hi = np.inf
    else:
        hi = optimize.brentq(upper_of_diff, point, 1e12, xtol=1e-14, rtol=1e-13)
    return lo, hi


@settings(max_examples=300, deadline=None)
@given(counts(), counts(), LEVELS)
def test_ratio_closed_form_is_the_mover_r_root(a, b, level):
    (x1, n1), (x2, n2) = a, b
    z = intervals.z_two_sided(level)
    point, lo, hi = intervals.ratio(x1, n1, x2, n2, z)
    want_lo, want_hi = _mover_ratio_by_root(x1, n1, x2, n2, z, intervals.rate)
    (l1,), (u1,) = intervals.rate(np.array([x1]), np.array([n1]), z)
    (l2,), (u2,) = intervals.rate(np.array([x2]), np.array([n2]), z)
    with np.errstate(divide="ignore"):
        if x1 == n1:  # a rate observed at 100%: widened to the product-of-limits bound
            want_lo = min(want_lo, l1 / u2)
        if x2 == n2 and l2 > 0:
            want_hi = max(want_hi, u1 / l2)
    assert float(lo) == pytest.approx(want_lo, rel=1e-7, abs=1e-9)
    if np.isinf(want_hi):
        assert np.isinf(hi)
    else:
        assert float(hi) == pytest.approx(want_hi, rel=1e-6)
    if x2 > 0:
        assert lo <= point <= hi
    else:
        assert np.isnan(point) and np.isinf(hi)  # a comparator that selected nobody bounds the ratio from below only


def _exact_ratio_coverage(n1, p1, n2, p2, level=0.95):
    """Coverage of the true p1/p2 summed over every pair of counts (no simulation)."""
    x1 = np.arange(n1 + 1.0)[:, None] * np.ones((1, n2 + 1))
    x2 = np.arange(n2 + 1.0)[None, :] * np.ones((n1 + 1, 1))
    w = stats.binom.pmf(x1, n1, p1) * stats.binom.pmf(x2, n2, p2)
    _, lo, hi = intervals.ratio(x1, n1, x2, n2, intervals.z_two_sided(level))
    t = p1 / p2
    return float(np.sum(w * ((lo <= t * (1 + 1e-12)) & (t <= hi * (1 + 1e-12)))))


@pytest.mark.parametrize("n", [15, 30, 60, 200])
def test_ratio_covers_at_least_nominal_when_a_rate_is_100_percent(n):
    """Boundary cells of the coverage goal: a group selected in full against a comparator at 0.5, and a comparator
    selected in full. Plain MOVER-R gives 94.8% at n = 60 (60/60 against rate 0.5); the goal is at least 95%."""
    assert _exact_ratio_coverage(n, 1.0, n, 0.5) >= 0.95
    assert _exact_ratio_coverage(n, 1.0, 1000, 0.3) >= 0.95
    assert _exact_ratio_coverage(n, 0.5, n, 1.0) >= 0.95  # plain MOVER-R: 94.8% at n = 60
    assert 0.93 <= _exact_ratio_coverage(n, 0.3, n, 1.0) <= 0.99  # an interior cell's goal
    assert _exact_ratio_coverage(n, 0.05, n, 0.5) <= 0.99  # interior cells are not made needlessly wide


def test_ratio_zero_count_case_from_the_issue():
    """500 rows / 25 selected vs 40 / 0: the ratio could be well above 1, so its interval must say so."""
    point, lo, hi = intervals.ratio(0, 40, 25, 500, intervals.z_two_sided(0.95))
    assert point == 0 and lo == 0 and hi > 1.5
    _, sm_hi = confint_proportions_2indep(0, 40, 25, 500, compare="ratio", method="score")
    assert sm_hi > 1.5  # Koopman's score interval agrees it is wide


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(counts(), counts()), min_size=1, max_size=6))
def test_equal_rates_test_is_statsmodels_score_test_or_fisher(pairs):
    x1, n1, x2, n2 = (np.array(v) for v in zip(*[(a[0], a[1], b[0], b[1]) for a, b in pairs], strict=True))
    p, tests = equal_rates_test(x1, n1, x2, n2)
    for i in range(len(x1)):
        if tests[i] == "fisher_exact":
            want = stats.fisher_exact([[x1[i], n1[i] - x1[i]], [x2[i], n2[i] - x2[i]]]).pvalue
        else:
            with np.errstate(all="ignore"):
                want = sm_test_2indep(x1[i], n1[i], x2[i], n2[i], method="score", correction=False).pvalue
            if np.isnan(want):  # 0 of n vs 0 of n: both rates identical, statsmodels divides 0 by 0
                want = 1.0
        assert p[i] == pytest.approx(want, rel=1e-9, abs=1e-14)


def test_two_proportion_z_by_hand():
    # 60/100 vs 40/100: pooled 0.5, se = sqrt(0.25 * 0.02) = 0.0707, z = 2.828, two-sided p = 0.00468
    p, tests = equal_rates_test([60], [100], 40, 100)
    assert tests == ["two_proportion_z"] and p[0] == pytest.approx(0.004678, abs=1e-6)


@settings(max_examples=30, deadline=None)  # statsmodels' multipletests takes ~0.15 s a call here
@given(st.lists(st.one_of(st.floats(0, 1), st.just(0.0), st.just(1.0), st.just(float("nan"))), min_size=1, max_size=30))
def test_holm_is_statsmodels_multipletests(ps):
    p = np.array(ps)
    ok = ~np.isnan(p)
    got = holm(p)
    assert np.isnan(got[~ok]).all()
    if ok.any():
        assert got[ok] == pytest.approx(multipletests(p[ok], method="holm")[1], abs=1e-12)


def test_holm_step_down_is_monotone():
    # Sorted 0.01, 0.03, 0.04: 3 x 0.01 = 0.03, 2 x 0.03 = 0.06, 1 x 0.04 = 0.04 -> raised to 0.06 by the step-down.
    assert holm([0.04, 0.01, 0.03, float("nan")])[:3] == pytest.approx([0.06, 0.03, 0.06])


@settings(max_examples=200, deadline=None)
@given(counts(), counts(), st.sampled_from(["difference", "ratio"]), st.floats(0.001, 0.2))
def test_threshold_pvalue_is_the_interval_read_backwards(a, b, kind, tail):
    """p < tail exactly when the interval with that tail lies wholly beyond the threshold (a fail at that level)."""
    (x1, n1), (x2, n2) = a, b
    threshold = 0.8 if kind == "ratio" else -0.1
    p = threshold_pvalues(kind, [x1], [n1], [x2], [n2], threshold, below=True)[0]
    _, lo, hi = intervals.compare(kind, x1, n1, x2, n2, intervals.z_for(tail))
    if abs(p - tail) > 1e-9 * tail:
        assert (p < tail) == bool(hi < threshold), (p, hi)
    p_up = threshold_pvalues(kind, [x1], [n1], [x2], [n2], -threshold if kind == "difference" else 1.25, below=False)[0]
    if abs(p_up - tail) > 1e-9 * tail:
        assert (p_up < tail) == bool(lo > (-threshold if kind == "difference" else 1.25))


def test_threshold_test_is_one_sided_against_the_threshold_not_equality():
    """The issue's case: ratio 0.790, interval [0.737, 0.841]. Equal rates are rejected (p ~ 1e-23), but the evidence
    that the ratio is below 0.8 is weak (one-sided p ~ 0.36)."""
    x1, n1, x2, n2 = 3950, 10000, 5000, 10000  # 0.395 / 0.5 = 0.790
    (p_equal,), _ = equal_rates_test([x1], [n1], x2, n2)
    assert p_equal < 1e-20
    p = threshold_pvalues("ratio", [x1], [n1], [x2], [n2], 0.8, below=True)[0]
    sm = sm_test_2indep(x1, n1, x2, n2, value=0.8, compare="ratio", alternative="smaller", method="score").pvalue
    assert 0.05 < p < 0.5 and p == pytest.approx(sm, abs=0.02)
    # the other direction: no evidence that the ratio is above 0.8
    assert threshold_pvalues("ratio", [x1], [n1], [x2], [n2], 0.8, below=False)[0] == 1.0


def test_needed_scale_decides_exactly_there():
    z = float(intervals.z_for(0.025))
    x1, n1, x2, n2 = np.array([30.0]), np.array([100.0]), np.array([500.0]), np.array([1000.0])  # ratio 0.6 vs 0.8
    k = needed_scale("ratio", x1, n1, x2, n2, z, 0.8, None, both=False)[0]
    assert 1 < k < 10
    _, _, hi = intervals.ratio(x1 * k, n1 * k, x2, n2, z)
    _, _, hi_before = intervals.ratio(x1 * k * 0.98, n1 * k * 0.98, x2, n2, z)
    assert hi[0] < 0.8 <= hi_before[0]
    # a value exactly at the threshold is never decided
    assert np.isinf(needed_scale("ratio", np.array([40.0]), n1, x2, n2, z, 0.8, None, both=True)[0])
