"""Proxy statistics in Spark: per (column, sensitive column) the contingency table of the association codes of
audit/stats/quality.py (same partitions): a numeric column of more than 10 distinct values in quintiles (exact
`percentile`, pandas' linear interpolation, equal edges dropped, bins closed on the right), any other column by value
with at most 50 levels (the 50 most frequent, ties as numpy breaks them; the rest one level), missing a level of its
own. Cramér's V depends only on the partition the codes make, so the labels may differ from the in-memory ones.

What makes it cheap (the job that counted distinct values exactly and exploded every row into one (pair, code,
code) triple per (column, sensitive column) took 366 of 418 s of a 1M-row audit):
- a sensitive column's code is a function of the cell (the cells are the distinct sensitive values), so the job
  counts per (column, code, cell) and the driver maps cells to each sensitive column's code: one exploded row per
  column, not per pair, and the sensitive columns' codes come from the distinct rows already brought back;
- distinct counts are HyperLogLog (`approx_count_distinct`, no exact distinct aggregation): far above a limit
  (4x) decides; below it the column is counted by value and its exact distinct count read from the counts
  themselves, which also give the top 50 levels or, with the quintile edges, the quintile of each value. So one
  aggregation (distinct estimates and quintile edges), one counting job, and a value-count job only for text
  columns with hundreds of values or more.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from audit.engines.checks import contingency_tables
from audit.stats.quality import _MAX_LEVELS

_NUMERIC = ("byte", "short", "integer", "long", "float", "double", "decimal")
_BINNED = 10  # a numeric column of more distinct values than this is binned in quintiles
_SURE = 4  # an estimate above this many times a limit is above it (HyperLogLog's error is ~5%, not 300%)
_QUANTILES = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
Tables = tuple[tuple[str, str, npt.NDArray[np.int64]], ...]


def _valid(F: Any, col: Any, kind: str) -> Any:
    return col.isNotNull() & ~F.isnan(col) if kind in ("double", "float") else col.isNotNull()


def _missing(v: Any) -> bool:
    return bool(pd.isna(v))


def proxy_tables(
    F: Any,
    rows: Any,
    cell: str,
    columns: list[tuple[str, str, str]],
    sensitive: list[tuple[str, str, str]],
    cell_values: list[tuple[Any, ...]],
    cell_rows: npt.NDArray[np.int64],
) -> Tables:
    """`columns` and `sensitive`: (name in the result, column of `rows`, Spark type name); `cell`: the cell column of
    `rows`; `cell_values[c][j]`: the value of sensitive column j in cell c (after --na-values, None if missing);
    `cell_rows[c]`: the audited rows of cell c."""
    if not columns:
        return ()
    cols = [F.col(f"`{c}`") for _, c, _ in columns]
    present = [F.when(_valid(F, cols[i], k), cols[i]) for i, (_, _, k) in enumerate(columns)]
    s_present = [F.when(_valid(F, F.col(f"`{c}`"), k), F.col(f"`{c}`")) for _, c, k in sensitive]
    numeric = [i for i, (_, _, k) in enumerate(columns) if k in _NUMERIC]
    s_values = [[v[j] for v in cell_values] for j in range(len(sensitive))]
    s_binned = [j for j, (_, _, k) in enumerate(sensitive) if k in _NUMERIC and _distinct(s_values[j]) > _BINNED]
    aggs = [F.approx_count_distinct(p) for p in present]
    aggs += [F.percentile(present[i].cast("double"), _QUANTILES) for i in numeric]
    aggs += [F.percentile(s_present[j].cast("double"), _QUANTILES) for j in s_binned]
    got = rows.agg(*aggs).collect()[0]
    approx = [int(got[i] or 0) for i in range(len(columns))]
    edges = {i: _edges(got[len(columns) + n]) for n, i in enumerate(numeric)}
    s_edges = {j: _edges(got[len(columns) + len(numeric) + n]) for n, j in enumerate(s_binned)}

    binned = {i for i in numeric if approx[i] > _SURE * _BINNED}
    topped = [i for i in range(len(columns)) if i not in numeric and approx[i] > _SURE * _MAX_LEVELS]
    top = _top_levels(F, rows, [(i, present[i]) for i in topped])
    codes = []
    for i, col in enumerate(cols):
        ok = _valid(F, col, columns[i][2])
        if i in binned:
            inner = edges[i][1:-1]  # x <= e1 -> 0 (the lowest edge included), e1 < x <= e2 -> 1, ...
            b = sum((F.when(col > F.lit(v), 1).otherwise(0) for v in inner), F.lit(0))
            codes.append(F.when(ok, F.concat(F.lit("q"), b.cast("string"))).otherwise(F.lit("m")))
        elif i in top:
            text = col.cast("string")
            codes.append(F.when(~ok, F.lit("m")).when(text.isin(top[i]), F.concat(F.lit("v"), text)).otherwise(F.lit("o")))
        else:  # by value; recoded below if its exact count says so
            codes.append(F.when(ok, F.concat(F.lit("v"), col.cast("string"))).otherwise(F.lit("m")))
    triples = F.array(*[F.struct(F.lit(k).alias("k"), c.alias("a")) for k, c in enumerate(codes)])
    counted = (
        rows.select(F.col(cell).alias("c"), F.explode(triples).alias("t"))
        .groupBy(F.col("t.k").alias("k"), F.col("t.a").alias("a"), "c")
        .count()
        .collect()
    )
    per: dict[int, dict[tuple[str, int], int]] = defaultdict(dict)
    for r in counted:
        per[int(r[0])][(str(r[1]), int(r[2]))] = int(r[3])
    for i in range(len(columns)):
        if i not in binned and i not in top:
            per[i] = _recode(per[i], edges.get(i) if i in numeric else None)

    s_codes = [_sensitive_codes(s_values[j], cell_rows, s_edges.get(j)) for j in range(len(sensitive))]
    pairs: dict[tuple[int, int], dict[tuple[str, str], int]] = {}
    for i in range(len(columns)):
        for j in range(len(sensitive)):
            table: dict[tuple[str, str], int] = defaultdict(int)
            for (a, c), n in per[i].items():
                table[(a, s_codes[j][c])] += n
            pairs[(i, j)] = table
    names = [((i, j), columns[i][0], sensitive[j][0]) for i in range(len(columns)) for j in range(len(sensitive))]
    return contingency_tables(pairs, names)


def _sort_key(v: Any) -> tuple[str, Any]:
    """Values in sorted order; values of one type (the usual column) exactly as `sorted` orders them."""
    return (type(v).__name__, v)


def _edges(got: Any) -> list[float]:
    return sorted({float(v) for v in got or []})


def _distinct(values: list[Any]) -> int:
    return len({v for v in values if not _missing(v)})


def _bin(x: float, edges: list[float]) -> str:
    return "q" + str(sum(1 for e in edges[1:-1] if x > e))


def _choose_top(values: list[Any], counts: list[int]) -> set[Any]:
    """The 50 most frequent values, chosen as audit/stats/quality.py chooses them (categories in sorted order,
    np.argsort of the negated counts)."""
    order = sorted(range(len(values)), key=lambda k: _sort_key(values[k]))  # pandas' categories: the values sorted
    c = np.array([counts[k] for k in order])
    return {values[order[k]] for k in np.argsort(-c)[:_MAX_LEVELS]}


def _recode(counts: dict[tuple[str, int], int], edges: list[float] | None) -> dict[tuple[str, int], int]:
    """A column counted by value, coded as in memory once its exact distinct count is known: quintiles (numeric,
    more than 10 values), the top 50 levels (more than 50), else as counted."""
    values = sorted({a[1:] for a, _ in counts if a != "m"})
    if edges is not None:
        if len(values) <= _BINNED:
            return counts
        code = {v: _bin(float(v), edges) for v in values}
    else:
        if len(values) <= _MAX_LEVELS:
            return counts
        total: dict[str, int] = defaultdict(int)
        for (a, _), n in counts.items():
            if a != "m":
                total[a[1:]] += n
        keep = _choose_top(values, [total[v] for v in values])
        code = {v: ("v" + v if v in keep else "o") for v in values}
    out: dict[tuple[str, int], int] = defaultdict(int)
    for (a, c), n in counts.items():
        out[(a if a == "m" else code[a[1:]], c)] += n
    return dict(out)


def _sensitive_codes(values: list[Any], cell_rows: npt.NDArray[np.int64], edges: list[float] | None) -> list[str]:
    """Each cell's code of one sensitive column, from the cells' values and row counts (no pass over the rows)."""
    distinct = sorted({v for v in values if not _missing(v)}, key=_sort_key)
    if edges is not None:
        return ["m" if _missing(v) else _bin(float(v), edges) for v in values]
    keep: set[Any] | None = None
    if len(distinct) > _MAX_LEVELS:
        total: dict[Any, int] = defaultdict(int)
        for v, n in zip(values, cell_rows.tolist(), strict=True):
            if not _missing(v):
                total[v] += n
        keep = _choose_top(distinct, [total[v] for v in distinct])
    return ["m" if _missing(v) else ("v" + str(v) if keep is None or v in keep else "o") for v in values]


def _top_levels(F: Any, rows: Any, columns: list[tuple[int, Any]]) -> dict[int, list[str]]:
    """The 50 most frequent values of each text column with hundreds of values or more: one job for all."""
    if not columns:
        return {}
    pairs = F.array(*[F.struct(F.lit(i).alias("k"), p.cast("string").alias("v")) for i, p in columns])
    got = rows.select(F.explode(pairs).alias("t")).where(F.col("t.v").isNotNull()).groupBy("t.k", "t.v").count().collect()
    by: dict[int, tuple[list[str], list[int]]] = {i: ([], []) for i, _ in columns}
    for r in got:
        by[int(r[0])][0].append(str(r[1]))
        by[int(r[0])][1].append(int(r[2]))
    return {i: sorted(_choose_top(v, n)) for i, (v, n) in by.items()}
