"""Kamiran-Calders reweighing: sample weights that make group and outcome independent in the weighted data.

weight(g, y) = P(g) P(y) / P(g, y) (Kamiran & Calders 2012, "Data preprocessing techniques for classification
without discrimination"). The weights go to retraining as sample weights; what they do to the model's disparity is
unknown until it is retrained and audited again.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np
import numpy.typing as npt

from audit.stats.arrays import FloatArray, IntArray, Keys

EFFECT = (
    "unknown until retrained: the weights change the training data, not the decisions; retrain with them as "
    "sample_weight and audit the new model"
)


def weights(group: Keys, y: IntArray) -> tuple[FloatArray, list[dict[str, Any]]]:
    """Per-row weights and the per-cell table (group, label, rows, weight)."""
    group = np.asarray(group, dtype=object)
    y = np.asarray(y, dtype=np.int64)
    n = len(y)
    names, g_idx = np.unique(group, return_inverse=True)
    n_g = np.bincount(g_idx, minlength=len(names)).astype(float)
    n_y = np.bincount(y, minlength=2).astype(float)
    cell = g_idx * 2 + y
    n_gy = np.bincount(cell, minlength=2 * len(names)).astype(float)
    # P(g)P(y)/P(g,y) = (n_g n_y / n^2) / (n_gy / n) = n_g n_y / (n n_gy); every occupied cell has n_gy > 0
    w = n_g[g_idx] * n_y[y] / (n * n_gy[cell])
    table = [
        {
            "group": str(names[k]),
            "label": int(lab),
            "rows": int(n_gy[k * 2 + lab]),
            "weight": float(n_g[k] * n_y[lab] / (n * n_gy[k * 2 + lab])),
        }
        for k in range(len(names))
        for lab in (0, 1)
        if n_gy[k * 2 + lab] > 0
    ]
    return w, table


def weights_csv(row_numbers: IntArray, group: Keys, y_values: npt.NDArray[np.generic], w: FloatArray) -> bytes:
    """CSV with one line per row: `row` (0-based data row, header not counted), `group`, `label`, `weight`."""
    from audit.outputs import spreadsheet_safe

    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["row", "group", "label", "weight"])
    for r, g, lab, wt in zip(row_numbers, group, y_values, w, strict=True):  # one entry per row
        out.writerow([int(r), spreadsheet_safe(str(g)), spreadsheet_safe(lab), repr(float(wt))])
    return buf.getvalue().encode("utf-8")
