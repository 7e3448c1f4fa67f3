"""Choose the explainer from the model itself, and say why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from audit.models.base import LoadedModel

# Final estimators shap's TreeExplainer reads exactly (path-dependent TreeSHAP).
SHAP_TREES = {
    "HistGradientBoostingClassifier": "raw",
    "GradientBoostingClassifier": "raw",
    "RandomForestClassifier": "probability",
    "ExtraTreesClassifier": "probability",
    "DecisionTreeClassifier": "probability",
    "ExtraTreeClassifier": "probability",
}
LOG_ODDS = "log-odds of the favourable class (raw margin)"
_LGBM_HOW = (
    "the values of LightGBM's predict(pred_contrib=True), which shap.TreeExplainer calls, computed by Attest's "
    "leaf-pattern TreeSHAP (checked against LightGBM on sample rows each run; LightGBM's own routine where a "
    "split is categorical)"
)
_XGB_HOW = (
    "the values of XGBoost's predict(pred_contribs=True), which shap.TreeExplainer calls, computed by Attest's "
    "leaf-pattern TreeSHAP in float64 (checked against XGBoost on sample rows each run; XGBoost's own routine for "
    "dart, forests, categorical splits or other objectives)"
)
PROBABILITY = "probability of the favourable class"


@dataclass(frozen=True)
class Choice:
    method: str  # sklearn_tree | lightgbm | xgboost | linear | agnostic
    explainer: str  # the name reported in the result
    reason: str
    final: Any  # the estimator explained (last step of a pipeline, or the model itself)
    preprocess: Any = None  # the pipeline's steps before `final`, applied first
    output_space: str = ""


def split_pipeline(est: Any) -> tuple[Any, Any]:
    """(preprocessing or None, final estimator)."""
    steps = getattr(est, "steps", None)
    if not steps:
        return None, est
    pre = est[:-1] if len(steps) > 1 else None
    return pre, steps[-1][1]


def choose(model: LoadedModel) -> Choice:
    est = model.estimator
    module = type(est).__module__
    name = type(est).__name__
    if module.startswith("onnxruntime"):
        return agnostic(model, "An ONNX graph exposes no tree or coefficient structure that SHAP can read")
    if module.startswith("lightgbm") and name == "Booster":
        return Choice(
            "lightgbm",
            "tree_path_dependent",
            f"LightGBM booster: exact path-dependent TreeSHAP; {_LGBM_HOW}.",
            est,
            None,
            LOG_ODDS,
        )
    if module.startswith("xgboost") and name == "Booster":
        return Choice(
            "xgboost", "tree_path_dependent", f"XGBoost booster: exact path-dependent TreeSHAP; {_XGB_HOW}.", est, None, LOG_ODDS
        )
    pre, final = split_pipeline(est)
    fname = type(final).__name__
    where = (
        f" on the final step of the pipeline, after its preprocessing ({_describe(pre)}); encoded columns are summed back "
        "to the original features"
        if pre is not None
        else ""
    )
    if fname == "LGBMClassifier":
        return Choice(
            "lightgbm",
            "tree_path_dependent",
            f"LGBMClassifier is a tree ensemble: exact path-dependent TreeSHAP{where}; {_LGBM_HOW}.",
            final,
            pre,
            LOG_ODDS,
        )
    if fname == "XGBClassifier":
        return Choice(
            "xgboost",
            "tree_path_dependent",
            f"XGBClassifier is a tree ensemble: exact path-dependent TreeSHAP{where}; {_XGB_HOW}.",
            final,
            pre,
            LOG_ODDS,
        )
    if fname in SHAP_TREES:
        space = LOG_ODDS if SHAP_TREES[fname] == "raw" else PROBABILITY
        how = "the values of shap.TreeExplainer, computed by Attest's leaf-pattern TreeSHAP where they match on sample rows"
        return Choice(
            "sklearn_tree",
            "tree_path_dependent",
            f"{fname} is a tree ensemble: exact path-dependent TreeSHAP ({how}; no background needed){where}.",
            final,
            pre,
            space,
        )
    coef = getattr(final, "coef_", None)
    if (
        coef is not None
        and getattr(coef, "ndim", 0) in (1, 2)
        and getattr(coef, "shape", (0,))[0] == 1
        and hasattr(final, "intercept_")
        and hasattr(final, "decision_function")
    ):
        space = (
            "log-odds of the favourable class"
            if fname in {"LogisticRegression", "LogisticRegressionCV"} or getattr(final, "loss", "") == "log_loss"
            else "decision function of the favourable class (margin)"
        )
        return Choice(
            "linear",
            "linear_exact",
            f"{fname} is linear: exact linear SHAP, coef x (x - mean), with the evaluation "
            f"data's mean as the background (features treated as independent){where}.",
            final,
            pre,
            space,
        )
    return agnostic(model, f"{fname} has no structure an exact explainer can use")


def agnostic(model: LoadedModel, why: str) -> Choice:
    space = PROBABILITY if model.score is not None else "decision (1 = favourable, 0 = adverse)"
    return Choice(
        "agnostic",
        "permutation",
        f"{why}: model-agnostic permutation SHAP (antithetic permutations as in "
        "shap.PermutationExplainer) on the model's own output, against a seeded background sample of the "
        "evaluation data.",
        model.estimator,
        None,
        space,
    )


def _describe(pre: Any) -> str:
    steps = getattr(pre, "steps", None) or [("", pre)]
    return " -> ".join(type(s).__name__ for _, s in steps)
