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

    @property
    def features(self) -> tuple[str, ...]:
        return self.ref.features
