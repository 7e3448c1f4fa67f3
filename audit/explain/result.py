"""The explanation part of an AuditResult: plain values only, JSON round-trip via pydantic.

Every importance is in the explained output space (`output_space`), summed back to the user's original features.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from audit.refs import Frozen

Status = Literal["complete", "partial", "not_assessed", "failed"]
Scalar = str | float | int | bool | None


class FeatureImportance(Frozen):
    """Global importance of one original feature: mean |SHAP| with a bootstrap interval over the explained rows."""

    feature: str
    value: float
    ci_low: float
    ci_high: float
    share: float  # value / sum of all values


class GroupFeature(Frozen):
    feature: str
    value: float  # mean |SHAP| within the group
    share: float
    rank: int  # 1 = most important within the group
    ci_low: float | None = None
    ci_high: float | None = None


class GroupExplanation(Frozen):
    attributes: dict[str, str]  # e.g. {"race": "Black", "sex": "Female"}
    n_rows: int  # rows of the group in the evaluation data
    n_explained: int  # rows of the group whose explanations enter these figures (a uniform random subset)
    features: tuple[GroupFeature, ...]
    proxy_share: float | None = None  # share of the group's attribution going to the candidate proxies
    sensitive_share: float | None = None  # share going to sensitive attributes the model takes as inputs


class RankShift(Frozen):
    """A feature whose importance differs most between the groups of one attribute (or intersection of attributes)."""

    attributes: tuple[str, ...]  # the dimension compared, e.g. ("race",) or ("race", "sex")
    feature: str
    share_min: float
    share_max: float
    share_spread: float
    rank_min: int  # best (smallest) rank over the groups
    rank_max: int
    group_min: dict[str, str]  # the group where the feature's share is smallest
    group_max: dict[str, str]


class AttributionShare(Frozen):
    """Share of total attribution (mean |SHAP|) going to a set of features, with a bootstrap interval."""

    features: tuple[str, ...]  # the features of the set that the model takes as inputs
    not_used: tuple[str, ...] = ()  # named features the model does not take directly
    share: float
    ci_low: float
    ci_high: float


class LocalExplanation(Frozen):
    """One decision explained: base_value + sum(contributions) == output (in `output_space`)."""

    attributes: dict[str, str]
    row: int  # position of the row in the evaluation data
    kind: Literal["adverse", "borderline"]
    base_value: float
    contributions: dict[str, float]  # original feature -> contribution, largest |contribution| first
    output: float  # the model's own output for this row in the explained space
    score: float | None  # P(positive) where the model gives one
    decision: bool  # True = the favourable outcome
    feature_values: dict[str, Scalar] = Field(default_factory=dict)


class SampleFeature(Frozen):
    """One feature over the rows of a `RowSample`: its SHAP value and its own value in each row (same order as `rows`)."""

    feature: str
    shap: tuple[float, ...]  # rounded to 5 significant digits: display data (the figures above are unrounded)
    values: tuple[Scalar, ...]  # None where the value is missing


class RowSample(Frozen):
    """Per-row SHAP values of a small, bounded sample of explained rows, for beeswarm and dependence plots.

    Stratified over the finest groups (every sensitive attribute crossed): each group's rows are the first explained
    ones in the run's seeded order (a uniform random sample of the group); every group gets a few rows and the rest of
    the budget is shared in proportion to the group's size, so small groups are over-represented. `cell_rows` gives the
    group sizes in the data (a row's weight back to the population is cell_rows[c] / rows sampled from cell c)."""

    sampling: str  # how the rows were chosen, in words
    rows: tuple[int, ...]  # positions in the evaluation data
    cell: tuple[int, ...]  # per row: index into `cells`
    cells: tuple[dict[str, str], ...]  # the finest groups
    cell_rows: tuple[int, ...]  # rows of each cell in the evaluation data
    features: tuple[SampleFeature, ...]  # the most important features (global mean |SHAP|), most important first
    features_total: int  # features the model has (the sample keeps only the most important)


class Explanations(Frozen):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, serialize_by_alias=True)

    status: Status
    reason: str  # why this explainer (or why none)
    explainer: str = "none"  # tree_path_dependent | linear_exact | permutation | none
    output_space: str = ""
    library: str = ""  # what computed the values, with version
    background_size: int | None = None  # rows behind the base value; None for path-dependent TreeSHAP
    permutations: int | None = None  # model-agnostic explainer only
    processes: int = 1  # 2 when a worker process shared the work
    sample_size: int = 0  # rows explained (global sample, group top-ups and local examples)
    global_rows: int = 0  # rows behind the global importance (a uniform random sample)
    rows_available: int = 0
    seconds: float = 0.0
    time_budget_s: float | None = None
    seed: int | None = None
    stability_resamples: int = 0
    additivity_max_error: float | None = None  # max |base + sum(contributions) - output| over explained rows
    global_: tuple[FeatureImportance, ...] = Field(default=(), alias="global")
    by_group: tuple[GroupExplanation, ...] = ()
    rank_shifts: tuple[RankShift, ...] = ()
    proxy_share: AttributionShare | None = None
    sensitive_share: AttributionShare | None = None
    local: tuple[LocalExplanation, ...] = ()
    row_sample: RowSample | None = None  # for beeswarm and dependence plots (absent in results made before it existed)
    warnings: tuple[str, ...] = ()

    @classmethod
    def not_possible(cls, reason: str) -> Explanations:
        return not_assessed(reason)


def not_assessed(reason: str) -> Explanations:
    """E.g. a predictions-only audit: there is no model to explain."""
    return Explanations(status="not_assessed", reason=reason)


def failed(reason: str, *, warnings: tuple[str, ...] = (), explainer: str = "none") -> Explanations:
    """The explainer could not run; the rest of the audit stands."""
    return Explanations(status="failed", reason=reason, explainer=explainer, warnings=warnings)
