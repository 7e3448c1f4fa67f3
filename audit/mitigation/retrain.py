"""Retraining under a fairness constraint: fairlearn's `ExponentiatedGradient` on the training data, with an unfitted
copy of the audited scikit-learn model (`sklearn.base.clone`: same class and hyperparameters, no fitted state), judged
on the same held-out evaluation rows as the threshold proposal, by the audit engine itself.

Nothing here runs code the user did not already trust: the estimator comes from the model file the run audited,
loaded under the run's own trust settings, and the training data is read like any dataset. The retrained model is a
randomised mixture of the fitted predictors; it is evidence for a decision, not a deliverable (it is not saved).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from audit.datasets import load_dataset
from audit.errors import InputError
from audit.inputs import binary_target, require_column
from audit.mitigation import tradeoff
from audit.mitigation.compare_heldout import compare_heldout
from audit.mitigation.heldout import audit_decisions
from audit.mitigation.source import RunTable, group_keys, model_inputs, threshold_features

if TYPE_CHECKING:
    from audit.trail import Workspace

METHOD = "fairlearn.reductions.ExponentiatedGradient"
MOMENTS = {
    "demographic_parity": "DemographicParity",
    "equal_opportunity": "TruePositiveRateParity",
    "equalized_odds": "EqualizedOdds",
}
NOT_RUN = (
    "Retraining with fairlearn's ExponentiatedGradient needs the training data (--retrain-data FILE, or the app's "
    "training data choice) and a run of a scikit-learn model; it was not run for this proposal."
)
CAVEAT_RANDOMISED = (
    "The retrained model is a randomised mixture of {k} fitted models (ExponentiatedGradient): people with the same "
    "features may get different decisions by chance (drawn with the seed). It is not saved: to adopt it, retrain in "
    "your own pipeline with these settings, register the new model and audit it like any other."
)
CAVEAT_ATTRIBUTE = (
    "The retrained model takes the sensitive feature(s) {cols} as input, so it uses the attribute at decision time "
    "too (see the first caveat)."
)


@dataclass(frozen=True)
class RetrainOptions:
    data: str  # the training data file (the model's features, the run's target and sensitive columns)
    eps: float = 0.01  # the constraint's allowed violation (fairlearn's eps)
    max_iter: int = 50


def check(options: RetrainOptions) -> None:
    if not 0 < options.eps < 1:
        raise InputError(f"--retrain-eps {options.eps:g} is not a bound between 0 and 1.", "Use e.g. --retrain-eps 0.01.")
    if not 1 <= options.max_iter <= 10_000:
        raise InputError(f"--retrain-max-iter {options.max_iter} is out of range.", "Use e.g. --retrain-max-iter 50.")


def _unfitted(model: Any, run_id: str) -> Any:
    from sklearn.base import clone

    try:
        return clone(model.estimator)
    except (TypeError, AttributeError, RuntimeError) as exc:
        kind = type(model.estimator).__name__
        raise InputError(
            f"The model of {run_id} ({kind}) is not a scikit-learn estimator, so it cannot be retrained here: {exc}.",
            "Retrain from a run of a scikit-learn model or Pipeline (.skops or a trusted pickle); other models: use "
            "the threshold proposal or the reweighing weights.",
        ) from exc


def _training(
    options: RetrainOptions, t: RunTable, features: tuple[str, ...], by: tuple[str, ...] | None
) -> tuple[pd.DataFrame, npt.NDArray[np.int64], np.ndarray, dict[str, Any]]:
    spec = t.spec
    df, ref = load_dataset(options.data, sensitive=spec.sensitive)
    for col, role in ((spec.target, "target"), *((s, "sensitive") for s in spec.sensitive)):
        require_column(df, col, role)
    absent = [f for f in features if f not in df.columns]
    if absent:
        raise InputError(
            f"The training data {Path(options.data).name} lacks the model's feature(s): {', '.join(absent)}.",
            "Give the file the model was trained on (the model's features, the run's target and sensitive columns).",
        )
    df = df[df[spec.target].notna().to_numpy()].reset_index(drop=True)
    y = binary_target(df[spec.target], t.positive).astype(np.int64)
    if len(np.unique(y)) < 2:
        raise InputError(
            f"The training data's target '{spec.target}' has only one outcome among its {len(y):,} rows.",
            "Retraining needs both outcomes.",
        )
    groups = group_keys(df, spec, threshold_features(spec, by))
    info = {"path": str(ref.path), "sha256": ref.sha256, "rows": len(df)}
    return df[list(features)], y, groups, info


def _moment(constraint: str) -> Any:
    import fairlearn.reductions as red

    return getattr(red, MOMENTS[constraint])()


def retrain(
    ws: Workspace,
    t: RunTable,
    held: np.ndarray,
    constraint: str,
    seed: int,
    by: tuple[str, ...] | None,
    options: RetrainOptions,
    before: dict[str, Any],
) -> dict[str, Any]:
    """The `alternatives.exponentiated_gradient` block: the retrained mixture audited on the `held` rows."""
    from fairlearn.reductions import ExponentiatedGradient

    check(options)
    model, X_eval = model_inputs(ws, t.run_id)
    estimator = _unfitted(model, t.run_id)
    X, y, groups, data = _training(options, t, model.features, by)
    eg = ExponentiatedGradient(estimator, constraints=_moment(constraint), eps=options.eps, max_iter=options.max_iter)
    with warnings.catch_warnings():  # fairlearn's own use of pandas' Series.at (its code, not the user's data)
        warnings.filterwarnings(
            "ignore", message="Setting (a value on a Series via .at|an item of incompatible dtype)", module="fairlearn"
        )
        eg.fit(X, y, sensitive_features=groups)
    X_h = X_eval.iloc[held]
    decisions = np.asarray(eg.predict(X_h, random_state=seed), dtype=np.int64)
    # The mixture's probability of the favourable outcome: its public predictors and their weights.
    probability = np.zeros(len(X_h))
    for w, predictor in zip(eg.weights_, eg.predictors_, strict=True):
        if w > 0:
            probability += w * np.asarray(predictor.predict(X_h), dtype=float)
    spec = t.spec
    audit = audit_decisions(t, held, decisions, "retrained", scores=np.clip(probability, 0.0, 1.0))
    used = [c for c in spec.sensitive if c in model.features]
    mixed = int(np.count_nonzero(np.asarray(eg.weights_) > 0))
    caveats = [CAVEAT_RANDOMISED.format(k=mixed)] if mixed > 1 else []
    if used:
        caveats.append(CAVEAT_ATTRIBUTE.format(cols=", ".join(used)))
    return {
        "status": "retrained",
        "method": METHOD,
        "fairlearn_constraint": MOMENTS[constraint],
        "objective": "error rate (accuracy): ExponentiatedGradient's own objective",
        "eps": options.eps,
        "max_iter": options.max_iter,
        "estimator": {"class": f"{type(estimator).__module__}.{type(estimator).__name__}", "params": _params(estimator)},
        "training_data": data,
        "fitted_predictors": len(eg.predictors_),
        "mixed_predictors": mixed,
        "randomised": mixed > 1,
        "uses_sensitive_attribute": bool(used),
        "attribute_note": (
            "True when a sensitive column is one of the model's inputs; a coded copy or a proxy of it is not "
            "detected here (see the run's proxy check in its data-quality results)."
        ),
        "held_out": tradeoff.operating_point(
            "retrained (ExponentiatedGradient)",
            "ExponentiatedGradient",
            t.y[held],
            decisions,
            t.group[held],
            constraint,
            spec.min_group_size,
            spec.ci_level,
            uses_sensitive_attribute=bool(used),
        ),
        "audit": audit,
        "changes": compare_heldout(t.run_id, before, audit, label="retrained"),
        "caveats": caveats,
        "saved": False,
    }


def _params(estimator: Any) -> dict[str, str]:
    """Hyperparameters as text (JSON-safe, nested estimators by name)."""
    try:
        params = estimator.get_params(deep=False)
    except (AttributeError, TypeError):
        return {}
    return {k: repr(v) for k, v in sorted(params.items())}
