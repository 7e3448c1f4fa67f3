"""Calibration: observed rate of the positive outcome against the mean score per score bin, for everyone and per group."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reports import format as F
from reports.charts.data import level_groups
from reports.charts.display import Display
from reports.charts.style import MARKERS, SERIES, WIDTH_IN, Theme, margins, style_axis, suptitle, title, wrap
from reports.charts.style import theme as get_theme

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class CalibrationCurve:
    label: str
    points: tuple[tuple[float, float, int], ...]  # (mean score, observed rate, rows in the bin)


@dataclass
class CalibrationDisplay(Display):
    """Curves of one panel: everyone first (dark), then each group of `level`."""

    title: str
    curves: tuple[CalibrationCurve, ...]

    @classmethod
    def from_result(cls, result: Any, level: tuple[str, ...] | None = None, wrap_at: int = 24) -> CalibrationDisplay:
        groups = [result.overall] + (level_groups(result, level) if level else [])
        curves = []
        for g in groups:
            pts = tuple(
                (b.mean_score, b.observed_rate, b.n)
                for b in g.calibration
                if b.mean_score is not None and b.observed_rate is not None
            )
            lab = "everyone" if not g.attributes else F.group(g.attributes, values_only=True) + (" ✱" if g.small else "")
            curves.append(CalibrationCurve(wrap(lab, wrap_at), pts))
        return cls(title=F.level(level) if level else "everyone", curves=tuple(curves))

    def plot(
        self,
        ax: Any = None,
        *,
        theme: str | Theme = "light",
        line: float = 1.4,
        size: float = 40,
        diagonal_label: str | None = "perfect calibration",
    ) -> CalibrationDisplay:
        ax, th = self._own_axes(ax, theme)
        style_axis(ax, th)
        ax.plot([0, 1], [0, 1], color=th.muted, linewidth=0.7, linestyle=":", label=diagonal_label)
        self.lines_ = []
        for i, c in enumerate(self.curves):
            if not c.points:
                continue
            xs, ys, ns = zip(*c.points, strict=True)
            colour = th.ink if i == 0 else SERIES[(i - 1) % len(SERIES)]
            if colour == "#000000" and th.name == "dark":
                colour = "#f0f0f0"
            self.lines_.append(ax.plot(xs, ys, linewidth=line if i == 0 else 0.8, color=colour, alpha=0.85)[0])
            ax.scatter(
                xs,
                ys,
                s=[5 + size * (k / max(ns)) ** 0.5 for k in ns],
                marker=MARKERS[i % len(MARKERS)],
                color=colour,
                label=c.label,
                zorder=3,
            )
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        return self

    def figure(self, *, theme: str | Theme = "light", width_in: float = WIDTH_IN) -> Figure:
        fig, ax = self._axes(theme, width_in)
        th = get_theme(theme)
        self.plot(ax, theme=th)
        ax.set_xlabel("mean score in bin", fontsize=7)
        ax.set_ylabel("observed rate of the positive outcome", fontsize=7)
        ax.legend(fontsize=6.5, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0), labelcolor=th.ink)
        margins(fig, left_in=0.55, right_in=2.2, top_in=0.35, bottom_in=0.45)
        by = "" if self.title == "everyone" else f" by {self.title}"
        fig.suptitle(
            f"Calibration{by} (bins of width 0.1; marker area grows with the rows in the bin; ✱ small group)",
            fontsize=8.5,
            x=0.02,
            ha="left",
            y=0.98,
            color=th.ink,
        )
        return fig


@dataclass
class CalibrationPanelsDisplay(Display):
    """One calibration panel per single-attribute level, everyone's curve in each."""

    panels: tuple[CalibrationDisplay, ...]
    per_row: int = 3

    @classmethod
    def from_result(cls, result: Any, levels: tuple[tuple[str, ...], ...], per_row: int = 3) -> CalibrationPanelsDisplay:
        levels = tuple(levels)[:6] or ((),)
        return cls(tuple(CalibrationDisplay.from_result(result, tuple(lv) or None, wrap_at=18) for lv in levels), per_row)

    def grid(self) -> tuple[int, int]:
        return math.ceil(len(self.panels) / self.per_row), min(self.per_row, len(self.panels))

    def height_in(self, width_in: float = WIDTH_IN) -> float:
        return 0.55 + 2.45 * self.grid()[0]

    def plot(self, ax: Any = None, *, theme: str | Theme = "light") -> CalibrationPanelsDisplay:
        if ax is None:
            rows, cols = self.grid()
            _, ax = self._axes(theme, WIDTH_IN, nrows=rows, ncols=cols, squeeze=False)
        axes = list(getattr(ax, "ravel", lambda: ax)())
        th = get_theme(theme)
        for a, panel in zip(axes, self.panels, strict=False):  # the grid may have more cells than panels: those are hidden below
            panel.plot(a, theme=th, line=1.3, size=30, diagonal_label=None)
            a.set_xticks([0, 0.5, 1])
            a.set_yticks([0, 0.5, 1])
            title(a, panel.title, th)
            a.legend(
                fontsize=6,
                frameon=False,
                loc="lower right",
                handletextpad=0.2,
                borderaxespad=0.2,
                labelspacing=0.25,
                labelcolor=th.ink,
            )
        for a in axes[len(self.panels) :]:
            a.set_visible(False)
        self.axes_ = axes
        return self

    def figure(self, *, theme: str | Theme = "light", width_in: float = WIDTH_IN) -> Figure:
        rows, cols = self.grid()
        fig, axes = self._axes(theme, width_in, nrows=rows, ncols=cols, squeeze=False)
        th = get_theme(theme)
        self.plot(axes, theme=th)
        w, h = fig.get_size_inches()
        fig.subplots_adjust(left=0.45 / w, right=1 - 0.15 / w, top=1 - 0.45 / h, bottom=0.4 / h, wspace=0.18, hspace=0.35)
        suptitle(
            fig,
            "Calibration by group: observed rate against mean score per bin of 0.1 (marker area grows with rows; ✱ small group)",
            th,
            fontsize=8,
            top_in=0.08,
        )
        return fig


def calibration_figure(result: Any, level: tuple[str, ...] | None = None) -> Figure:
    """Observed rate against mean score per score bin, overall and for each group of `level` (a single feature)."""
    return CalibrationDisplay.from_result(result, level).figure()


def calibration_panels_figure(result: Any, levels: tuple[tuple[str, ...], ...], per_row: int = 3) -> Figure:
    """Calibration per group for several single-attribute levels: one panel each, everyone's curve in every panel."""
    return CalibrationPanelsDisplay.from_result(result, levels, per_row).figure()
