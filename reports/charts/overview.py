"""Every verdict at a glance: one panel per policy check, one row per level, one marker per group at its statistic
(shape and colour by status), the thresholds drawn."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reports import format as F
from reports.charts.display import Display
from reports.charts.style import (
    VERMILLION,
    WIDTH_IN,
    Theme,
    label_width_in,
    margins,
    status_legend,
    style_axis,
    suptitle,
    title,
    wrap,
)
from reports.charts.style import theme as get_theme

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from audit.result import Verdict


@dataclass(frozen=True)
class OverviewPanel:
    check: str
    title: str
    compare: str  # ratio | difference
    bounds: tuple[float, ...]  # the check's thresholds
    xlim: tuple[float, float]
    points: tuple[tuple[float, float, str], ...]  # (statistic clipped to xlim, y, status)


@dataclass
class DisparityOverviewDisplay(Display):
    levels: tuple[str, ...]  # row labels, top first
    panels: tuple[OverviewPanel, ...]

    @classmethod
    def from_result(cls, result: Any) -> DisparityOverviewDisplay:
        levels = [lv.level for lv in result.levels]
        y_of = {lv: len(levels) - 1 - i for i, lv in enumerate(levels)}
        panels = []
        for c in result.spec.policy.checks:
            vs = [v for v in result.verdicts if v.check == c.id and v.statistic.value is not None and v.level in y_of]
            xs = [x for v in vs if (x := v.statistic.value) is not None]  # all of them: `vs` has values only
            if c.compare == "ratio":
                lim = (0.0, max(1.5, min(max(xs) if xs else 1.5, 3.0) + 0.05))
            else:
                span = max(0.3, max(abs(x) for x in xs) + 0.03 if xs else 0.3)
                lim = (-min(span, 1.0), min(span, 1.0))
            by_level: dict[tuple[str, ...], list[Verdict]] = {}
            for v in vs:  # spread groups of one level vertically a little so markers do not hide each other
                by_level.setdefault(v.level, []).append(v)
            points = []
            for lv, items in by_level.items():
                k = len(items)
                for j, v in enumerate(items):
                    y = y_of[lv] + (0 if k == 1 else (j / (k - 1) - 0.5) * 0.5)
                    x = v.statistic.value
                    assert x is not None  # `vs` keeps verdicts with a value only
                    points.append((min(max(x, lim[0]), lim[1]), y, v.status))
            against = "highest group" if c.against == "max" else "lowest group" if c.against == "min" else "reference"
            head = wrap(f"{c.id}: {F.SHORT_METRIC.get(c.metric, c.metric)} {c.compare} vs {against}", 30)
            bounds = tuple(b for b in (c.min, c.max) if b is not None)
            panels.append(OverviewPanel(c.id, head, c.compare, bounds, lim, tuple(points)))
        return cls(levels=tuple(wrap(F.level(lv), 22) for lv in levels), panels=tuple(panels))

    def height_in(self, width_in: float = WIDTH_IN) -> float:
        return max(2.0, 1.0 + 0.26 * len(self.levels))

    def plot_panel(self, ax: Any, panel: OverviewPanel, th: Theme, labels: bool) -> None:
        from matplotlib.ticker import MaxNLocator

        style_axis(ax, th)
        for st in ("pass", "insufficient_evidence", "fail"):
            pts = [(x, y) for x, y, s in panel.points if s == st]
            if pts:
                mk, face, edge, _ = th.status_style(st)
                ax.scatter(
                    [p[0] for p in pts],
                    [p[1] for p in pts],
                    marker=mk,
                    s=20 if mk == "X" else 12,
                    c=face,
                    edgecolors=edge,
                    linewidths=0.7,
                    zorder=3,
                )
        for b in panel.bounds:
            ax.axvline(b, color=VERMILLION, linestyle="--", linewidth=0.9)
        ax.axvline(1.0 if panel.compare == "ratio" else 0.0, color=th.muted, linewidth=0.6)
        ax.set_xlim(*panel.xlim)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        title(ax, panel.title, th, fontsize=7)
        ax.set_ylim(-0.6, len(self.levels) - 0.4)
        if labels:
            ax.set_yticks(list(range(len(self.levels) - 1, -1, -1)))
            ax.set_yticklabels(self.levels, fontsize=7)
        else:
            ax.set_yticks([])

    def plot(self, ax: Any = None, *, theme: str | Theme = "light") -> DisparityOverviewDisplay:
        """Draws the panels on `ax` (one axes per check: a sequence, or one axes for a single check)."""
        axes = list(ax) if isinstance(ax, (list, tuple)) else [ax]
        if ax is None:
            _, axes = self._axes(theme, WIDTH_IN, nrows=1, ncols=max(len(self.panels), 1), squeeze=False)
            axes = list(axes[0])
        th = get_theme(theme)
        self.axes_ = axes
        for i, (a, panel) in enumerate(zip(axes, self.panels, strict=False)):  # one empty axes when there are no panels
            self.plot_panel(a, panel, th, labels=i == 0)
        return self

    def figure(self, *, theme: str | Theme = "light", width_in: float = WIDTH_IN) -> Figure:
        fig, axes = self._axes(theme, width_in, nrows=1, ncols=max(len(self.panels), 1), squeeze=False)
        self.plot(list(axes[0]), theme=theme)
        th = get_theme(theme)
        margins(fig, left_in=label_width_in(self.levels), top_in=0.62, bottom_in=0.6, wspace=0.12)
        suptitle(fig, "Disparity overview: each marker is one group's statistic against its comparator", th)
        status_legend(fig, th, extra=["threshold"])
        return fig


def disparity_overview_figure(result: Any) -> Figure:
    return DisparityOverviewDisplay.from_result(result).figure()
