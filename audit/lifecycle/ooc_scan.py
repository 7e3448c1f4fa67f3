"""The out-of-core pass of `attest monitor --engine duckdb`: one GROUP BY per file over (window, cell) in DuckDB,
under its memory limit, returning only sufficient statistics (audit/lifecycle/dist.py, cbpe.Sums, confusion counts).

A cell is one combination of the sensitive columns' values (a group or intersection sums its cells). Per cell and
window: rows and decisions per outcome state (unknown, 0, 1) with the sums of scores and squared scores (CBPE),
calibration bins (reference), and per feature a DuckDB `histogram`: exact value counts when the two files hold
at most EXACT_LIMIT distinct values, else counts in FINE_BINS bins cut at the reference's quantiles (ranks chosen as
numpy's inverted_cdf picks them, so the PSI cuts are among the edges), with the count, sum, variance, min and max."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from audit.engines.duckdb_source import ident, is_numeric, literal
from audit.lifecycle.dist import Dist, Kind, inverted_cdf_ranks
from audit.stats.cells import MISSING

EXACT_LIMIT = 20_000  # distinct values (both files, approximate count) up to which a column's values are kept exactly
# ... and value counts per (window, cell) the scan may hold for one column: each group's map of values lives in
# DuckDB's aggregate state, so many windows x cells x values would need gigabytes whatever the memory limit
EXACT_ENTRIES = 5_000_000
FINE_BINS = 1000
Key = tuple[int, tuple[str, ...]]  # (window, cell)


@dataclass(frozen=True)
class Column:
    name: str  # a feature, or "(scores)"
    sql: str  # the SQL expression of its value
    kind: Kind
    edges: tuple[float, ...] | None = None  # binned: the fine bins' upper edges (reference values); None: exact


@dataclass
class Cell:
    n: int = 0
    # per (decision, outcome state): [rows, sum of scores, sum of squared scores]; outcome -1 = not known yet
    base: dict[tuple[int, int], list[float]] = field(default_factory=dict)
    calibration: np.ndarray | None = None  # (10, 3): rows, positives, sum of scores per bin (rows with outcomes)
    dists: dict[str, Dist] = field(default_factory=dict)
    score_pos: Dist | None = None  # the scores of rows with outcome 1 / 0 (AUC)
    score_neg: Dist | None = None
    span: tuple[Any, Any] | None = None  # the first and last time (scan's `span`): a row window's start and end


def valid(sql: str, kind: Kind) -> str:
    return f"({sql}) IS NOT NULL" + ("" if kind == "categorical" else f" AND isfinite(CAST({sql} AS DOUBLE))")


def fine_edges(con: Any, columns: list[tuple[str, str]], bins: int) -> dict[str, tuple[float, ...]]:
    """Per numeric column (name, SQL) of the reference view `src`: fine quantile edges at levels k / FINE_BINS and
    at the PSI cuts' levels, each the value at numpy's inverted_cdf rank (asked at the rank's middle so DuckDB's
    quantile_disc picks that very value)."""
    if not columns:
        return {}
    counts = con.execute(
        "SELECT " + ", ".join(f"count(*) FILTER (WHERE {valid(sql, 'numeric')})" for _, sql in columns) + " FROM src"
    ).fetchone()
    levels = np.union1d(np.arange(1, FINE_BINS) / FINE_BINS, np.linspace(0, 1, bins + 1)[1:-1])
    parts = []
    for (_, sql), n in zip(columns, counts, strict=True):
        at = ((inverted_cdf_ranks(int(n), levels) + 0.5) / max(int(n), 1)).tolist() if n else [0.5]
        parts.append(f"quantile_disc(CAST({sql} AS DOUBLE), {at}) FILTER (WHERE {valid(sql, 'numeric')})")
    row = con.execute("SELECT " + ", ".join(parts) + " FROM src").fetchone()
    return {name: tuple(sorted(set(map(float, q or [])))) for (name, _), q in zip(columns, row, strict=True)}


def distinct_counts(con: Any, columns: list[tuple[str, str]]) -> list[int]:
    if not columns:
        return []
    return list(
        con.execute("SELECT " + ", ".join(f"approx_count_distinct({sql})" for _, sql in columns) + " FROM src").fetchone()
    )


def categorical_sql(name: str, sql_type: str) -> str:
    """Text as pandas writes it (`astype(str)`): booleans True / False."""
    if sql_type.upper() == "BOOLEAN":
        return f"CASE WHEN {ident(name)} THEN 'True' WHEN NOT {ident(name)} THEN 'False' END"
    return f"CAST({ident(name)} AS VARCHAR)"


def numeric_sql(name: str, sql_type: str) -> str:
    return f"CAST({ident(name)} AS DOUBLE)" if is_numeric(sql_type) else ident(name)


def _aggregates(columns: list[Column], score: str | None, outcome: str, decision: str, calibrate: bool) -> list[str]:
    out = ["count(*)"]
    p = score or "0.0"
    for d in (0, 1):
        for y in (-1, 0, 1):
            w = f"{decision} = {d} AND {outcome} = {y}"
            out += [f"count(*) FILTER (WHERE {w})", f"sum({p}) FILTER (WHERE {w})", f"sum({p} * {p}) FILTER (WHERE {w})"]
    if calibrate and score:
        b = f"least(greatest(CAST(floor({p} * 10) AS INTEGER), 0), 9)"  # score_metrics.calibration_bins' bins
        for k in range(10):
            w = f"{outcome} >= 0 AND {b} = {k}"
            out += [f"count(*) FILTER (WHERE {w})", f"sum({outcome}) FILTER (WHERE {w})", f"sum({p}) FILTER (WHERE {w})"]
    for c in columns:
        ok = valid(c.sql, c.kind)
        h = f"histogram({c.sql}{'' if c.edges is None else ', ' + str(list(c.edges))}) FILTER (WHERE {ok})"
        out.append(h)
        if c.kind == "numeric":
            out += [
                f"count(*) FILTER (WHERE {ok})",
                f"sum({c.sql}) FILTER (WHERE {ok})",
                f"var_pop({c.sql}) FILTER (WHERE {ok})",
                f"min({c.sql}) FILTER (WHERE {ok})",
                f"max({c.sql}) FILTER (WHERE {ok})",
            ]
        if c.name == "(scores)" and outcome != "-1":  # the scores by outcome (AUC), only where outcomes can be
            for y in (1, 0):
                out.append(
                    f"histogram({c.sql}{'' if c.edges is None else ', ' + str(list(c.edges))}) FILTER (WHERE {outcome} = {y})"
                )
    return out


def _dist(c: Column, hist: dict[Any, int] | None, moments: list[Any] | None, rows: int) -> Dist:
    hist = hist or {}
    if c.kind == "categorical":
        keys = np.array([str(k) for k in hist], dtype=object)
        counts = np.array(list(hist.values()), dtype=np.int64)
        order = np.argsort(keys) if keys.size else np.zeros(0, dtype=np.intp)
        return Dist("categorical", keys[order], counts[order], rows - int(counts.sum()))
    counts = np.array([int(v) for v in hist.values()], dtype=np.int64)
    if c.edges is None:
        keys = np.array([float(k) for k in hist], dtype=float)
        order = np.argsort(keys)
        keys, counts = keys[order], counts[order]
        lo = hi = keys
        binned = False
    else:
        edges = np.array(c.edges)
        upper = np.array([float(k) for k in hist], dtype=float)
        keys = np.where(np.isinf(upper), float(edges.size), np.searchsorted(edges, upper)).astype(float)
        order = np.argsort(keys)
        keys, counts, upper = keys[order], counts[order], upper[order]
        keep = counts > 0
        keys, counts, upper = keys[keep], counts[keep], upper[keep]
        _, _, _, vmin, vmax = moments or [0, 0, 0, 0, 0]
        idx = keys.astype(int)
        lo = np.where(idx == 0, vmin if vmin is not None else 0.0, edges[np.maximum(idx - 1, 0)])
        hi = np.where(idx >= edges.size, vmax if vmax is not None else 0.0, upper)
        lo, hi = np.maximum(lo, vmin if vmin is not None else lo), np.minimum(hi, vmax if vmax is not None else hi)
        binned = True
    n, total, var = (moments or [0, 0.0, 0.0])[:3]
    n = int(n or 0)
    return Dist("numeric", keys, counts, rows - n, lo, hi, float(total or 0.0), float(var or 0.0) * n, binned)


def scan(
    con: Any,
    window_sql: str,
    cells: list[str],
    columns: list[Column],
    decision: str,
    outcome: str,
    score: str | None,
    calibrate: bool,
    table: str = "src",
    span: str | None = None,
) -> dict[Key, Cell]:
    """The one GROUP BY over (window, cell) of the view `table`: every statistic monitor needs, nothing per row;
    with `span` (SQL of the time) also its least and greatest value."""
    types = {str(r[0]): str(r[1]) for r in con.execute(f"DESCRIBE {table}").fetchall()}
    cell_sql = [categorical_sql(c, types[c]) for c in cells]  # the group names pandas' astype(str) gives
    keys = [window_sql, *cell_sql]
    aggs = _aggregates(columns, score, outcome, decision, calibrate) + ([f"min({span})", f"max({span})"] if span else [])
    sql = f"SELECT {', '.join(keys)}, {', '.join(aggs)} FROM {table} GROUP BY ALL"
    out: dict[Key, Cell] = {}
    for row in con.execute(sql).fetchall():
        w = int(row[0])
        cell = tuple(MISSING if v is None else str(v) for v in row[1 : 1 + len(cells)])
        vals = list(row[1 + len(cells) :])
        c = Cell(n=int(vals.pop(0)))
        for d in (0, 1):
            for y in (-1, 0, 1):
                k, sp, spp = vals[:3]
                del vals[:3]
                c.base[(d, y)] = [float(k or 0), float(sp or 0.0), float(spp or 0.0)]
        if calibrate and score:
            cal = np.array([[float(v or 0) for v in vals[3 * k : 3 * k + 3]] for k in range(10)])
            del vals[:30]
            c.calibration = cal
        for col in columns:
            hist = vals.pop(0)
            moments = None
            if col.kind == "numeric":
                moments = vals[:5]
                del vals[:5]
            c.dists[col.name] = _dist(col, hist, moments, c.n)
            if col.name == "(scores)" and outcome != "-1":
                pos, neg = vals.pop(0), vals.pop(0)
                c.score_pos = _dist(col, pos, None, 0)
                c.score_neg = _dist(col, neg, None, 0)
        if span:
            c.span = (vals[0], vals[1])
        out[(w, cell)] = c
    return out


def spans(cells: dict[Key, Cell], count: int) -> list[tuple[Any, Any]]:
    """Per window 0 .. count - 1, its first and last time over its cells (a scan with `span`)."""
    first: dict[int, Any] = {}
    last: dict[int, Any] = {}
    for (w, _), c in cells.items():
        if c.span is not None:
            first[w] = c.span[0] if w not in first else min(first[w], c.span[0])
            last[w] = c.span[1] if w not in last else max(last[w], c.span[1])
    return [(first[w], last[w]) for w in range(count)]


def case_of(column: str, positive_values: list[Any]) -> str:
    """0/1 SQL for "the value is one of these" (the positive decision or outcome), NULL where missing."""
    if not positive_values:
        return f"CASE WHEN {ident(column)} IS NULL THEN NULL ELSE 0 END"
    shown = ", ".join(_sql_value(v) for v in positive_values)
    return f"CASE WHEN {ident(column)} IS NULL THEN NULL WHEN {ident(column)} IN ({shown}) THEN 1 ELSE 0 END"


def _sql_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(float(v)) if isinstance(v, float) else str(v)
    return literal(str(v))


Cells = dict[Key, Cell]


def cell_count(con: Any, cells: list[str]) -> int:
    """About how many combinations of the sensitive columns' values the view `src` holds."""
    if not cells:
        return 1
    joined = ", ".join(f"coalesce(CAST({ident(c)} AS VARCHAR), '')" for c in cells)
    return max(int(con.execute(f"SELECT approx_count_distinct(concat_ws(chr(31), {joined})) FROM src").fetchone()[0]), 1)


def columns(
    con_r: Any,
    con_c: Any,
    features: list[str],
    kinds: dict[str, Kind],
    types: dict[str, str],
    score_sql: str | None,
    bins: int,
    groups: int = 1,
    rows: int = 0,
) -> tuple[list[Column], list[str]]:
    """The columns to scan (the features, then "(scores)"), each exact or binned, and the binned ones' names.
    `groups`: about how many (window, cell) groups the larger scan has; `rows`: both files' rows."""
    sql = {f: (numeric_sql if kinds[f] == "numeric" else categorical_sql)(f, types[f]) for f in features}
    numeric = [(f, sql[f]) for f in features if kinds[f] == "numeric"]
    if score_sql:
        numeric.append(("(scores)", score_sql))
    many = [
        name
        for (name, _), a, b in zip(numeric, distinct_counts(con_r, numeric), distinct_counts(con_c, numeric), strict=True)
        if a + b > EXACT_LIMIT or min((a + b) * groups, rows or (a + b) * groups) > EXACT_ENTRIES
    ]
    edges = fine_edges(con_r, [x for x in numeric if x[0] in many], bins)
    out = [Column(f, sql[f], kinds[f], edges.get(f)) for f in features]
    if score_sql:
        out.append(Column("(scores)", score_sql, "numeric", edges.get("(scores)")))
    return out, many


def binned_note(many: list[str]) -> str:
    return (
        f"Out of core, {', '.join(many)} hold too many distinct values to count each (more than {EXACT_LIMIT:,}, or "
        f"{EXACT_ENTRIES:,} across the windows and cells): their distributions are "
        f"fine histograms of up to {FINE_BINS} bins cut at the reference's quantiles; PSI and counts are exact, "
        "Wasserstein and KS carry their error bound (wasserstein_bound, ks_bound), AUC counts ties within a bin."
    )
