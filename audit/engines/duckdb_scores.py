"""Scores per (cell, score) from DuckDB: exact when the file has few enough distinct scores, else a histogram whose
bins the number of occupied cells sets, so the table brought into Python stays bounded whatever the rows.

Exact (at most `exact_limit` distinct scores, counted approximately in the first scan): one entry per distinct
(score, cell), the in-memory engine's ScoreTable, so AUC, Brier and calibration are its figures.

Histogram: B equal-width bins over [0, 1] (bin k holds k/B <= s < (k+1)/B, a score of 1 in the last), each bin's rows
at its midpoint, B a multiple of the 10 calibration bins and about `hist_entries / cells`. The error bounds are those
of audit/engines/spark_scores.py (AUC from the histogram itself, Brier 1/B, calibration 1/(2B)), stated in the result.

Either way the GROUP BY runs on the file's own values (no join per row): on DuckDB's 64-bit hash of the sensitive
values when the first pass found no two combinations with one hash (checked, and the rows counted after the join),
else on the values themselves; its few million rows are then mapped to cells and outcomes by the first pass's
distinct rows (`attest_hash` or `attest_cells`, and `attest_pos`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from audit.engines.base import ScoreTable
from audit.engines.duckdb_source import ident
from audit.engines.histogram import binned_table
from audit.result import ScoreResolution
from audit.stats.cells import GroupIndex
from audit.stats.score_metrics import N_BINS

DEFAULT_EXACT = 2_000_000  # distinct scores read exactly: ~64 MB of (score, cell, counts); 1M rows of random scores fit
HIST_ENTRIES = 1_000_000  # a histogram's (bin, cell) entries at most: bins = this / occupied cells
MAX_BINS = 1_000_000


def histogram_bins(n_cells: int, entries: int = HIST_ENTRIES) -> int:
    """Bins for `n_cells` occupied cells: a multiple of the calibration bins, at least 10 per calibration bin."""
    per_cell = entries // max(n_cells, 1)
    return int(min(MAX_BINS, max(10 * N_BINS, per_cell // N_BINS * N_BINS)))


def score_table(
    con: Any,
    column: str,
    sensitive: tuple[str, ...],
    target: str,
    audited: str,
    index: GroupIndex,
    distinct: int,
    rows: int,
    hashed: bool,
    exact_limit: int = DEFAULT_EXACT,
    bins: int | None = None,
) -> tuple[ScoreTable, ScoreResolution | None]:
    """`audited`: SQL true for the rows the audit keeps (target present); `distinct`: about how many distinct scores;
    `rows`: how many rows that is; `hashed`: the table `attest_hash` (h, cell) maps DuckDB's hash of the sensitive
    values to the cell without collision; `bins`: the histogram's bins (None: `histogram_bins` of the occupied cells)."""
    if bins is not None and (bins <= 0 or bins % N_BINS):
        raise ValueError(f"histogram bins must be a positive multiple of {N_BINS}, not {bins}")
    s = f"CAST({ident(column)} AS DOUBLE)"
    exact = distinct <= exact_limit
    bins = 0 if exact else bins or histogram_bins(index.n_cells)
    key = s if exact else f"CAST(least(floor({s} * {bins}), {bins - 1}) AS BIGINT)"
    got = None
    if hashed:  # one integer key per row instead of the sensitive values: the GROUP BY costs ~2.4x less
        got = _query(
            con,
            f"hash({', '.join(ident(f) for f in sensitive)}) AS __attest_h",
            "a.__attest_h = m.h",
            "attest_hash",
            key,
            target,
            audited,
        )
        if int(_counts(got["p"]).sum() + _counts(got["q"]).sum()) != rows:
            got = None  # a value whose hash the map does not know (a type that did not round-trip): the exact join
    if got is None:
        keys = ", ".join(f"{ident(f)} AS __attest_k{j}" for j, f in enumerate(sensitive))
        join = " AND ".join(f"a.__attest_k{j} IS NOT DISTINCT FROM m.__attest_k{j}" for j in range(len(sensitive)))
        cells = (
            "(SELECT DISTINCT __attest_cell, "
            + ", ".join(f"__attest_k{j}" for j in range(len(sensitive)))
            + " FROM attest_cells)"
        )
        got = _query(con, keys, join, cells, key, target, audited)
    score = np.asarray(got["s"], dtype=np.float64)
    cell = np.asarray(got["c"], dtype=np.int64)
    pos = _counts(got["p"])
    neg = _counts(got["q"])
    if exact:
        return ScoreTable(score=score, cell=cell, pos=pos, neg=neg), None
    return binned_table(index, score.astype(np.int64), cell, pos, neg, bins, distinct)


def _query(con: Any, keys: str, join: str, cells: str, key: str, target: str, audited: str) -> Any:
    """Per (score or bin, cell) the rows with a positive / negative outcome. MATERIALIZED: the aggregate first (one
    pass over the rows), then the join on its few rows."""
    return con.sql(
        f"WITH agg AS MATERIALIZED (SELECT {keys}, {ident(target)} AS __attest_t, {key} AS s, count(*) AS n FROM src "
        f"WHERE {audited} GROUP BY ALL) "
        "SELECT a.s AS s, m.__attest_cell AS c, "
        "sum(a.n) FILTER (WHERE a.__attest_t IN (SELECT t FROM attest_pos)) AS p, "
        "sum(a.n) FILTER (WHERE a.__attest_t NOT IN (SELECT t FROM attest_pos)) AS q "
        f"FROM agg a JOIN {cells} m ON {join} GROUP BY ALL ORDER BY s, c"
    ).fetchnumpy()


def _counts(col: Any) -> npt.NDArray[np.int64]:
    """A sum with FILTER is NULL where no row matched: 0 rows."""
    arr = np.ma.filled(np.ma.asarray(col), 0) if np.ma.isMaskedArray(col) else np.asarray(col)
    return np.nan_to_num(np.asarray(arr, dtype=np.float64)).astype(np.int64)
