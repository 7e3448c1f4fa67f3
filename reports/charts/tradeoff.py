"""The mitigation trade-off: each candidate operating point's fairness statistic against its accuracy (both with their
intervals), the Pareto front joined, the original decisions and the proposed rule marked; beside it, each group's
selection rate at every point. Built from the JSON of `attest mitigate` (a plain dict), judged on the held-out rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reports.charts.display import Display
from reports.charts.style import (
    BLUE,
    GREEN,
    GREY,
    MARKERS,
    SERIES,
    VERMILLION,
    WIDTH_IN,
    Theme,
    margins,
    style_axis,
    suptitle,
    title,
)
from reports.charts.style import theme as get_theme

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_STYLE = {
    "ThresholdOptimizer": ("s", BLUE, "group thresholds"),
    "single threshold": ("o", GREY, "one threshold"),
    "as audited": ("X", VERMILLION, "original decisions"),
    "ExponentiatedGradient": ("D", GREEN, "retrained (ExponentiatedGradient)"),
}


@dataclass(frozen=True)
class TradeoffPoint:
    method: str
    label: str
    gap: float
    gap_low: float
    gap_high: float
    accuracy: float
    acc_low: float
    acc_high: float
    pareto: bool
    original: bool
    proposed: bool
    rates: tuple[float | None, ...]  # selection rate of each group in `TradeoffDisplay.groups`


@dataclass
class TradeoffDisplay(Display):
    statistic: str
    constraint: str
    groups: tuple[str, ...]
    points: tuple[TradeoffPoint, ...]
    test_rows: int

    @classmethod
    def from_mitigation(cls, result: dict[str, Any]) -> TradeoffDisplay:
        raw = [p for p in result["tradeoff"] if p["disparity"]["value"] is not None and p["accuracy"]["value"] is not None]
        groups = tuple(sorted({g for p in raw for g in p["selection_rate_by_group"]}))
        points = tuple(
            TradeoffPoint(
                method=p["method"],
                label=p["label"],
                gap=p["disparity"]["value"],
                gap_low=p["disparity"]["low"],
                gap_high=p["disparity"]["high"],
                accuracy=p["accuracy"]["value"],
                acc_low=p["accuracy"]["low"],
                acc_high=p["accuracy"]["high"],
                pareto=bool(p["pareto"]),
                original=bool(p["original"]),
                proposed=bool(p.get("proposed")),
                rates=tuple((p["selection_rate_by_group"].get(g) or {}).get("value") for g in groups),
            )
            for p in raw
        )
        stat = raw[0]["disparity"]["statistic"] if raw else "gap"
        return cls(
            statistic=stat,
            constraint=result["constraint"],
            groups=groups,
            points=points,
            test_rows=int(result["split"]["test_rows"]),
        )

    def height_in(self, width_in: float = WIDTH_IN) -> float:
        return 3.4

    def plot(self, ax: Any = None, *, theme: str | Theme = "light") -> TradeoffDisplay:
        """Fairness statistic (x) against accuracy (y) on `ax`."""
        ax, th = self._own_axes(ax, theme)
        style_axis(ax, th, grid="both")
        front = sorted((p for p in self.points if p.pareto), key=lambda p: p.gap)
        if front:
            ax.plot(
                [p.gap for p in front], [p.accuracy for p in front], color=th.muted, linewidth=0.9, zorder=1, label="Pareto front"
            )
        for method, (mk, colour, name) in _STYLE.items():
            pts = [p for p in self.points if p.method == method]
            if not pts:
                continue
            xs, ys = [p.gap for p in pts], [p.accuracy for p in pts]
            xerr = [[p.gap - p.gap_low for p in pts], [p.gap_high - p.gap for p in pts]]
            yerr = [[p.accuracy - p.acc_low for p in pts], [p.acc_high - p.accuracy for p in pts]]
            ax.errorbar(xs, ys, xerr=xerr, yerr=yerr, fmt="none", ecolor=th.error_bar, elinewidth=0.5, alpha=0.6, zorder=2)
            face = [colour if p.pareto or p.original else th.hollow for p in pts]
            ax.scatter(
                xs, ys, marker=mk, s=30 if mk == "X" else 16, c=face, edgecolors=colour, linewidths=0.8, zorder=3, label=name
            )
        for p in self.points:
            if p.original or p.proposed:
                ax.annotate(
                    "original" if p.original else "proposed",
                    (p.gap, p.accuracy),
                    xytext=(5, 4),
                    textcoords="offset points",
                    fontsize=7,
                    color=th.ink,
                )
        ax.set_xlabel(f"{self.statistic} (lower is fairer)", fontsize=7)
        ax.set_ylabel("accuracy", fontsize=7)
        ax.set_xlim(left=0)
        title(ax, "fairness against accuracy", th, fontsize=7)
        return self

    def plot_rates(self, ax: Any, th: Theme) -> None:
        """Each group's selection rate (y) at each point's fairness statistic (x)."""
        style_axis(ax, th, grid="both")
        for k, g in enumerate(self.groups):
            pts = sorted((p.gap, p.rates[k]) for p in self.points if p.rates[k] is not None)
            ax.scatter(
                [x for x, _ in pts],
                [y for _, y in pts],
                marker=MARKERS[k % len(MARKERS)],
                s=12,
                c=SERIES[k % len(SERIES)],
                zorder=3,
                label=g,
            )
        ax.set_xlabel(f"{self.statistic}", fontsize=7)
        ax.set_ylabel("selection rate", fontsize=7)
        ax.set_xlim(left=0)
        ax.set_ylim(0, 1)
        title(ax, "selection rate of each group", th, fontsize=7)
        ax.legend(fontsize=6, frameon=False, loc="best", labelcolor=th.ink)

    def figure(self, *, theme: str | Theme = "light", width_in: float = WIDTH_IN) -> Figure:
        fig, axes = self._axes(theme, width_in, nrows=1, ncols=2, gridspec_kw={"width_ratios": [3, 2]})
        th = get_theme(theme)
        self.plot(axes[0], theme=th)
        self.plot_rates(axes[1], th)
        margins(fig, left_in=0.55, top_in=0.62, bottom_in=0.8, wspace=0.3)
        suptitle(
            fig,
            f"Mitigation trade-off for {self.constraint.replace('_', ' ')} on {self.test_rows:,} held-out "
            "rows: filled markers are on the Pareto front; bars are 95% intervals",
            th,
        )
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(
            handles,
            labels,
            loc="lower left",
            ncol=len(labels),
            fontsize=7,
            frameon=False,
            labelcolor=th.ink,
            bbox_to_anchor=(0.01, 0.0),
        )
        return fig


def tradeoff_figure(result: dict[str, Any]) -> Figure:
    return TradeoffDisplay.from_mitigation(result).figure()
