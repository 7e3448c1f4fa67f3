"""Faithful group values: a sensitive column's values are audited as written, and only the user decides what is missing.

- By default only truly empty cells are missing (they form the visible "(missing)" group). The text "NA", "N/A",
  "null", ... is a value like any other: "NA" may be a real group (e.g. North America), and pandas' habit of reading it
  as missing would silently relabel its people "(missing)". `audit/datasets.py` reads sensitive columns that way.
- `--na-values NA,null` (`AuditSpec.na_values`) names the values that do mean missing; an empty item (`--na-values ""`)
  also marks empty and blank strings (e.g. Parquet's "") as missing. Matching is exact: case and spaces count.
- Values that differ only in spaces or capitals ("Female", "Female ", "female") stay separate groups, as written,
  but the result carries a warning, since they are usually one group typed in several ways.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from audit.datasets import PANDAS_NA_VALUES

_SHOWN = 6


def parse_na_values(text: str | None) -> tuple[str, ...]:
    """`--na-values` as given on the command line: a comma list, each item stripped of surrounding spaces; an
    empty item ("" or a trailing comma) stands for empty and blank strings."""
    if text is None:
        return ()
    return tuple(dict.fromkeys(item.strip() for item in text.split(",")))


def _is_na(value: object, na_values: Sequence[str]) -> bool:
    text = str(value)
    if "" in na_values and isinstance(value, str) and not text.strip():
        return True
    if text in na_values:
        return True
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        for item in na_values:  # a numeric code such as -1 or 99 matches 99.0 too
            try:
                if float(item) == float(value):
                    return True
            except ValueError:
                continue
    return False


def _value_counts(col: pd.Series, weights: np.ndarray | None) -> pd.Series:
    """Rows per value, most first; with `weights`, each row of `col` stands for that many rows (distinct rows with
    their counts, as the DuckDB engine reads them)."""
    if weights is None:
        return col.value_counts(dropna=True)
    w = pd.Series(np.asarray(weights), index=col.index)[col.notna()]
    return w.groupby(col[col.notna()], sort=False).sum().sort_values(ascending=False, kind="stable")


def apply_na_values(
    df: pd.DataFrame, columns: Iterable[str], na_values: Sequence[str], weights: np.ndarray | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """`df` with the user's missing-value markers made missing in `columns`, and a note for each column changed.
    Works on each column's distinct values, not per row; `weights` as in `_value_counts`."""
    notes: list[str] = []
    if not na_values:
        return df, notes
    out = df.copy()
    for col in columns:
        if col not in out.columns:
            continue
        s = out[col]
        hits = [v for v in pd.unique(s.dropna()) if _is_na(v, na_values)]
        if not hits:
            continue
        mask = s.isin(hits)
        out[col] = s.where(~mask)  # NaN: the "(missing)" group, as a truly empty cell would be
        shown = ", ".join(repr(str(v)) for v in hits[:_SHOWN]) + (" ..." if len(hits) > _SHOWN else "")
        changed = int(mask.sum()) if weights is None else int(np.asarray(weights)[mask.to_numpy()].sum())
        notes.append(
            f"{changed} row(s) of sensitive column '{col}' with value {shown} were read as missing "
            f"(--na-values) and audited in the '(missing)' group."
        )
    return out, notes


def na_like_notes(
    df: pd.DataFrame, columns: Iterable[str], na_values: Sequence[str], weights: np.ndarray | None = None
) -> list[str]:
    """Notes for sensitive values that common tools read as missing ("NA", "null", ...) but this run keeps as groups,
    so that a user who meant "missing" sees how to say so."""
    notes = []
    for col in columns:
        if col not in df.columns:
            continue
        counts = _value_counts(df[col], weights)
        kept = [
            (str(v), int(n))
            for v, n in counts.items()
            if isinstance(v, str) and v in PANDAS_NA_VALUES and v != "" and not _is_na(v, na_values)
        ]
        if kept:
            shown = ", ".join(f"{v!r} ({n} row(s))" for v, n in kept[:_SHOWN])
            notes.append(
                f"Sensitive column '{col}' has the value(s) {shown}, audited as group(s) of their own, not as "
                f"missing. If they mean missing, pass --na-values {','.join(v for v, _ in kept[:_SHOWN])}."
            )
    return notes


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def variant_warnings(df: pd.DataFrame, columns: Iterable[str], weights: np.ndarray | None = None) -> list[str]:
    """A warning per sensitive column whose values differ only in spaces or capitals ("Female", "Female ", "female")."""
    out = []
    for col in columns:
        if col not in df.columns:
            continue
        counts = _value_counts(df[col], weights)
        by_key: dict[str, list[tuple[str, int]]] = {}
        for v, n in counts.items():
            if isinstance(v, str):
                by_key.setdefault(_key(v), []).append((v, int(n)))
        clashes = [sorted(vs, key=lambda t: -t[1]) for vs in by_key.values() if len(vs) > 1]
        if not clashes:
            continue
        parts = ["; ".join(", ".join(f"{v!r} ({n} row(s))" for v, n in vs) for vs in clashes[:_SHOWN])]
        more = f" and {len(clashes) - _SHOWN} more set(s)" if len(clashes) > _SHOWN else ""
        out.append(
            f"Sensitive column '{col}' has values that differ only in spaces or capitals: {parts[0]}{more}. "
            "They are audited as separate groups, as written; if they are one group, clean the column and run again."
        )
    return out
