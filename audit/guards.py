"""Cost guards: refuse, before any statistics, a run that would take minutes or exhaust memory, and say what to change.

Measured before these guards (issue 11): 6 sensitive columns of 3 values on 2,000 rows made 4,038 groups, 40 s and a
36 MB result; 8 or 20 columns ran for minutes; an ID column of 100,000 values as a sensitive feature ended in a
traceback allocating 74.5 GiB; `--bootstrap 100000000` was killed for lack of memory. The documented limits:

- `MAX_GROUPS` groups and intersections in one run (2,000: about 20 s and 20 MB of result). The figure is an upper
  bound computed from the distinct values of each sensitive column (missing counts as one value) and the row count,
  before anything is built: `estimate_groups`, which the app can show on its set-up page.
- a sensitive column looks like an identifier when it has more than `ID_MIN_DISTINCT` (100) distinct values and they
  cover more than `ID_ROW_SHARE` (half) of the rows: groups of one or two people cannot be compared.
- `--bootstrap` at most `MAX_BOOTSTRAP` (100,000) draws, and draws x groups at most `MAX_DRAWS_X_GROUPS` (10 million,
  about 1 GB: each draw of each group holds about 105 bytes of simulated metrics, measured).
- `--seed` a whole number from 0 to `MAX_SEED` (2**32 - 1); `--explain-budget` a number of seconds, 0 or more.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from math import comb
from typing import TYPE_CHECKING

from audit.errors import InputError
from audit.spec import AuditSpec

# NumPy, pandas and the cells module are imported where they are used: the desktop app reads MAX_GROUPS and
# estimate_groups while it builds its first window, before any data is loaded.
if TYPE_CHECKING:
    import pandas as pd

MAX_GROUPS = 2_000
ID_MIN_DISTINCT = 100
ID_ROW_SHARE = 0.5
MAX_BOOTSTRAP = 100_000
MAX_DRAWS_X_GROUPS = 10_000_000
MAX_SEED = 2**32 - 1
_BYTES_PER_DRAW_GROUP = 105


def distinct_counts(df: pd.DataFrame, sensitive: Sequence[str]) -> dict[str, int]:
    """Distinct values of each sensitive column, missing counted as one value (the "(missing)" group)."""
    return {f: int(df[f].nunique(dropna=False)) for f in sensitive}


def _top(n_features: int, max_order: int | None) -> int:
    return n_features if max_order is None else max(0, min(max_order, n_features))


def estimate_groups(
    data: pd.DataFrame | Mapping[str, int], sensitive: Sequence[str], max_order: int | None = None, *, rows: int | None = None
) -> int:
    """Upper bound of the groups and intersections a run creates: over every combination of at most `max_order`
    sensitive columns (None: all), the product of their distinct-value counts, at most the number of rows.

    `data`: the dataset, or a mapping column -> distinct values (missing counted as a value) with `rows` given when
    known (the app's preview has both). Exact integer arithmetic; never enumerates the combinations."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        counts, rows = distinct_counts(data, sensitive), len(data) if rows is None else rows
    else:
        counts = {f: int(data[f]) for f in sensitive}
    ds = [max(counts[f], 1) for f in sensitive]
    top = _top(len(ds), max_order)
    if rows is None:
        # Elementary symmetric sums: e[k] = sum over k-column combinations of the product of their counts.
        e = [1] + [0] * top
        for d in ds:
            for k in range(top, 0, -1):
                e[k] += e[k - 1] * d
        return sum(e[1:])
    # A level cannot have more groups than rows: count combinations by (size, capped product) instead.
    states: dict[tuple[int, int], int] = {(0, 1): 1}
    for d in ds:
        for (k, p), c in list(states.items()):
            if k < top:
                key = (k + 1, min(p * d, rows))
                states[key] = states.get(key, 0) + c
    return sum(c * p for (k, p), c in states.items() if k >= 1)


def count_levels(n_features: int, max_order: int | None = None) -> int:
    """How many groupings (single columns and intersections) a run audits."""
    return sum(comb(n_features, k) for k in range(1, _top(n_features, max_order) + 1))


def check_options(spec: AuditSpec) -> None:
    """Option values that would end in a traceback or exhaust memory, refused before the data is read."""
    if not 0 <= spec.seed <= MAX_SEED:
        raise InputError(
            f"--seed {spec.seed} is out of range: a seed is a whole number from 0 to {MAX_SEED:,}.",
            "Give a seed such as --seed 0 (the default) or --seed 12345.",
        )
    if spec.bootstrap > MAX_BOOTSTRAP:
        raise InputError(
            f"--bootstrap {spec.bootstrap:,} is above the limit of {MAX_BOOTSTRAP:,} draws, which would take "
            "a long time and a lot of memory for no visible gain in the intervals.",
            f"Use --bootstrap 1000 (the default) or at most {MAX_BOOTSTRAP:,}.",
        )
    budget = spec.explain.time_budget_s
    if not (math.isfinite(budget) and budget >= 0):
        raise InputError(
            f"--explain-budget {budget:g} is not a time budget: give seconds, 0 or more.",
            "Use --explain-budget 30 (the default), or --no-explain to skip explanations.",
        )
    from audit.stats.cells import check_max_order

    check_max_order(spec.max_intersection_order)


def nested_columns(df: pd.DataFrame) -> list[str]:
    """Columns holding lists, arrays or records (Parquet list/struct/map types): each column's first value tells,
    since Arrow columns have one type."""
    import numpy as np

    out = []
    for c in df.columns:
        s = df[c]
        if s.dtype != object:
            continue
        first = s.first_valid_index()
        if first is not None and isinstance(s.loc[first], (list, tuple, dict, set, np.ndarray)):
            out.append(str(c))
    return out


def drop_nested(df: pd.DataFrame, spec: AuditSpec) -> tuple[pd.DataFrame, list[str]]:
    """`df` without its nested columns, which no part of the audit can use; refused when the audit needs one."""
    nested = nested_columns(df)
    check_nested(nested, spec)
    return (df.drop(columns=nested), nested) if nested else (df, [])


def check_nested(nested: list[str], spec: AuditSpec) -> None:
    """A column the audit needs (target, predictions, scores, sensitive) that holds lists or records is refused."""
    roles: dict[str | None, str] = {  # None: an optional column the spec does not name
        spec.target: "target",
        spec.predictions_column: "predictions",
        spec.scores_column: "scores",
        **{f: "sensitive" for f in spec.sensitive},
    }
    for col in nested:
        if col in roles:
            raise InputError(
                f"The {roles[col]} column '{col}' holds lists or records (a Parquet list/struct column), not one value per row.",
                f"Name a column with one plain value per row instead, or flatten '{col}' first.",
            )


def check_cost(df: pd.DataFrame, spec: AuditSpec) -> int:
    """Refuse identifier-like sensitive columns, too many groups and too many bootstrap draws; returns the estimate."""
    return check_cost_counts(
        distinct_counts(df, spec.sensitive), {f: bool(df[f].isna().any()) for f in spec.sensitive}, len(df), spec
    )


def check_cost_counts(counts: Mapping[str, int], has_missing: Mapping[str, bool], rows: int, spec: AuditSpec) -> int:
    """`check_cost` from each sensitive column's distinct values (missing counted as one), whether it has missing
    values, and the rows (engines that never hold the rows count them)."""
    counts = dict(counts)
    for f, k in counts.items():
        present = k - int(has_missing[f])
        if present > ID_MIN_DISTINCT and present > ID_ROW_SHARE * rows:
            raise InputError(
                f"Sensitive column '{f}' has {present:,} distinct values in {rows:,} rows: it looks like an identifier "
                "(a person, record or account ID), not a group, and groups of one or two people cannot be compared.",
                f"Name the columns that hold group membership (e.g. sex, ethnicity, age band) instead of '{f}'; "
                "bin a numeric column into bands first.",
            )
    top = spec.max_intersection_order
    est = estimate_groups(counts, spec.sensitive, top, rows=rows)
    if est > MAX_GROUPS:
        shown = ", ".join(f"{f}: {k:,}" for f, k in list(counts.items())[:8]) + (" ..." if len(counts) > 8 else "")
        reach = f"all {len(counts)} columns" if top is None or top >= len(counts) else f"{top} columns"
        fixes = [
            f"--max-order {k} ({e:,} groups)"
            for k in (2, 1)
            if k < _top(len(counts), top)
            for e in [estimate_groups(counts, spec.sensitive, k, rows=rows)]
            if e <= MAX_GROUPS
        ]
        fix = (
            f"Audit fewer intersections with {fixes[0]}, or name fewer sensitive columns."
            if fixes
            else "Name fewer sensitive columns, or merge rare values of a column into broader groups."
        )
        raise InputError(
            f"This audit would create up to {est:,} groups and intersections ({count_levels(len(counts), top):,} groupings "
            f"of {len(counts)} sensitive columns, intersections of up to {reach}; distinct values {shown}), above the "
            f"limit of {MAX_GROUPS:,}: at about 10 ms and 9 KB of result per group, it would run long and write a huge result.",
            fix,
        )
    draws = spec.bootstrap * (est + 1)  # +1: everyone together
    if draws > MAX_DRAWS_X_GROUPS:
        most = max(MAX_DRAWS_X_GROUPS // (est + 1), 1)
        raise InputError(
            f"--bootstrap {spec.bootstrap:,} draws for each of up to {est + 1:,} groups would hold {draws:,} simulated "
            f"draws (about {draws * _BYTES_PER_DRAW_GROUP / 1e9:.1f} GB), above the limit of {MAX_DRAWS_X_GROUPS:,}.",
            f"Use --bootstrap {most:,} or fewer, or audit fewer groups (--max-order 1, fewer sensitive columns).",
        )
    return est
