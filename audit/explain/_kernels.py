"""The two computations worth a second core, free of any `audit` import so a bare helper process can load this file.

- TreeSHAP through shap's compiled `dense_tree_shap`, with the exact arguments shap itself passes (recorded once in the
  main process, see tree.py) and only the rows swapped in. The helper then needs NumPy and one shared library, not the
  3-4 s `import shap`.
- Permutation SHAP, batched over rows (see agnostic.py for the estimator).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np


def load_cext(path: str) -> Any:
    """shap's compiled extension, loaded from its file without importing the shap package."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("shap._cext", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tree_shap(cext: Any, template: dict[str, Any], X: np.ndarray) -> np.ndarray:
    """Raw phi (rows, features + 1, outputs): the last column holds the base value, as in shap."""
    args = list(template["args"])
    Xc = np.ascontiguousarray(X, dtype=template["x_dtype"])
    phi = np.zeros((Xc.shape[0],) + tuple(template["phi_tail"]))
    args[template["i_x"]] = Xc
    args[template["i_missing"]] = np.isnan(Xc)
    args[template["i_phi"]] = phi
    cext.dense_tree_shap(*args)
    return phi


def permutation_shap(scorer: Callable[[Any], np.ndarray], background: Any, base: float, permutations: int, seed: int,
                     ids: np.ndarray, rows: Any) -> tuple[np.ndarray, np.ndarray]:
    """(phi (rows, features), model output (rows,)). `rows` and `background` are DataFrames with the same columns."""
    import pandas as pd

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
    masked = pd.DataFrame({c: pool[c].array.take(np.where(on[..., j, None], own, bg).reshape(-1))
                           for j, c in enumerate(rows.columns)})
    out = np.asarray(scorer(masked), dtype=np.float64).reshape(n, p, 2 * (m - 1), k).mean(axis=3)
    ends_b, ends_x = np.full((n, p, 1), base), np.broadcast_to(fx[:, None, None], (n, p, 1))
    fwd = np.concatenate([ends_b, out[:, :, : m - 1], ends_x], axis=2)  # mean output as features switch on
    bwd = np.concatenate([ends_x, out[:, :, m - 1:], ends_b], axis=2)  # ... and as they switch off again
    delta = (fwd[:, :, 1:] - fwd[:, :, :-1]) + (bwd[:, :, :-1] - bwd[:, :, 1:])  # credit of the i-th switched feature
    phi = np.take_along_axis(delta, pos, axis=2).sum(axis=1) / (2 * p)
    return phi, fx


class _Proba:
    def __init__(self, est: Any, pos: int) -> None:
        self.est, self.pos = est, pos

    def __call__(self, frame: Any) -> np.ndarray:
        return np.asarray(self.est.predict_proba(frame), dtype=np.float64)[:, self.pos]


def make(kind: str, state: dict[str, Any]) -> Callable[[Any], Any]:
    """The helper process's kernel from plain data; returns the same raw results as the main process's kernel."""
    if kind == "tree":
        cext = load_cext(state["cext_path"])
        return lambda X: tree_shap(cext, state["template"], X)
    if kind == "permutation":
        scorer = _Proba(state["estimator"], state["pos"])
        return lambda payload: permutation_shap(scorer, state["background"], state["base"], state["permutations"],
                                                state["seed"], payload[0], payload[1])
    raise ValueError(f"unknown kernel {kind!r}")
