"""The SHAP beeswarm summary: one row per feature (most important on top), one dot per sampled row at its SHAP value,
coloured by the feature's own value (low blue to high vermillion; grey where not numeric or missing), piled up where
dots crowd. Drawn for all sampled rows or side by side for each group of one sensitive attribute. From the result's
stratified row sample only (`Explanations.row_sample`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reports.charts.data import explanations
from reports.charts.display import Display
from reports.charts.style import BLUE, GREY, PURPLE, VERMILLION, WIDTH_IN, Theme, margins, style_axis, suptitle, title, wrap
from reports.charts.style import theme as get_theme

if TYPE_CHECKING:
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.figure import Figure

    from audit.explain.result import Explanations, RowSample, Scalar

TOP_FEATURES = 12
MAX_PANELS = 4
_BINS = 80


def row_sample(result: Any) -> tuple[Explanations, RowSample]:
    ex = explanations(result)
    rs = ex.row_sample if ex is not None else None
    if ex is None or rs is None or not rs.rows:
        raise ValueError(
            "This result holds no per-row explanation sample (results from before Attest kept one, or the explainer did not run)."
        )
    return ex, rs


def value_colours(values: tuple[Scalar, ...]) -> list[float | None]:
    """Each numeric value's place between the sample's 5th and 95th percentile (0..1); None if not numeric or missing."""
    nums = sorted(float(v) for v in values if isinstance(v, (int, float)))  # bools count as 0/1
    if not nums:
        return [None] * len(values)
    lo, hi = nums[int(0.05 * (len(nums) - 1))], nums[int(0.95 * (len(nums) - 1))]
    if hi <= lo:
        lo, hi = nums[0], nums[-1]
    out: list[float | None] = []
    for v in values:
        if v is None or isinstance(v, str):
            out.append(None)
        else:
            out.append(0.5 if hi <= lo else min(max((float(v) - lo) / (hi - lo), 0.0), 1.0))
    return out


def swarm_offsets(xs: list[float], bins: int = _BINS) -> list[float]:
    """Vertical offsets (-0.4..0.4) that pile dots sharing an x bin alternately above and below the row's line."""
    if not xs:
        return []
    lo, hi = min(xs), max(xs)
    span = (hi - lo) or 1.0
    layer: dict[int, int] = {}
    raw = []
    for x in xs:
        b = round((x - lo) / span * bins)
        k = layer.get(b, 0)
        layer[b] = k + 1
        raw.append(((k + 1) // 2) * (1 if k % 2 else -1))
    top = max(max(abs(r) for r in raw), 1)
    return [0.4 * r / top for r in raw]


@dataclass(frozen=True)
class SwarmPanel:
    label: str
    n: int  # sampled rows in the panel
    x: tuple[tuple[float, ...], ...]  # per feature: SHAP values
    dy: tuple[tuple[float, ...], ...]  # per feature: offsets from the row's line
    colour: tuple[tuple[float | None, ...], ...]  # per feature: the value's place 0..1, None = grey


@dataclass
class BeeswarmDisplay(Display):
    features: tuple[str, ...]  # most important first
    panels: tuple[SwarmPanel, ...]
    xlabel: str
    sampling: str
    attribute: str | None = None
    groups_total: int = 1

    @classmethod
    def from_result(
        cls, result: Any, attribute: str | None = None, top: int = TOP_FEATURES, max_panels: int = MAX_PANELS
    ) -> BeeswarmDisplay:
        """All sampled rows in one panel, or (`attribute`) one panel per group of that attribute, largest groups first."""
        ex, rs = row_sample(result)
        feats = rs.features[:top]
        colours = [value_colours(f.values) for f in feats]
        if attribute is None:
            members = [("all sampled rows", list(range(len(rs.rows))))]
            total = 1
        else:
            if not any(attribute in c for c in rs.cells):
                raise ValueError(f"The explanation sample is not split by {attribute!r}.")
            by: dict[str, list[int]] = {}
            for i, c in enumerate(rs.cell):
                by.setdefault(rs.cells[c].get(attribute, "(none)"), []).append(i)
            size: dict[str, int] = {}
            for c, attrs in enumerate(rs.cells):
                key = attrs.get(attribute, "(none)")
                size[key] = size.get(key, 0) + rs.cell_rows[c]
            ordered = sorted(by, key=lambda k: -size[k])
            members = [(f"{attribute} = {k}", by[k]) for k in ordered[:max_panels]]
            total = len(ordered)
        panels = []
        for label, idx in members:
            xs = tuple(tuple(f.shap[i] for i in idx) for f in feats)
            panels.append(
                SwarmPanel(
                    wrap(label, 30),
                    len(idx),
                    xs,
                    tuple(tuple(swarm_offsets(list(x))) for x in xs),
                    tuple(tuple(col[i] for i in idx) for col in colours),
                )
            )
        return cls(
            tuple(f.feature for f in feats),
            tuple(panels),
            f"SHAP value ({ex.output_space or 'model output'})",
            rs.sampling,
            attribute,
            total,
        )

    def height_in(self, width_in: float = WIDTH_IN) -> float:
        return max(2.4, 1.25 + 0.27 * len(self.features))

    @staticmethod
    def colormap() -> LinearSegmentedColormap:
        from matplotlib.colors import LinearSegmentedColormap

        return LinearSegmentedColormap.from_list("attest_value", [BLUE, PURPLE, VERMILLION])

    def plot(self, ax: Any = None, *, theme: str | Theme = "light", panel: int = 0, labels: bool = True) -> BeeswarmDisplay:
        ax, th = self._own_axes(ax, theme)
        style_axis(ax, th, grid=None)
        p = self.panels[panel]
        n = len(self.features)
        cmap = self.colormap()
        xs, ys, cs, gx, gy = [], [], [], [], []
        for j in range(n):
            y = n - 1 - j
            for x, d, c in zip(p.x[j], p.dy[j], p.colour[j], strict=True):
                if c is None:
                    gx.append(x)
                    gy.append(y + d)
                else:
                    xs.append(x)
                    ys.append(y + d)
                    cs.append(c)
        ax.axvline(0.0, color=th.muted, linewidth=0.6, zorder=0)
        ax.hlines(range(n), *_span(p), colors=th.grid, linewidth=0.4, zorder=0)
        self.grey_ = ax.scatter(gx, gy, s=6, c=GREY, linewidths=0, alpha=0.8, zorder=2) if gx else None
        self.dots_ = ax.scatter(xs, ys, s=6, c=cs, cmap=cmap, vmin=0, vmax=1, linewidths=0, alpha=0.9, zorder=3) if xs else None
        ax.set_yticks(range(n - 1, -1, -1))
        ax.set_yticklabels(list(self.features) if labels else [""] * n, fontsize=7)
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlabel(self.xlabel, fontsize=7)
        return self

    def figure(self, *, theme: str | Theme = "light", width_in: float = WIDTH_IN) -> Figure:
        th = get_theme(theme)
        k = len(self.panels)
        fig, axes = self._axes(th, width_in, nrows=1, ncols=k, squeeze=False, sharex=True)
        axes = list(axes[0])
        for i, a in enumerate(axes):
            self.plot(a, theme=th, panel=i, labels=i == 0)
            if k > 1:
                per = max(12, int((width_in - 2.5) / k / (7 * 0.58 / 72)))  # the panel's width in characters
                title(a, wrap(f"{self.panels[i].label} ({self.panels[i].n} rows)", per), th, fontsize=7)
            if i:
                a.set_xlabel("")
        self.axes_ = axes
        self.ax_ = axes[0]
        left = 0.12 + max(len(f) for f in self.features) * 7.8 * 0.55 / 72
        margins(fig, left_in=left, right_in=0.75, top_in=0.62 if k > 1 else 0.42, bottom_in=0.55, wspace=0.08)
        cax = fig.add_axes((1 - 0.55 / width_in, 0.55 / fig.get_size_inches()[1], 0.09 / width_in, 0.6))
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import Normalize

        bar = fig.colorbar(ScalarMappable(Normalize(0, 1), self.colormap()), cax=cax, ticks=[0, 1])
        bar.ax.set_yticklabels(["low", "high"], fontsize=6.5, color=th.ink)
        bar.ax.tick_params(length=0, colors=th.ink)
        bar.outline.set_visible(False)
        bar.set_label("feature value", fontsize=6.5, color=th.ink)
        by = f" by {self.attribute}" if self.attribute else ""
        more = f"; the {k} largest of {self.groups_total} groups" if self.groups_total > k else ""
        suptitle(fig, f"SHAP summary{by}: each dot is one sampled row (grey: not numeric or missing){more}", th, fontsize=8.5)
        return fig


def _span(p: SwarmPanel) -> tuple[float, float]:
    vals = [v for row in p.x for v in row]
    return (min(vals), max(vals)) if vals else (0.0, 1.0)


def beeswarm_figure(result: Any, attribute: str | None = None, top: int = TOP_FEATURES) -> Figure:
    return BeeswarmDisplay.from_result(result, attribute, top).figure()
