"""Small synthetic credit-like data: numeric and categorical columns, two sensitive attributes, one proxy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit.explain import ExplainSettings

NUMERIC = ["age", "income", "debt", "zip_score"]
CATEGORICAL = ["race", "sex"]


def make_data(n: int = 600, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    race = rng.choice(["A", "B", "C"], size=n, p=[0.5, 0.3, 0.2])
    sex = rng.choice(["F", "M"], size=n)
    zip_score = (race == "A") * 1.0 + rng.normal(0, 0.5, n)  # a proxy for race
    X = pd.DataFrame(
        {
            "age": rng.normal(40, 10, n),
            "income": rng.normal(50, 15, n),
            "debt": rng.gamma(2.0, 5.0, n),
            "zip_score": zip_score,
            "race": race,
            "sex": sex,
        }
    )
    logit = (X.age - 40) / 10 + (X.income - 50) / 15 - (X.debt - 10) / 10 + 0.8 * zip_score + 0.3 * (sex == "M")
    y = (logit + rng.logistic(0, 1, n) > 0).astype(int).to_numpy()
    return X, y


def groups_of(
    X: pd.DataFrame, attributes: tuple[str, ...] = ("race", "sex"), intersections: bool = True
) -> list[tuple[dict[str, str], np.ndarray]]:
    out = []
    for a in attributes:
        for v in sorted(X[a].unique()):
            out.append(({a: str(v)}, np.flatnonzero(X[a].to_numpy() == v)))
    if intersections and len(attributes) == 2:
        a, b = attributes
        for va in sorted(X[a].unique()):
            for vb in sorted(X[b].unique()):
                rows = np.flatnonzero((X[a].to_numpy() == va) & (X[b].to_numpy() == vb))
                if len(rows):
                    out.append(({a: str(va), b: str(vb)}, rows))
    return out


def numeric_frame(X: pd.DataFrame) -> pd.DataFrame:
    """Numeric-only view (for models without a preprocessing pipeline)."""
    out = X[NUMERIC].copy()
    out["sex_m"] = (X["sex"] == "M").astype(float)
    return out


@pytest.fixture(scope="session")
def data() -> tuple[pd.DataFrame, np.ndarray]:
    return make_data()


@pytest.fixture()
def quick() -> ExplainSettings:
    # A generous budget and a fixed cap: results depend on the seed only.
    return ExplainSettings(time_budget_s=120, max_rows=150, stability_resamples=50, local_per_group=2)


def run(model, X, settings, *, seed=7, proxies=("zip_score",), groups=None, progress=None, cancel=None, executor=None):
    from audit.cancel import no_progress
    from audit.explain import explain

    scores = model.score(X) if model.score is not None else None
    decisions = np.asarray(model.decide(X), dtype=bool)
    return explain(
        model,
        X,
        groups=groups if groups is not None else groups_of(X),
        decisions=decisions,
        scores=scores,
        threshold=None,
        proxies=list(proxies),
        settings=settings,
        seed=seed,
        progress=progress or no_progress,
        cancel=cancel,
        executor=executor,
    )
