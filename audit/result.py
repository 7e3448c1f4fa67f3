"""`AuditResult`: the one immutable object that the CLI, the desktop app and the report all read.

Schema changes bump SCHEMA_VERSION (major: incompatible; minor: fields added)."""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, field_validator

from audit.explain.result import Explanations
from audit.hashing import canonical_json, sha256_bytes
from audit.nyc_ll144 import BiasAudit
from audit.refs import DatasetRef, Frozen, ModelRef
from audit.spec import AuditSpec

SCHEMA_VERSION = "1.4"  # 1.1: verdict family, favourable outcome, methods, per-verdict evidence and needed rows;
# 1.2: explanations.row_sample (per-row SHAP values of a bounded stratified sample, for beeswarm and dependence plots)
# 1.3: provenance.engine (the engine that computed the statistics), data.table (a DuckDB database's table); bias_audit
# (the NYC Local Law 144 tables, when the policy or a declaration asks for them)
# 1.4: score_resolution (scores summarised in a histogram by the Spark engine, with the error bounds of AUC, Brier and
# calibration); absent (null) where every score was used exactly, as in every result before

Status = Literal["pass", "fail", "insufficient_evidence"]


class Estimate(Frozen):
    """A value with its confidence interval; None where undefined (e.g. TPR of a group with no positives)."""

    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None

    @field_validator("value", "ci_low", "ci_high", mode="before")
    @classmethod
    def _nan_is_none(cls, v: Any) -> Any:
        if v is None:
            return None
        v = float(v)
        return None if math.isnan(v) or math.isinf(v) else v


class Confusion(Frozen):
    tn: int
    fp: int
    fn: int
    tp: int


class CalibrationBin(Frozen):
    lower: float
    upper: float
    n: int
    mean_score: float | None
    observed_rate: float | None


class GroupResult(Frozen):
    level: tuple[str, ...]  # () for everyone; ("race",) a feature; ("race", "sex") an intersection
    attributes: dict[str, str]
    n: int
    share: float
    counts: Confusion
    metrics: dict[str, Estimate]
    small: bool  # n below the minimum group size
    calibration: tuple[CalibrationBin, ...] = ()

    @property
    def label(self) -> str:
        return " & ".join(f"{k}={v}" for k, v in self.attributes.items()) or "all"


class Disparity(Frozen):
    level: tuple[str, ...]
    metric: str
    group: dict[str, str]
    reference: dict[str, str]
    against: Literal["reference", "max"]
    difference: Estimate
    ratio: Estimate
    p_value: float | None
    p_adjusted: float | None
    test: str


class LevelSummary(Frozen):
    level: tuple[str, ...]
    reference: dict[str, str]
    reference_reason: str
    n_groups: int
    small_groups: int
    max_min_difference: dict[str, Estimate]
    min_max_ratio: dict[str, Estimate]
    demographic_parity_difference: Estimate
    demographic_parity_ratio: Estimate
    equalized_odds_difference: Estimate
    equalized_odds_ratio: Estimate


class Verdict(Frozen):
    check: str
    rule: str
    level: tuple[str, ...]
    group: dict[str, str]
    comparator: dict[str, str]
    statistic: Estimate
    n_group: int
    n_comparator: int
    p_adjusted: float | None  # Holm-adjusted p_value over the verdict family (None: the comparison was not tested)
    status: Status
    reason: str
    p_value: float | None = None  # one-sided p of "the rule is violated at this bound" (small: evidence of violation)
    interval_level: float | None = None  # two-sided level of the interval in `statistic` (the deciding interval)
    family_size: int | None = None  # m, the one-sided tests in the verdict family this verdict belongs to
    decided_by: Literal["interval", "holm", "point", "size", "undefined", ""] = ""
    # Insufficient evidence: rows the group would need, at the observed rates and the same level, for the check to be
    # decided (None when it is decided, or when no size would decide it, e.g. a value exactly at the threshold).
    needed_n_group: int | None = None
    # ... and the comparator's rows, when growing the group alone would never decide it.
    needed_n_comparator: int | None = None


class VerdictFamily(Frozen):
    """How the verdicts' error rates are controlled, stated in the result and the report."""

    alpha: float  # chance of any false fail (and of any false pass) in the whole report, at most
    multiplicity: Literal["holm", "none"]
    hypotheses: int  # m: one-sided tests (group comparisons x bounds) in the family
    comparisons: int  # group comparisons tested (a group's against every eligible comparator counts each)
    interval_level: float  # two-sided level of every deciding interval: 1 - 2 * alpha / m (holm) or 1 - 2 * alpha
    statement: str  # the same in words


class FavourableOutcome(Frozen):
    """The target value that counts as the favourable decision, who declared it, and what the errors mean."""

    label: str
    declared_by: str  # "the audit set-up (--positive-label)" or "policy file <path>"
    favourable: str  # plain words for the favourable outcome
    false_negative: str  # what a false negative means for the person
    false_positive: str  # what a false positive means for the person


class MissingByGroup(Frozen):
    level: tuple[str, ...]
    group: dict[str, str]
    column: str
    missing: int
    share: float


class ProxyFlag(Frozen):
    feature: str
    sensitive: str
    cramers_v: float
    strength: Literal["moderate", "strong"]
    used_by_model: bool | None


class DataQuality(Frozen):
    rows: int
    missing_by_group: tuple[MissingByGroup, ...]
    proxies: tuple[ProxyFlag, ...]
    proxy_threshold: float


class NotAssessed(Frozen):
    item: str
    reason: str


class Provenance(Frozen):
    attest_version: str
    library_versions: dict[str, str]
    user: str
    host: str
    platform: str
    python: str
    started_at: str
    finished_at: str
    seconds: float
    seed: int
    data_sha256: str
    model_sha256: str | None
    model_trusted: bool | None
    network_used: bool = False
    engine: str = "numpy"  # which engine computed the statistics (audit/engines): numpy | duckdb | spark


class ScoreResolution(Frozen):
    """How finely the scores were seen when an engine could not bring every distinct score back (audit/engines/
    spark_scores.py): a histogram of `bins` equal-width bins, and the largest error that causes in any group's
    figure (AUC: computed from the histogram; Brier and calibration error: from the bin width)."""

    method: Literal["histogram"]
    bins: int
    distinct_scores: int  # about how many distinct scores the data had (approximate count)
    auc_max_error: float
    brier_max_error: float
    calibration_max_error: float


class VerdictSummary(Frozen):
    passed: int
    failed: int
    insufficient_evidence: int

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.insufficient_evidence

    def sentence(self) -> str:
        parts = []
        if self.failed:
            parts.append(f"{self.failed} check{'s' if self.failed != 1 else ''} failed")
        if self.insufficient_evidence:
            parts.append(f"{self.insufficient_evidence} lacked evidence")
        if self.passed:
            parts.append(f"{self.passed} passed")
        if not parts:
            return "No checks were evaluated."
        return ", ".join(parts) + f" (of {self.total} group comparisons)."


class AuditResult(Frozen):
    schema_version: str = SCHEMA_VERSION
    spec: AuditSpec
    provenance: Provenance
    data: DatasetRef
    model: ModelRef | None
    decision_source: str  # "model" or "predictions column 'x'"
    positive_label: str
    overall: GroupResult
    groups: tuple[GroupResult, ...]
    levels: tuple[LevelSummary, ...]
    disparities: tuple[Disparity, ...]
    verdicts: tuple[Verdict, ...]
    summary: VerdictSummary
    quality: DataQuality
    explanations: Explanations | None = None
    not_assessed: tuple[NotAssessed, ...] = ()
    warnings: tuple[str, ...] = Field(default_factory=tuple)
    favourable_outcome: FavourableOutcome | None = None  # None only in results written before schema 1.1
    verdict_family: VerdictFamily | None = None
    methods: dict[str, str] = Field(default_factory=dict)  # statistic -> interval / test method with its reference
    bias_audit: BiasAudit | None = None  # NYC Local Law 144 tables (policy nyc_ll144 or a declaration)
    score_resolution: ScoreResolution | None = None  # None: every score used exactly (schema 1.4)

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent, by_alias=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> AuditResult:
        return cls.model_validate_json(text)

    def sha256(self) -> str:
        """Hash of the canonical JSON: what the trail and the report bind to."""
        return sha256_bytes(canonical_json(self.model_dump(mode="json", by_alias=True)))

    @property
    def passed(self) -> bool:
        return self.summary.failed == 0 and self.summary.insufficient_evidence == 0
