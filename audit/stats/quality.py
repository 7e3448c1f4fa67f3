"""Data quality by group: missing values per column per group, and candidate proxy features (Cramér's V)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.engines.base import CellStatistics, QualityStatistics
from audit.result import DataQuality, MissingByGroup, ProxyFlag
from audit.stats.arrays import Counts, IntArray
from audit.stats.cells import GroupIndex

PROXY_MODERATE = 0.3
PROXY_STRONG = 0.5
_MAX_LEVELS = 50


def _codes(col: pd.Series) -> IntArray:
    """Integer codes for association: numeric columns in quintiles, categories capped at 50 levels, missing its own code."""
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col) and col.nunique(dropna=True) > 10:
        binned = pd.qcut(col, 5, labels=False, duplicates="drop")
        codes = np.asarray(binned.fillna(-1), dtype=np.int64)
    else:
        cat = pd.Categorical(col.astype("object").where(col.notna(), None))
        codes = np.asarray(cat.codes, dtype=np.int64)
        if len(cat.categories) > _MAX_LEVELS:
            top = np.argsort(-np.bincount(codes[codes >= 0]))[:_MAX_LEVELS]
            remap = np.full(len(cat.categories), _MAX_LEVELS)
            remap[top] = np.arange(len(top))
            codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
    return codes + 1  # -1 (missing) becomes 0


def contingency(a: IntArray, b: IntArray) -> IntArray:
    """Counts of each (a, b) pair of codes; rows and columns in code order, codes that never occur left out."""
    _, a = np.unique(a, return_inverse=True)
    _, b = np.unique(b, return_inverse=True)
    r, k = int(a.max()) + 1 if len(a) else 0, int(b.max()) + 1 if len(b) else 0
    return np.bincount(a * k + b, minlength=r * k).reshape(r, k).astype(np.int64)


def cramers_v(a: IntArray, b: IntArray) -> float:
    """Bias-corrected Cramér's V (Bergsma 2013) from two integer code arrays."""
    return cramers_v_table(contingency(a, b))


def cramers_v_table(counts: Counts) -> float:
    """Bias-corrected Cramér's V from a contingency table without empty rows or columns."""
    r, k = counts.shape
    if r < 2 or k < 2:
        return 0.0
    table = counts.astype(float)
    n = int(counts.sum())
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / n
    chi2 = ((table - expected) ** 2 / expected).sum()
    phi2 = max(0.0, chi2 / n - (k - 1) * (r - 1) / (n - 1))
    rc, kc = r - (r - 1) ** 2 / (n - 1), k - (k - 1) ** 2 / (n - 1)
    denom = min(kc - 1, rc - 1)
    return float(np.sqrt(phi2 / denom)) if denom > 0 else 0.0


def quality_statistics(df: pd.DataFrame, index: GroupIndex, exclude: set[str]) -> QualityStatistics:
    """The sufficient statistics of `assess_statistics` from rows in memory."""
    columns = [c for c in df.columns if c not in exclude]
    null = df[columns].isna().to_numpy() if columns else np.zeros((len(df), 0), bool)
    missing = np.zeros((index.n_cells, len(columns)), dtype=np.int64)
    np.add.at(missing, index.cell_of_row, null.astype(np.int64))
    sens_codes = {f: _codes(df[f]) for f in index.features}
    tables = []
    for col in columns:
        codes = _codes(df[col])
        tables += [(str(col), f, contingency(codes, sc)) for f, sc in sens_codes.items()]
    return QualityStatistics(columns=tuple(str(c) for c in columns), missing=missing, proxy_tables=tuple(tables))


def assess_statistics(q: QualityStatistics, stats: CellStatistics, model_features: tuple[str, ...] | None) -> DataQuality:
    """Missing values by group of each single sensitive feature, and candidate proxies, from the statistics."""
    missing = []
    for level in stats.levels:
        if len(level.features) != 1:
            continue
        membership = level.membership(stats.n_cells)
        per_group = np.asarray(membership.T @ q.missing.astype(float)) if q.columns else np.zeros((len(level.groups), 0))
        sizes = np.asarray(membership.T @ stats.counts.sum(axis=1).astype(float))
        for g, attrs in enumerate(level.groups):
            for j, col in enumerate(q.columns):
                if per_group[g, j] > 0:
                    missing.append(
                        MissingByGroup(
                            level=level.features,
                            group=attrs,
                            column=col,
                            missing=int(per_group[g, j]),
                            share=float(per_group[g, j] / sizes[g]),
                        )
                    )
    proxies = []
    for col, f, table in q.proxy_tables:
        v = cramers_v_table(table)
        if v >= PROXY_MODERATE:
            proxies.append(
                ProxyFlag(
                    feature=col,
                    sensitive=f,
                    cramers_v=v,
                    strength="strong" if v >= PROXY_STRONG else "moderate",
                    used_by_model=None if model_features is None else col in model_features,
                )
            )
    proxies.sort(key=lambda p: -p.cramers_v)
    return DataQuality(rows=stats.rows, missing_by_group=tuple(missing), proxies=tuple(proxies), proxy_threshold=PROXY_MODERATE)


def assess(df: pd.DataFrame, index: GroupIndex, exclude: set[str], model_features: tuple[str, ...] | None) -> DataQuality:
    """`assess_statistics` of rows in memory (tests and benchmarks call it on a frame)."""
    from audit.engines.base import CellStatistics
    from audit.stats.metrics import confusion_counts

    counts = confusion_counts(index.cell_of_row, np.zeros(len(df), np.int8), np.zeros(len(df), np.int8), index.n_cells)
    stats = CellStatistics(
        features=index.features,
        cells=index.cells,
        levels=index.levels,
        counts=counts,
        scores=None,
        quality=quality_statistics(df, index, exclude),
        rows=len(df),
    )
    return assess_statistics(stats.quality, stats, model_features)
