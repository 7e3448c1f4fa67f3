"""The one interface every loaded model offers to the engine and the explainer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from audit.refs import ModelRef


@dataclass(frozen=True)
class LoadedModel:
    """A binary classifier ready to score a DataFrame of the features it expects.

    `estimator` is the native object (scikit-learn estimator or Pipeline, lightgbm.Booster, xgboost.Booster,
    onnxruntime.InferenceSession) for explainers that need it; everything else goes through the callables.
    """

    ref: ModelRef
    estimator: Any
    # (X) -> probability of the positive class, shape (n,); None when the model has no scores.
    score: Callable[[pd.DataFrame], npt.NDArray[np.float64]] | None
    # (X) -> boolean decision "positive", shape (n,).
    decide: Callable[[pd.DataFrame], npt.NDArray[np.bool_]]
    extra: dict[str, Any] = field(default_factory=dict)
    # (scores) -> the decisions `decide` gives, when they are a function of the score (a threshold, or no labels):
    # then one model call gives both (`decide_and_score`). None when the labels come from the model's own predict.
    decide_from_score: Callable[[npt.NDArray[np.float64]], npt.NDArray[np.bool_]] | None = None
    # (X) -> (decisions, scores) from one predict_proba call, for the types whose predict follows from it
    # (audit/models/score_once.py): predict is called only on the rows the probabilities leave undecided.
    decide_and_score_once: Callable[[pd.DataFrame], tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]] | None = None

    @property
    def features(self) -> tuple[str, ...]:
        return self.ref.features

    def decide_and_score(self, X: pd.DataFrame) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float64] | None]:
        """Decisions (0/1) and scores (None without) of X, the model scored once when the decisions follow from the
        score (a threshold, no labels, or a vetted type's probabilities with predict on their ties); every engine
        scores through this, so their decisions are the same."""
        if self.score is None:
            return np.asarray(self.decide(X), dtype=np.int8), None
        if self.decide_and_score_once is not None:
            decided, scored = self.decide_and_score_once(X)
            return np.asarray(decided, dtype=np.int8), np.asarray(scored, dtype=np.float64)
        scores = np.asarray(self.score(X), dtype=np.float64)
        if self.decide_from_score is not None:
            return np.asarray(self.decide_from_score(scores), dtype=np.int8), scores
        return np.asarray(self.decide(X), dtype=np.int8), scores
