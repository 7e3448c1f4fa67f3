"""Score once: decisions from `predict_proba` for the model types whose `predict` is a known function of it.

Without `--threshold` the decisions are the model's own `predict`. For the types below (binary problems, exact type
of the final estimator, never a subclass, which may override `predict`) that label is, in the installed libraries'
source, a function of the probabilities the audit already computes, except on an exact tie:

- "argmax": predict = classes_[argmax(predict_proba)], ties to classes_[0]. DecisionTree/ExtraTree (both take the
  argmax of `tree_.predict`, which predict_proba returns as is), RandomForest/ExtraTrees (argmax of their own
  predict_proba), CalibratedClassifierCV (argmax of its predict_proba), lightgbm.LGBMClassifier without a callable
  objective (argmax of its predict_proba; a callable objective makes predict return raw scores).
- "half": predict = classes_[1] when a raw score r is > 0 (HistGradientBoosting, LogisticRegression and
  LogisticRegressionCV: `r > 0`; GradientBoosting: `r >= 0`), and predict_proba's column 1 is expit(r) (GradientBoosting
  with the exponential loss: expit(2r)). scipy's expit is 1 / (1 + exp(-r)): r > 0 gives exp(-r) <= 1, so p >= 0.5;
  r < 0 gives p <= 0.5; r = 0 gives 0.5 exactly. So p > 0.5 only if r > 0 and p < 0.5 only if r < 0, whatever the
  rule at r = 0 and however exp rounds (only its order against 1 matters). xgboost.XGBClassifier with objective
  binary:logistic: predict is `p > 0.5` on the very probability predict_proba returns as column 1.

Each row whose probabilities do not settle it (an argmax tie, p == 0.5, NaN) gets the model's own `predict`, on
those rows only: the decisions equal `predict`'s on every row. A Pipeline (exact type) whose last step is one of
these qualifies: its predict and predict_proba pass the rows through the same transforms. Everything else keeps
two calls per batch (predict for the decisions, predict_proba for the scores).

predict on the tied rows alone gives what it gives them in the whole batch because each vetted type scores a row from
that row only (trees; boosting sums a row's trees in a fixed order). Two limits, both of the model rather than of this
rule: a logistic regression's dot product goes through BLAS, whose last bit for a row may depend on the block it is
computed in (the engines' own batch sizes already differ); a forest with n_jobs > 1 sums its trees in the order its
threads finish, so its own predict may differ between two calls on a near tie, and the decisions are then the argmax
of the very probabilities the audit reports.
"""

from __future__ import annotations

import sys
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

Rule = Literal["argmax", "half"]


# (public module, class name) -> rule; matched by identity of the class, so a subclass never qualifies
_VETTED: dict[tuple[str, str], Rule] = {
    **{("sklearn.tree", n): "argmax" for n in ("DecisionTreeClassifier", "ExtraTreeClassifier")},
    **{("sklearn.ensemble", n): "argmax" for n in ("RandomForestClassifier", "ExtraTreesClassifier")},
    ("sklearn.calibration", "CalibratedClassifierCV"): "argmax",
    **{("sklearn.ensemble", n): "half" for n in ("HistGradientBoostingClassifier", "GradientBoostingClassifier")},
    **{("sklearn.linear_model", n): "half" for n in ("LogisticRegression", "LogisticRegressionCV")},
    ("lightgbm", "LGBMClassifier"): "argmax",
    ("xgboost", "XGBClassifier"): "half",
}


def rule_of(est: Any) -> Rule | None:
    """How `est.predict` follows from `est.predict_proba` on a binary problem; None when it is not vetted."""
    while _is(est, "sklearn.pipeline", "Pipeline"):
        est = est.steps[-1][1]
    classes = getattr(est, "classes_", None)
    if classes is None or np.asarray(classes).ndim != 1 or len(classes) != 2:
        return None
    rule = next((r for (module, name), r in _VETTED.items() if _is(est, module, name)), None)
    if rule is not None and _is(est, "lightgbm", "LGBMClassifier"):
        # predict returns predict_proba's raw output when the objective (or an alias of it) is a function
        return None if any(callable(v) for v in est.get_params(deep=False).values()) else rule
    if rule is not None and _is(est, "xgboost", "XGBClassifier"):
        return rule if est.objective == "binary:logistic" else None
    return rule


def _is(est: Any, module: str, name: str) -> bool:
    """`type(est) is module.name`, without importing: a class's package is imported once one of its objects exists."""
    loaded = sys.modules.get(module)
    return loaded is not None and type(est) is getattr(loaded, name, None)


def classes_from_proba(proba: npt.NDArray[np.float64], rule: Rule) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """(index into classes_ that predict gives, valid off the ties; the rows predict must settle) from (n, 2)
    probabilities in classes_ order."""
    first, second = proba[:, 0], proba[:, 1]
    if rule == "argmax":
        one, zero = second > first, second < first
    else:
        one, zero = second > 0.5, second < 0.5
    return one.astype(np.intp), ~(one | zero)  # NaN compares false both ways: predict settles it
