"""Group-specific thresholds on the run's own scores (fairlearn's ThresholdOptimizer, prefit), and the alternative
that keeps one threshold for everyone.

The scores are the model's recorded output, so the optimizer is handed an already-fitted "model" that returns them:
nothing is retrained, and only the decision rule on top of the scores changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from audit.errors import InputError
from audit.stats.arrays import FloatArray, IntArray, Keys

if TYPE_CHECKING:
    from sklearn.utils import Tags

CONSTRAINTS = {
    "demographic_parity": "demographic_parity",
    "equal_opportunity": "true_positive_rate_parity",
    "equalized_odds": "equalized_odds",
}
OBJECTIVES = {"accuracy": "accuracy_score", "balanced_accuracy": "balanced_accuracy_score"}
PREDICT_METHOD = "predict"  # `_RecordedScores.predict` returns the score itself


class _RecordedScores:
    """A fitted stand-in model whose output is the score column it is given (column 0 of X)."""

    def fit(self, X: Any, y: Any = None) -> _RecordedScores:
        self.fitted_ = True  # sklearn's check_is_fitted looks for an attribute ending in "_"
        return self

    def predict(self, X: Any) -> FloatArray:
        return np.asarray(X, dtype=float)[:, 0]

    def __sklearn_tags__(self) -> Tags:  # sklearn >= 1.6 asks estimators for their tags
        from sklearn.utils import Tags, TargetTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=False))


def check_choice(constraint: str, objective: str) -> None:
    if constraint not in CONSTRAINTS:
        raise InputError(f"'{constraint}' is not a constraint Attest can mitigate for.", f"Use one of: {', '.join(CONSTRAINTS)}.")
    if objective not in OBJECTIVES:
        raise InputError(f"'{objective}' is not an objective for the thresholds.", f"Use one of: {', '.join(OBJECTIVES)}.")


def score_frame(scores: FloatArray) -> pd.DataFrame:
    return pd.DataFrame({"score": np.asarray(scores, dtype=float)})


@dataclass(frozen=True)
class FittedRule:
    optimizer: Any  # fairlearn.postprocessing.ThresholdOptimizer, fitted
    constraint: str
    objective: str
    tol: float | None

    def decide(self, scores: FloatArray, group: Keys, seed: int) -> IntArray:
        """0/1 decisions; randomised rules draw with `seed`, so the same call gives the same decisions."""
        out = self.optimizer.predict(score_frame(scores), sensitive_features=pd.Series(group, dtype=object), random_state=seed)
        return np.asarray(out, dtype=np.int64)

    def probability(self, scores: FloatArray, group: Keys) -> FloatArray:
        """Chance of a favourable decision per row under the (possibly randomised) rule."""
        pmf = self.optimizer._pmf_predict(score_frame(scores), sensitive_features=pd.Series(group, dtype=object))
        return np.asarray(pmf, dtype=float)[:, 1]

    def describe(self) -> dict[str, Any]:
        """The rule per group: one or two (probability, operator, threshold) parts, plus an optional constant."""
        out: dict[str, Any] = {}
        for g, b in self.optimizer.interpolated_thresholder_.interpolation_dict.items():
            parts = []
            for p, op in ((b["p0"], b["operation0"]), (b["p1"], b["operation1"])):
                if p > 0:
                    parts.append({"probability": float(p), "operator": op.operator, "threshold": _num(op.threshold)})
            entry: dict[str, Any] = {"rule": parts, "randomised": len(parts) > 1}
            if "p_ignore" in b and b["p_ignore"] > 0:
                entry |= {
                    "p_ignore": float(b["p_ignore"]),
                    "prediction_constant": float(b["prediction_constant"]),
                    "randomised": True,
                }
            out[str(g)] = entry
        return out


def _num(v: float) -> float | str:
    """Thresholds may be +-infinity (everyone / no one); canonical JSON has no infinity."""
    v = float(v)
    return v if math.isfinite(v) else ("Infinity" if v > 0 else "-Infinity")


def fit_rule(
    scores: FloatArray, y: IntArray, group: Keys, constraint: str, objective: str = "accuracy", tol: float | None = None
) -> FittedRule:
    """ThresholdOptimizer(prefit=True) on the scores of the fit rows. `tol`: relaxed constraint (None = strict)."""
    import warnings

    from fairlearn.postprocessing import ThresholdOptimizer

    check_choice(constraint, objective)
    if len(np.unique(y)) < 2:
        raise InputError(
            "The fit part holds only one outcome, so no threshold can be chosen.", "Mitigate a run whose data has both outcomes."
        )
    opt = ThresholdOptimizer(
        estimator=_RecordedScores().fit(None),
        constraints=CONSTRAINTS[constraint],
        objective=OBJECTIVES[objective],
        prefit=True,
        predict_method=PREDICT_METHOD,
        tol=tol,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        try:
            opt.fit(score_frame(scores), np.asarray(y, dtype=int), sensitive_features=pd.Series(group, dtype=object))
        except ValueError as exc:  # fairlearn's own checks (e.g. a degenerate group): its message says which
            raise InputError(
                f"fairlearn's ThresholdOptimizer cannot set thresholds on these rows: {exc}",
                "Set thresholds by fewer features with --by COL, or mitigate a run with more rows.",
            ) from exc
    return FittedRule(optimizer=opt, constraint=constraint, objective=objective, tol=tol)


def grid(scores: FloatArray, points: int = 41) -> FloatArray:
    """Candidate single thresholds: score quantiles, from everyone favourable to almost no one."""
    qs = np.unique(np.quantile(np.asarray(scores, dtype=float), np.linspace(0, 1, points)))
    return np.unique(np.concatenate([qs, [0.5]]))


def single_threshold(
    scores: FloatArray, y: IntArray, group: Keys, constraint: str, floor: float, min_size: int
) -> dict[str, Any]:
    """The one threshold (score >= t) with the smallest disparity among those keeping accuracy >= `floor` on these rows."""
    from audit.mitigation.tradeoff import disparity

    best: tuple[float, float, float] | None = None
    for t in grid(scores):
        d = (np.asarray(scores) >= t).astype(np.int64)
        acc = float(np.mean(d == y))
        if acc < floor:
            continue
        gap = disparity(y, d, group, constraint, min_size)["value"]
        if gap is None:
            continue
        if best is None or gap < best[1] - 1e-12 or (abs(gap - best[1]) <= 1e-12 and acc > best[2]):
            best = (float(t), gap, acc)
    if best is None:
        return {
            "threshold": None,
            "accuracy_floor": floor,
            "reason": f"No single threshold keeps accuracy at or above {floor:g} on the fit rows.",
        }
    return {"threshold": best[0], "accuracy_floor": floor, "fit_disparity": best[1], "fit_accuracy": best[2]}
