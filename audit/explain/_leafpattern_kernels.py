"""numba kernels of `leafpatterns` (kept apart so that importing the explain package never imports numba)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit, prange

_ZERO = 1e-35  # LightGBM's kZeroThreshold
_BLOCK = 128  # rows per block


@njit(cache=True, nogil=True)
def leaf_phi(
    pattern: int,
    k: int,
    p: npt.NDArray[np.float64],
    value: float,
    weights: npt.NDArray[np.float64],
    e: npt.NDArray[np.float64],
    ep: npt.NDArray[np.float64],
    out: npt.NDArray[np.float64],
) -> None:
    """Shapley values of the product game of one leaf for one pattern into out[:k] (e, ep: scratch of k + 1)."""
    for t in range(k + 1):
        e[t] = 0.0
    e[0] = 1.0
    na = 0
    for j in range(k):
        if (pattern >> j) & 1:
            na += 1
            for t in range(na, 0, -1):
                e[t] += p[j] * e[t - 1]
    for i in range(k):
        ai = (pattern >> i) & 1
        pb = 1.0
        for j in range(k):
            if j != i and not ((pattern >> j) & 1):
                pb *= p[j]
        if ai:
            s = na - 1
            ep[0] = 1.0
            for t in range(1, s + 1):
                ep[t] = e[t] - p[i] * ep[t - 1]
        else:
            s = na
            for t in range(s + 1):
                ep[t] = e[t]
        acc = 0.0
        for m in range(s + 1):
            acc += weights[k, m] * ep[s - m]
        out[i] = value * (ai - p[i]) * pb * acc


@njit(cache=True, parallel=True)
def fill_tables(
    table_start: npt.NDArray[np.int64],
    feat_start: npt.NDArray[np.int64],
    fraction: npt.NDArray[np.float64],
    value: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64],
    tables: npt.NDArray[np.float64],
) -> None:
    n_leaves = table_start.shape[0]
    kmax = weights.shape[0]
    for leaf in prange(n_leaves):
        if table_start[leaf] < 0:
            continue
        f0 = feat_start[leaf]
        k = feat_start[leaf + 1] - f0
        if k == 0:
            continue
        e = np.empty(kmax + 1)
        ep = np.empty(kmax + 1)
        out = np.empty(k)
        p = fraction[f0 : f0 + k]
        base = table_start[leaf]
        for pattern in range(1 << k):
            leaf_phi(pattern, k, p, value[leaf], weights, e, ep, out)
            for s in range(k):
                tables[base + pattern * k + s] = out[s]


@njit(cache=True, parallel=True)
def explain_rows(
    X: npt.NDArray[np.float64],
    node_feature: npt.NDArray[np.int64],
    node_threshold: npt.NDArray[np.float64],
    node_default_left: npt.NDArray[np.bool_],
    node_missing: npt.NDArray[np.int8],
    tree_node_start: npt.NDArray[np.int64],
    tree_leaf_start: npt.NDArray[np.int64],
    leaf_value: npt.NDArray[np.float64],
    path_start: npt.NDArray[np.int64],
    path_node: npt.NDArray[np.int64],
    path_left: npt.NDArray[np.bool_],
    path_slot: npt.NDArray[np.int64],
    feat_start: npt.NDArray[np.int64],
    leaf_feature: npt.NDArray[np.int64],
    leaf_fraction: npt.NDArray[np.float64],
    table_start: npt.NDArray[np.int64],
    tables: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64],
    max_nodes: int,
    phi: npt.NDArray[np.float64],
) -> None:
    n = X.shape[0]
    n_trees = tree_node_start.shape[0] - 1
    kmax = weights.shape[0]
    n_blocks = (n + _BLOCK - 1) // _BLOCK
    # Rows in blocks, trees inside: one tree's tables stay in cache while a block of rows reads them.
    for b in prange(n_blocks):
        left = np.empty(max_nodes, dtype=np.bool_)
        e = np.empty(kmax + 1)
        ep = np.empty(kmax + 1)
        out = np.empty(kmax + 1)
        for t in range(n_trees):
            n0 = tree_node_start[t]
            for r in range(b * _BLOCK, min(n, (b + 1) * _BLOCK)):
                for i in range(n0, tree_node_start[t + 1]):
                    x = X[r, node_feature[i]]
                    missing = node_missing[i]
                    if np.isnan(x) and missing != 2:
                        x = 0.0
                    if (missing == 1 and -_ZERO <= x <= _ZERO) or (missing == 2 and np.isnan(x)):
                        left[i - n0] = node_default_left[i]
                    else:
                        left[i - n0] = x <= node_threshold[i]
                for leaf in range(tree_leaf_start[t], tree_leaf_start[t + 1]):
                    f0 = feat_start[leaf]
                    k = feat_start[leaf + 1] - f0
                    if k == 0:
                        continue
                    pattern = (1 << k) - 1
                    for q in range(path_start[leaf], path_start[leaf + 1]):
                        if left[path_node[q] - n0] != path_left[q]:
                            pattern &= ~(1 << path_slot[q])
                    if table_start[leaf] >= 0:
                        base = table_start[leaf] + pattern * k
                        for s in range(k):
                            phi[r, leaf_feature[f0 + s]] += tables[base + s]
                    else:
                        leaf_phi(pattern, k, leaf_fraction[f0 : f0 + k], leaf_value[leaf], weights, e, ep, out)
                        for s in range(k):
                            phi[r, leaf_feature[f0 + s]] += out[s]
