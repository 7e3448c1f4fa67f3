"""Reading the result for charts: groups of a level, verdict statuses by group, proxies. No drawing, no recomputation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from audit.explain.result import Explanations
    from audit.policy import Check
    from audit.result import GroupResult, LevelSummary

GroupKey = tuple[tuple[str, str], ...]  # a group's attributes, sorted: hashable

STATUS_ORDER = ("fail", "insufficient_evidence", "pass")  # worst first


def level_groups(result: Any, level: tuple[str, ...]) -> list[GroupResult]:
    return [g for g in result.groups if g.level == tuple(level)]


def level_summary(result: Any, level: tuple[str, ...]) -> LevelSummary | None:
    found: LevelSummary | None = next((lv for lv in result.levels if lv.level == tuple(level)), None)
    return found


def group_key(attributes: dict[str, str]) -> GroupKey:
    return tuple(sorted(attributes.items()))


def verdict_index(result: Any) -> dict[tuple[str, tuple[str, ...], GroupKey], str]:
    """(check, level, group items) -> status, for marking groups on charts and in tables."""
    return {(v.check, v.level, group_key(v.group)): v.status for v in result.verdicts}


def worst(statuses: list[str]) -> str | None:
    for s in STATUS_ORDER:
        if s in statuses:
            return s
    return None


def checks_for(result: Any, metric: str, level: tuple[str, ...]) -> list[Check]:
    """The policy checks on `metric` that apply to `level` (single features or intersections)."""
    return [
        c
        for c in result.spec.policy.checks
        if c.metric == metric and (c.levels == "all" or (c.levels == "features") == (len(level) == 1))
    ]


def proxy_features(result: Any) -> set[str]:
    return {x.feature for x in result.quality.proxies}


def explanations(result: Any) -> Explanations | None:
    """The result's explanations when they hold figures, else None."""
    ex = getattr(result, "explanations", None)
    return ex if ex is not None and ex.status in ("complete", "partial") else None
