"""AUC (DeLong), Brier score and calibration bins of every group of one level at once, from the score table.

The per-group functions of audit/stats/score_metrics.py called once per group cost a Python round of a dozen numpy
calls each (565 groups of 8 sensitive columns: 17 s of a 1M-row audit). Here each sum is computed for every group of
the level at once, with the same formulas (ties merged per group, midrank placements, two-pass variances): on a large
table by a numba kernel, three passes in score order without a sort (audit/stats/_score_kernels.py); on a small one
with numpy (the entries in (group, score) order, each sum one `np.bincount`), so a small audit never compiles.
Groups the vectorised path does not decide (a class with fewer than two rows, a variance at rounding level) are
computed by the per-group functions, so every edge case is theirs. Figures equal the per-group ones up to the order
of floating-point sums (~1e-15).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from audit.stats.arrays import BoolArray, FloatArray, IntArray
from audit.stats.score_metrics import N_BINS, auc_delong_counts, brier_counts

Triple = tuple[float, float, float]
KERNEL_ENTRIES = 200_000  # from this many table entries the numba kernel (one pass, no sort) computes the AUC sums


@dataclass(frozen=True)
class LevelScores:
    """Per group g: `auc[g]`, `brier[g]` (value, low, high) and its calibration bins (rows, positives, score sums)."""

    auc: list[Triple]
    brier: list[Triple]
    bin_rows: IntArray  # (G, N_BINS)
    bin_pos: FloatArray  # (G, N_BINS)
    bin_ssum: FloatArray  # (G, N_BINS)

    def bins(self, g: int) -> tuple[IntArray, FloatArray, FloatArray, BoolArray]:
        """Group g's `calibration_bins_counts`."""
        n = self.bin_rows[g]
        return n, self.bin_pos[g], self.bin_ssum[g], n > 0


def level_scores(
    score: FloatArray, pos: FloatArray, neg: FloatArray, group: IntArray, n_groups: int, level: float
) -> LevelScores:
    """`score` ascending (the table's order), `pos` / `neg` outcome counts of each entry, `group` its group."""
    g, s, p, q = group, score, pos, neg
    z = float(stats.norm.ppf(0.5 + level / 2))
    if len(s) >= KERNEL_ENTRIES:
        from audit.stats._score_kernels import level_sums  # numba: imported (and compiled) only for large tables

        m, n, sum_pb, ss01, ss10, esum, ess, rows, bpos, bssum = level_sums(s, p, q, g.astype(np.int64), n_groups, N_BINS)
        with np.errstate(divide="ignore", invalid="ignore"):
            auc, var01, var10 = sum_pb / (m * n), ss01 / (m - 1), ss10 / (n - 1)
            brier_var = ess / (m + n - 1)
    else:
        m, n = _per_group(p, g, n_groups), _per_group(q, g, n_groups)
        auc, var01, var10 = _auc_numpy(s, p, q, g, n_groups, m, n)
        esum, brier_var = _brier_numpy(s, p, q, g, n_groups, m + n)
        b = np.clip((s * N_BINS).astype(int), 0, N_BINS - 1) + N_BINS * g
        rows = _per_group(p + q, b, n_groups * N_BINS)
        bpos = _per_group(p, b, n_groups * N_BINS)
        bssum = _per_group(s * (p + q), b, n_groups * N_BINS)
    auc_out = _auc(auc, var01, var10, m, n, z)
    brier_out = _brier(esum, brier_var, m + n, z)
    for k in range(n_groups):  # the groups the per-group functions decide: their entries, in score order
        if auc_out[k] is None or brier_out[k] is None:
            e = np.flatnonzero(g == k)
            auc_out[k] = auc_out[k] or auc_delong_counts(s[e], p[e], q[e], level)
            brier_out[k] = brier_out[k] or brier_counts(s[e], p[e], q[e], level)
    return LevelScores(
        auc=[a for a in auc_out if a is not None],
        brier=[x for x in brier_out if x is not None],
        bin_rows=np.rint(rows).astype(np.int64).reshape(n_groups, N_BINS),
        bin_pos=bpos.reshape(n_groups, N_BINS),
        bin_ssum=bssum.reshape(n_groups, N_BINS),
    )


def _per_group(values: FloatArray, g: IntArray, n_groups: int) -> FloatArray:
    return np.asarray(np.bincount(g, weights=values, minlength=n_groups), dtype=np.float64)


def _auc(auc: FloatArray, var01: FloatArray, var10: FloatArray, m: FloatArray, n: FloatArray, z: float) -> list[Triple | None]:
    """Per group (value, low, high), or None where the per-group function's rules decide (a class of one row, a
    variance at rounding level)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        var = var01 / m + var10 / n
    out: list[Triple | None] = []
    for k in range(len(m)):
        if m[k] == 0 or n[k] == 0:
            out.append((np.nan, np.nan, np.nan))
        elif m[k] < 2 or n[k] < 2 or not var01[k] > 1e-30 or not var10[k] > 1e-30:
            out.append(None)
        else:
            half = z * np.sqrt(var[k])
            out.append((float(auc[k]), float(max(0.0, auc[k] - half)), float(min(1.0, auc[k] + half))))
    return out


def _auc_numpy(
    s: FloatArray, p: FloatArray, q: FloatArray, g: IntArray, n_groups: int, m: FloatArray, n: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per group: AUC and the placements' variances, with the entries in (group, score) order."""
    order = np.argsort(g.astype(np.int16) if n_groups < 2**15 else g, kind="stable")  # radix: keeps score order
    g, s, p, q = g[order], s[order], p[order], q[order]
    # Ties merged within each group (adjacent entries of one group at one score).
    starts = np.flatnonzero(np.r_[True, (g[1:] != g[:-1]) | (s[1:] != s[:-1])]) if len(s) else np.zeros(0, dtype=np.intp)
    if len(starts) < len(s):
        g, p, q = g[starts], np.add.reduceat(p, starts), np.add.reduceat(q, starts)
    # Cumulative counts within each group: the running sum less the running sum before the group's first entry.
    first = np.r_[0, np.cumsum(np.bincount(g, minlength=n_groups))[:-1]]
    cp, cn = np.cumsum(p), np.cumsum(q)
    if len(g):
        cp -= (cp[np.minimum(first, len(g) - 1)] - p[np.minimum(first, len(g) - 1)])[g]
        cn -= (cn[np.minimum(first, len(g) - 1)] - q[np.minimum(first, len(g) - 1)])[g]
    below_p = cn - q + q / 2.0  # a positive's negatives below it plus half the tied ones
    below_n = cp - p + p / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = _per_group(p * below_p, g, n_groups) / (m * n)
        var01 = _var(below_p / n[g], p, g, m, n_groups)
        var10 = _var(1.0 - below_n / m[g], q, g, n, n_groups)
    return auc, var01, var10


def _var(v: FloatArray, w: FloatArray, g: IntArray, total: FloatArray, n_groups: int) -> FloatArray:
    """Per group, the sample variance (ddof 1) of v repeated w times: two passes, as `_weighted_var`."""
    mean = _per_group(w * v, g, n_groups) / total
    d = v - mean[g]
    return _per_group(w * np.where(w > 0, d * d, 0.0), g, n_groups) / (total - 1)


def _brier_numpy(
    s: FloatArray, p: FloatArray, q: FloatArray, g: IntArray, n_groups: int, total: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Per group: the sum of squared errors and their sample variance (two passes)."""
    e1, e0 = (s - 1.0) ** 2, s * s
    esum = _per_group(p * e1 + q * e0, g, n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = esum / total
        d1, d0 = e1 - mean[g], e0 - mean[g]
        var = _per_group(p * d1 * d1 + q * d0 * d0, g, n_groups) / (total - 1)
    return esum, var


def _brier(esum: FloatArray, var: FloatArray, total: FloatArray, z: float) -> list[Triple | None]:
    out: list[Triple | None] = []
    for k in range(len(total)):
        if total[k] == 0:
            out.append((np.nan, np.nan, np.nan))
        elif total[k] < 2 or not var[k] > 1e-30:
            out.append(None)
        else:
            mean = esum[k] / total[k]
            half = z * np.sqrt(var[k]) / np.sqrt(total[k])
            out.append((float(mean), float(max(0.0, mean - half)), float(min(1.0, mean + half))))
    return out
