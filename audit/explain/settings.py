"""Explainer settings: part of the AuditSpec, so they are recorded with every audit."""

from __future__ import annotations

from audit.refs import Frozen


class ExplainSettings(Frozen):
    enabled: bool = True
    # Wall-clock target for the whole explanation step; the number of explained rows adapts to it.
    time_budget_s: float = 30.0
    # Cap on explained rows; None = decided by the budget. The budget still applies when a cap is set.
    max_rows: int | None = None
    # Background rows for the model-agnostic explainer (a seeded sample of the evaluation data).
    background_size: int = 100
    # Per group: this many adverse decisions and this many borderline cases (nearest the threshold).
    local_per_group: int = 3
    # Bootstrap resamples of the explained rows for the stability intervals.
    stability_resamples: int = 200
