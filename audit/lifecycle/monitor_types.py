"""The typed result of `attest monitor`, as written to JSON and stored in the trail."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from audit.lifecycle.drift_types import FileInfo, Status
from audit.lifecycle.plan import MonitorPlan
from audit.refs import Frozen
from audit.result import Estimate

MONITOR_SCHEMA = "1.0"


class Estimated(Frozen):
    """CBPE estimates for a window's rows (see audit/lifecycle/cbpe.py); never a measurement."""

    n: int
    accuracy: Estimate | None = None  # interval: where the realised accuracy should fall if the scores are calibrated
    tpr: float | None = None
    fpr: float | None = None
    expected_positive_rate: float | None = None
    assumption: str
    realised_accuracy: float | None = None  # on the same rows, once their outcomes arrived
    estimation_error: float | None = None  # estimate minus realised
    realised_within_interval: bool | None = None


class EarlierEstimate(Frozen):
    """An estimate an earlier monitoring run made for this window without outcomes, and what was realised since."""

    monitoring_id: str
    recorded_at: str
    n_then: int
    accuracy: Estimate
    n_with_outcome_now: int | None = None
    realised_accuracy: float | None = None
    estimation_error: float | None = None  # earlier estimate minus realised now
    realised_within_interval: bool | None = None


class Calibration(Frozen):
    n: int  # reference rows with outcomes and scores
    expected_accuracy: float | None = None
    realised_accuracy: float | None = None
    gap: float | None = None
    threshold: float | None = None
    ece: float | None = None
    mean_score: float | None = None
    positive_rate: Estimate | None = None
    calibrated: bool | None = None  # None: no outcomes to check against
    statement: str


class GroupWindow(Frozen):
    column: str
    group: str
    n: int
    selected: int
    selection_rate: Estimate | None = None  # Agresti-Coull interval
    reference_rate: float | None = None
    change: Estimate | None = None  # window minus reference, Newcombe interval
    ratio_to_top: Estimate | None = None  # to the most selected group of the window, MOVER-R interval


class Performance(Frozen):
    """Realised on the window's rows whose outcome is known."""

    n: int
    accuracy: Estimate | None = None
    tpr: Estimate | None = None
    fpr: Estimate | None = None
    auc: Estimate | None = None  # DeLong


class Check(Frozen):
    check: str
    group: str | None = None
    status: Status
    value: float | None = None
    threshold: float | None = None
    estimated: bool = False  # the value is a CBPE estimate, not a measurement
    message: str


class GroupFeature(Frozen):
    """One feature (or the scores, named "(scores)") compared within one group of one window."""

    name: str
    kind: Literal["numeric", "categorical"]
    n_reference: int
    n_current: int
    wasserstein: float | None = None
    wasserstein_normed: float | None = None
    ks_p: float | None = None
    wasserstein_bound: float | None = None  # as in FeatureDrift: None when exact
    ks_bound: float | None = None
    psi: float | None = None
    js: float | None = None
    chi2_p: float | None = None
    status: Status


class WindowGroupDrift(Frozen):
    """Drift within one group or intersection ("race=Black & sex=Female") of a window, against the same group's
    reference rows; no features compared when either side has fewer than the plan's [drift] min_sample rows."""

    columns: tuple[str, ...]
    group: str
    n_reference: int
    n_current: int
    features: tuple[GroupFeature, ...] = ()
    features_alerting: tuple[str, ...] = ()
    status: Status
    reasons: tuple[str, ...] = ()


class WindowResult(Frozen):
    index: int
    start: str
    end: str
    n: int
    n_with_outcome: int
    selection_rate: Estimate | None = None
    groups: tuple[GroupWindow, ...] = ()
    performance: Performance | None = None
    estimated: Estimated | None = None  # CBPE on every row of the window
    estimate_check: Estimated | None = None  # CBPE on the rows with outcomes, against their realised accuracy
    earlier_estimate: EarlierEstimate | None = None  # made by an earlier run before the outcomes arrived
    drift_alerts: tuple[str, ...] = ()
    drift_features: dict[str, str] = Field(default_factory=dict)  # feature -> status
    drift_distances: dict[str, float] = Field(default_factory=dict)  # feature -> W/sd (numeric) or JS (categorical)
    group_drift: tuple[WindowGroupDrift, ...] = ()  # per group and intersection (audit/lifecycle/monitor_groups.py)
    checks: tuple[Check, ...] = ()
    status: Status


class Reference(Frozen):
    file: FileInfo
    run_id: str | None = None
    result_sha256: str | None = None
    n: int
    n_with_outcome: int
    selection_rate: float | None = None
    group_rates: dict[str, float] = Field(default_factory=dict)  # "col=value" -> rate
    accuracy: float | None = None
    tpr: float | None = None
    auc: float | None = None


class MonitorResult(Frozen):
    schema_version: str = MONITOR_SCHEMA
    log: FileInfo
    reference: Reference
    plan: MonitorPlan
    time_column: str
    max_order: int | None = None  # intersections of up to this many sensitive columns; None: all
    window: str
    utc: bool
    decision_source: str
    positive: str
    # feature -> how its drift is measured (W/sd numeric, JS categorical); "(scores)" is numeric. Empty in results
    # written before it was kept: the drift chart then cannot tell which thresholds apply and shows both
    feature_kinds: dict[str, Literal["numeric", "categorical"]] = Field(default_factory=dict)
    calibration: Calibration | None = None
    windows: tuple[WindowResult, ...]
    alerts: tuple[str, ...] = ()
    status: Literal["pass", "alert", "insufficient_evidence"]
    summary: tuple[str, ...] = ()
    methods: dict[str, str] = Field(default_factory=dict)
    notes: tuple[str, ...] = ()
    engine: str = "memory"  # what read the files: "memory" (pandas) or "duckdb" (out of core, ooc_monitor.py)

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)
