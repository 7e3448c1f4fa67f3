"""Turn a raw predictor (probabilities for known classes) into a `LoadedModel` for one positive label."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from audit.errors import ModelError, UnsupportedModel
from audit.models.base import LoadedModel
from audit.models.score_once import Rule, classes_from_proba
from audit.refs import ModelRef

ArrayT = TypeVar("ArrayT", bound=npt.NDArray[np.generic])  # what a guarded model call returns


def same_label(a: Any, b: Any) -> bool:
    """Labels read from CSV, the command line and a model's classes_ differ in type: 1, 1.0, '1', True."""
    if a is None or b is None:
        return False
    if str(a) == str(b):
        return True
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a).strip().lower() == str(b).strip().lower()


def positive_index(classes: tuple[Any, ...], positive_label: Any, model_name: str) -> int:
    if len(classes) != 2:
        kind = "multiclass" if len(classes) > 2 else "single-class"
        raise UnsupportedModel(
            f"{model_name} is a {kind} classifier with classes {list(classes)}; Attest audits binary classifiers only (for now).",
            "Audit a binary model, or audit a file of its binary decisions with --predictions.",
        )
    for i, c in enumerate(classes):
        if same_label(c, positive_label):
            return i
    raise ModelError(
        f"The positive label {positive_label!r} is not one of the model's classes {list(classes)}.",
        "Pass --positive-label with the value the model uses for the favourable outcome.",
    )


def bind(
    *,
    ref_fields: dict[str, Any],
    estimator: Any,
    classes: tuple[Any, ...],
    positive_label: Any,
    proba: Callable[[pd.DataFrame], npt.NDArray[np.float64]] | None,
    predict: Callable[[pd.DataFrame], npt.NDArray[np.generic]] | None,  # class labels, of the model's type
    threshold: float | None,
    extra: dict[str, Any] | None = None,
    once: tuple[Rule, npt.NDArray[np.generic]] | None = None,
) -> LoadedModel:
    """`proba(X)` gives (n, 2) probabilities in `classes` order; `predict(X)` gives class labels. `once` (the
    score_once rule and the model's classes_ array, whose elements predict returns) lets one proba call give both
    decisions and scores, predict settling only the rows the probabilities leave undecided."""
    idx = positive_index(classes, positive_label, ref_fields.get("model_type", "The model"))
    pos_class = classes[idx]
    score = None
    from_score: Callable[[npt.NDArray[np.float64]], npt.NDArray[np.bool_]] | None = None
    if proba is not None:

        def score(X: pd.DataFrame) -> npt.NDArray[np.float64]:
            return _guard(lambda: np.asarray(proba(X), dtype=float)[:, idx], X)

    if threshold is not None:
        if not 0.0 <= float(threshold) <= 1.0:  # also refuses NaN
            raise ModelError(
                f"--threshold {threshold} is not a probability: every decision would be the same.",
                "Give a threshold between 0 and 1 on the positive class's score, e.g. --threshold 0.5.",
            )
        if score is None:
            raise ModelError("--threshold needs a model that gives scores (predict_proba).", "Drop --threshold for this model.")
        thr = float(threshold)

        def from_score(s: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
            return s >= thr

        def decide(X: pd.DataFrame) -> npt.NDArray[np.bool_]:
            return from_score(score(X))
    elif predict is not None:

        def decide(X: pd.DataFrame) -> npt.NDArray[np.bool_]:
            return _decisions(_guard(lambda: np.asarray(predict(X)), X), pos_class)
    elif score is not None:

        def from_score(s: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
            return s >= 0.5

        def decide(X: pd.DataFrame) -> npt.NDArray[np.bool_]:
            return from_score(score(X))
    else:
        raise ModelError("The model offers neither labels nor scores.", "Save a fitted classifier.")
    both = None
    if once is not None and threshold is None and predict is not None and proba is not None:
        both = _scored_decide(proba, decide, idx, once[0], _decisions(np.asarray(once[1]), pos_class))
    ref = ModelRef(
        **ref_fields, classes=tuple(str(c) for c in classes), positive_class=str(pos_class), has_scores=score is not None
    )
    return LoadedModel(
        ref=ref,
        estimator=estimator,
        score=score,
        decide=decide,
        extra=dict(extra or {}, threshold=threshold),
        decide_from_score=from_score,
        decide_and_score_once=both,
    )


def _decisions(labels: npt.NDArray[np.generic], pos_class: Any) -> npt.NDArray[np.bool_]:
    """Class labels as "positive" decisions; also maps the model's classes_ themselves, so that the label
    `predict` would give and the class the probabilities pick get the same decision."""
    if labels.dtype == object:
        hits = [v for v in pd.unique(labels) if same_label(v, pos_class)]
        return np.isin(labels, hits)
    return np.asarray(labels == _coerce(pos_class, labels), dtype=bool)


def _scored_decide(
    proba: Callable[[pd.DataFrame], npt.NDArray[np.float64]],
    decide: Callable[[pd.DataFrame], npt.NDArray[np.bool_]],
    idx: int,
    rule: Rule,
    class_decision: npt.NDArray[np.bool_],
) -> Callable[[pd.DataFrame], tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]]:
    def both(X: pd.DataFrame) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
        p = _guard(lambda: np.asarray(proba(X), dtype=float), X)
        if p.shape != (len(X), 2):  # not what the vetted types return: the scores' own check and message, predict
            return decide(X), _guard(lambda: p[:, idx], X)
        cls, tied = classes_from_proba(p, rule)
        decisions = class_decision[cls]
        if tied.any():
            rows = np.flatnonzero(tied)
            decisions[rows] = decide(X.iloc[rows])
        return decisions, p[:, idx]

    return both


def _coerce(label: Any, arr: npt.NDArray[np.generic]) -> Any:
    try:
        return arr.dtype.type(label)
    except (TypeError, ValueError):
        return label


def _guard(fn: Callable[[], ArrayT], X: pd.DataFrame | None = None) -> ArrayT:
    try:
        return fn()
    except (ModelError, MemoryError):
        raise
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [""])[0][:300].rstrip(".")
        raise ModelError(
            f"The model failed while scoring the evaluation data: {type(exc).__name__}: {first}{_suspects(X)}",
            "Check that the dataset's columns have the types the model was trained on (numbers vs text, categories), "
            "and fill in or remove missing values if the model cannot handle them.",
        ) from exc


def _suspects(X: pd.DataFrame | None) -> str:
    """The model's input columns most likely to blame: those with missing values, those holding text."""
    if X is None:
        return ""
    try:
        missing = X.isna().sum()
        notes = [f"{c} ({int(n)} missing)" for c, n in missing[missing > 0].items()]
        notes += [
            f"{c} (text, e.g. {X[c].dropna().iloc[0]!r})"
            for c in X.columns
            if (X[c].dtype == object or pd.api.types.is_string_dtype(X[c].dtype)) and X[c].notna().any()
        ]
    except Exception:  # diagnosis only: never hide the original error
        return ""
    return f". Input columns to check: {', '.join(notes[:8])}" if notes else ""
