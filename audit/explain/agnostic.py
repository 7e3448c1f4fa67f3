"""Model-agnostic permutation SHAP, batched over rows.

The estimator is shap.PermutationExplainer's: for each permutation, switch features from a background row to the explained
row one by one, forward and then backward (antithetic), and credit each switch's change of the mean output to its feature.
Every permutation telescopes to f(x) - E[f(background)], so additivity is exact. Unlike a shap call per row, Attest
evaluates all masks of a batch of rows in one model call on a DataFrame that keeps the user's column names and dtypes
(so pipelines that select columns by name work), reuses the two end points every permutation shares, and seeds each row
by its position, so values do not depend on batching or on which process computed them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from audit.explain.backend import Backend, positive_index, rows_frame
from audit.models.base import LoadedModel
from audit.parallel import Shipped
from audit.stats.arrays import FloatArray, Positions

_EVALS_PER_BATCH = 120_000  # model rows per call: large enough to amortise per-call overhead, small enough for memory
SHAP_DEFAULT_MAX_EVALS = 500  # shap.PermutationExplainer's default budget per row


class ProbaScorer:
    """P(favourable) straight from a scikit-learn style estimator (model.score is a closure and does not pickle)."""

    def __init__(self, est: Any, pos: int) -> None:
        self.est, self.pos = est, pos

    def __call__(self, frame: pd.DataFrame) -> FloatArray:
        return np.asarray(self.est.predict_proba(frame), dtype=np.float64)[:, self.pos]


class Permutation:
    """The estimator over one batch of rows; picklable with a picklable scorer, so a worker process can run it."""

    def __init__(
        self, scorer: Callable[[pd.DataFrame], FloatArray], background: pd.DataFrame, base: float, permutations: int, seed: int
    ) -> None:
        self.scorer, self.background, self.base = scorer, background, base
        self.permutations, self.seed = permutations, seed

    def __call__(self, payload: tuple[Positions, pd.DataFrame]) -> tuple[FloatArray, FloatArray]:
        return permutation_shap(self.scorer, self.background, self.base, self.permutations, self.seed, *payload)

    def finish(self, payload: Any, raw: tuple[FloatArray, FloatArray]) -> tuple[FloatArray, FloatArray, FloatArray]:
        phi, fx = raw
        return phi, np.full(len(fx), self.base), fx


def permutation_shap(
    scorer: Callable[[Any], FloatArray], background: Any, base: float, permutations: int, seed: int, ids: Positions, rows: Any
) -> tuple[FloatArray, FloatArray]:
    """(phi (rows, features), model output (rows,)). `rows` and `background` are DataFrames with the same columns."""
    n, m, k, p = len(rows), rows.shape[1], len(background), permutations
    fx = np.asarray(scorer(rows), dtype=np.float64).reshape(-1)
    if m == 1:
        return (fx - base)[:, None], fx
    pos = np.empty((n, p, m), dtype=np.int64)  # pos[r, q, j]: place of feature j in row r's permutation q
    for r, rid in enumerate(ids):
        rng = np.random.default_rng([seed, int(rid)])  # seeded per row: values do not depend on batching
        pos[r] = np.argsort(np.argsort(rng.random((p, m)), axis=1), axis=1)
    steps = np.arange(1, m)[None, None, :, None]
    # Intermediate masks only (both end points are shared by every permutation): prefixes switched on (forward),
    # then suffixes still on (backward).
    on = np.concatenate([pos[:, :, None, :] < steps, pos[:, :, None, :] >= steps], axis=2)  # (n, p, 2(m-1), m)
    pool = pd.concat([rows, background], ignore_index=True)
    own = np.arange(n)[:, None, None, None]
    bg = n + np.arange(k)[None, None, None, :]
    # Column by column, so every column keeps its dtype (categories, strings, nullable integers).
    masked = pd.DataFrame(
        {c: pool[c].array.take(np.where(on[..., j, None], own, bg).reshape(-1)) for j, c in enumerate(rows.columns)}
    )
    out = np.asarray(scorer(masked), dtype=np.float64).reshape(n, p, 2 * (m - 1), k).mean(axis=3)
    ends_b, ends_x = np.full((n, p, 1), base), np.broadcast_to(fx[:, None, None], (n, p, 1))
    fwd = np.concatenate([ends_b, out[:, :, : m - 1], ends_x], axis=2)  # mean output as features switch on
    bwd = np.concatenate([ends_x, out[:, :, m - 1 :], ends_b], axis=2)  # ... and as they switch off again
    delta = (fwd[:, :, 1:] - fwd[:, :, :-1]) + (bwd[:, :, :-1] - bwd[:, :, 1:])  # credit of the i-th switched feature
    phi = np.take_along_axis(delta, pos, axis=2).sum(axis=1) / (2 * p)
    return phi, fx


def permutations_for(m: int) -> int:
    """As many antithetic permutations as shap's default max_evals=500 buys."""
    return max(1, SHAP_DEFAULT_MAX_EVALS // (2 * m + 1))


def prepare(model: LoadedModel, X: pd.DataFrame, *, background_size: int, seed: int) -> Backend:
    features = list(model.features)
    rng = np.random.default_rng([seed, 1])
    k = max(1, min(background_size, len(X)))
    background = rows_frame(X, features, np.sort(rng.choice(len(X), size=k, replace=False)))
    est = model.estimator
    picklable = False
    if model.score is not None and hasattr(est, "predict_proba") and hasattr(est, "classes_"):
        scorer: Callable[[pd.DataFrame], FloatArray] = ProbaScorer(est, positive_index(model))
        picklable = _pickles(est)
    elif model.score is not None:
        scorer = model.score  # e.g. ONNX: onnxruntime already uses every core
    else:
        decide = model.decide

        def scorer(frame: pd.DataFrame) -> FloatArray:
            return np.asarray(decide(frame), dtype=np.float64)

    base = float(np.mean(scorer(background)))
    p = permutations_for(len(features))
    perm = Permutation(scorer, background, base, p, seed % 2**32)
    return Backend(
        perm,
        lambda rows: (np.asarray(rows), rows_frame(X, features, rows)),
        features,
        features,
        "Attest permutation SHAP (numpy)",
        finish=perm.finish,
        background_size=k,
        permutations=p,
        shipped=Shipped(perm) if picklable else None,
        worker_start_s=3.0,
        probe_rows=1,
    )


def rows_per_batch(backend: Backend) -> int:
    m = len(backend.columns)
    evals = (backend.permutations or 1) * 2 * max(m - 1, 1) * (backend.background_size or 1)
    return max(1, _EVALS_PER_BATCH // evals)


def _pickles(obj: Any) -> bool:
    import pickle

    try:
        pickle.dumps(obj)
        return True
    except Exception:
        return False
