"""Proxy statistics in DuckDB: per (column, sensitive column) the contingency table of the association codes that
audit/stats/quality.py `_codes` gives in memory, from one GROUP BY GROUPING SETS pass.

Codes as in memory: a numeric column of more than 10 distinct values in quintiles (edges from `quantile_cont`, the
same linear interpolation as pandas' `qcut`, equal edges dropped, bins closed on the right), any other column by value
with at most 50 levels (the 50 most frequent, ties as numpy breaks them; the rest one level), missing a level of its
own. Cramér's V depends only on the partition the codes make, so the labels differ from the in-memory ones."""

from __future__ import annotations

from typing import Any

import numpy as np

from audit.engines.checks import contingency_tables
from audit.engines.duckdb_source import ident, is_float, is_numeric, literal
from audit.stats.quality import _MAX_LEVELS

ROWS = "attest_rows"


def _valid(expr: str, sql_type: str) -> str:
    return f"({expr} IS NOT NULL AND NOT isnan({expr}))" if is_float(sql_type) else f"({expr} IS NOT NULL)"


def proxy_tables(
    con: Any, columns: list[tuple[str, str, str]], sensitive: list[tuple[str, str, str]]
) -> tuple[tuple[str, str, np.ndarray], ...]:
    """`columns` and `sensitive`: (name in the result, SQL expression over `attest_rows`, DuckDB type)."""
    if not columns:
        return ()
    every = columns + sensitive
    codes = _code_expressions(con, every)
    coded = ", ".join(f"{c} AS __q{i}" for i, c in enumerate(codes))
    n_col = len(columns)
    sets = [(i, n_col + j) for i in range(n_col) for j in range(len(sensitive))]
    grouping = ", ".join(f"(__q{a}, __q{b})" for a, b in sets)
    keys = ", ".join(f"__q{i}" for i in range(len(every)))
    rows = con.sql(
        f"WITH coded AS (SELECT {coded} FROM {ROWS} r) SELECT {keys}, count(*) FROM coded GROUP BY GROUPING SETS ({grouping})"
    ).fetchall()
    cells: dict[tuple[int, int], dict[tuple[str, str], int]] = {s: {} for s in sets}
    for r in rows:
        present = [i for i in range(len(every)) if r[i] is not None]  # codes are never NULL, so NULL = not grouped
        a, b = present
        cells[(a, b)][(r[a], r[b])] = int(r[-1])
    return contingency_tables(cells, [((a, b), columns[a][0], sensitive[b - n_col][0]) for a, b in sets])


def _code_expressions(con: Any, every: list[tuple[str, str, str]]) -> list[str]:
    """One SQL expression per column giving its code as text, never NULL."""
    stats = ", ".join(f"count(DISTINCT {e}) FILTER (WHERE {_valid(e, t)})" for _, e, t in every)
    distinct = con.sql(f"SELECT {stats} FROM {ROWS} r").fetchall()[0]
    binned = [i for i, (_, _, t) in enumerate(every) if is_numeric(t) and distinct[i] > 10]
    edges: dict[int, list[float]] = {}
    if binned:
        qs = ", ".join(
            f"quantile_cont({every[i][1]}, [0, 0.2, 0.4, 0.6, 0.8, 1]) FILTER (WHERE {_valid(every[i][1], every[i][2])})"
            for i in binned
        )
        for i, q in zip(binned, con.sql(f"SELECT {qs} FROM {ROWS} r").fetchall()[0], strict=True):
            edges[i] = sorted(set(float(v) for v in q))
    out = []
    for i, (_, e, t) in enumerate(every):
        ok = _valid(e, t)
        if i in edges:
            inner = edges[i][1:-1]  # x <= e1 -> 0 (the lowest edge included), e1 < x <= e2 -> 1, ...
            bins = " + ".join(f"CAST({e} > {v!r} AS INTEGER)" for v in inner) or "0"
            out.append(f"CASE WHEN {ok} THEN 'q' || CAST({bins} AS VARCHAR) ELSE 'm' END")
        elif distinct[i] > _MAX_LEVELS:
            top = _top_levels(con, e, t)
            out.append(
                f"CASE WHEN NOT {ok} THEN 'm' WHEN CAST({e} AS VARCHAR) IN ({', '.join(literal(v) for v in top)}) "
                f"THEN 'v' || CAST({e} AS VARCHAR) ELSE 'o' END"
            )
        else:
            out.append(f"CASE WHEN {ok} THEN 'v' || CAST({e} AS VARCHAR) ELSE 'm' END")
    return out


def _top_levels(con: Any, expr: str, sql_type: str) -> list[str]:
    """The 50 most frequent values, chosen as audit/stats/quality.py chooses them (categories in sorted order, np.argsort)."""
    rows = con.sql(f"SELECT {expr} AS v, count(*) FROM {ROWS} r WHERE {_valid(expr, sql_type)} GROUP BY v").fetchall()
    rows.sort(key=lambda r: r[0])  # pandas' categories: the values sorted
    counts = np.array([r[1] for r in rows])
    top = np.argsort(-counts)[:_MAX_LEVELS]
    return [str(rows[k][0]) for k in top]


__all__ = ["ROWS", "ident", "proxy_tables"]
