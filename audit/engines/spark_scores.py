"""Scores per (cell, score) from Spark: exact when the distinct scores are few enough to bring back, else a fine
histogram whose error the result states.

Exact: the same ScoreTable as the in-memory engine (one entry per distinct (score, cell)), so AUC with DeLong's
variance, Brier and calibration are the in-memory figures.

Histogram of B equal-width bins over [0, 1] (bin k holds k/B <= s < (k+1)/B, a score of 1 in the last), each bin's
rows at its midpoint m = (k + 0.5)/B. What that changes, as bounds that hold for every group:
- AUC: only pairs (a positive, a negative) whose scores share a bin can be ranked differently; such a pair counts
  1/2 (a tie) where the truth counts 0 or 1, so |AUC - AUC_hist| <= 1/2 * sum_b P_b N_b / (P N) per group, computed
  from the histogram itself. The result carries the largest over all groups (and everyone).
- Brier: per row |(s - y)^2 - (m - y)^2| = |s - m| * |s + m - 2y| <= 1/(2B) * 2, so at most 1/B.
- Calibration: B is a multiple of the 10 calibration bins, so every row stays in its calibration bin; each bin's
  mean score moves by at most 1/(2B), and so does the calibration error.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from audit.cancel import CancelToken
from audit.engines.base import ScoreTable
from audit.engines.histogram import binned_table
from audit.errors import InputError
from audit.inputs import scores_from
from audit.result import ScoreResolution
from audit.stats.cells import GroupIndex
from audit.stats.score_metrics import N_BINS

DEFAULT_EXACT = 2_000_000  # distinct scores brought back exactly: at most ~50 MB of (score, cell, counts)
DEFAULT_BINS = 1_000_000
CELL, Y = "__attest_cell", "__attest_y"


def score_statistics(
    F: Any, audited: Any, column: str, kind: str, index: GroupIndex, exact_limit: int, bins: int, cancel: CancelToken
) -> tuple[ScoreTable, ScoreResolution | None]:
    """The score table of the audited rows, and (histogram only) its resolution and error bounds."""
    if bins % N_BINS:
        raise ValueError(f"histogram bins must be a multiple of {N_BINS}, not {bins}")
    raw = F.col(f"`{column}`")
    s = raw.cast("double")
    source = "the model's output" if column.startswith("__attest") else f"column '{column}'"
    if kind == "string":
        bad = audited.where(raw.isNotNull() & s.isNull()).select(raw).limit(3).collect()
        if bad:
            scores_from(np.array([r[0] for r in bad], dtype=object), source)  # raises with the in-memory message
    got = audited.agg(
        F.sum((s.isNull() | F.isnan(s)).cast("long")),
        F.min(F.when(~F.isnan(s), s)),
        F.max(F.when(~F.isnan(s), s)),
        F.approx_count_distinct(s),
    ).collect()[0]
    nan, lo, hi, distinct = int(got[0] or 0), got[1], got[2], int(got[3] or 0)
    if nan:
        raise InputError(
            f"The scores in {source} contain {nan} missing or NaN value(s).",
            "Every row needs a score between 0 and 1; fix or remove those rows.",
        )
    scores_from(np.array([lo, hi], dtype=float), source)  # the range check and its message
    cancel.raise_if_set()
    if distinct <= exact_limit:
        key = s.alias("s")
    else:
        key = F.least(F.floor(s * bins), F.lit(bins - 1)).cast("long").alias("s")
    pdf = audited.groupBy(key, F.col(CELL).alias("c")).agg(F.sum(F.col(Y).cast("long")).alias("p"), F.count(F.lit(1)).alias("n"))
    got_table = pdf.toPandas().sort_values(["s", "c"], kind="stable")
    cancel.raise_if_set()
    score = got_table["s"].to_numpy(dtype=np.float64)
    cell = got_table["c"].to_numpy(dtype=np.int64)
    pos = got_table["p"].to_numpy(dtype=np.int64)
    neg = got_table["n"].to_numpy(dtype=np.int64) - pos
    if distinct <= exact_limit:
        return ScoreTable(score=score, cell=cell, pos=pos, neg=neg), None
    return binned_table(index, score.astype(np.int64), cell, pos, neg, bins, distinct)
