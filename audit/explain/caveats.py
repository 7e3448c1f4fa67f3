"""The caveats an explanation carries: what SHAP values are not, the chosen explainer's assumptions, correlated inputs,
what the time budget or `max_rows` left out, groups too small to compare, proxies the model does not take, and the
additivity check."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from audit.explain import aggregate
from audit.explain.backend import Backend
from audit.explain.choose import Choice
from audit.explain.result import GroupExplanation
from audit.explain.settings import ExplainSettings

_EXACT = {"tree_path_dependent", "linear_exact"}


def collect(
    X: pd.DataFrame,
    features: list[str],
    rows: npt.NDArray[np.int64],
    choice: Choice,
    backend: Backend,
    n: int,
    n_global: int,
    n_plan: int,
    cut: bool,
    by_group: list[GroupExplanation],
    proxies: list[str],
    names: list[str],
    err: float | None,
    settings: ExplainSettings,
) -> list[str]:
    out = [
        "SHAP values describe how this model uses its inputs, not causes: a large attribution does not mean that changing "
        "the feature would change a person's outcome, and correlated features can share or swap credit."
    ]
    if choice.explainer == "tree_path_dependent":
        out.append(
            "Path-dependent TreeSHAP follows the trees' own splits and training cover; among correlated features, "
            "credit goes to the ones the trees happened to split on."
        )
    elif choice.explainer == "linear_exact":
        out.append("Linear SHAP treats features as independent and uses the evaluation data's mean as the reference.")
    else:
        out.append(
            f"Model-agnostic values are estimates ({backend.permutations} antithetic permutations per row, "
            f"{backend.background_size} background rows) and break feature correlations by mixing in background values."
        )
    pairs = correlated(X, features, rows)
    if pairs:
        out.append("Strongly correlated inputs (|r| >= 0.7), read their attributions together: " + "; ".join(pairs) + ".")
    if cut:
        out.append(
            f"The time budget ({settings.time_budget_s:g} s) ran out before every local example and every group's "
            f"minimum sample were explained ({len(rows):,} rows explained); the figures use the rows explained."
        )
    if n_global < n:
        why = "the time budget" if settings.max_rows is None or n_plan < min(n, settings.max_rows) else "max_rows"
        out.append(
            f"Global figures rest on a seeded random sample of {n_global:,} of {n:,} rows ({why}); "
            "the intervals show their resampling variability."
        )
    small = [_label(g.attributes) for g in by_group if 0 < g.n_explained < aggregate.MIN_GROUP_ROWS]
    if small:
        out.append(
            f"Importance rests on fewer than {aggregate.MIN_GROUP_ROWS} explained rows for: {'; '.join(small[:10])}"
            f"{' ...' if len(small) > 10 else ''}; these groups are not compared in rank_shifts."
        )
    unused = [p for p in proxies if p not in names]
    if unused:
        out.append(
            f"Candidate proxies the model does not take as inputs: {', '.join(unused)} (their information may still "
            "reach the model through other features)."
        )
    if err is not None and choice.explainer in _EXACT and err > 1e-6:
        out.append(f"Additivity check: base value + contributions differ from the model's output by up to {err:.2e}.")
    return out


def correlated(X: pd.DataFrame, features: list[str], rows: npt.NDArray[np.int64], limit: int = 5) -> list[str]:
    numeric = [f for f in features if pd.api.types.is_numeric_dtype(X[f]) and not pd.api.types.is_bool_dtype(X[f])]
    if len(numeric) < 2 or len(rows) < 10:
        return []
    sample = X[numeric].iloc[rows[:5000]].astype(float)
    corr = sample.corr().to_numpy()
    pairs = []
    for i in range(len(numeric)):
        for j in range(i + 1, len(numeric)):
            r = corr[i, j]
            if np.isfinite(r) and abs(r) >= 0.7:
                pairs.append((abs(r), f"{numeric[i]} & {numeric[j]} ({r:+.2f})"))
    return [p for _, p in sorted(pairs, reverse=True)[:limit]]


def _label(attrs: dict[str, str]) -> str:
    return " & ".join(f"{k}={v}" for k, v in attrs.items())
