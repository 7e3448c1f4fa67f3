"""Data quality by group: missing values per column per group, and candidate proxy features (Cramér's V)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from audit.groups import GroupIndex
from audit.result import DataQuality, MissingByGroup, ProxyFlag

PROXY_MODERATE = 0.3
PROXY_STRONG = 0.5
_MAX_LEVELS = 50


def _codes(col: pd.Series) -> np.ndarray:
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


def cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    """Bias-corrected Cramér's V (Bergsma 2013) from two integer code arrays."""
    _, a = np.unique(a, return_inverse=True)
    _, b = np.unique(b, return_inverse=True)
    r, k = a.max() + 1, b.max() + 1
    if r < 2 or k < 2:
        return 0.0
    n = len(a)
    table = np.bincount(a * k + b, minlength=r * k).reshape(r, k).astype(float)
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / n
    chi2 = ((table - expected) ** 2 / expected).sum()
    phi2 = max(0.0, chi2 / n - (k - 1) * (r - 1) / (n - 1))
    rc, kc = r - (r - 1) ** 2 / (n - 1), k - (k - 1) ** 2 / (n - 1)
    denom = min(kc - 1, rc - 1)
    return float(np.sqrt(phi2 / denom)) if denom > 0 else 0.0


def assess(df: pd.DataFrame, index: GroupIndex, exclude: set[str], model_features: tuple[str, ...] | None) -> DataQuality:
    columns = [c for c in df.columns if c not in exclude]
    missing = []
    null = df[columns].isna().to_numpy() if columns else np.zeros((len(df), 0), bool)
    for level in index.levels:
        if len(level.features) != 1:
            continue
        gid = level.group_of_cell[index.cell_of_row]
        per_group = np.zeros((len(level.groups), len(columns)))
        np.add.at(per_group, gid, null)
        sizes = np.bincount(gid, minlength=len(level.groups))
        for g, attrs in enumerate(level.groups):
            for j, col in enumerate(columns):
                if per_group[g, j] > 0:
                    missing.append(MissingByGroup(level=level.features, group=attrs, column=str(col), missing=int(per_group[g, j]),
                                                  share=float(per_group[g, j] / sizes[g])))
    proxies = []
    sens_codes = {f: _codes(df[f]) for f in index.features}
    for col in columns:
        codes = _codes(df[col])
        for f, sc in sens_codes.items():
            v = cramers_v(codes, sc)
            if v >= PROXY_MODERATE:
                proxies.append(ProxyFlag(feature=str(col), sensitive=f, cramers_v=v, strength="strong" if v >= PROXY_STRONG else "moderate",
                                         used_by_model=None if model_features is None else str(col) in model_features))
    proxies.sort(key=lambda p: -p.cramers_v)
    return DataQuality(rows=len(df), missing_by_group=tuple(missing), proxies=tuple(proxies), proxy_threshold=PROXY_MODERATE)
