"""Global feature importance (mean |SHAP| with its interval over resamples) as bars, the same per group side by side,
and the groups x features heat map of shares. Proxy features are hatched and marked ✱."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reports import format as F
from reports.charts.data import explanations, proxy_features
from reports.charts.display import Display
from reports.charts.style import BLUE, ORANGE, WIDTH_IN, Theme, label_width_in, margins, style_axis, suptitle, title, wrap
from reports.charts.style import theme as get_theme

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from audit.explain.result import FeatureImportance, GroupFeature

TOP_FEATURES = 12
HEATMAP_FEATURES = 8
HEATMAP_GROUPS = 30
SIDE_BY_SIDE_GROUPS = 6


@dataclass
class ImportanceDisplay(Display):
    """Horizontal bars, largest on top, with intervals where given."""

    features: tuple[str, ...]
    values: tuple[float, ...]
    lows: tuple[float | None, ...]
    highs: tuple[float | None, ...]
    title: str = "Global feature importance"
    xlabel: str = "mean |SHAP value|"
    flagged: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_result(cls, result: Any, group: dict[str, str] | None = None, top: int = TOP_FEATURES) -> ImportanceDisplay:
        """Global importance, or the importance within one explained group (`group`: its attributes)."""
        ex = explanations(result)
        if ex is None:
            raise ValueError("This result holds no explanations to chart.")
        space = ex.output_space or "model output"
        feats: list[FeatureImportance] | list[GroupFeature]
        if group is None:
            feats = sorted(ex.global_, key=lambda f: -f.value)[:top]
            ttl = f"Global feature importance (top {len(feats)}; bars: interval over resamples)"
        else:
            g = next((g for g in ex.by_group if g.attributes == dict(group)), None)
            if g is None:
                raise ValueError(f"No explanations for the group {F.group(group)}.")
            feats = sorted(g.features, key=lambda f: f.rank)[:top]
            ttl = f"Feature importance in {F.group(group)} ({g.n_explained:,} rows explained)"
        return cls(
            tuple(f.feature for f in feats),
            tuple(f.value for f in feats),
            tuple(f.ci_low for f in feats),
            tuple(f.ci_high for f in feats),
            title=ttl,
            xlabel=f"mean |SHAP value| ({space})",
            flagged=frozenset(proxy_features(result)),
        )

    def labels(self) -> list[str]:
        return [wrap(f + (" ✱ proxy" if f in self.flagged else ""), 30) for f in self.features]

    def height_in(self, width_in: float = WIDTH_IN) -> float:
        return max(1.8, 0.8 + 0.17 * len(self.features))

    def plot(self, ax: Any = None, *, theme: str | Theme = "light", labels: bool = True) -> ImportanceDisplay:
        ax, th = self._own_axes(ax, theme)
        style_axis(ax, th)
        n = len(self.features)
        y = list(range(n - 1, -1, -1))
        self.bars_ = ax.barh(y, self.values, color=[ORANGE if f in self.flagged else BLUE for f in self.features], height=0.65)
        for b, f in zip(self.bars_, self.features, strict=True):
            b.set_hatch("////" if f in self.flagged else "")
        ok_bounds = [
            (i, low, high)
            for i, (low, high) in enumerate(zip(self.lows, self.highs, strict=True))
            if low is not None and high is not None
        ]
        ok = [i for i, _, _ in ok_bounds]
        self.errorbar_ = None
        if ok:
            self.errorbar_ = ax.errorbar(
                [self.values[i] for i in ok],
                [y[i] for i in ok],
                fmt="none",
                ecolor=th.error_bar,
                xerr=[
                    [max(self.values[i] - low, 0) for i, low, _ in ok_bounds],
                    [max(high - self.values[i], 0) for i, _, high in ok_bounds],
                ],
                elinewidth=0.8,
                capsize=1.5,
            )
        ax.set_yticks(y)
        ax.set_yticklabels(self.labels() if labels else [""] * n, fontsize=7)
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlabel(self.xlabel, fontsize=7)
        return self

    def figure(self, *, theme: str | Theme = "light", width_in: float = WIDTH_IN) -> Figure:
        fig, ax = self._axes(theme, width_in)
        th = get_theme(theme)
        self.plot(ax, theme=th)
        margins(fig, left_in=label_width_in(self.labels()), top_in=0.35, bottom_in=0.45)
        suptitle(fig, self.title, th)
        return fig


@dataclass
class GroupImportanceDisplay(Display):
    """Importance within each group of one attribute, side by side on a common feature order (the global top features)
    and a common scale."""

    attribute: str
    panels: tuple[ImportanceDisplay, ...]
    groups_total: int

    @classmethod
    def from_result(
        cls, result: Any, attribute: str, top: int = 10, max_groups: int = SIDE_BY_SIDE_GROUPS
    ) -> GroupImportanceDisplay:
        ex = explanations(result)
        if ex is None:
            raise ValueError("This result holds no explanations to chart.")
        order = [f.feature for f in sorted(ex.global_, key=lambda f: -f.value)[:top]]
        groups = [g for g in ex.by_group if list(g.attributes) == [attribute] and g.features]
        groups.sort(key=lambda g: -g.n_rows)
        panels = []
        for g in groups[:max_groups]:
            by = {f.feature: f for f in g.features}
            fs = [by.get(name) for name in order]
            panels.append(
                ImportanceDisplay(
                    tuple(order),
                    tuple(f.value if f else 0.0 for f in fs),
                    tuple(f.ci_low if f else None for f in fs),
                    tuple(f.ci_high if f else None for f in fs),
                    title=wrap(f"{g.attributes[attribute]} ({g.n_explained:,} rows)", 24),
                    xlabel="mean |SHAP|",
                    flagged=frozenset(proxy_features(result)),
                )
            )
        if not panels:
            raise ValueError(f"No explained groups of {attribute!r} in this result.")
        return cls(attribute, tuple(panels), len(groups))

    def height_in(self, width_in: float = WIDTH_IN) -> float:
        return max(2.2, 1.1 + 0.17 * len(self.panels[0].features))

    def plot(self, ax: Any = None, *, theme: str | Theme = "light") -> GroupImportanceDisplay:
        if ax is None:
            _, ax = self._axes(theme, WIDTH_IN, nrows=1, ncols=len(self.panels), squeeze=False, sharex=True)
            ax = list(ax[0])
        th = get_theme(theme)
        axes = list(ax)
        hi = max((h if h is not None else v) for p in self.panels for v, h in zip(p.values, p.highs, strict=True)) or 1.0
        for i, (a, panel) in enumerate(zip(axes, self.panels, strict=True)):
            panel.plot(a, theme=th, labels=i == 0)
            a.set_xlim(0, hi * 1.05)
            title(a, panel.title, th, fontsize=7)
            if i:
                a.set_xlabel("")
        self.axes_ = axes
        return self

    def figure(self, *, theme: str | Theme = "light", width_in: float = WIDTH_IN) -> Figure:
        fig, axes = self._axes(theme, width_in, nrows=1, ncols=len(self.panels), squeeze=False, sharex=True)
        th = get_theme(theme)
        self.plot(list(axes[0]), theme=th)
        margins(fig, left_in=label_width_in(self.panels[0].labels()), top_in=0.62, bottom_in=0.45, wspace=0.1)
        more = f"; the {len(self.panels)} largest of {self.groups_total} groups" if self.groups_total > len(self.panels) else ""
        suptitle(
            fig, f"Feature importance by {self.attribute} (mean |SHAP| within each group, interval over resamples{more})", th
        )
        return fig


@dataclass
class ImportanceHeatmapDisplay(Display):
    """Groups x features heat map of each group's share of attribution, each cell also printed as a number."""

    features: tuple[str, ...]
    groups: tuple[str, ...]
    matrix: tuple[tuple[float, ...], ...]  # % share; NaN where the group has no value
    title: str = "Importance by group"
    flagged: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_result(
        cls, result: Any, max_groups: int = HEATMAP_GROUPS, features: int = HEATMAP_FEATURES
    ) -> ImportanceHeatmapDisplay:
        ex = explanations(result)
        if ex is None:
            raise ValueError("This result holds no explanations to chart.")
        feats = [f.feature for f in sorted(ex.global_, key=lambda f: -f.value)[:features]]
        singles = [g for g in ex.by_group if len(g.attributes) == 1]
        groups = sorted(singles or ex.by_group, key=lambda g: (len(g.attributes), list(g.attributes.items())))[:max_groups]
        matrix = []
        for g in groups:
            by = {f.feature: f.share for f in g.features}
            matrix.append(tuple(100 * by.get(f, float("nan")) for f in feats))
        labels = [F.group(g.attributes) + (" ✱" if g.n_rows < result.spec.min_group_size else "") for g in groups]
        return cls(
            tuple(feats),
            tuple(labels),
            tuple(matrix),
            flagged=frozenset(proxy_features(result)),
            title="Importance by group: % of the group's attribution per feature",
        )

    def glabels(self) -> list[str]:
        return [wrap(g, 26) for g in self.groups]

    def height_in(self, width_in: float = WIDTH_IN) -> float:
        lines = sum(g.count("\n") + 1 for g in self.glabels())
        return max(2.0, 1.3 + 0.16 * lines + 0.04 * len(self.groups))

    def plot(self, ax: Any = None, *, theme: str | Theme = "light") -> ImportanceHeatmapDisplay:
        import numpy as np

        ax, th = self._own_axes(ax, theme)
        m = np.asarray(self.matrix, dtype=float).reshape(len(self.groups), len(self.features))
        vmax = np.nanmax(m) if np.isfinite(m).any() else 1.0
        self.image_ = ax.imshow(m, aspect="auto", cmap=th.heat, vmin=0, vmax=vmax or 1.0, interpolation="nearest")
        dark_high = th.name == "light"  # Blues ends dark, cividis ends light
        if m.size <= 600:
            for (i, j), v in np.ndenumerate(m):
                if np.isfinite(v):
                    high = v > 0.6 * vmax
                    ax.text(
                        j,
                        i,
                        f"{v:.2f}" if v < 10 else f"{v:.0f}",
                        ha="center",
                        va="center",
                        fontsize=5.5,
                        color=("white" if high else "#222222") if dark_high else ("#222222" if high else "white"),
                    )
        ax.set_yticks(range(len(self.groups)))
        ax.set_yticklabels(self.glabels(), fontsize=6.5, color=th.ink)
        ax.set_xticks(range(len(self.features)))
        ax.set_xticklabels(
            [f + (" ✱" if f in self.flagged else "") for f in self.features], fontsize=6.5, rotation=40, ha="right", color=th.ink
        )
        ax.tick_params(length=0)
        return self

    def figure(self, *, theme: str | Theme = "light", width_in: float = WIDTH_IN) -> Figure:
        fig, ax = self._axes(theme, width_in)
        th = get_theme(theme)
        self.plot(ax, theme=th)
        margins(fig, left_in=label_width_in(self.glabels(), 6.5), top_in=0.35, bottom_in=1.0)
        suptitle(fig, self.title, th)
        return fig


def importance_figure(
    features: list[str],
    values: list[float],
    lows: list[float | None] | None = None,
    highs: list[float | None] | None = None,
    title: str = "Global feature importance",
    flagged: frozenset[str] | set[str] = frozenset(),
    xlabel: str = "mean |SHAP value|",
) -> Figure:
    n = len(features)
    return ImportanceDisplay(
        tuple(features),
        tuple(values),
        tuple(lows or [None] * n),
        tuple(highs or [None] * n),
        title=title,
        xlabel=xlabel,
        flagged=frozenset(flagged),
    ).figure()


def shap_global_figure(result: Any, top: int = TOP_FEATURES) -> Figure:
    """Global mean |SHAP| per feature with bootstrap intervals (from `result.explanations`); proxies hatched, ✱."""
    return ImportanceDisplay.from_result(result, top=top).figure()


def shap_group_figure(result: Any, max_groups: int = HEATMAP_GROUPS, features: int = HEATMAP_FEATURES) -> Figure:
    """Importance compared across groups: % of each single-attribute group's attribution per top feature (heat map)."""
    return ImportanceHeatmapDisplay.from_result(result, max_groups, features).figure()


def group_importance_figure(result: Any, attribute: str, top: int = 10) -> Figure:
    return GroupImportanceDisplay.from_result(result, attribute, top=top).figure()
