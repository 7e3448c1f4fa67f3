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
    n = p.size
    if n == 0:
        return Estimated(n=0, assumption=ASSUMPTION)
    c = np.where(d == 1, p, 1 - p)
    acc = float(c.mean())
    half = z * float(np.sqrt(np.sum(c * (1 - c)))) / n
    return Estimated(
        n=n,
        accuracy=Estimate(value=acc, ci_low=max(0.0, acc - half), ci_high=min(1.0, acc + half)),
        tpr=_ratio(float(np.sum(p * d)), float(p.sum())),
        fpr=_ratio(float(np.sum((1 - p) * d)), float(np.sum(1 - p))),
        expected_positive_rate=float(p.mean()),
        assumption=ASSUMPTION,
    )


def compare_realised(est: Estimated, y: np.ndarray, d: np.ndarray) -> Estimated:
    """The estimate with the realised accuracy of the same rows, once their outcomes are known."""
    a = est.accuracy
    if a is None or a.value is None or a.ci_low is None or a.ci_high is None or y.size == 0:
        return est
    realised = float(np.mean(y == d))
    inside = a.ci_low <= realised <= a.ci_high
    return est.model_copy(
        update={"realised_accuracy": realised, "estimation_error": a.value - realised, "realised_within_interval": inside}
    )


def calibration(p: np.ndarray, y: np.ndarray, d: np.ndarray, gap: float, z: float) -> Calibration:
    """Is CBPE trustworthy here? On the reference's rows with outcomes: expected vs realised accuracy and the
    expected calibration error over 10 equal-width bins (audit.stats.score_metrics' bins)."""
    if y.size == 0:
        return Calibration(
            n=0,
            calibrated=None,
            statement="The reference has no outcomes: the scores' calibration cannot be checked, and "
            "every estimate rests on an untested assumption.",
        )
    n_b, pos, ssum, _ = calibration_bins(y.astype(float), p)
    ece = float(np.sum(np.abs(pos - ssum)) / n_b.sum())
    est = compare_realised(estimate(p, d, z), y, d)
    # y is not empty, so the estimate has an accuracy and compare_realised filled the realised side
    assert est.accuracy is not None and est.accuracy.value is not None
    assert est.estimation_error is not None and est.realised_accuracy is not None
    diff = abs(est.estimation_error)
    ok = diff <= gap
    lo, hi = intervals.rate(float(y.sum()), float(y.size), z)
    words = "calibrated enough for the estimates" if ok else "NOT calibrated: treat the estimates with caution"
    return Calibration(
        n=int(y.size),
        expected_accuracy=est.accuracy.value,
        realised_accuracy=est.realised_accuracy,
        gap=diff,
        threshold=gap,
        ece=ece,
        mean_score=float(p.mean()),
        positive_rate=Estimate(value=float(y.mean()), ci_low=float(lo), ci_high=float(hi)),
        calibrated=ok,
        statement=f"On the reference's {y.size:,} rows with outcomes the scores predict accuracy "
        f"{est.accuracy.value:.3f}, realised {est.realised_accuracy:.3f} (gap {diff:.3f}, "
        f"allowed {gap:g}); calibration error (ECE) {ece:.3f}: {words}.",
    )
