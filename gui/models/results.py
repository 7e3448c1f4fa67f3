"""Models over an `AuditResult`: the group metrics table and the verdict list. Nothing is recomputed here: values,
intervals and statuses come from the result; this module only decides how they read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from gui import theme
from gui.models.table import Column, RecordTableModel

if TYPE_CHECKING:
    from audit.result import AuditResult, Estimate, GroupResult, Verdict

METRIC_TITLES = {
    "selection_rate": "Selection rate",
    "base_rate": "Base rate",
    "tpr": "TPR",
    "fpr": "FPR",
    "fnr": "FNR",
    "precision": "Precision",
    "accuracy": "Accuracy",
    "tnr": "TNR",
    "npv": "NPV",
    "f1": "F1",
    "auc": "AUC",
    "brier": "Brier",
    "calibration_error": "Calibration error",
}
METRIC_TIPS = {
    "selection_rate": "Share of the group given the positive decision",
    "base_rate": "Share of the group whose true outcome is positive",
    "tpr": "True positive rate (recall): positives correctly given the positive decision",
    "fpr": "False positive rate: negatives wrongly given the positive decision",
    "fnr": "False negative rate: positives wrongly denied",
    "precision": "Share of positive decisions that were right",
    "accuracy": "Share of all decisions that were right",
}
SHOWN_METRICS = ("selection_rate", "base_rate", "tpr", "fpr", "fnr", "precision", "accuracy", "auc")
_RANK = {"pass": 0, "insufficient_evidence": 1, "fail": 2}

# A group: its level (the features crossed) and its values, sorted
GroupKey = tuple[tuple[str, ...], tuple[tuple[str, str], ...]]


def fmt(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def fmt_estimate(e: Estimate | None) -> str:
    if e is None or e.value is None:
        return "—"
    if e.ci_low is None or e.ci_high is None:
        return fmt(e.value)
    return f"{e.value:.3f} [{e.ci_low:.3f}, {e.ci_high:.3f}]"


def group_key(level: tuple[str, ...], attrs: dict[str, str]) -> GroupKey:
    return tuple(level), tuple(sorted(attrs.items()))


def label(attrs: dict[str, str]) -> str:
    return " & ".join(f"{k}={v}" for k, v in attrs.items()) or "all"


def cell_status(result: AuditResult) -> dict[tuple[GroupKey, str], tuple[str, list[Verdict]]]:
    """(group key, metric) -> (worst status, the verdicts behind it)."""
    metric_of = {c.id: c.metric for c in result.spec.policy.checks}
    out: dict[tuple[GroupKey, str], tuple[str, list[Verdict]]] = {}
    for v in result.verdicts:
        metric = metric_of.get(v.check)
        if metric is None:
            continue
        key = (group_key(v.level, v.group), metric)
        status, items = out.get(key, ("pass", []))
        if _RANK[v.status] > _RANK[status]:
            status = v.status
        out[key] = (status, [*items, v])
    return out


class GroupMetricsModel(RecordTableModel["GroupResult"]):
    """One row per group (features and intersections); metric cells show "value [low, high]" with the verdict marked."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], [], parent)
        self._status: dict[tuple[GroupKey, str], tuple[str, list[Verdict]]] = {}

    def set_result(self, result: AuditResult | None) -> None:
        if result is None:
            self._status = {}
            self.set_rows([], [])
            return
        self._status = cell_status(result)
        present = [m for m in SHOWN_METRICS if any(m in g.metrics for g in result.groups)]
        min_size = result.spec.min_group_size
        cols: list[Column[GroupResult]] = [
            Column(
                "Group",
                lambda g: label(g.attributes) + ("  ⚠ small" if g.small else ""),
                sort=lambda g: label(g.attributes),
                tooltip=lambda g: (
                    f"Only {g.n} rows (< {min_size}): checks on this group are 'insufficient evidence'" if g.small else None
                ),
                background=lambda g: theme.color("small") if g.small else None,
            ),
            Column("Features", lambda g: " × ".join(g.level), sort=lambda g: (len(g.level), g.level)),
            Column("n", lambda g: f"{g.n:,}", sort=lambda g: g.n, numeric=True, header_tip="Rows in the group"),
            Column("Share", lambda g: f"{g.share:.1%}", sort=lambda g: g.share, numeric=True),
        ]
        cols += [self._metric_column(m) for m in present]
        self.set_rows(result.groups, cols)

    def _metric_column(self, metric: str) -> Column[GroupResult]:
        def status(g: GroupResult) -> str | None:
            hit = self._status.get((group_key(g.level, g.attributes), metric))
            return hit[0] if hit else None

        def text(g: GroupResult) -> str:
            s = fmt_estimate(g.metrics.get(metric))
            st = status(g)
            return f"{s}  {theme.STATUS_SHORT[st]}" if st and st != "pass" else s

        def tip(g: GroupResult) -> str | None:
            hit = self._status.get((group_key(g.level, g.attributes), metric))
            parts = [METRIC_TIPS.get(metric, METRIC_TITLES.get(metric, metric))]
            if hit:
                parts += [f"{theme.STATUS_TEXT[v.status]}: {v.check} — {v.reason}" for v in hit[1]]
            return "\n".join(parts)

        def bg(g: GroupResult) -> Any:
            st = status(g)
            return theme.color(st) if st in ("fail", "insufficient_evidence") else None

        def fg(g: GroupResult) -> Any:
            st = status(g)
            return theme.color(f"{st}_fg") if st in ("fail", "insufficient_evidence") else None

        def key(g: GroupResult) -> Any:
            e = g.metrics.get(metric)
            return None if e is None else e.value

        return Column(
            METRIC_TITLES.get(metric, metric),
            text,
            sort=key,
            tooltip=tip,
            background=bg,
            foreground=fg,
            numeric=True,
            header_tip=METRIC_TIPS.get(metric, "") + " — value [confidence interval]",
        )

    def status_of(self, row: int, metric: str) -> str | None:
        g = self.record(row)
        hit = self._status.get((group_key(g.level, g.attributes), metric))
        return hit[0] if hit else None


def _verdict_columns() -> list[Column[Verdict]]:
    def st(v: Verdict) -> str:
        return v.status

    return [
        Column(
            "Status",
            lambda v: theme.STATUS_TEXT[st(v)],
            sort=lambda v: -_RANK[st(v)],
            background=lambda v: theme.color(st(v)),
            foreground=lambda v: theme.color(f"{st(v)}_fg"),
        ),
        Column("Check", lambda v: v.check, tooltip=lambda v: v.rule),
        Column("Group", lambda v: label(v.group), tooltip=lambda v: f"n = {v.n_group:,}"),
        Column(
            "Statistic",
            lambda v: fmt_estimate(v.statistic),
            sort=lambda v: v.statistic.value,
            numeric=True,
            tooltip=lambda v: v.rule,
        ),
        Column("Reason", lambda v: v.reason, tooltip=lambda v: f"{v.reason}\nRule: {v.rule}"),
        Column("Compared with", lambda v: label(v.comparator), tooltip=lambda v: f"n = {v.n_comparator:,}"),
        Column(
            "p (adjusted)",
            lambda v: "—" if v.p_adjusted is None else f"{v.p_adjusted:.3g}",
            sort=lambda v: v.p_adjusted,
            numeric=True,
        ),
    ]


class VerdictsModel(RecordTableModel["Verdict"]):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(_verdict_columns(), [], parent)

    def set_result(self, result: AuditResult | None) -> None:
        if result is None:
            self.set_rows([])
            return
        self.set_rows(sorted(result.verdicts, key=lambda v: -_RANK[v.status]))
