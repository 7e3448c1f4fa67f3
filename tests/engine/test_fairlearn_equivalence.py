"""Every group metric equals fairlearn's MetricFrame on the same input (1e-12), on random inputs and the user-guide example."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn import metrics as flm
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from audit.stats import estimates
from audit.stats.cells import build_index
from audit.stats.metrics import confusion_counts

FAIRLEARN = {
    "selection_rate": flm.selection_rate,
    "tpr": flm.true_positive_rate,
    "fpr": flm.false_positive_rate,
    "fnr": flm.false_negative_rate,
    "tnr": flm.true_negative_rate,
    "precision": lambda t, p: skm.precision_score(t, p, zero_division=np.nan),
    "npv": lambda t, p: skm.precision_score(1 - np.asarray(t), 1 - np.asarray(p), zero_division=np.nan),
    "accuracy": skm.accuracy_score,
    "base_rate": lambda t, p: float(np.mean(t)),
    "f1": lambda t, p: skm.f1_score(t, p, zero_division=np.nan),
}
# fairlearn reports 0 where a rate is undefined (no positives / negatives); Attest reports None. Compare only defined values.
DENOMINATOR = {"tpr": "pos", "fnr": "pos", "fpr": "neg", "tnr": "neg"}


def engine_levels(df: pd.DataFrame, sensitive: tuple[str, ...], y: np.ndarray, p: np.ndarray):
    index = build_index(df, sensitive)
    counts = confusion_counts(index.cell_of_row, y, p, index.n_cells)
    rng = np.random.default_rng(0)
    return {
        st_.level.features: st_ for st_ in (estimates.level_stats(lv, index.n_cells, counts, {}, 0, rng) for lv in index.levels)
    }


def assert_matches_fairlearn(df: pd.DataFrame, sensitive: tuple[str, ...], y: np.ndarray, p: np.ndarray) -> None:
    levels = engine_levels(df, sensitive, y, p)
    for features, stats in levels.items():
        mf = flm.MetricFrame(metrics=FAIRLEARN, y_true=y, y_pred=p, sensitive_features=df[list(features)].astype(str))
        by_group = mf.by_group
        for g, attrs in enumerate(stats.level.groups):
            key = tuple(attrs[f] for f in features)
            row = by_group.loc[key if len(key) > 1 else key[0]]
            mask = np.logical_and.reduce([df[f].astype(str).to_numpy() == attrs[f] for f in features])
            pos, neg = int(y[mask].sum()), int((1 - y[mask]).sum())
            for name in FAIRLEARN:
                ours = stats.point[name][g]
                undefined = (DENOMINATOR.get(name) == "pos" and pos == 0) or (DENOMINATOR.get(name) == "neg" and neg == 0)
                if undefined or np.isnan(row[name]):
                    assert np.isnan(ours), (features, attrs, name)
                else:
                    assert ours == pytest.approx(row[name], abs=1e-12, rel=0), (features, attrs, name)


@st.composite
def audits(draw):
    n = draw(st.integers(20, 400))
    k = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({f"s{j}": rng.choice([f"g{v}" for v in range(draw(st.integers(2, 4)))], n) for j in range(k)})
    y = rng.integers(0, 2, n).astype(np.int8)
    p = rng.integers(0, 2, n).astype(np.int8)
    return df, tuple(df.columns), y, p


@settings(max_examples=25, deadline=None)
@given(audits())
def test_group_metrics_equal_metricframe(case):
    df, sensitive, y, p = case
    assert_matches_fairlearn(df, sensitive, y, p)


@settings(max_examples=20, deadline=None)
@given(audits())
def test_parity_differences_equal_fairlearn(case):
    df, sensitive, y, p = case
    levels = engine_levels(df, sensitive, y, p)
    f = sensitive[0]
    summary = estimates.level_summary(levels[(f,)], 0.95, 30)
    sf = df[f].astype(str)
    assert summary.demographic_parity_difference.value == pytest.approx(
        flm.demographic_parity_difference(y, p, sensitive_features=sf), abs=1e-12
    )
    # Undefined compares with undefined: fairlearn's NaN (every group selects no one) is Attest's None, and nothing else is.
    fl_dpr = flm.demographic_parity_ratio(y, p, sensitive_features=sf)
    if np.isnan(fl_dpr):
        assert summary.demographic_parity_ratio.value is None
    else:
        assert summary.demographic_parity_ratio.value == pytest.approx(fl_dpr, abs=1e-12)
    # Equalized odds equals fairlearn's only when every group has both classes: Attest leaves an undefined TPR / FPR
    # out, fairlearn counts it as 0 (test_equalized_odds_leaves_undefined_rates_out).
    both = all(len(set(y[(sf == g).to_numpy()])) == 2 for g in sf.unique())
    if both:
        assert summary.equalized_odds_difference.value == pytest.approx(
            flm.equalized_odds_difference(y, p, sensitive_features=sf), abs=1e-12
        )
        fl_ratio = flm.equalized_odds_ratio(y, p, sensitive_features=sf)
        if summary.equalized_odds_ratio.value is None:
            assert np.isnan(fl_ratio) or fl_ratio == 0
        else:
            assert summary.equalized_odds_ratio.value == pytest.approx(fl_ratio, abs=1e-12)


# The 18-sample example of fairlearn's user guide (assessment / advanced MetricFrame).
Y_TRUE = np.array([0, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1])
Y_PRED = np.array([0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0])
SF = list("bbabbcccaacabccbcc")


def test_user_guide_example_by_hand():
    df = pd.DataFrame({"sf": SF})
    stats = engine_levels(df, ("sf",), Y_TRUE, Y_PRED)[("sf",)]
    got = {
        attrs["sf"]: {m: stats.point[m][g] for m in ("tpr", "selection_rate", "fpr")}
        for g, attrs in enumerate(stats.level.groups)
    }
    # Worked by hand: group a has rows 2, 8, 9, 11 -> y_true 1,1,0,0 and y_pred 1,0,1,1.
    assert got["a"] == {"tpr": 0.5, "selection_rate": 0.75, "fpr": 1.0}
    assert got["b"]["tpr"] == pytest.approx(0.6) and got["c"]["tpr"] == pytest.approx(0.4)  # the guide's recall by group
    assert got["b"]["selection_rate"] == 0.5 and got["c"]["selection_rate"] == 0.5
    assert_matches_fairlearn(df, ("sf",), Y_TRUE, Y_PRED)


def test_equalized_odds_leaves_undefined_rates_out_and_warns():
    """Group c has no actual negatives: its FPR is undefined. Attest's equalized odds leaves it out (the spread of
    the defined rates), fairlearn's counts it as 0; the result warns and names the group."""
    sf = ["a"] * 6 + ["b"] * 6 + ["c"] * 4
    y = np.array([1, 1, 1, 0, 0, 0] * 2 + [1, 1, 1, 1])
    p = np.array([1, 1, 0, 1, 0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 1, 0])
    df = pd.DataFrame({"sf": sf})
    st_ = engine_levels(df, ("sf",), y, p)[("sf",)]
    summary = estimates.level_summary(st_, 0.95, 30)
    # a: TPR 2/3 FPR 1/3; b: TPR 1/3 FPR 2/3; c: TPR 3/4, FPR undefined -> max(0.75 - 1/3, 2/3 - 1/3)
    assert summary.equalized_odds_difference.value == pytest.approx(0.75 - 1 / 3)
    fl = flm.equalized_odds_difference(y, p, sensitive_features=pd.Series(sf))
    assert fl == pytest.approx(2 / 3)  # fairlearn: c's FPR counted as 0 -> 2/3 - 0
    (warning,) = estimates.equalized_odds_gaps([st_])
    assert "sf=c" in warning and "no actual negatives" in warning and "sf=a" not in warning
