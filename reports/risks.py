"""The risk register (S9) and the findings list (part 1): every failed or insufficient-evidence verdict, once.

Rated likelihood x severity by the rule stated in `resources/frameworks/report_texts.toml` (statements.risk_method),
except where the group or its comparator is below the minimum group size: a point estimate from so few rows is no basis
for a rating, so such an entry is "insufficient evidence", unrated, in a part of the register of its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from reports import format as F

if TYPE_CHECKING:
    from audit.result import AuditResult, Verdict

_SEVERE_FRACTION = 0.25  # beyond the threshold by at least 25% of the threshold's scale -> severity 3
UNRATED = "insufficient evidence"


@dataclass(frozen=True)
class Risk:
    id: str
    check: str
    level: tuple[str, ...]
    group: str
    comparator: str
    status: str
    statistic: str
    likelihood: int  # 1..3 (0: not rated)
    severity: int  # 1..3 (0: not rated)
    reason: str
    share: float | None  # group's share of the evaluation rows
    group_values: str = ""  # the group without attribute names ("Black & Female"), for tables that name the level
    comparator_values: str = ""
    n_group: int = 0
    n_comparator: int = 0
    beyond: float = 0.0  # how far the point estimate lies beyond the rule, relative to the threshold (0: within)
    small: bool = False  # the group or the comparator is below the minimum size: not rated
    p_adjusted: float | None = None
    rule: str = ""

    @property
    def rating(self) -> int:
        return self.likelihood * self.severity

    @property
    def band(self) -> str:
        if self.small:
            return UNRATED
        return "high" if self.rating >= 6 else "medium" if self.rating >= 3 else "low"


def _beyond(rule_min: float | None, rule_max: float | None, compare: str, value: float | None) -> float:
    """How far the point estimate lies beyond the rule, relative to the threshold's scale (0 when within the rule)."""
    if value is None:
        return 0.0
    gap, scale = 0.0, 1.0
    if rule_min is not None and value < rule_min:
        gap = rule_min - value
        scale = abs(rule_min) if compare == "ratio" else max(abs(rule_min), 1e-9)
    elif rule_max is not None and value > rule_max:
        gap = value - rule_max
        scale = abs(rule_max) if compare == "ratio" else max(abs(rule_max), 1e-9)
    return gap / scale if scale else gap


def rate(status: str, beyond: float) -> tuple[int, int]:
    likelihood = 3 if status == "fail" else (2 if beyond > 0 else 1)
    severity = 1 if beyond <= 0 else (3 if beyond >= _SEVERE_FRACTION else 2)
    return likelihood, severity


def too_small(v: Verdict, min_size: int) -> bool:
    """The verdict rests on a group or comparator below the minimum size (rows, or rows in the metric's denominator,
    as audit.stats.verdicts words its reason)."""
    return v.status == "insufficient_evidence" and (
        v.n_group < min_size or v.n_comparator < min_size or "below the minimum" in v.reason
    )


def risk_register(result: AuditResult) -> tuple[Risk, ...]:
    """Rated entries worst first (rating, failures first, how far beyond the rule, larger groups first), then the
    unrated small-group entries."""
    checks = {c.id: c for c in result.spec.policy.checks}
    share = {(g.level, tuple(sorted(g.attributes.items()))): g.share for g in result.groups}
    min_size = result.spec.min_group_size
    out = []
    for v in result.verdicts:
        if v.status == "pass":
            continue
        c = checks.get(v.check)
        beyond = _beyond(c.min, c.max, c.compare, v.statistic.value) if c is not None else 0.0
        small = too_small(v, min_size)
        lik, sev = (0, 0) if small else rate(v.status, beyond)
        out.append(
            Risk(
                id="",
                check=v.check,
                level=v.level,
                group=F.group(v.group),
                comparator=F.group(v.comparator),
                status=v.status,
                statistic=F.est(v.statistic),
                likelihood=lik,
                severity=sev,
                reason=v.reason,
                share=share.get((v.level, tuple(sorted(v.group.items())))),
                group_values=F.group(v.group, values_only=True),
                comparator_values=F.group(v.comparator, values_only=True),
                n_group=v.n_group,
                n_comparator=v.n_comparator,
                beyond=beyond,
                small=small,
                p_adjusted=v.p_adjusted,
                rule=v.rule,
            )
        )
    out.sort(key=lambda r: (r.small, -r.rating, r.status != "fail", -r.beyond, -r.n_group, r.check, len(r.level), r.group))
    return tuple(Risk(**{**r.__dict__, "id": f"R{i:03d}"}) for i, r in enumerate(out, 1))


def recommendation(result: AuditResult) -> str:
    s = result.summary
    if s.total == 0:
        return (
            "No check could be evaluated, so this audit gives no basis for a go decision: supply enough data for every "
            "group, then audit again."
        )
    if s.failed:
        return (
            f"No-go on this evidence until the {s.failed} failed check{'s are' if s.failed != 1 else ' is'} addressed "
            "(mitigated and re-audited) or accepted with a documented justification by the accountable approver."
        )
    if s.insufficient_evidence:
        return (
            f"Conditional: no check failed, but {s.insufficient_evidence} "
            f"comparison{'s' if s.insufficient_evidence != 1 else ''} "
            "lacked evidence. Collect more data for those groups, or document why the risk is acceptable, before deciding."
        )
    return (
        "The audit found no disparity above the declared thresholds. The go/no-go decision rests with the provider's "
        "approver, taking the limitations in S12 into account."
    )
