"""`monitor` per window: rates and intervals against direct computation, alerts where a drift starts and not
before, CBPE against the hidden outcomes, calibration checked on the reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score
from statsmodels.stats.proportion import proportion_confint

from audit.lifecycle.monitor import monitor
from audit.lifecycle.plan import MonitorPlan
from audit.lifecycle.windows import parse_window
from audit.stats import intervals
from tests.lifecycle.monitor_helpers import load, simulate

Z = intervals.z_two_sided(0.95)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("monitor")
    simulate(6000, 1, days=30).drop(columns="time").to_csv(d / "ref.csv", index=False)
    simulate(6000, 2).to_csv(d / "stable.csv", index=False)
    simulate(6000, 3, drift_from="2024-04-01").to_csv(d / "drifted.csv", index=False)
    simulate(6000, 4, labelled=0.0).to_csv(d / "unlabelled.csv", index=False)
    simulate(6000, 5, labelled=0.5).to_csv(d / "half.csv", index=False)
    return d


def _run(files, log, window="1mo", plan=None, **kw):
    return monitor(load(files / log, files / "ref.csv", **kw), plan or MonitorPlan(), parse_window(window))


def test_group_rates_equal_a_direct_groupby_and_intervals_the_audits(files):
    r = _run(files, "stable.csv")
    df = pd.read_csv(files / "stable.csv")
    df["month"] = pd.to_datetime(df.time).dt.to_period("M")
    direct = df.groupby(["month", "group"]).pred.agg(["sum", "count"])
    assert len(r.windows) == 6
    for w, month in zip(r.windows, sorted(df.month.unique()), strict=True):
        assert w.n == int((df.month == month).sum())
        for g in w.groups:
            x, n = direct.loc[(month, g.group)]
            assert (g.selected, g.n) == (x, n)
            assert g.selection_rate.value == pytest.approx(x / n, abs=1e-12)
            lo, hi = map(float, intervals.rate(x, n, Z))
            assert (g.selection_rate.ci_low, g.selection_rate.ci_high) == pytest.approx((lo, hi), abs=1e-12)
            sm = proportion_confint(x, n, alpha=0.05, method="agresti_coull")  # independent implementation
            assert (g.selection_rate.ci_low, g.selection_rate.ci_high) == pytest.approx(sm, abs=1e-9)
            ref = pd.read_csv(files / "ref.csv")
            rx, rn = ref.pred[ref.group == g.group].sum(), (ref.group == g.group).sum()
            d, dlo, dhi = map(float, intervals.difference(x, n, rx, rn, Z))
            assert (g.change.value, g.change.ci_low, g.change.ci_high) == pytest.approx((d, dlo, dhi), abs=1e-12)


def test_realised_performance_equals_direct_computation(files):
    r = _run(files, "half.csv")
    df = pd.read_csv(files / "half.csv")
    df["month"] = pd.to_datetime(df.time).dt.to_period("M")
    for w, month in zip(r.windows, sorted(df.month.unique()), strict=True):
        lab = df[(df.month == month) & df.y.notna()]
        assert w.n_with_outcome == len(lab)
        assert w.performance.accuracy.value == pytest.approx((lab.y == lab.pred).mean(), abs=1e-12)
        pos = lab[lab.y == 1]
        assert w.performance.tpr.value == pytest.approx(pos.pred.mean(), abs=1e-12)
        assert w.performance.auc.value == pytest.approx(roc_auc_score(lab.y, lab.score), abs=1e-12)
        # The estimate on the labelled rows is compared with their realised accuracy
        assert w.estimate_check.realised_accuracy == pytest.approx((lab.y == lab.pred).mean(), abs=1e-12)
        expected = np.where(lab.pred == 1, lab.score, 1 - lab.score).mean()
        assert w.estimate_check.accuracy.value == pytest.approx(expected, abs=1e-12)


def test_a_drift_from_april_alerts_in_april_and_after_only(files):
    r = _run(files, "drifted.csv")
    status = [(w.start[:7], w.status) for w in r.windows]
    assert status == [
        ("2024-01", "pass"),
        ("2024-02", "pass"),
        ("2024-03", "pass"),
        ("2024-04", "alert"),
        ("2024-05", "alert"),
        ("2024-06", "alert"),
    ]
    april = r.windows[3]
    alerted = {c.check for c in april.checks if c.status == "alert"}
    assert {"selection_rate_change", "drift"} <= alerted
    assert any("x:" in a for a in april.drift_alerts)
    assert r.status == "alert"


def test_a_log_without_drift_raises_no_more_alerts_than_the_false_alarm_level(files):
    """Each check alerts at most at its interval's 5% when nothing changed (the effect must also exceed the
    plan's threshold): over 30 simulated stable logs (windows of ~500 rows) the alerts stay within the binomial
    99.9% bound of 5% of the decided checks. (The windows share one reference, so the alerts are correlated.)"""
    ref = files / "ref.csv"
    decided = alerts = 0
    for seed in range(100, 130):
        path = files / f"null_{seed}.csv"
        simulate(3000, seed).to_csv(path, index=False)
        r = monitor(load(path, ref), MonitorPlan(), parse_window("1mo"))
        for w in r.windows:
            for c in w.checks:
                decided += c.status != "insufficient_evidence"
                alerts += c.status == "alert"
    assert decided > 800
    assert alerts <= stats.binom.ppf(0.999, decided, 0.05)
    assert alerts / decided < 0.05


def test_cbpe_estimates_accuracy_within_tolerance_without_outcomes(files):
    """Calibrated scores, no outcomes in the log: estimated accuracy within 0.04 of the accuracy the hidden outcomes
    give (3 sd: windows of ~1,000 rows, Poisson-binomial sd ~0.013; benchmarks/bench_cbpe.py measured a mean error of
    0.009, max 0.030 over 30 such windows), and inside its interval in most windows."""
    r = _run(files, "unlabelled.csv")
    hidden = simulate(6000, 4)  # same seed: the outcomes the log does not show yet
    hidden["month"] = pd.to_datetime(hidden.time).dt.to_period("M")
    inside = 0
    for w, month in zip(r.windows, sorted(hidden.month.unique()), strict=True):
        assert w.n_with_outcome == 0 and w.performance is None
        truth = (hidden.y == hidden.pred)[hidden.month == month].mean()
        assert abs(w.estimated.accuracy.value - truth) < 0.04
        inside += w.estimated.accuracy.ci_low <= truth <= w.estimated.accuracy.ci_high
        assert "calibrated" in w.estimated.assumption
        acc = next(c for c in w.checks if c.check == "accuracy_drop")
        assert acc.estimated and acc.status == "pass"
    assert inside >= 5
    assert r.calibration.calibrated is True


def test_miscalibrated_reference_scores_are_stated(tmp_path):
    ref = simulate(4000, 7, days=30).drop(columns="time")
    ref["score"] = ref.score**3  # same ranking, no longer probabilities
    ref.to_csv(tmp_path / "ref.csv", index=False)
    log = simulate(2000, 8).assign(score=lambda f: f.score**3)
    log.to_csv(tmp_path / "log.csv", index=False)
    r = monitor(load(tmp_path / "log.csv", tmp_path / "ref.csv"), MonitorPlan(), parse_window("1mo"))
    assert r.calibration is not None
    assert r.calibration.calibrated is False
    assert "NOT calibrated" in r.calibration.statement
    assert r.calibration.gap is not None and r.calibration.gap > 0.03


def test_row_windows_and_plan_minimum(files):
    r = _run(files, "stable.csv", window="2500", plan=MonitorPlan(min_window=1500))
    assert [w.n for w in r.windows] == [2500, 2500, 1000]
    assert r.windows[2].status == "insufficient_evidence"
    assert all(c.status == "insufficient_evidence" for c in r.windows[2].checks)


def test_a_real_but_small_change_passes_effect_sizes_decide(tmp_path, files):
    """x shifted by 0.06 sd over 40,000 rows: selection rates rise by ~0.024, an interval that excludes 0 but a
    change below the plan's 0.05: no alert (the interval alone would raise one)."""
    simulate(40_000, 9, drift_from="2024-01-01", shift=0.06).to_csv(tmp_path / "big.csv", index=False)
    r = monitor(load(tmp_path / "big.csv", files / "ref.csv"), MonitorPlan(), parse_window("20000"))
    changes = [c for w in r.windows for c in w.checks if c.check == "selection_rate_change"]
    assert any(c.value is not None and c.value > 0.015 for c in changes)
    significant = [g for w in r.windows for g in w.groups if g.change is not None and (g.change.ci_low or 0) > 0]
    assert significant, "the change should be beyond its interval"
    assert r.status == "pass" and not r.alerts


def test_cbpe_hand_worked_example():
    from audit.lifecycle.cbpe import estimate

    p = np.array([0.9, 0.6, 0.3, 0.2])
    d = np.array([1, 1, 0, 0])
    e = estimate(p, d, Z)
    # right with probability 0.9, 0.6, 0.7, 0.8 -> mean 0.75; variance (0.09 + 0.24 + 0.21 + 0.16) / 16
    assert e.accuracy is not None and e.accuracy.ci_low is not None
    assert e.accuracy.value == pytest.approx(0.75)
    assert 0.75 - e.accuracy.ci_low == pytest.approx(Z * np.sqrt(0.70) / 4)  # (the upper end is clipped at 1)
    assert e.accuracy.ci_high == 1.0
    assert e.tpr == pytest.approx((0.9 + 0.6) / 2.0)  # expected TP / expected positives
    assert e.fpr == pytest.approx((0.1 + 0.4) / 2.0)


def test_plan_monitor_table_is_read_and_checked(tmp_path):
    from audit.errors import InputError
    from audit.lifecycle.plan import load_monitor_plan

    path = tmp_path / "plan.toml"
    path.write_text("[monitor]\nchecks = ['selection_ratio', 'drift']\nmin_window = 50\n\n[drift]\npsi = 0.2\n")
    plan = load_monitor_plan(path)
    assert plan.checks == ("selection_ratio", "drift") and plan.min_window == 50 and plan.drift.psi == 0.2
    assert load_monitor_plan(None).selection_rate_change == 0.05
    path.write_text("[monitor]\nmin_window = 0\n")
    with pytest.raises(InputError, match="min_window"):
        load_monitor_plan(path)
