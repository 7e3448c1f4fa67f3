"""The report's charts, drawn off-screen with matplotlib (Agg) from result objects only.

Every function returns a `matplotlib.figure.Figure` (no pyplot state), so the desktop app can put the same picture in a
`FigureCanvasQTAgg`; `to_png` / `to_image` turn a figure into bytes or a PIL image for the PDF. Margins are set by hand
(no `tight_layout`, which costs more than the drawing), and markers differ by shape as well as colour, so nothing is told
by colour alone.
"""
from __future__ import annotations

import io
import textwrap
from typing import Iterable

from reports import format as F

WIDTH_IN = 7.0  # one width for every chart: the PDF's text width
DPI = 125
BLUE, VERMILLION, GREY, GREEN, ORANGE, SKY = "#0072B2", "#D55E00", "#8C8C8C", "#009E73", "#E69F00", "#56B4E9"
STATUS_STYLE = {  # marker, face colour, edge colour, legend label
    "pass": ("o", BLUE, BLUE, "pass"),
    "fail": ("X", VERMILLION, VERMILLION, "FAIL"),
    "insufficient_evidence": ("o", "white", GREY, "insufficient evidence"),
    None: (".", "#444444", "#444444", "no check on this metric"),
}
RATE_METRICS = ("selection_rate", "tpr", "fpr", "fnr")
# Text without hinting, rendered at its own resolution: about a quarter faster at print resolution, same look on paper.
FAST_TEXT = {"text.hinting": "no_hinting"}


def fast_text():
    """Context for making and drawing a figure with FAST_TEXT (the report uses it; the app may too)."""
    import matplotlib

    return matplotlib.rc_context(FAST_TEXT)


def _figure(height_in: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
    fig.patch.set_facecolor("white")
    return fig


def _wrap(label: str, width: int = 26) -> str:
    return "\n".join(textwrap.wrap(label, width, break_long_words=True, break_on_hyphens=False)) or label


def _margins(fig, left_in: float, right_in: float = 0.15, top_in: float = 0.45, bottom_in: float = 0.55, wspace=0.08):
    w, h = fig.get_size_inches()
    fig.subplots_adjust(left=left_in / w, right=1 - right_in / w, top=1 - top_in / h, bottom=bottom_in / h, wspace=wspace)


def _label_width_in(labels: Iterable[str], fontsize: float = 7) -> float:
    longest = max((max(len(line) for line in lab.split("\n")) for lab in labels), default=4)
    return 0.12 + longest * fontsize * 0.55 / 72


def _title(ax, text: str, fontsize: float = 8) -> None:
    """An axes title without `set_title`, whose automatic placement measures every tick label (slow with many groups)."""
    ax.text(0.5, 1.0, text, transform=ax.transAxes, ha="center", va="bottom", fontsize=fontsize)


def _style_axis(ax) -> None:
    ax.tick_params(labelsize=7, length=2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color="#dddddd", linewidth=0.5)
    ax.set_axisbelow(True)


def level_groups(result, level: tuple[str, ...]):
    return [g for g in result.groups if g.level == tuple(level)]


def level_summary(result, level: tuple[str, ...]):
    for lv in result.levels:
        if lv.level == tuple(level):
            return lv
    return None


def verdict_index(result) -> dict[tuple, str]:
    """(check, level, group items) -> status, for marking groups on charts and in tables."""
    return {(v.check, v.level, tuple(sorted(v.group.items()))): v.status for v in result.verdicts}


def _worst(statuses: list[str]) -> str | None:
    for s in ("fail", "insufficient_evidence", "pass"):
        if s in statuses:
            return s
    return None


PANEL_GAP = 0.32  # between panels, in units of a rate (panels are 0..1 wide)


def group_rates_figure(result, level: tuple[str, ...], metrics: tuple[str, ...] = RATE_METRICS, groups=None,
                       part: tuple[int, int] | None = None, legend: bool = True):
    """Selection rate and error rates per group of one level, with confidence intervals, the reference group marked and
    each policy threshold that applies to the metric drawn (four-fifths: 0.8 x the highest group's rate; difference
    checks: the band around the comparator). `groups` draws a subset (e.g. one page of 60 intersections), `part` = (i, n)
    titles it "part i of n"."""
    level = tuple(level)
    title = f"Rates by group: {F.level(level)}" + (f", part {part[0]} of {part[1]}" if part else "")
    return rates_figure(result, [(level, groups)], metrics, title=title, legend=legend)


def attribute_rates_figure(result, levels: list[tuple[str, ...]] | None = None, metrics: tuple[str, ...] = RATE_METRICS,
                           legend: bool = True):
    """The same chart for several levels at once (default: every single sensitive attribute), one block per level."""
    levels = levels if levels is not None else [lv.level for lv in result.levels if len(lv.level) == 1]
    return rates_figure(result, [(tuple(lv), None) for lv in levels], metrics,
                        title="Rates by group: " + ", ".join(F.level(lv) for lv in levels), legend=legend, headers=True)


def rates_figure(result, blocks, metrics: tuple[str, ...] = RATE_METRICS, title: str = "Rates by group",
                 legend: bool = True, headers: bool = False):
    """`blocks`: [(level, groups or None)], drawn top to bottom. The metric panels share one Axes, side by side (offset by
    1 + PANEL_GAP), so a chart has one set of artists whatever the number of panels: that keeps 60 groups fast."""
    from matplotlib.transforms import blended_transform_factory

    vidx = verdict_index(result)
    rows = []  # (label, group or None, level, bold)
    spans = []  # (level, y_top_index, y_bottom_index, all groups of the level)
    for level, groups in blocks:
        all_groups = level_groups(result, level)
        groups = list(groups) if groups is not None else all_groups
        summary = level_summary(result, level)
        ref = summary.reference if summary else {}
        if headers:
            rows.append((F.level(level), None, level, True))
        first = len(rows)
        for g in groups:
            marks = (" (ref)" if g.attributes == ref else "") + (" ✱" if g.small else "")
            rows.append((_wrap(F.group(g.attributes, values_only=True)) + marks, g, level, False))
        spans.append((level, first, len(rows) - 1, all_groups))
    n = len(rows)
    lines = sum(r[0].count("\n") + 1 for r in rows)
    height = max(1.9, 0.95 + 0.13 * lines + 0.05 * n)
    fig = _figure(height)
    ax = fig.subplots()
    for side in ax.spines.values():
        side.set_visible(False)
    ys = [float(n - 1 - i) for i in range(n)]
    y0, y1 = -0.7, n - 0.3
    ex, ey, elo, ehi = [], [], [], []
    marks: dict[object, tuple[list, list]] = {}
    frame_x, grid_x, ticks, tick_labels = [], [], [], []
    above = blended_transform_factory(ax.transData, ax.transAxes)
    for k, m in enumerate(metrics):
        off = k * (1 + PANEL_GAP)
        frame_x.append(off - 0.02)
        grid_x += [off + 0.25, off + 0.5, off + 0.75]
        ticks += [off, off + 0.5, off + 1]
        tick_labels += ["0", "0.5", "1"]
        ax.text(off + 0.5, 1.0, F.metric(m), transform=above, ha="center", va="bottom", fontsize=8)
        for level, top, bottom, all_groups in spans:
            checks = [c for c in result.spec.policy.checks if c.metric == m and
                      (c.levels == "all" or (c.levels == "features") == (len(level) == 1))]
            for i in range(top, bottom + 1):
                g, yi = rows[i][1], ys[i]
                e = g.metrics.get(m)
                if e is None or e.value is None:
                    continue
                if e.ci_low is not None and e.ci_high is not None:
                    ex.append(off + e.value)
                    ey.append(yi)
                    elo.append(max(e.value - e.ci_low, 0))
                    ehi.append(max(e.ci_high - e.value, 0))
                st = _worst([vidx.get((c.id, level, tuple(sorted(g.attributes.items()))), "") for c in checks])
                marks.setdefault(st, ([], []))
                marks[st][0].append(off + e.value)
                marks[st][1].append(yi)
            block = (ys[bottom] - 0.45, ys[top] + 0.45) if len(spans) > 1 else (y0, y1)
            for c in checks:
                _draw_threshold(ax, result, c, level, all_groups, m, off, block)
    ax.vlines(grid_x, y0, y1, colors="#e4e4e4", linewidth=0.5, zorder=0)
    ax.vlines(frame_x, y0, y1, colors="#333333", linewidth=0.8, zorder=1)
    ax.hlines([y0] * len(frame_x), frame_x, [x + 1.04 for x in frame_x], colors="#333333", linewidth=0.8, zorder=1)
    for i, r in enumerate(rows):
        if r[3] and i:
            ax.hlines([ys[i] + 0.5] * len(frame_x), frame_x, [x + 1.04 for x in frame_x], colors="#bbbbbb", linewidth=0.5)
    if ex:
        ax.errorbar(ex, ey, xerr=[elo, ehi], fmt="none", ecolor="#555555", elinewidth=0.8, capsize=1.5, zorder=2)
    for st in ("pass", None, "insufficient_evidence", "fail"):
        if st in marks:
            mk, face, edge, _ = STATUS_STYLE[st]
            ax.scatter(marks[st][0], marks[st][1], marker=mk, s=22 if mk == "X" else 30 if mk == "." else 14, c=face,
                       edgecolors=edge, linewidths=0.8, zorder=3)
    ax.set_xlim(-0.05, len(metrics) * (1 + PANEL_GAP) - PANEL_GAP + 0.05)
    ax.set_ylim(y0 - 0.02, y1)
    # Tick marks and labels drawn directly: matplotlib's Tick objects cost more than the rest of a small chart.
    ax.set_xticks([])
    ax.set_yticks([])
    below = blended_transform_factory(ax.transData, ax.transAxes)
    ax.vlines(ticks, y0 - 0.02 - 0.012 * (y1 - y0), y0 - 0.02, colors="#333333", linewidth=0.8, clip_on=False)
    for x, lab in zip(ticks, tick_labels):
        ax.text(x, -0.02, lab, transform=below, ha="center", va="top", fontsize=7)
    label_at = blended_transform_factory(ax.transAxes, ax.transData)
    for yi, r in zip(ys, rows):
        ax.text(-0.01, yi, r[0], transform=label_at, ha="right", va="center", fontsize=7.5 if r[3] else 7,
                fontweight="bold" if r[3] else "normal")
    left = max([_label_width_in([r[0]]) for r in rows if not r[3]] + [_label_width_in([r[0]], 7.5) * 1.12 for r in rows if r[3]])
    _margins(fig, left_in=left, top_in=0.42, bottom_in=0.62 if legend else 0.35)
    fig.suptitle(f"{title}  (bars: {int(result.spec.ci_level * 100)}% CI; ✱ small group)",
                 fontsize=9, x=0.02, ha="left", y=1 - 0.06 / height)
    if legend:
        _status_legend(fig, extra=[("threshold", "line")], no_check=True)
    return fig


def _draw_threshold(ax, result, check, level, groups, metric, off: float = 0.0, ylim=None) -> None:
    comparator = None
    for v in result.verdicts:
        if v.check == check.id and v.level == level:
            comparator = v.comparator
            break
    if comparator is None:
        return
    base = None
    for g in groups:
        if g.attributes == comparator:
            e = g.metrics.get(metric)
            base = None if e is None else e.value
    if base is None:
        return
    bounds = [b for b in (check.min, check.max) if b is not None]
    xs = [base * b for b in bounds] if check.compare == "ratio" else [base + b for b in bounds]
    xs = [off + x for x in xs if -0.02 <= x <= 1.02]
    y0, y1 = ylim if ylim else ax.get_ylim()
    if xs:
        ax.vlines(xs, y0, y1, colors=VERMILLION, linewidth=0.9, linestyles="--", zorder=2)
    if check.compare == "difference" and len(bounds) == 2:
        lo, hi = max(base + bounds[0], 0), min(base + bounds[1], 1)
        ax.fill_between([off + lo, off + hi], y0, y1, color=VERMILLION, alpha=0.06, zorder=1, linewidth=0)


def _status_legend(fig, extra=(), no_check: bool = False) -> None:
    from matplotlib.lines import Line2D

    handles = []
    for st in ("pass", "fail", "insufficient_evidence") + ((None,) if no_check else ()):
        mk, face, edge, lab = STATUS_STYLE[st]
        handles.append(Line2D([], [], marker=mk, linestyle="none", markerfacecolor=face, markeredgecolor=edge,
                              markersize=5, label=lab))
    for lab, kind in extra:
        handles.append(Line2D([], [], color=VERMILLION, linestyle="--", linewidth=0.9, label=lab))
    fig.legend(handles=handles, loc="lower left", ncol=len(handles), fontsize=7, frameon=False,
               bbox_to_anchor=(0.01, 0.0), handletextpad=0.3, columnspacing=1.2)


def disparity_overview_figure(result):
    """Every verdict at a glance: one panel per policy check, one row per level, one marker per group at its statistic
    (shape and colour by status), the thresholds drawn."""
    import numpy as np

    from matplotlib.ticker import MaxNLocator

    checks = list(result.spec.policy.checks)
    levels = [lv.level for lv in result.levels]
    labels = [_wrap(F.level(lv), 22) for lv in levels]
    height = max(2.0, 1.0 + 0.26 * len(levels))
    fig = _figure(height)
    axes = fig.subplots(1, max(len(checks), 1), squeeze=False)[0]
    y_of = {lv: len(levels) - 1 - i for i, lv in enumerate(levels)}
    for ax, c in zip(axes, checks):
        _style_axis(ax)
        vs = [v for v in result.verdicts if v.check == c.id and v.statistic.value is not None]
        xs = np.array([v.statistic.value for v in vs])
        if c.compare == "ratio":
            lim = (0.0, max(1.5, min(float(np.nanmax(xs)) if len(xs) else 1.5, 3.0) + 0.05))
        else:
            span = max(0.3, float(np.nanmax(np.abs(xs))) + 0.03 if len(xs) else 0.3)
            lim = (-min(span, 1.0), min(span, 1.0))
        # Spread groups of one level vertically a little so markers do not hide each other.
        jitter = {}
        for v in vs:
            jitter.setdefault(v.level, []).append(v)
        for st in ("pass", "insufficient_evidence", "fail"):
            px, py = [], []
            for lv, items in jitter.items():
                k = len(items)
                for j, v in enumerate(items):
                    if v.status == st:
                        px.append(min(max(v.statistic.value, lim[0]), lim[1]))
                        py.append(y_of[lv] + (0 if k == 1 else (j / (k - 1) - 0.5) * 0.5))
            if px:
                mk, face, edge, _ = STATUS_STYLE[st]
                ax.scatter(px, py, marker=mk, s=20 if mk == "X" else 12, c=face, edgecolors=edge, linewidths=0.7, zorder=3)
        for b in (c.min, c.max):
            if b is not None:
                ax.axvline(b, color=VERMILLION, linestyle="--", linewidth=0.9)
        if c.compare == "ratio":
            ax.axvline(1.0, color="#999999", linewidth=0.6)
        else:
            ax.axvline(0.0, color="#999999", linewidth=0.6)
        ax.set_xlim(*lim)
        against = "highest group" if c.against == "max" else "lowest group" if c.against == "min" else "reference"
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        _title(ax, _wrap(f"{c.id}: {F.SHORT_METRIC.get(c.metric, c.metric)} {c.compare} vs {against}", 30), fontsize=7)
        ax.set_ylim(-0.6, len(levels) - 0.4)
        ax.set_yticks([])
    axes[0].set_yticks(list(y_of.values()))
    axes[0].set_yticklabels(labels, fontsize=7)
    axes[0].set_ylim(-0.6, len(levels) - 0.4)
    _margins(fig, left_in=_label_width_in(labels), top_in=0.62, bottom_in=0.6, wspace=0.12)
    fig.suptitle("Disparity overview: each marker is one group's statistic against its comparator", fontsize=9, x=0.02,
                 ha="left", y=1 - 0.05 / height)
    _status_legend(fig, extra=[("threshold", "line")])
    return fig


def _calibration_curves(ax, groups, *, line: float, size: float, wrap: int) -> None:
    """One curve per group (everyone first, in dark grey); marker area grows with the rows in the bin."""
    markers = "osD^v<>ph*"
    colours = [BLUE, VERMILLION, GREEN, ORANGE, SKY, "#CC79A7", "#000000", GREY]
    for i, g in enumerate(groups):
        pts = [(b.mean_score, b.observed_rate, b.n) for b in g.calibration if b.mean_score is not None and b.observed_rate is not None]
        if not pts:
            continue
        xs, ys, ns = zip(*pts)
        lab = "everyone" if not g.attributes else F.group(g.attributes, values_only=True) + (" ✱" if g.small else "")
        colour = "#333333" if i == 0 else colours[(i - 1) % len(colours)]
        ax.plot(xs, ys, linewidth=line if i == 0 else 0.8, color=colour, alpha=0.85)
        ax.scatter(xs, ys, s=[5 + size * (k / max(ns)) ** 0.5 for k in ns], marker=markers[i % len(markers)], color=colour,
                   label=_wrap(lab, wrap), zorder=3)


def calibration_figure(result, level: tuple[str, ...] | None = None):
    """Observed rate against mean score per score bin, overall and for each group of `level` (a single feature)."""
    groups = [result.overall] + (level_groups(result, level) if level else [])
    fig = _figure(3.0)
    ax = fig.subplots()
    _style_axis(ax)
    ax.plot([0, 1], [0, 1], color="#999999", linewidth=0.7, linestyle=":", label="perfect calibration")
    _calibration_curves(ax, groups, line=1.4, size=40, wrap=24)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean score in bin", fontsize=7)
    ax.set_ylabel("observed rate of the positive outcome", fontsize=7)
    ax.set_aspect("auto")
    ax.legend(fontsize=6.5, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    _margins(fig, left_in=0.55, right_in=2.2, top_in=0.35, bottom_in=0.45)
    title = "Calibration" + (f" by {F.level(level)}" if level else "")
    fig.suptitle(title + " (bins of width 0.1; marker area grows with the rows in the bin; ✱ small group)", fontsize=8.5,
                 x=0.02, ha="left", y=0.98)
    return fig


def calibration_panels_figure(result, levels: tuple[tuple[str, ...], ...], per_row: int = 3):
    """Calibration per group for several single-attribute levels: one panel each, everyone's curve in every panel."""
    import math

    levels = tuple(levels)[:6] or ((),)
    rows = math.ceil(len(levels) / per_row)
    cols = min(per_row, len(levels))
    fig = _figure(0.55 + 2.45 * rows)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, lv in zip(axes, levels):
        _style_axis(ax)
        ax.plot([0, 1], [0, 1], color="#999999", linewidth=0.7, linestyle=":")
        groups = [result.overall] + (level_groups(result, lv) if lv else [])
        _calibration_curves(ax, groups, line=1.3, size=30, wrap=18)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xticks([0, 0.5, 1])
        ax.set_yticks([0, 0.5, 1])
        _title(ax, F.level(lv) if lv else "everyone")
        ax.legend(fontsize=6, frameon=False, loc="lower right", handletextpad=0.2, borderaxespad=0.2, labelspacing=0.25)
    for ax in axes[len(levels):]:
        ax.set_visible(False)
    w, h = fig.get_size_inches()
    fig.subplots_adjust(left=0.45 / w, right=1 - 0.15 / w, top=1 - 0.45 / h, bottom=0.4 / h, wspace=0.18, hspace=0.35)
    fig.suptitle("Calibration by group: observed rate against mean score per bin of 0.1 (marker area grows with rows; "
                 "✱ small group)", fontsize=8, x=0.02, ha="left", y=1 - 0.08 / h)
    return fig


def importance_figure(features: list[str], values: list[float], lows: list[float | None] | None = None,
                      highs: list[float | None] | None = None, title: str = "Global feature importance",
                      flagged: set[str] = frozenset(), xlabel: str = "mean |SHAP value|"):
    """Horizontal bars of importance, largest on top, with intervals where given; proxy features marked ✱."""
    import numpy as np

    n = len(features)
    labels = [_wrap(f + (" ✱ proxy" if f in flagged else ""), 30) for f in features]
    height = max(1.8, 0.8 + 0.17 * n)
    fig = _figure(height)
    ax = fig.subplots()
    _style_axis(ax)
    y = np.arange(n)[::-1]
    vals = np.asarray(values, dtype=float)
    colours = [ORANGE if f in flagged else BLUE for f in features]
    hatches = ["////" if f in flagged else "" for f in features]
    bars = ax.barh(y, vals, color=colours, height=0.65)
    for b, h in zip(bars, hatches):
        b.set_hatch(h)
    if lows is not None and highs is not None:
        lo = np.array([np.nan if v is None else v for v in lows])
        hi = np.array([np.nan if v is None else v for v in highs])
        ok = ~np.isnan(lo) & ~np.isnan(hi)
        if ok.any():
            ax.errorbar(vals[ok], y[ok], xerr=[np.maximum(vals[ok] - lo[ok], 0), np.maximum(hi[ok] - vals[ok], 0)],
                        fmt="none", ecolor="#333333", elinewidth=0.8, capsize=1.5)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlabel(xlabel, fontsize=7)
    _margins(fig, left_in=_label_width_in(labels), top_in=0.35, bottom_in=0.45)
    fig.suptitle(title, fontsize=9, x=0.02, ha="left", y=1 - 0.05 / height)
    return fig


def importance_heatmap_figure(features: list[str], groups: list[str], matrix, title: str = "Importance by group",
                              flagged: set[str] = frozenset()):
    """Groups x features heat map of mean |SHAP|, each cell also printed as a number."""
    import numpy as np

    m = np.asarray(matrix, dtype=float)
    glabels = [_wrap(g, 26) for g in groups]
    flabels = [f + (" ✱" if f in flagged else "") for f in features]
    lines = sum(g.count("\n") + 1 for g in glabels)
    height = max(2.0, 1.3 + 0.16 * lines + 0.04 * len(groups))
    fig = _figure(height)
    ax = fig.subplots()
    vmax = np.nanmax(m) if np.isfinite(m).any() else 1.0
    ax.imshow(m, aspect="auto", cmap="Blues", vmin=0, vmax=vmax or 1.0, interpolation="nearest")
    if m.size <= 600:
        for (i, j), v in np.ndenumerate(m):
            if np.isfinite(v):
                ax.text(j, i, f"{v:.2f}" if v < 10 else f"{v:.0f}", ha="center", va="center", fontsize=5.5,
                        color="white" if v > 0.6 * vmax else "#222222")
    ax.set_yticks(range(len(groups)))
    ax.set_yticklabels(glabels, fontsize=6.5)
    ax.set_xticks(range(len(features)))
    ax.set_xticklabels(flabels, fontsize=6.5, rotation=40, ha="right")
    ax.tick_params(length=0)
    _margins(fig, left_in=_label_width_in(glabels, 6.5), top_in=0.35, bottom_in=1.0)
    fig.suptitle(title, fontsize=9, x=0.02, ha="left", y=1 - 0.05 / height)
    return fig


TOP_FEATURES = 12
HEATMAP_FEATURES = 8
HEATMAP_GROUPS = 30


def _proxy_features(result) -> set[str]:
    return {x.feature for x in result.quality.proxies}


def shap_global_figure(result, top: int = TOP_FEATURES):
    """Global mean |SHAP| per feature with bootstrap intervals (from `result.explanations`); proxies hatched, ✱."""
    ex = result.explanations
    feats = sorted(ex.global_, key=lambda f: -f.value)[:top]
    return importance_figure([f.feature for f in feats], [f.value for f in feats], [f.ci_low for f in feats],
                             [f.ci_high for f in feats], flagged=_proxy_features(result),
                             title=f"Global feature importance (top {len(feats)}; bars: interval over resamples)",
                             xlabel=f"mean |SHAP value| ({ex.output_space or 'model output'})")


def shap_group_figure(result, max_groups: int = HEATMAP_GROUPS, features: int = HEATMAP_FEATURES):
    """Importance compared across groups: % of each single-attribute group's attribution per top feature (heat map)."""
    ex = result.explanations
    feats = [f.feature for f in sorted(ex.global_, key=lambda f: -f.value)[:features]]
    singles = [g for g in ex.by_group if len(g.attributes) == 1]
    groups = sorted(singles or ex.by_group, key=lambda g: (len(g.attributes), list(g.attributes.items())))[:max_groups]
    matrix = []
    for g in groups:
        by = {f.feature: f.share for f in g.features}
        matrix.append([100 * by.get(f, float("nan")) for f in feats])
    labels = [F.group(g.attributes) + (" ✱" if g.n_rows < result.spec.min_group_size else "") for g in groups]
    return importance_heatmap_figure(feats, labels, matrix, flagged=_proxy_features(result),
                                     title="Importance by group: % of the group's attribution per feature")


def to_png(fig, dpi: int = DPI) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white", metadata={"Software": None})
    return buf.getvalue()


def to_image(fig, dpi: int = DPI):
    """A PIL RGB image of the figure, without a PNG round trip (what the PDF embeds)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    if fig.dpi != dpi:
        fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    rgba = canvas.buffer_rgba()
    img = Image.frombuffer("RGBA", canvas.get_width_height(), rgba, "raw", "RGBA", 0, 1)
    return img.convert("RGB")
