"""Proxy statistics in Spark: per (column, sensitive column) the contingency table of the association codes of
audit/quality.py, as audit/engines/duckdb_quality.py computes them in SQL (same codes, same partitions): a numeric
column of more than 10 distinct values in quintiles (exact `percentile`, pandas' linear interpolation, equal edges
dropped, bins closed on the right), any other column by value with at most 50 levels, missing a level of its own.

Two jobs whatever the number of columns: one for the distinct counts and quintile edges, one that explodes each row
into its (pair, code, code) triples and counts them."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from audit.engines.checks import contingency_tables
from audit.stats.quality import _MAX_LEVELS

_NUMERIC = ("byte", "short", "integer", "long", "float", "double", "decimal")


def _valid(F: Any, col: Any, kind: str) -> Any:
    return col.isNotNull() & ~F.isnan(col) if kind in ("double", "float") else col.isNotNull()


def proxy_tables(
    F: Any, rows: Any, columns: list[tuple[str, str, str]], sensitive: list[tuple[str, str, str]]
) -> tuple[tuple[str, str, npt.NDArray[np.int64]], ...]:
    """`columns` and `sensitive`: (name in the result, column of `rows`, Spark type name)."""
    if not columns:
        return ()
    every = columns + sensitive
    cols = [F.col(f"`{c}`") for _, c, _ in every]
    numeric = [i for i, (_, _, k) in enumerate(every) if k in _NUMERIC]
    aggs = [F.countDistinct(F.when(_valid(F, cols[i], every[i][2]), cols[i])) for i in range(len(every))]
    aggs += [
        F.percentile(F.when(_valid(F, cols[i], every[i][2]), cols[i]).cast("double"), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
        for i in numeric
    ]
    got = rows.agg(*aggs).collect()[0]
    distinct = [int(got[i] or 0) for i in range(len(every))]
    edges = {i: sorted({float(v) for v in got[len(every) + j] or []}) for j, i in enumerate(numeric) if distinct[i] > 10}
    codes = []
    for i, (_, _, kind) in enumerate(every):
        ok, col = _valid(F, cols[i], kind), cols[i]
        if i in edges:
            inner = edges[i][1:-1]  # x <= e1 -> 0 (the lowest edge included), e1 < x <= e2 -> 1, ...
            b = sum((F.when(col > F.lit(v), 1).otherwise(0) for v in inner), F.lit(0))
            codes.append(F.when(ok, F.concat(F.lit("q"), b.cast("string"))).otherwise(F.lit("m")))
        elif distinct[i] > _MAX_LEVELS:
            top = _top_levels(F, rows, col, kind)
            text = col.cast("string")
            codes.append(F.when(~ok, F.lit("m")).when(text.isin(top), F.concat(F.lit("v"), text)).otherwise(F.lit("o")))
        else:
            codes.append(F.when(ok, F.concat(F.lit("v"), col.cast("string"))).otherwise(F.lit("m")))
    n_col = len(columns)
    sets = [(i, n_col + j) for i in range(n_col) for j in range(len(sensitive))]
    triples = F.array(*[F.struct(F.lit(k).alias("k"), codes[a].alias("a"), codes[b].alias("b")) for k, (a, b) in enumerate(sets)])
    counted = rows.select(F.explode(triples).alias("t")).groupBy("t.k", "t.a", "t.b").count().collect()
    cells: dict[int, dict[tuple[str, str], int]] = {k: {} for k in range(len(sets))}
    for r in counted:
        cells[int(r[0])][(str(r[1]), str(r[2]))] = int(r[3])
    return contingency_tables(cells, [(k, columns[a][0], sensitive[b - n_col][0]) for k, (a, b) in enumerate(sets)])


def _top_levels(F: Any, rows: Any, col: Any, kind: str) -> list[str]:
    """The 50 most frequent values, chosen as audit/quality.py chooses them (categories in sorted order, np.argsort)."""
    got = rows.where(_valid(F, col, kind)).groupBy(col.alias("v")).count().collect()
    got.sort(key=lambda r: r[0])  # pandas' categories: the values sorted
    counts = np.array([int(r[1]) for r in got])
    top = np.argsort(-counts)[:_MAX_LEVELS]
    return [str(got[k][0]) for k in top]
