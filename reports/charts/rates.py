"""Selection rate and error rates per group with their intervals, the verdict status as the marker, and the policy
thresholds that apply to each metric (four-fifths: 0.8 x the highest group's rate; difference checks: the band around
the comparator).

The metric panels share one Axes, side by side (offset by 1 + PANEL_GAP), so a chart has one set of artists whatever
the number of panels: that keeps 60 groups fast. Tick marks and labels are drawn as plain lines and texts for the same
reason (matplotlib's Tick objects cost more than the rest of a small chart).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reports import format as F
from reports.charts.data import checks_for, group_key, level_groups, level_summary, verdict_index, worst
from reports.charts.display import Display
from reports.charts.style import VERMILLION, WIDTH_IN, Theme, label_width_in, margins, status_legend, suptitle, wrap
from reports.charts.style import theme as get_theme

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from audit.policy import Check
    from audit.result import GroupResult

RATE_METRICS = ("selection_rate", "tpr", "fpr", "fnr")
PANEL_GAP = 0.32  # between panels, in units of a rate (panels are 0..1 wide)


@dataclass(frozen=True)
class RateRow:
    label: str
    header: bool  # a level's name above its groups (bold)


@dataclass(frozen=True)
class RatePoint:
    metric: int  # index into `metrics`
    row: int  # index into `rows`
    value: float
    ci_low: float | None
    ci_high: float | None
    status: str | None  # worst verdict of the checks on this metric for the group; None: no check applies


@dataclass(frozen=True)
class RateThreshold:
    metric: int
    top: int  # rows the threshold spans (a level's block)
    bottom: int
    xs: tuple[float, ...]  # threshold positions on the metric's 0..1 scale
    band: tuple[float, float] | None  # the allowed band of a two-sided difference check


@dataclass
class RatesDisplay(Display):
    title: str
    metrics: tuple[str, ...]
    rows: tuple[RateRow, ...]
    points: tuple[RatePoint, ...]
    thresholds: tuple[RateThreshold, ...]
    ci_level: float
    blocks: int = 1
    legend: bool = True

    @classmethod
    def from_result(
        cls,
        result: Any,
        blocks: list[tuple[tuple[str, ...], list[GroupResult] | None]],
        metrics: tuple[str, ...] = RATE_METRICS,
        title: str = "Rates by group",
        legend: bool = True,
        headers: bool = False,
    ) -> RatesDisplay:
        """`blocks`: [(level, groups or None)], drawn top to bottom; `headers` names each level above its groups."""
        vidx = verdict_index(result)
        rows: list[RateRow] = []
        points: list[RatePoint] = []
        thresholds: list[RateThreshold] = []
        spans = []
        for level, groups in blocks:
            level = tuple(level)
            all_groups = level_groups(result, level)
            groups = list(groups) if groups is not None else all_groups
            summary = level_summary(result, level)
            ref = summary.reference if summary else {}
            if headers:
                rows.append(RateRow(F.level(level), True))
            first = len(rows)
            for g in groups:
                marks = (" (ref)" if g.attributes == ref else "") + (" ✱" if g.small else "")
                rows.append(RateRow(wrap(F.group(g.attributes, values_only=True)) + marks, False))
            spans.append((level, first, len(rows) - 1, groups, all_groups))
        for k, m in enumerate(metrics):
            for level, top, bottom, groups, all_groups in spans:
                checks = checks_for(result, m, level)
                for i, g in zip(range(top, bottom + 1), groups, strict=True):
                    e = g.metrics.get(m)
                    if e is None or e.value is None:
                        continue
                    st = worst([vidx.get((c.id, level, group_key(g.attributes)), "") for c in checks])
                    points.append(RatePoint(k, i, e.value, e.ci_low, e.ci_high, st))
                for c in checks:
                    t = _threshold(result, c, level, all_groups, m, k, top, bottom)
                    if t is not None:
                        thresholds.append(t)
        return cls(
            title=title,
            metrics=tuple(metrics),
            rows=tuple(rows),
            points=tuple(points),
            thresholds=tuple(thresholds),
            ci_level=result.spec.ci_level,
            blocks=len(spans),
            legend=legend,
        )

    def height_in(self, width_in: float = WIDTH_IN) -> float:
        lines = sum(r.label.count("\n") + 1 for r in self.rows)
        return max(1.9, 0.95 + 0.13 * lines + 0.05 * len(self.rows))

    def y(self, row: int) -> float:
        return float(len(self.rows) - 1 - row)

    def plot(self, ax: Any = None, *, theme: str | Theme = "light") -> RatesDisplay:
        from matplotlib.transforms import blended_transform_factory

        ax, th = self._own_axes(ax, theme)
        ax.set_facecolor(th.background)
        for side in ax.spines.values():
            side.set_visible(False)
        n = len(self.rows)
        y0, y1 = -0.7, n - 0.3
        offs = [k * (1 + PANEL_GAP) for k in range(len(self.metrics))]
        frame_x = [o - 0.02 for o in offs]
        above = blended_transform_factory(ax.transData, ax.transAxes)
        for off, m in zip(offs, self.metrics, strict=True):
            ax.text(off + 0.5, 1.0, F.metric(m), transform=above, ha="center", va="bottom", fontsize=8, color=th.ink)
        ax.vlines([o + d for o in offs for d in (0.25, 0.5, 0.75)], y0, y1, colors=th.grid, linewidth=0.5, zorder=0)
        ax.vlines(frame_x, y0, y1, colors=th.ink, linewidth=0.8, zorder=1)
        ax.hlines([y0] * len(frame_x), frame_x, [x + 1.04 for x in frame_x], colors=th.ink, linewidth=0.8, zorder=1)
        for i, r in enumerate(self.rows):
            if r.header and i:
                ax.hlines(
                    [self.y(i) + 0.5] * len(frame_x), frame_x, [x + 1.04 for x in frame_x], colors=th.separator, linewidth=0.5
                )
        self.threshold_lines_ = []
        for t in self.thresholds:
            lo, hi = (self.y(t.bottom) - 0.45, self.y(t.top) + 0.45) if self.blocks > 1 else (y0, y1)
            off = offs[t.metric]
            if t.xs:
                self.threshold_lines_.append(
                    ax.vlines([off + x for x in t.xs], lo, hi, colors=VERMILLION, linewidth=0.9, linestyles="--", zorder=2)
                )
            if t.band is not None:
                ax.fill_between([off + t.band[0], off + t.band[1]], lo, hi, color=VERMILLION, alpha=0.06, zorder=1, linewidth=0)
        bars = [(p, p.ci_low, p.ci_high) for p in self.points if p.ci_low is not None and p.ci_high is not None]
        self.errorbar_ = None
        if bars:
            self.errorbar_ = ax.errorbar(
                [offs[p.metric] + p.value for p, _, _ in bars],
                [self.y(p.row) for p, _, _ in bars],
                xerr=[[max(p.value - low, 0) for p, low, _ in bars], [max(high - p.value, 0) for p, _, high in bars]],
                fmt="none",
                ecolor=th.error_bar,
                elinewidth=0.8,
                capsize=1.5,
                zorder=2,
            )
        self.markers_ = {}
        for st in ("pass", None, "insufficient_evidence", "fail"):
            pts = [p for p in self.points if p.status == st]
            if pts:
                mk, face, edge, _ = th.status_style(st)
                self.markers_[st] = ax.scatter(
                    [offs[p.metric] + p.value for p in pts],
                    [self.y(p.row) for p in pts],
                    marker=mk,
                    s=22 if mk == "X" else 30 if mk == "." else 14,
                    c=face,
                    edgecolors=edge,
                    linewidths=0.8,
                    zorder=3,
                )
        ax.set_xlim(-0.05, len(self.metrics) * (1 + PANEL_GAP) - PANEL_GAP + 0.05)
        ax.set_ylim(y0 - 0.02, y1)
        ax.set_xticks([])
        ax.set_yticks([])
        ticks = [o + d for o in offs for d in (0, 0.5, 1)]
        ax.vlines(ticks, y0 - 0.02 - 0.012 * (y1 - y0), y0 - 0.02, colors=th.ink, linewidth=0.8, clip_on=False)
        for x, lab in zip(ticks, ["0", "0.5", "1"] * len(offs), strict=True):
            ax.text(x, -0.02, lab, transform=above, ha="center", va="top", fontsize=7, color=th.ink)
        label_at = blended_transform_factory(ax.transAxes, ax.transData)
        for i, r in enumerate(self.rows):
            ax.text(
                -0.01,
                self.y(i),
                r.label,
                transform=label_at,
                ha="right",
                va="center",
                fontsize=7.5 if r.header else 7,
                fontweight="bold" if r.header else "normal",
                color=th.ink,
            )
        return self

    def figure(self, *, theme: str | Theme = "light", width_in: float = WIDTH_IN) -> Figure:
        fig, ax = self._axes(theme, width_in)
        self.plot(ax, theme=theme)
        th = get_theme(theme)
        left = max(
            [label_width_in([r.label]) for r in self.rows if not r.header]
            + [label_width_in([r.label], 7.5) * 1.12 for r in self.rows if r.header]
            + [0.3]
        )
        margins(fig, left_in=left, top_in=0.42, bottom_in=0.62 if self.legend else 0.35)
        suptitle(fig, f"{self.title}  (bars: {int(self.ci_level * 100)}% CI; ✱ small group)", th, top_in=0.06)
        if self.legend:
            status_legend(fig, th, extra=["threshold"], no_check=True)
        return fig


def _threshold(
    result: Any, check: Check, level: tuple[str, ...], groups: list[GroupResult], metric: str, k: int, top: int, bottom: int
) -> RateThreshold | None:
    comparator = next((v.comparator for v in result.verdicts if v.check == check.id and v.level == level), None)
    if comparator is None:
        return None
    base = None
    for g in groups:
        if g.attributes == comparator:
            e = g.metrics.get(metric)
            base = None if e is None else e.value
    if base is None:
        return None
    bounds = [b for b in (check.min, check.max) if b is not None]
    xs = [base * b for b in bounds] if check.compare == "ratio" else [base + b for b in bounds]
    band = None
    if check.compare == "difference" and len(bounds) == 2:
        band = (max(base + bounds[0], 0), min(base + bounds[1], 1))
    return RateThreshold(k, top, bottom, tuple(x for x in xs if -0.02 <= x <= 1.02), band)


def rates_figure(
    result: Any,
    blocks: list[tuple[tuple[str, ...], list[GroupResult] | None]],
    metrics: tuple[str, ...] = RATE_METRICS,
    title: str = "Rates by group",
    legend: bool = True,
    headers: bool = False,
) -> Figure:
    return RatesDisplay.from_result(result, blocks, metrics, title=title, legend=legend, headers=headers).figure()


def group_rates_display(
    result: Any,
    level: tuple[str, ...],
    metrics: tuple[str, ...] = RATE_METRICS,
    groups: list[GroupResult] | None = None,
    part: tuple[int, int] | None = None,
    legend: bool = True,
) -> RatesDisplay:
    """Rates per group of one level; `groups` draws a subset (e.g. one page of 60 intersections), `part` = (i, n)
    titles it "part i of n"."""
    level = tuple(level)
    title = f"Rates by group: {F.level(level)}" + (f", part {part[0]} of {part[1]}" if part else "")
    return RatesDisplay.from_result(result, [(level, groups)], metrics, title=title, legend=legend)


def group_rates_figure(
    result: Any,
    level: tuple[str, ...],
    metrics: tuple[str, ...] = RATE_METRICS,
    groups: list[GroupResult] | None = None,
    part: tuple[int, int] | None = None,
    legend: bool = True,
) -> Figure:
    return group_rates_display(result, level, metrics, groups, part, legend).figure()


def attribute_rates_display(
    result: Any, levels: list[tuple[str, ...]] | None = None, metrics: tuple[str, ...] = RATE_METRICS, legend: bool = True
) -> RatesDisplay:
    """The same chart for several levels at once (default: every single sensitive attribute), one block per level."""
    levels = levels if levels is not None else [lv.level for lv in result.levels if len(lv.level) == 1]
    return RatesDisplay.from_result(
        result,
        [(tuple(lv), None) for lv in levels],
        metrics,
        title="Rates by group: " + ", ".join(F.level(lv) for lv in levels),
        legend=legend,
        headers=True,
    )


def attribute_rates_figure(
    result: Any, levels: list[tuple[str, ...]] | None = None, metrics: tuple[str, ...] = RATE_METRICS, legend: bool = True
) -> Figure:
    return attribute_rates_display(result, levels, metrics, legend).figure()
