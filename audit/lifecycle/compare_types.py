"""The typed result of comparing two audit runs (`attest compare`), as written to JSON and read by the PDF."""

from __future__ import annotations

from typing import Any, Literal

from audit.refs import Frozen
from audit.result import Estimate

COMPARISON_SCHEMA = "1.0"


class RunInfo(Frozen):
    """One side of the comparison: the run as the trail recorded it."""

    run_id: str
    result_sha256: str
    recorded_at: str  # time of the run's audit_run event
    recorded_by: str
    data: str  # file name of the evaluation data
    data_sha256: str
    rows: int
    model: str | None  # file name of the model, None for a predictions-only audit
    model_sha256: str | None
    decision_source: str
    policy: str
    ci_level: float
    passed: int
    failed: int
    insufficient_evidence: int


InputKind = Literal["model", "data", "spec", "policy", "software"]


class InputChange(Frozen):
    """One difference in what the two runs were given. `input`: model, data, spec or policy; `field`: a dotted path
    (`sha256` for the file itself, `checks.four_fifths.min` for a policy threshold)."""

    input: InputKind
    field: str
    before: Any = None
    after: Any = None


class Change(Frozen):
    """A group metric (kind `group`) or a disparity against a comparator (kind `disparity`), before and after.

    `difference` is after minus before with its interval; `ratio` (rates only) is after over before."""

    kind: Literal["group", "disparity"]
    level: tuple[str, ...]
    group: dict[str, str]
    metric: str  # e.g. selection_rate, or selection_rate_ratio / selection_rate_difference for a disparity
    comparator: dict[str, str] | None = None  # the disparity's comparator group (reference or highest group)
    against: Literal["reference", "max"] | None = None
    comparator_changed: bool = False  # the comparator is a different group in the two runs
    n_before: int
    n_after: int
    before: Estimate
    after: Estimate
    difference: Estimate
    ratio: Estimate | None = None
    method: str
    significant: bool  # the interval of the difference excludes 0


class VerdictChange(Frozen):
    """A policy check on a group whose status differs between the runs ('absent' where the run had no such verdict)."""

    check: str
    level: tuple[str, ...]
    group: dict[str, str]
    before: str
    after: str
    rule: str
    statistic_before: Estimate | None = None
    statistic_after: Estimate | None = None
    comparator_before: dict[str, str] | None = None
    comparator_after: dict[str, str] | None = None


class GroupPresence(Frozen):
    level: tuple[str, ...]
    group: dict[str, str]
    n: int  # rows in the run that has it


class Comparison(Frozen):
    schema_version: str = COMPARISON_SCHEMA
    runs: dict[Literal["a", "b"], RunInfo]
    ci_level: float
    same_data: bool  # both runs evaluated the same file (paired rows: intervals for independent samples are wide)
    min_group_size: int = 30  # the smaller of the runs' own; summaries prefer changes with at least this many rows
    inputs_changed: tuple[InputChange, ...]
    changes: tuple[Change, ...]
    verdict_changes: tuple[VerdictChange, ...]
    groups_appeared: tuple[GroupPresence, ...]
    groups_vanished: tuple[GroupPresence, ...]
    summary: tuple[str, ...]  # plain-language sentences, most important first
    methods: dict[str, str]
    notes: tuple[str, ...] = ()

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)

    def sha256(self) -> str:
        """Hash of the canonical JSON: what the trail's comparison event binds to."""
        from audit.hashing import canonical_json, sha256_bytes

        return sha256_bytes(canonical_json(self.model_dump(mode="json")))
