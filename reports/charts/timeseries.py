"""The monitoring charts, over the windows of a monitoring run (audit/lifecycle/monitor_types.py), shared by the
Monitoring page of the app and the monitoring report:

- `GroupRatesTimeDisplay`: each group's selection rate per window with its interval as a band, the group's rate in
  the reference dashed, the windows that raised an alert shaded.
- `DriftTimeDisplay`: per feature the distance that decides its drift (Wasserstein over the reference's standard
  deviation for numeric features, Jensen-Shannon distance for categorical ones) per window, with the plan's
  thresholds of the distances plotted (no JS line when every feature is numeric), the alert windows shaded.

Both hold plain values only (built by `from_result`, nothing recomputed) and draw with `plot(ax)` or `figure()`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reports.charts.display import Display
from reports.charts.style import MARKERS, SERIES, VERMILLION, WIDTH_IN, Theme, style_axis, suptitle
from reports.charts.style import theme as get_theme

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from audit.lifecycle.monitor_types import MonitorResult

MAX_SERIES = 8  # more lines than colours cannot be told apart


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float | None, ...]  # one per window; None: nothing measured there
    low: tuple[float | None, ...] = ()  # the interval's ends, when there is one
    high: tuple[float | None, ...] = ()
    reference: float | None = None


def _window_labels(r: MonitorResult) -> tuple[str, ...]:
    # a month window is named by its month, any shorter one by its first day
    return tuple(w.start[:7] if r.window.endswith("mo") else w.start[:10] for w in r.windows)


def _nan(v: float | None) -> float:
    return float("nan") if v is None else float(v)


@dataclass
class _TimeDisplay(Display):
    windows: tuple[str, ...]
    alerts: tuple[bool, ...]  # per window: any check alerted
    series: tuple[Series, ...]
    title: str
    ylabel: str
    thresholds: tuple[tuple[float, str], ...] = field(default=())

    def height_in(self, width_in: float = WIDTH_IN) -> float:
        return 2.9

    def plot(self, ax: Axes | None = None, *, theme: str | Theme = "light") -> _TimeDisplay:
        ax, th = self._own_axes(ax, theme)
        xs = list(range(len(self.windows)))
        for i, alert in enumerate(self.alerts):
            if alert:
                ax.axvspan(i - 0.5, i + 0.5, color=VERMILLION, alpha=0.12, linewidth=0)
        for k, s in enumerate(self.series[:MAX_SERIES]):
            colour = SERIES[k % len(SERIES)]
            ys = [_nan(v) for v in s.values]
            ax.plot(xs, ys, marker=MARKERS[k % len(MARKERS)], markersize=3.5, linewidth=1.1, color=colour, label=s.label)
            if s.low and s.high:
                ax.fill_between(xs, [_nan(v) for v in s.low], [_nan(v) for v in s.high], color=colour, alpha=0.15, linewidth=0)
            if s.reference is not None:
                ax.axhline(s.reference, color=colour, linestyle=":", linewidth=0.8)
        for value, label in self.thresholds:
            ax.axhline(value, color=VERMILLION, linestyle="--", linewidth=0.9)
            ax.text(len(xs) - 0.5, value, f" {label}", color=VERMILLION, fontsize=6, va="bottom", ha="right")
        ax.set_xticks(xs)
        step = max(1, len(xs) // 12)  # at most about twelve tick labels
        ax.set_xticklabels([w if i % step == 0 else "" for i, w in enumerate(self.windows)], rotation=45, ha="right")
        ax.set_xlim(-0.5, max(len(xs) - 0.5, 0.5))
        ax.set_ylabel(self.ylabel, fontsize=7)
        style_axis(ax, th, grid="y")
        self.ax_ = ax
        return self

    def figure(self, *, theme: str | Theme = "light", width_in: float = WIDTH_IN) -> Figure:
        th = get_theme(theme)
        made, ax = self._axes(th, width_in)
        fig: Figure = made  # Display._axes is untyped (reports/charts/display.py)
        fig.subplots_adjust(left=0.09, right=0.78, top=0.86, bottom=0.22)
        self.plot(ax, theme=th)
        suptitle(fig, self.title, th)
        if self.series:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=6.5, frameon=False, labelcolor=th.ink)
        return fig


@dataclass
class GroupRatesTimeDisplay(_TimeDisplay):
    @classmethod
    def from_result(cls, r: MonitorResult, column: str | None = None) -> GroupRatesTimeDisplay:
        """The groups of one sensitive column (the first when not given); dotted lines: the reference's rates."""
        columns = list(dict.fromkeys(g.column for w in r.windows for g in w.groups))
        col = column if column is not None else (columns[0] if columns else "")
        names = list(dict.fromkeys(g.group for w in r.windows for g in w.groups if g.column == col))
        series = []
        for name in names:
            cells = [next((g for g in w.groups if g.column == col and g.group == name), None) for w in r.windows]
            rates = [None if c is None else c.selection_rate for c in cells]
            series.append(
                Series(
                    label=f"{col}={name}",
                    values=tuple(None if e is None else e.value for e in rates),
                    low=tuple(None if e is None else e.ci_low for e in rates),
                    high=tuple(None if e is None else e.ci_high for e in rates),
                    reference=r.reference.group_rates.get(f"{col}={name}"),
                )
            )
        return cls(
            windows=_window_labels(r),
            alerts=tuple(w.status == "alert" for w in r.windows),
            series=tuple(series),
            title=f"Selection rate by {col or 'group'} per window ({r.plan.ci_level:.0%} intervals; dotted: the reference; "
            "shaded: windows with an alert)",
            ylabel="selection rate",
        )


@dataclass
class DriftTimeDisplay(_TimeDisplay):
    @classmethod
    def from_result(cls, r: MonitorResult, max_features: int = MAX_SERIES) -> DriftTimeDisplay:
        """The features that moved most (largest distance in any window) first."""
        names = list(dict.fromkeys(k for w in r.windows for k in w.drift_distances))
        peak = {k: max(w.drift_distances.get(k, 0.0) for w in r.windows) for k in names}
        chosen = sorted(names, key=lambda k: -peak[k])[:max_features]
        series = tuple(Series(label=k, values=tuple(w.drift_distances.get(k) for w in r.windows)) for k in chosen)
        d = r.plan.drift
        more = f" ({len(names) - len(chosen)} more features in the result)" if len(names) > len(chosen) else ""
        kinds = {kind for k in chosen if (kind := _kind(r, k)) is not None}
        unknown = any(_kind(r, k) is None for k in chosen)  # a result written before the kinds were kept
        numeric, categorical = ("numeric" in kinds or unknown), ("categorical" in kinds or unknown)
        # Only the thresholds of the distances plotted: W/sd for numeric features, JS for categorical ones.
        if numeric and categorical and d.js == d.wasserstein_normed:
            thresholds: tuple[tuple[float, str], ...] = ((d.js, f"W/sd and JS {d.js:g}"),)
        else:
            thresholds = ((d.wasserstein_normed, f"W/sd {d.wasserstein_normed:g}"),) if numeric else ()
            thresholds += ((d.js, f"JS {d.js:g}"),) if categorical else ()
        ylabel = "W / sd (numeric), JS (categorical)" if numeric and categorical else "W / sd" if numeric else "JS distance"
        return cls(
            windows=_window_labels(r),
            alerts=tuple(w.status == "alert" for w in r.windows),
            series=series,
            title=f"Drift per feature against the reference{more}; shaded: windows with an alert",
            ylabel=ylabel,
            thresholds=thresholds if series else (),
        )


def _kind(r: MonitorResult, name: str) -> str | None:
    """How `name`'s drift was measured: from the result's record of kinds, else from its per-group findings."""
    if name in r.feature_kinds:
        return r.feature_kinds[name]
    if name == "(scores)":
        return "numeric"
    return next((f.kind for w in r.windows for g in w.group_drift for f in g.features if f.name == name), None)


def monitoring_displays(r: MonitorResult) -> list[tuple[str, _TimeDisplay]]:
    """(caption, display) of every monitoring chart of `r`: the rates of each sensitive column, then the drift."""
    columns = list(dict.fromkeys(g.column for w in r.windows for g in w.groups))
    out: list[tuple[str, _TimeDisplay]] = [(f"Selection rate by {c}", GroupRatesTimeDisplay.from_result(r, c)) for c in columns]
    if any(w.drift_distances for w in r.windows):
        out.append(("Drift per feature", DriftTimeDisplay.from_result(r)))
    return out


def monitoring_figures(r: MonitorResult, theme: str = "light") -> list[tuple[str, Figure]]:
    """(caption, Figure) of every monitoring chart, as the report draws them."""
    return [(caption, d.figure(theme=theme)) for caption, d in monitoring_displays(r)]
