"""The model-agnostic estimator against exact Shapley values computed by brute force."""

from __future__ import annotations

from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from audit.explain import explain_rows
from audit.explain.agnostic import permutations_for
from audit.models import from_estimator


class Smooth(ClassifierMixin, BaseEstimator):
    """P(positive) with interactions: a logistic of a product and a sum (so permutations matter)."""

    def __init__(self, linear: bool = False) -> None:
        self.linear = linear

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        self.feature_names_in_ = np.array(list(X.columns), dtype=object)
        return self

    def predict_proba(self, X):
        a = np.asarray(X, dtype=float)
        z = a @ np.array([0.3, -0.2, 0.1, 0.05]) if self.linear else a[:, 0] * a[:, 1] + np.sin(a[:, 2]) - 0.5 * a[:, 3]
        p = 0.5 + 0.1 * z if self.linear else 1 / (1 + np.exp(-z))
        return np.column_stack([1 - p, p])

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)


def exact_shapley(f, x: np.ndarray, background: np.ndarray) -> np.ndarray:
    m = len(x)

    def v(subset):
        z = background.copy()
        z[:, list(subset)] = x[list(subset)]
        return f(z).mean()

    phi = np.zeros(m)
    for j in range(m):
        others = [k for k in range(m) if k != j]
        for size in range(m):
            for s in combinations(others, size):
                w = factorial(size) * factorial(m - size - 1) / factorial(m)
                phi[j] += w * (v((*s, j)) - v(s))
    return phi


def data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(size=(n, 4)), columns=["a", "b", "c", "d"])


def background_of(X, k, seed):
    # the same seeded draw agnostic.prepare makes
    rng = np.random.default_rng([seed, 1])
    return X.iloc[np.sort(rng.choice(len(X), size=k, replace=False))].to_numpy()


def test_linear_model_gets_exact_values():
    X = data()
    est = Smooth(linear=True).fit(X, None)
    att = explain_rows(from_estimator(est), X, np.arange(10), seed=2, background_size=40)
    bg = background_of(X, 40, 2)
    expected = 0.1 * np.array([0.3, -0.2, 0.1, 0.05]) * (X.to_numpy()[:10] - bg.mean(axis=0))
    np.testing.assert_allclose(att.values, expected, atol=1e-12)


def test_estimates_converge_to_exact_shapley_values():
    X = data()
    est = Smooth().fit(X, None)
    att = explain_rows(from_estimator(est), X, np.arange(8), seed=4, background_size=30)
    bg = background_of(X, 30, 4)
    f = lambda z: est.predict_proba(z)[:, 1]  # noqa: E731
    exact = np.array([exact_shapley(f, X.to_numpy()[i], bg) for i in range(8)])
    assert permutations_for(4) == 55  # as many as shap's default max_evals=500 buys
    scale = np.abs(exact).max()
    assert np.abs(att.values - exact).max() <= 0.05 * scale
    np.testing.assert_allclose(att.base + att.values.sum(axis=1), att.output, atol=1e-12)
