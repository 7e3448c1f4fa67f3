"""scikit-learn style estimators: from skops files (safe), or pickle/joblib files the user trusted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from audit.errors import ModelError, TrustRequired, UnsupportedModel
from audit.models.allowlist import check_zip_limits, classify
from audit.models.base import LoadedModel
from audit.models.binding import bind
from audit.models.score_once import rule_of

_TREE_NAMES = (
    "HistGradientBoostingClassifier",
    "GradientBoostingClassifier",
    "RandomForestClassifier",
    "ExtraTreesClassifier",
    "DecisionTreeClassifier",
    "ExtraTreeClassifier",
    "LGBMClassifier",
    "XGBClassifier",
)
_LINEAR_NAMES = ("LogisticRegression", "LogisticRegressionCV", "SGDClassifier", "RidgeClassifier", "LinearSVC", "Perceptron")


def load_skops(path: Path, sha256: str, trusted_types: tuple[str, ...]) -> tuple[Any, tuple[str, ...]]:
    """Load a skops file trusting skops' defaults, Attest's reviewed names and the exact names the user trusted.

    Returns the estimator and the types the user's trust was needed for (what the result records as trusted)."""
    import skops.io as sio

    check_zip_limits(path)
    try:
        untrusted = sio.get_untrusted_types(file=str(path))
    except Exception as exc:
        raise ModelError(
            f"{path.name} is not a readable skops file ({type(exc).__name__}: {exc}).",
            "The file may be truncated or damaged; save the model again with skops.io.dump.",
        ) from exc
    refused, needed, by_user = classify(untrusted, trusted_types)
    if refused:
        raise ModelError(
            f"{path.name} asks to load {', '.join(refused)}, which can run commands or read and write files. "
            "No model needs this; Attest never loads it, with or without --trust-type.",
            "Do not use this file: it may have been tampered with. Ask its author for a fresh copy and compare its SHA-256 "
            f"({sha256}).",
        )
    if needed:
        raise TrustRequired(
            f"{path.name} contains types outside what skops and Attest have reviewed: {', '.join(needed)}. "
            "Loading them could run their code.",
            "If you know where this model comes from, trust these exact types: " + " ".join(f"--trust-type {t}" for t in needed),
            sha256=sha256,
            untrusted=tuple(needed),
        )
    allowed = sorted(set(untrusted) - set(refused))
    try:
        est = sio.load(str(path), trusted=allowed)
    except Exception as exc:
        raise ModelError(
            f"{path.name} could not be loaded by skops ({type(exc).__name__}: {exc}).",
            "The file may be truncated, or saved by an incompatible scikit-learn; save it again.",
        ) from exc
    return est, tuple(by_user)


def load_pickle(path: Path, sha256: str, trust_pickle: bool) -> Any:
    if not trust_pickle:
        raise TrustRequired(
            f"{path.name} is a pickle/joblib file. Loading it runs any code it contains (SHA-256 {sha256}).",
            "Only if you trust its author and this exact file, rerun with --trust-pickle; "
            "better, ask for the model in skops or ONNX format.",
            sha256=sha256,
        )
    import joblib

    try:
        return joblib.load(path)
    except Exception as exc:
        raise ModelError(
            f"{path.name} could not be unpickled ({type(exc).__name__}: {exc}).",
            "The file may be truncated, or need a library that is not installed here.",
        ) from exc


def final_step(est: Any) -> Any:
    steps = getattr(est, "steps", None)
    return steps[-1][1] if steps else est


def family_of(est: Any) -> str:
    name = type(final_step(est)).__name__
    if name in _TREE_NAMES:
        return "tree"
    if name in _LINEAR_NAMES:
        return "linear"
    return "other"


def describe(est: Any) -> str:
    last = final_step(est)
    outer = f"{type(est).__module__}.{type(est).__name__}"
    return outer if last is est else f"{outer}({type(last).__name__})"


def bind_estimator(est: Any, base_fields: dict[str, Any], positive_label: Any, threshold: float | None) -> LoadedModel:
    if not hasattr(est, "predict"):
        raise ModelError(
            f"The object in {Path(base_fields['path']).name} ({type(est).__name__}) is not a model: it has no predict().",
            "Save the fitted estimator itself.",
        )
    classes = getattr(est, "classes_", None)
    if classes is None:
        raise UnsupportedModel(
            f"{type(est).__name__} has no classes_: it looks like a regressor or an unfitted model. "
            "Attest audits binary classifiers only (for now).",
            "Audit a fitted binary classifier, or audit its decisions with --predictions.",
        )
    features = getattr(est, "feature_names_in_", None)
    if features is None:
        raise ModelError(
            f"{type(est).__name__} was fitted without column names, so Attest cannot match it to the dataset's columns.",
            "Fit the model on a pandas DataFrame (so it records feature_names_in_) and save it again.",
        )
    features = tuple(str(f) for f in features)
    fields = dict(base_fields, model_type=describe(est), family=family_of(est), features=features)
    proba = (lambda X: est.predict_proba(X[list(features)])) if hasattr(est, "predict_proba") else None
    rule = rule_of(est)
    return bind(
        ref_fields=fields,
        estimator=est,
        classes=tuple(np.asarray(classes).tolist()),
        positive_label=positive_label,
        proba=proba,
        predict=lambda X: est.predict(X[list(features)]),
        threshold=threshold,
        once=(rule, np.asarray(classes)) if rule is not None else None,
    )


def versions() -> dict[str, str]:
    import sklearn

    return {"scikit-learn": sklearn.__version__, "numpy": np.__version__, "pandas": pd.__version__}
