"""Explanations of the real model: SHAP chosen by model type; global, per group, per decision; time-budgeted.

shap is imported lazily (inside the functions that need it): importing this package stays cheap.
"""
from audit.explain.core import RowAttributions, explain, explain_rows
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
