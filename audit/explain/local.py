"""Local explanations of chosen decisions: per group, adverse decisions and borderline cases near the threshold."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from audit.explain.result import LocalExplanation, Scalar
from audit.stats.arrays import FloatArray, Labels, Positions


def examples(
    picks: Sequence[tuple[int, int, str]],
    groups: Sequence[tuple[dict[str, str], Positions]],
    where: dict[int, int],
    names: Sequence[str],
    phi: FloatArray,
    base: FloatArray,
    output: FloatArray,
    X: pd.DataFrame,
    features: Sequence[str],
    decisions: Labels,
    scores: FloatArray | None,
) -> tuple[LocalExplanation, ...]:
    """`where` maps a row of X to its index in the explained arrays; picks the budget did not reach are left out."""
    out = []
    for gi, row, kind in picks:
        k = where.get(row)
        if k is None:
            continue
        contrib = sorted(((n, float(phi[k, j])) for j, n in enumerate(names)), key=lambda t: -abs(t[1]))
        out.append(
            LocalExplanation(
                attributes=dict(groups[gi][0]),
                row=int(row),
                kind=kind,  # type: ignore[arg-type]
                base_value=float(base[k]),
                contributions=dict(contrib),
                output=float(output[k]),
                score=_finite(scores[row]) if scores is not None else None,
                decision=bool(decisions[row]),
                feature_values={f: _scalar(X[f].iat[row]) for f in features},
            )
        )
    return tuple(out)


def _finite(v: Any) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def _scalar(v: Any) -> Scalar:
    """A JSON-safe value for display: NaN/NA become None, numpy scalars plain Python."""
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v)
    return str(v)
