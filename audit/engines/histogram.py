"""Scores seen through a histogram (an out-of-core engine with more distinct scores than it keeps exactly): the
score table of the bins and the error bounds the result states (`AuditResult.score_resolution`), one for every engine.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from audit.engines.base import ScoreTable
from audit.result import ScoreResolution
from audit.stats.cells import GroupIndex


def binned_table(
    index: GroupIndex,
    bin_of: npt.NDArray[np.int64],
    cell: npt.NDArray[np.int64],
    pos: npt.NDArray[np.int64],
    neg: npt.NDArray[np.int64],
    bins: int,
    distinct: int,
) -> tuple[ScoreTable, ScoreResolution]:
    """Per (bin, cell) outcome counts -> the score table at the bins' midpoints and its bounds: AUC as `auc_bound`,
    the Brier score at most 1/bins off, calibration error at most 1/(2 bins)."""
    table = ScoreTable(score=(bin_of + 0.5) / bins, cell=cell, pos=pos, neg=neg)
    return table, ScoreResolution(
        method="histogram",
        bins=bins,
        distinct_scores=distinct,
        auc_max_error=auc_bound(index, bin_of, cell, pos, neg),
        brier_max_error=1.0 / bins,
        calibration_max_error=0.5 / bins,
    )


def auc_bound(
    index: GroupIndex,
    bin_of: npt.NDArray[np.int64],
    cell: npt.NDArray[np.int64],
    pos: npt.NDArray[np.int64],
    neg: npt.NDArray[np.int64],
) -> float:
    """max over every group (and everyone) of 1/2 * sum_b P_b N_b / (P N): the AUC pairs a histogram cannot rank
    (a pair whose scores share a bin counts 1/2 where the truth counts 0 or 1)."""
    worst = 0.0
    width = int(bin_of.max()) + 1 if len(bin_of) else 1
    for group_of_cell in [np.zeros(index.n_cells, dtype=np.int64)] + [lv.group_of_cell.astype(np.int64) for lv in index.levels]:
        g = group_of_cell[cell]
        n_groups = int(group_of_cell.max()) + 1 if len(group_of_cell) else 0
        key = g * width + bin_of
        if n_groups * width <= 50_000_000:  # (group, bin) counted directly: no sort of the entries
            p_gb = np.bincount(key, weights=pos, minlength=n_groups * width)
            n_gb = np.bincount(key, weights=neg, minlength=n_groups * width)
            same = (p_gb * n_gb).reshape(n_groups, width).sum(axis=1)
        else:
            keys, inv = np.unique(key, return_inverse=True)
            p_gb = np.bincount(inv, weights=pos, minlength=len(keys))
            n_gb = np.bincount(inv, weights=neg, minlength=len(keys))
            same = np.bincount(keys // width, weights=p_gb * n_gb, minlength=n_groups)
        pairs = np.bincount(g, weights=pos, minlength=n_groups) * np.bincount(g, weights=neg, minlength=n_groups)
        ok = pairs > 0
        if ok.any():
            worst = max(worst, float(np.max(0.5 * same[ok] / pairs[ok])))
    return worst
