"""numba kernel of `score_levels`: three passes over a score table in score order give every group's sums for AUC
(DeLong), Brier score and calibration bins, with two-pass variances as the numpy forms. Kept apart so that importing
the statistics never imports numba."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@njit(cache=True, nogil=True, error_model="numpy")  # x / 0 is inf or NaN, as in numpy
def level_sums(s: F64, p: F64, q: F64, g: I64, n_groups: int, n_bins: int) -> tuple[F64, ...]:
    """Per group (entries in score order; one group's entries at one score merged first, as ties):
    m, n (positives, negatives); sum of p * below_p (m * n * AUC); the sums of squared deviations of the placements
    v01 (positives) and v10 (negatives) from their means; the sum of squared errors and of their squared deviations;
    per (group, calibration bin) the rows, positives and score sums, flattened."""
    k = len(s)
    m = np.zeros(n_groups)
    n = np.zeros(n_groups)
    esum = np.zeros(n_groups)
    bin_rows = np.zeros(n_groups * n_bins)
    bin_pos = np.zeros(n_groups * n_bins)
    bin_ssum = np.zeros(n_groups * n_bins)
    for i in range(k):
        gi, si, pi, qi = g[i], s[i], p[i], q[i]
        m[gi] += pi
        n[gi] += qi
        esum[gi] += pi * (si - 1.0) ** 2 + qi * si * si
        b = min(max(int(si * n_bins), 0), n_bins - 1) + n_bins * gi
        bin_rows[b] += pi + qi
        bin_pos[b] += pi
        bin_ssum[b] += si * (pi + qi)
    emean = esum / (m + n)
    ess = np.zeros(n_groups)
    for i in range(k):
        gi, si = g[i], s[i]
        d1, d0 = (si - 1.0) ** 2 - emean[gi], si * si - emean[gi]
        ess[gi] += p[i] * d1 * d1 + q[i] * d0 * d0

    cp = np.zeros(n_groups)  # rows of the group below the current score
    cn = np.zeros(n_groups)
    tp = np.zeros(n_groups)  # rows of the group at the current score
    tq = np.zeros(n_groups)
    sum_pb = np.zeros(n_groups)
    sum01 = np.zeros(n_groups)
    sum10 = np.zeros(n_groups)
    mean01 = np.zeros(n_groups)
    mean10 = np.zeros(n_groups)
    touched = np.zeros(max(n_groups, 1), dtype=np.int64)
    for second in range(2):
        if second:
            mean01 = sum01 / m
            mean10 = sum10 / n
            sum01[:] = 0.0
            sum10[:] = 0.0
        cp[:] = 0.0
        cn[:] = 0.0
        i = 0
        while i < k:
            j = i
            nt = 0
            while j < k and s[j] == s[i]:  # one score: each group's rows at it
                gj = g[j]
                if tp[gj] == 0.0 and tq[gj] == 0.0:
                    touched[nt] = gj
                    nt += 1
                tp[gj] += p[j]
                tq[gj] += q[j]
                j += 1
            for t in range(nt):
                gg = touched[t]
                if tp[gg] > 0.0:
                    below_p = cn[gg] + tq[gg] / 2.0  # negatives below plus half the tied ones
                    v01 = below_p / n[gg]
                    if second:
                        sum01[gg] += tp[gg] * (v01 - mean01[gg]) ** 2
                    else:
                        sum_pb[gg] += tp[gg] * below_p
                        sum01[gg] += tp[gg] * v01
                if tq[gg] > 0.0:
                    v10 = 1.0 - (cp[gg] + tp[gg] / 2.0) / m[gg]
                    if second:
                        sum10[gg] += tq[gg] * (v10 - mean10[gg]) ** 2
                    else:
                        sum10[gg] += tq[gg] * v10
                cp[gg] += tp[gg]
                cn[gg] += tq[gg]
                tp[gg] = 0.0
                tq[gg] = 0.0
            i = j
    return m, n, sum_pb, sum01, sum10, esum, ess, bin_rows, bin_pos, bin_ssum
