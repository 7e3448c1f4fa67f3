"""Explanations of the real model: SHAP chosen by model type; global, per group, per decision; time-budgeted.

shap is imported lazily (inside the functions that need it), and so is the engine itself (pandas and NumPy): reading a
stored result, as `attest report` does, needs only the result models.
"""

from typing import Any

from audit.explain.result import (
    AttributionShare,
    Explanations,
    FeatureImportance,
    GroupExplanation,
    GroupFeature,
    LocalExplanation,
    RankShift,
    failed,
    not_assessed,
)
from audit.explain.settings import ExplainSettings

_ENGINE = ("RowAttributions", "explain", "explain_rows")


def __getattr__(name: str) -> Any:
    if name in _ENGINE:
        from audit.explain import core

        return getattr(core, name)
    raise AttributeError(f"module 'audit.explain' has no attribute {name!r}")


__all__ = [
    "AttributionShare",
    "ExplainSettings",
    "Explanations",
    "FeatureImportance",
    "GroupExplanation",
    "GroupFeature",
    "LocalExplanation",
    "RankShift",
    "RowAttributions",
    "explain",
    "explain_rows",
    "failed",
    "not_assessed",
]
