"""`AuditSpec`: everything declared before an audit runs. Stored in the result and the trail, so thresholds are provably
declared up front."""
from __future__ import annotations

from pydantic import Field, model_validator

from audit.explain.settings import ExplainSettings
from audit.policy import PRESETS, Policy
from audit.refs import Frozen


class DeclaredContext(Frozen):
    """What only the provider can say; the report prints "needs provider input" for every field left empty."""

    system_name: str = ""
    provider: str = ""
    intended_purpose: str = ""
    deployment_context: str = ""
    affected_persons: str = ""
    annex_iii_category: str = ""
    high_risk_reasoning: str = ""
    oversight: str = ""
    applicable_laws: str = ""
    fairness_criterion_rationale: str = ""


class AuditSpec(Frozen):
    data_path: str
    target: str
    sensitive: tuple[str, ...]
    positive_label: str | None = None
    model_path: str | None = None
    predictions_column: str | None = None
    scores_column: str | None = None
    trust_pickle: bool = False
    trusted_types: tuple[str, ...] = ()
    threshold: float | None = None
    sheet: str | None = None
    references: dict[str, str] = Field(default_factory=dict)
    policy: Policy = PRESETS["four_fifths"]
    min_group_size: int = 30
    ci_level: float = 0.95
    bootstrap: int = 1000
    seed: int = 0
    max_intersection_order: int | None = None
    explain: ExplainSettings = Field(default_factory=ExplainSettings)
    context: DeclaredContext = Field(default_factory=DeclaredContext)

    @model_validator(mode="after")
    def _valid(self) -> "AuditSpec":
        if (self.model_path is None) == (self.predictions_column is None):
            raise ValueError("give exactly one of a model file or a predictions column")
        if not self.sensitive:
            raise ValueError("name at least one sensitive feature")
        if not 0.5 < self.ci_level < 1:
            raise ValueError("ci_level must be between 0.5 and 1 (e.g. 0.95)")
        if self.bootstrap < 0 or self.min_group_size < 1:
            raise ValueError("bootstrap must be >= 0 and min_group_size >= 1")
        return self

    @property
    def predictions_only(self) -> bool:
        return self.model_path is None
