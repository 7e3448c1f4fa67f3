"""Exact linear SHAP in closed form: phi = coef * (x - mean), base = intercept + coef . mean (features independent)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from audit.explain.backend import Backend, as_model_input, column_owners, dense, positive_index, rows_frame, transform
from audit.explain.choose import Choice
from audit.models.base import LoadedModel
from audit.stats.arrays import FloatArray

_CHUNK = 50_000


class LinearKernel:
    def __init__(self, final: Any, coef: FloatArray, intercept: float, mean: FloatArray, sign: float) -> None:
        self.final, self.sign = final, sign
        self.coef, self.mean = sign * coef, mean
        self.base = float(sign * intercept + self.coef @ mean)

    def __call__(self, Xt: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        phi = (Xt - self.mean) * self.coef
        output = self.sign * np.asarray(self.final.decision_function(as_model_input(self.final, Xt)), dtype=np.float64).reshape(
            -1
        )
        return phi, np.full(len(phi), self.base), output


def prepare(choice: Choice, model: LoadedModel, X: pd.DataFrame) -> Backend:
    features = list(model.features)
    final = choice.final
    coef = np.asarray(final.coef_, dtype=np.float64).reshape(-1)
    intercept = float(np.asarray(final.intercept_, dtype=np.float64).reshape(-1)[0])
    # Background = the whole evaluation set, transformed in chunks (the mean is all the closed form needs).
    total = np.zeros(coef.shape[0])
    for start in range(0, len(X), _CHUNK):
        total += dense(transform(choice.preprocess, rows_frame(X, features, np.arange(start, min(len(X), start + _CHUNK))))).sum(
            axis=0
        )
    mean = total / max(len(X), 1)
    columns, owners, warnings = column_owners(choice.preprocess, features, coef.shape[0])
    # decision_function > 0 means classes_[1]: flip the sign when the favourable class is classes_[0].
    sign = 1.0 if positive_index(model) == 1 else -1.0
    kernel = LinearKernel(final, coef, intercept, mean, sign)
    return Backend(
        kernel,
        lambda rows: dense(transform(choice.preprocess, rows_frame(X, features, rows))),
        columns,
        owners,
        "closed form (numpy)",
        background_size=len(X),
        probe_rows=min(len(X), 5_000),
        warnings=warnings,
    )
