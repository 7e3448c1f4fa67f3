"""The typed result of `attest drift`, as written to JSON."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from audit.lifecycle.plan import DriftPlan
from audit.refs import Frozen
from audit.result import Estimate

DRIFT_SCHEMA = "1.0"
Status = Literal["pass", "alert", "insufficient_evidence"]


class FileInfo(Frozen):
    name: str
    sha256: str
    rows: int
    format: str


class Category(Frozen):
    value: str
    reference: int
    current: int


class FeatureDrift(Frozen):
    """One column compared between the files. Numeric columns get wasserstein / ks / psi on quantile bins;
    categorical ones js / chi2 / psi over categories. `n_*` count non-missing values."""

    name: str
    kind: Literal["numeric", "categorical"]
    n_reference: int
    n_current: int
    missing_reference: float
    missing_current: float
    missing_change: Estimate  # current minus reference missing rate, Newcombe interval
    wasserstein: float | None = None
    wasserstein_normed: float | None = None  # divided by the reference's standard deviation
    ks_statistic: float | None = None
    ks_p: float | None = None
    # Out of core with many distinct values (a fine histogram, audit/lifecycle/dist.py): the true Wasserstein
    # distance is within wasserstein_bound of the reported one, the true KS statistic in [reported, reported +
    # ks_bound] (p-value from the reported one); None: computed from every distinct value, exact
    wasserstein_bound: float | None = None
    ks_bound: float | None = None
    psi: float | None = None
    js: float | None = None
    chi2_p: float | None = None
    mean_reference: float | None = None
    mean_current: float | None = None
    bin_cuts: tuple[float, ...] = ()  # the PSI bins' cut points (numeric), from the reference's quantiles
    bin_reference: tuple[float, ...] = ()  # share of each bin (numeric) or category (categorical)
    bin_current: tuple[float, ...] = ()
    categories: tuple[Category, ...] = ()
    new_categories: tuple[str, ...] = ()  # in the current file only
    new_category_share: float | None = None  # share of current rows with a new category
    vanished_categories: tuple[str, ...] = ()
    status: Status
    reasons: tuple[str, ...] = ()


class PredictionDrift(Frozen):
    source: str  # "model <file>" or "columns score / decision"
    positive: str  # the decision counted in the decision rate
    n_reference: int
    n_current: int
    scores: FeatureDrift | None = None
    decision_rate_reference: Estimate | None = None
    decision_rate_current: Estimate | None = None
    decision_rate_change: Estimate | None = None  # current minus reference, Newcombe interval
    status: Status
    reasons: tuple[str, ...] = ()


class GroupDrift(Frozen):
    """One demographic group (a value of one sensitive column) in both files."""

    column: str
    group: str
    n_reference: int
    n_current: int
    share_reference: float
    share_current: float
    share_change: Estimate
    decision_rate_reference: Estimate | None = None
    decision_rate_current: Estimate | None = None
    decision_rate_change: Estimate | None = None
    score_wasserstein_normed: float | None = None
    score_psi: float | None = None
    score_ks_p: float | None = None
    features_alerting: tuple[str, ...] = ()  # features that drift within this group
    features: tuple[FeatureDrift, ...] = ()
    status: Status
    reasons: tuple[str, ...] = ()


class Alert(Frozen):
    scope: Literal["feature", "predictions", "group", "group_shares"]
    name: str  # feature, sensitive column, or "scores" / "decision_rate"
    group: str | None = None
    statistic: str
    value: float
    threshold: float
    message: str


class DriftResult(Frozen):
    schema_version: str = DRIFT_SCHEMA
    reference: FileInfo
    current: FileInfo
    plan: DriftPlan
    features: tuple[FeatureDrift, ...]
    predictions: PredictionDrift | None = None
    group_shares: tuple[FeatureDrift, ...] = ()  # each sensitive column's distribution, as a categorical feature
    groups: tuple[GroupDrift, ...] = ()
    alerts: tuple[Alert, ...] = ()
    summary: tuple[str, ...] = ()
    methods: dict[str, str] = Field(default_factory=dict)
    notes: tuple[str, ...] = ()
    engine: str = "memory"  # what read the files: "memory" (pandas) or "duckdb" (out of core, ooc_drift.py)

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)
