"""The verdicts as a forest plot: one row per group comparison, the statistic with its interval, the marker by status,
the check's thresholds dashed and the no-difference line (ratio 1, difference 0); one panel per policy check (ratios
and differences have different scales). From `result.verdicts` and the policy in the spec only; fields a verdict may
gain later are ignored, except the interval level where one is given."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reports import format as F
from reports.charts.data import STATUS_ORDER
from reports.charts.display import Display
from reports.charts.style import (
    STATUSES,
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
    from matplotlib.collections import LineCollection, PathCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

MAX_ROWS = 40  # the report's figure; the verdict table lists every comparison
RATIO_MAX = 3.0  # ratios above are drawn at the edge (the interval is then marked as running off the chart)


@dataclass(frozen=True)
class ForestRow:
    label: str
    value: float | None  # None: no estimate (e.g. no positives in the group)
    ci_low: float | None
    ci_high: float | None
    status: str  # "" for a header row
    header: bool = False  # a block's heading: the level and the comparator its groups are compared with

    @property
    def lines(self) -> int:
        return self.label.count("\n") + 1


@dataclass(frozen=True)
class ForestPanel:
    check: str
    title: str
    compare: str  # ratio | difference
    bounds: tuple[float, ...]
    rows: tuple[ForestRow, ...]

    @property
    def null(self) -> float:
        return 1.0 if self.compare == "ratio" else 0.0

    def ys(self) -> list[float]:
        """Row positions, top row highest; a wrapped label takes more room, a block's heading a little extra."""
        out, y = [], 0.0
        for i, r in enumerate(self.rows):
            if i:
                y -= 1.0 + 0.3 * (r.lines - 1 + self.rows[i - 1].lines - 1) + (0.35 if r.header else 0.0)
            out.append(y)
        return [v - out[-1] for v in out] if out else out

    def height_units(self) -> float:
        ys = self.ys()
        return (ys[0] if ys else 0.0) + 1.0

    def xlim(self) -> tuple[float, float]:
        xs = [self.null, *self.bounds] + [x for r in self.rows for x in (r.value, r.ci_low, r.ci_high) if x is not None]
        lo, hi = min(xs), max(xs)
        if self.compare == "ratio":
            lo, hi = max(lo, 0.0), min(hi, RATIO_MAX)
        pad = (hi - lo) * 0.06 or 0.05
        return lo - pad, hi + pad


@dataclass
class VerdictForestDisplay(Display):
    panels: tuple[ForestPanel, ...]
    statuses: tuple[str, ...]
    shown: int
    total: int  # verdicts with these statuses (more than `shown` when capped)
    interval_level: float | None  # the intervals' two-sided level when all verdicts share one

    @classmethod
    def from_result(
        cls,
        result: Any,
        statuses: tuple[str, ...] = STATUSES,
        checks: tuple[str, ...] | None = None,
        max_rows: int | None = MAX_ROWS,
    ) -> VerdictForestDisplay:
        """Verdicts with these `statuses` (of these `checks`), failed first, at most `max_rows` of them."""
        order = {s: i for i, s in enumerate(STATUS_ORDER)}
        policy = {c.id: c for c in result.spec.policy.checks}
        vs = [v for v in result.verdicts if v.status in statuses and (checks is None or v.check in checks)]
        ids = [c for c in policy if any(v.check == c for v in vs)] + sorted({v.check for v in vs} - set(policy))
        vs.sort(key=lambda v: (order.get(v.status, 9), ids.index(v.check), len(v.level), v.level, F.group(v.group)))
        total = len(vs)
        vs = vs[:max_rows] if max_rows is not None else vs
        # Within a check, the kept verdicts in blocks of one level and comparator (worst status first within a block).
        vs.sort(
            key=lambda v: (
                ids.index(v.check),
                len(v.level),
                v.level,
                F.group(v.comparator),
                order.get(v.status, 9),
                F.group(v.group),
            )
        )
        panels = []
        for cid in ids:
            mine = [v for v in vs if v.check == cid]
            if not mine:
                continue
            c = policy.get(cid)
            compare = c.compare if c is not None else ("ratio" if "ratio" in mine[0].rule else "difference")
            bounds = tuple(b for b in (c.min, c.max) if b is not None) if c is not None else ()
            rows: list[ForestRow] = []
            rows_block = None
            for v in mine:
                block = f"{F.level(v.level)}, vs {F.group(v.comparator, values_only=True)}"
                if block != rows_block:
                    rows.append(ForestRow(wrap(block, 52), None, None, None, "", header=True))
                    rows_block = block
                rows.append(
                    ForestRow(
                        wrap(F.group(v.group, values_only=True), 40),
                        v.statistic.value,
                        v.statistic.ci_low,
                        v.statistic.ci_high,
                        v.status,
                    )
                )
            head = f"{cid}: {mine[0].rule}" if mine[0].rule else cid
            panels.append(ForestPanel(cid, wrap(head, 110), compare, bounds, tuple(rows)))
        given = {getattr(v, "interval_level", None) for v in vs}  # a per-verdict level, where the result gives one
        level = (result.spec.ci_level if given == {None} else next(iter(given)) if len(given) == 1 else None) if vs else None
        return cls(tuple(panels), tuple(statuses), len(vs), total, level)

    def height_in(self, width_in: float = WIDTH_IN) -> float:
        return max(1.6, 0.75 + 0.5 * len(self.panels) + 0.16 * sum(p.height_units() for p in self.panels))

    def plot(self, ax: Any = None, *, theme: str | Theme = "light") -> VerdictForestDisplay:
        """Draws panel i on ax[i] (or a single panel on one axes)."""
        axes = list(ax) if isinstance(ax, (list, tuple)) else [ax]
        if ax is None:
            _, grid = self._axes(
                theme,
                WIDTH_IN,
                nrows=max(len(self.panels), 1),
                ncols=1,
                squeeze=False,
                gridspec_kw={"height_ratios": self._ratios()},
            )
            axes = [g[0] for g in grid]
        th = get_theme(theme)
        self.axes_ = axes
        # What was drawn, by kind (for tests and the app's tooltips): hlines, scatters by status, threshold lines
        self.errorbars_: list[LineCollection] = []
        self.markers_: dict[str, list[PathCollection]] = {}
        self.threshold_lines_: list[Line2D] = []
        for a, panel in zip(axes, self.panels, strict=False):  # one empty axes when there are no panels
            self._panel(a, panel, th)
        return self

    def _ratios(self) -> list[float]:
        return [p.height_units() + 0.6 for p in self.panels] or [1.0]

    def _panel(self, ax: Any, panel: ForestPanel, th: Theme) -> None:
        from matplotlib.transforms import blended_transform_factory

        style_axis(ax, th)
        lo, hi = panel.xlim()
        ys = panel.ys()
        entries = [(y, r) for y, r in zip(ys, panel.rows, strict=True) if not r.header]
        ax.axvline(panel.null, color=th.muted, linewidth=0.7, zorder=1)
        for b in panel.bounds:
            self.threshold_lines_.append(ax.axvline(b, color=VERMILLION, linestyle="--", linewidth=0.9, zorder=1))
        bars = [
            (y, r.ci_low, r.ci_high) for y, r in entries if r.value is not None and r.ci_low is not None and r.ci_high is not None
        ]
        if bars:
            self.errorbars_.append(
                ax.hlines(
                    [y for y, _, _ in bars],
                    [max(min(low, hi), lo) for _, low, _ in bars],
                    [max(min(high, hi), lo) for _, _, high in bars],
                    colors=th.error_bar,
                    linewidth=1.0,
                    zorder=2,
                )
            )
            beyond = [y for y, _, high in bars if high > hi]
            if beyond:
                ax.scatter([hi] * len(beyond), beyond, marker=">", s=12, c=th.error_bar, zorder=2, clip_on=False)
        for st in STATUS_ORDER:
            pts = [(y, r.value) for y, r in entries if r.status == st and r.value is not None]
            if pts:
                mk, face, edge, _ = th.status_style(st)
                sc = ax.scatter(
                    [min(max(value, lo), hi) for _, value in pts],
                    [y for y, _ in pts],
                    marker=mk,
                    s=26 if mk == "X" else 18,
                    c=face,
                    edgecolors=edge,
                    linewidths=0.8,
                    zorder=3,
                    clip_on=False,
                )
                self.markers_.setdefault(st, []).append(sc)
        for y, r in entries:
            if r.value is None:
                ax.text(panel.null, y, " no estimate", fontsize=6.5, va="center", ha="left", color=th.muted, style="italic")
        ax.set_xlim(lo, hi)
        top = ys[0] if ys else 0.0
        ax.set_ylim(-0.6, top + 0.6)
        ax.set_yticks([])
        at = blended_transform_factory(ax.transAxes, ax.transData)
        for y, r in zip(ys, panel.rows, strict=True):
            ax.text(
                -0.012,
                y,
                r.label,
                transform=at,
                ha="right",
                va="center",
                fontsize=6.5,
                fontweight="bold" if r.header else "normal",
                color=th.ink,
            )
            if r.header:
                ax.axhline(y, color=th.grid, linewidth=0.4, zorder=0)
        title(ax, panel.title, th, fontsize=7)

    def figure(self, *, theme: str | Theme = "light", width_in: float = WIDTH_IN) -> Figure:
        th = get_theme(theme)
        fig, grid = self._axes(
            th, width_in, nrows=max(len(self.panels), 1), ncols=1, squeeze=False, gridspec_kw={"height_ratios": self._ratios()}
        )
        axes = [g[0] for g in grid]
        self.plot(axes, theme=th)
        labels = [r.label for p in self.panels for r in p.rows] or ["-"]
        h = fig.get_size_inches()[1]
        k = max(len(self.panels), 1)
        gap = 0.5  # inches between panels, room for the next panel's title
        axes_h = (h - 0.62 - 0.55 - gap * (k - 1)) / k
        margins(fig, left_in=label_width_in(labels, 6.8), top_in=0.62, bottom_in=0.55, hspace=gap / max(axes_h, 0.1))
        which = " and ".join({"fail": "failed", "insufficient_evidence": "undecided", "pass": "passed"}[s] for s in self.statuses)
        level = f"{self.interval_level * 100:.4g}% " if self.interval_level else ""
        cap = (
            f"\n{self.shown} of {self.total} shown, failed first; every verdict is in the verdict table"
            if self.shown < self.total
            else ""
        )
        suptitle(
            fig,
            f"Verdicts ({which}): each statistic with its {level}interval against the check's thresholds{cap}",
            th,
            fontsize=8.5,
        )
        status_legend(fig, th, extra=["threshold"], statuses=tuple(s for s in STATUSES if s in self.statuses))
        return fig


def verdict_forest_figure(
    result: Any, statuses: tuple[str, ...] = ("fail", "insufficient_evidence"), max_rows: int | None = MAX_ROWS
) -> Figure:
    return VerdictForestDisplay.from_result(result, statuses, max_rows=max_rows).figure()
