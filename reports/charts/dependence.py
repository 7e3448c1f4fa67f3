"""A SHAP dependence plot: one feature's value against its SHAP value for each sampled row, coloured and shaped by the
row's group on one sensitive attribute, so a feature that acts differently for different groups shows. From the
result's stratified row sample only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reports.charts.beeswarm import row_sample
from reports.charts.display import Display
from reports.charts.style import MARKERS, SERIES, WIDTH_IN, Theme, margins, style_axis, suptitle, wrap
from reports.charts.style import theme as get_theme

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_SERIES = 7  # groups drawn in their own colour; the rest are pooled as "other groups"
MAX_CATEGORIES = 20


@dataclass(frozen=True)
class DependenceSeries:
    label: str
    x: tuple[float, ...]
    y: tuple[float, ...]


@dataclass
class DependenceDisplay(Display):
    feature: str
    attribute: str | None
    series: tuple[DependenceSeries, ...]
    categories: tuple[str, ...] | None  # the x tick labels of a categorical feature (x = its index, jittered)
    missing: int  # sampled rows without a value, not drawn
    xlim: tuple[float, float] | None  # a numeric feature's axis range when a few far values would squash the rest
    beyond: int  # rows outside `xlim`, drawn at its edge
    xlabel: str
    ylabel: str
    sampling: str

    @classmethod
    def from_result(cls, result: Any, feature: str, attribute: str | None = None) -> DependenceDisplay:
        ex, rs = row_sample(result)
        sf = next((f for f in rs.features if f.feature == feature), None)
        if sf is None:
            raise ValueError(
                f"{feature!r} is not among the {len(rs.features)} features kept in the explanation sample: "
                + ", ".join(f.feature for f in rs.features)
                + "."
            )
        attrs = list(dict.fromkeys(k for c in rs.cells for k in c))
        if attribute is None and attrs:
            attribute = attrs[0]
        if attribute is not None and attribute not in attrs:
            raise ValueError(
                f"The explanation sample is not split by {attribute!r}; it is split by {', '.join(attrs) or 'nothing'}."
            )
        group = [rs.cells[c].get(attribute, "(none)") if attribute else "all sampled rows" for c in rs.cell]
        keep = [i for i, v in enumerate(sf.values) if v is not None]
        numeric = all(isinstance(sf.values[i], (int, float)) for i in keep)
        categories, xlim, beyond = None, None, 0
        if numeric:
            xs = {i: float(v) for i in keep if isinstance(v := sf.values[i], (int, float))}  # all of them (`numeric`)
            xlim = _robust_range(sorted(xs.values()))
            if xlim is not None:
                beyond = sum(1 for x in xs.values() if not xlim[0] <= x <= xlim[1])
                xs = {i: min(max(x, xlim[0]), xlim[1]) for i, x in xs.items()}
        else:
            counts = Counter(str(sf.values[i]) for i in keep)
            cats = [c for c, _ in counts.most_common(MAX_CATEGORIES)]
            if len(counts) > MAX_CATEGORIES:
                cats.append("(other values)")
            pos = {c: k for k, c in enumerate(cats)}
            xs = {i: pos.get(str(sf.values[i]), len(cats) - 1) + _jitter(i) for i in keep}
            categories = tuple(cats)
        size = Counter(group[i] for i in keep)
        named = [g for g, _ in size.most_common(MAX_SERIES)]
        series = []
        for g in named + (["other groups"] if len(size) > MAX_SERIES else []):
            idx = [i for i in keep if (group[i] == g if g in named else group[i] not in named)]
            label = f"{attribute} = {g}" if attribute and g != "other groups" else g
            series.append(DependenceSeries(wrap(label, 28), tuple(xs[i] for i in idx), tuple(sf.shap[i] for i in idx)))
        return cls(
            feature=feature,
            attribute=attribute,
            series=tuple(series),
            categories=categories,
            missing=len(sf.values) - len(keep),
            xlim=xlim,
            beyond=beyond,
            xlabel=feature,
            ylabel=f"SHAP value of {feature}\n({ex.output_space or 'model output'})",
            sampling=rs.sampling,
        )

    def height_in(self, width_in: float = WIDTH_IN) -> float:
        return 3.2

    def plot(self, ax: Any = None, *, theme: str | Theme = "light") -> DependenceDisplay:
        ax, th = self._own_axes(ax, theme)
        style_axis(ax, th, grid="both")
        ax.axhline(0.0, color=th.muted, linewidth=0.6, zorder=0)
        self.scatters_ = []
        for k, s in enumerate(self.series):
            colour = SERIES[k % len(SERIES)]
            if colour == "#000000" and th.name == "dark":
                colour = "#f0f0f0"
            self.scatters_.append(
                ax.scatter(
                    s.x,
                    s.y,
                    s=9,
                    marker=MARKERS[k % len(MARKERS)],
                    color=colour,
                    alpha=0.75,
                    linewidths=0,
                    label=f"{s.label} ({len(s.x)})",
                    zorder=3,
                )
            )
        if self.xlim is not None:
            pad = (self.xlim[1] - self.xlim[0]) * 0.03
            ax.set_xlim(self.xlim[0] - pad, self.xlim[1] + pad)
        if self.categories is None:
            ax.ticklabel_format(axis="x", style="plain", useOffset=False)
        else:
            ax.set_xticks(range(len(self.categories)))
            many = len(self.categories) > 5
            ax.set_xticklabels(
                [wrap(c, 12) for c in self.categories], fontsize=6.5, rotation=30 if many else 0, ha="right" if many else "center"
            )
        notes = ([f"{self.missing} missing, not shown"] if self.missing else []) + (
            [f"{self.beyond} far values drawn at the axis edge"] if self.beyond else []
        )
        ax.set_xlabel(self.xlabel + (f"  ({'; '.join(notes)})" if notes else ""), fontsize=7)
        ax.set_ylabel(self.ylabel, fontsize=7)
        return self

    def figure(self, *, theme: str | Theme = "light", width_in: float = WIDTH_IN) -> Figure:
        fig, ax = self._axes(theme, width_in)
        th = get_theme(theme)
        self.plot(ax, theme=th)
        ax.legend(
            fontsize=6.5,
            frameon=False,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            labelcolor=th.ink,
            title="group (rows)",
            title_fontsize=6.5,
            markerscale=1.4,
        )
        ax.get_legend().get_title().set_color(th.ink)
        margins(fig, left_in=0.75, right_in=2.0, top_in=0.4, bottom_in=0.75 if self.categories else 0.5)
        by = f", coloured by {self.attribute}" if self.attribute else ""
        suptitle(fig, f"Dependence of the explanation on {self.feature}{by} (one dot per sampled row)", th, fontsize=8.5)
        return fig


def _robust_range(xs: list[float]) -> tuple[float, float] | None:
    """The 1st to 99th percentile when the full range is over five times wider (a few far values), else None."""
    if len(xs) < 20:
        return None
    lo, hi = xs[int(0.01 * (len(xs) - 1))], xs[int(0.99 * (len(xs) - 1))]
    if hi > lo and xs[-1] - xs[0] > 5 * (hi - lo):
        return lo, hi
    return None


def _jitter(i: int) -> float:
    """A fixed spread of ±0.3 around a category's position (the same for a row every time)."""
    return ((i * 0.6180339887) % 1.0 - 0.5) * 0.6


def dependence_figure(result: Any, feature: str, attribute: str | None = None) -> Figure:
    return DependenceDisplay.from_result(result, feature, attribute).figure()
