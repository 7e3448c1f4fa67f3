"""Confidence-based performance estimation (CBPE): accuracy and error rates of decisions whose outcomes have not
arrived yet, from the model's scores read as probabilities of the positive outcome.

If the scores are calibrated (P(y = 1 | score p) = p), row i with score p_i and decision d_i is right with
probability c_i = p_i when d_i = 1 and 1 - p_i when d_i = 0 (= max(p, 1 - p) when deciding at 0.5). Then
- expected accuracy = mean(c_i); its sampling spread is that of a sum of independent Bernoulli(c_i) (a
  Poisson-binomial): variance sum c_i (1 - c_i) / n^2, giving a normal interval for the realised accuracy;
- expected TPR = sum(p_i d_i) / sum(p_i) (expected true positives over expected positives), expected
  FPR = sum((1 - p_i) d_i) / sum(1 - p_i).
All of it stands or falls with calibration, which is checked on the reference data where outcomes exist
(`calibration`): the expected accuracy there against the realised one, and the expected calibration error."""

from __future__ import annotations

import numpy as np

from audit.lifecycle.monitor_types import Calibration, Estimated
from audit.result import Estimate
from audit.stats import intervals
from audit.stats.score_metrics import calibration_bins

ASSUMPTION = (
    "estimated from the scores as probabilities of the positive outcome: valid only if the scores are "
    "calibrated on this population (a score of 0.7 means 70% positives) and the outcome given the score has "
    "not changed since the reference (no concept drift)"
)


def _ratio(a: float, b: float) -> float | None:
    return float(a / b) if b > 0 else None


def estimate(p: np.ndarray, d: np.ndarray, z: float) -> Estimated:
    """Expected accuracy (with the Poisson-binomial interval of the realised value), TPR and FPR of decisions d."""
    p, d = np.asarray(p, dtype=float), np.asarray(d, dtype=float)
    sel = d == 1
    return from_sums(Sums.of(p, sel), z)


class Sums:
    """What an estimate needs of its rows: per decision (0, 1) the rows, the sum of p and of p squared; sums, so a
    GROUP BY gives them out of core and windows, groups and days add up (audit/lifecycle/ooc_monitor.py)."""

    def __init__(self, n: tuple[float, float], sp: tuple[float, float], spp: tuple[float, float]) -> None:
        self.n, self.sp, self.spp = n, sp, spp

    @classmethod
    def of(cls, p: np.ndarray, selected: np.ndarray) -> Sums:
        a, b = p[~selected], p[selected]
        return cls((float(a.size), float(b.size)), (float(a.sum()), float(b.sum())), (float(a @ a), float(b @ b)))


def from_sums(s: Sums, z: float) -> Estimated:
    n = s.n[0] + s.n[1]
    if n == 0:
        return Estimated(n=0, assumption=ASSUMPTION)
    sp = s.sp[0] + s.sp[1]
    # right with probability c = p when selected, 1 - p when not; c (1 - c) = p (1 - p) either way
    acc = (s.sp[1] + s.n[0] - s.sp[0]) / n
    var = max(sp - (s.spp[0] + s.spp[1]), 0.0)
    half = z * float(np.sqrt(var)) / n
    return Estimated(
        n=int(n),
        accuracy=Estimate(value=acc, ci_low=max(0.0, acc - half), ci_high=min(1.0, acc + half)),
        tpr=_ratio(s.sp[1], sp),
        fpr=_ratio(s.n[1] - s.sp[1], n - sp),
        expected_positive_rate=sp / n,
        assumption=ASSUMPTION,
    )


def compare_realised(est: Estimated, y: np.ndarray, d: np.ndarray) -> Estimated:
    """The estimate with the realised accuracy of the same rows, once their outcomes are known."""
    return with_realised(est, float(np.mean(y == d)) if y.size else None)


def with_realised(est: Estimated, realised: float | None) -> Estimated:
    a = est.accuracy
    if a is None or a.value is None or a.ci_low is None or a.ci_high is None or realised is None:
        return est
    inside = a.ci_low <= realised <= a.ci_high
    return est.model_copy(
        update={"realised_accuracy": realised, "estimation_error": a.value - realised, "realised_within_interval": inside}
    )


def calibration(p: np.ndarray, y: np.ndarray, d: np.ndarray, gap: float, z: float) -> Calibration:
    """Is CBPE trustworthy here? On the reference's rows with outcomes: expected vs realised accuracy and the
    expected calibration error over 10 equal-width bins (audit.stats.score_metrics' bins)."""
    if y.size == 0:
        return calibration_from(None, 0, 0.0, 0.0, gap, z, None)
    n_b, pos, ssum, _ = calibration_bins(y.astype(float), p)
    est = estimate(p, d, z)
    return calibration_from(est, int(y.size), float(y.sum()), float(np.mean(y == d)), gap, z, (n_b, pos, ssum, float(p.mean())))


def calibration_from(
    est: Estimated | None,
    n: int,
    positives: float,
    realised: float,
    gap: float,
    z: float,
    bins: tuple[np.ndarray, np.ndarray, np.ndarray, float] | None,
) -> Calibration:
    """The calibration check from the estimate on the rows with outcomes, their realised accuracy and positives, and
    the calibration bins (rows, positives, sum of scores per bin) with the mean score."""
    if n == 0 or est is None or bins is None:
        return Calibration(
            n=0,
            calibrated=None,
            statement="The reference has no outcomes: the scores' calibration cannot be checked, and "
            "every estimate rests on an untested assumption.",
        )
    n_b, pos, ssum, mean_score = bins
    ece = float(np.sum(np.abs(pos - ssum)) / n_b.sum())
    est = with_realised(est, realised)
    # there are rows, so the estimate has an accuracy and with_realised filled the realised side
    assert est.accuracy is not None and est.accuracy.value is not None
    assert est.estimation_error is not None and est.realised_accuracy is not None
    diff = abs(est.estimation_error)
    ok = diff <= gap
    lo, hi = intervals.rate(positives, float(n), z)
    words = "calibrated enough for the estimates" if ok else "NOT calibrated: treat the estimates with caution"
    return Calibration(
        n=n,
        expected_accuracy=est.accuracy.value,
        realised_accuracy=est.realised_accuracy,
        gap=diff,
        threshold=gap,
        ece=ece,
        mean_score=mean_score,
        positive_rate=Estimate(value=positives / n, ci_low=float(lo), ci_high=float(hi)),
        calibrated=ok,
        statement=f"On the reference's {n:,} rows with outcomes the scores predict accuracy "
        f"{est.accuracy.value:.3f}, realised {est.realised_accuracy:.3f} (gap {diff:.3f}, "
        f"allowed {gap:g}); calibration error (ECE) {ece:.3f}: {words}.",
    )
