"""Group metrics as pure functions of confusion counts, vectorised over any leading axes (groups, resamples).

Counts are ordered by `y_true * 2 + y_pred`: [tn, fp, fn, tp]. A rate whose denominator is zero is NaN (undefined),
never silently 0.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

from audit.stats.arrays import FloatArray, IntArray, Labels

# Counts as counted (integers) or as drawn (floats): a metric's parts have the counts' type.
C = TypeVar("C", IntArray, FloatArray)

TN, FP, FN, TP = 0, 1, 2, 3

# name -> (numerator cells, denominator cells); the denominator is what a small-sample check counts.
RATE_METRICS: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "selection_rate": ((FP, TP), (TN, FP, FN, TP)),
    "base_rate": ((FN, TP), (TN, FP, FN, TP)),
    "accuracy": ((TN, TP), (TN, FP, FN, TP)),
    "tpr": ((TP,), (FN, TP)),
    "fnr": ((FN,), (FN, TP)),
    "fpr": ((FP,), (TN, FP)),
    "tnr": ((TN,), (TN, FP)),
    "precision": ((TP,), (FP, TP)),
    "npv": ((TN,), (TN, FN)),
}
COUNT_METRICS = (*RATE_METRICS, "f1")
DENOMINATOR_NAMES = {
    "selection_rate": "rows",
    "base_rate": "rows",
    "accuracy": "rows",
    "tpr": "actual positives",
    "fnr": "actual positives",
    "fpr": "actual negatives",
    "tnr": "actual negatives",
    "precision": "predicted positives",
    "npv": "predicted negatives",
    "f1": "rows",
}


def confusion_counts(cell: Labels, y_true: Labels, y_pred: Labels, n_cells: int) -> IntArray:
    """(C, 4) counts per cell in one pass: np.bincount over cell*4 + y*2 + p."""
    key = cell.astype(np.int64) * 4 + y_true.astype(np.int64) * 2 + y_pred.astype(np.int64)
    return np.bincount(key, minlength=n_cells * 4).reshape(n_cells, 4)


def _ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def parts(counts: C, metric: str) -> tuple[C, C]:
    """Numerator and denominator of a count metric, shape counts.shape[:-1]."""
    if metric == "f1":
        return 2 * counts[..., TP], 2 * counts[..., TP] + counts[..., FP] + counts[..., FN]
    num_cells, den_cells = RATE_METRICS[metric]
    return counts[..., list(num_cells)].sum(-1), counts[..., list(den_cells)].sum(-1)


def metric(counts: C, name: str) -> FloatArray:
    num, den = parts(counts, name)
    return _ratio(num.astype(float), den.astype(float))


def all_metrics(counts: C) -> dict[str, FloatArray]:
    return {m: metric(counts, m) for m in COUNT_METRICS}
