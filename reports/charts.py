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
DPI = 150
BLUE, VERMILLION, GREY, GREEN, ORANGE, SKY = "#0072B2", "#D55E00", "#8C8C8C", "#009E73", "#E69F00", "#56B4E9"
STATUS_STYLE = {  # marker, face colour, edge colour, legend label
    "pass": ("o", BLUE, BLUE, "pass"),
    "fail": ("X", VERMILLION, VERMILLION, "FAIL"),
    "insufficient_evidence": ("o", "white", GREY, "insufficient evidence"),
    None: (".", "#444444", "#444444", "no check on this metric"),
}
RATE_METRICS = ("selection_rate", "tpr", "fpr", "fnr")


def _figure(height_in: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
    fig.patch.set_facecolor("white")
    return fig


def _wrap(label: str, width: int = 26) -> str:
    return "\n".join(textwrap.wrap(label, width, break_long_words=True)) or label


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


def group_rates_figure(result, level: tuple[str, ...], metrics: tuple[str, ...] = RATE_METRICS, groups=None,
                       part: tuple[int, int] | None = None):
    """Selection rate and error rates per group of one level, with confidence intervals, the reference group marked and
    each policy threshold that applies to the metric drawn (four-fifths: 0.8 x the highest group's rate; difference
    checks: the band around the comparator). `groups` draws a subset (e.g. one page of 60 intersections), `part` = (i, n)
    titles it "part i of n"."""
    import numpy as np

    level = tuple(level)
    all_groups = level_groups(result, level)
    groups = list(groups) if groups is not None else all_groups
    summary = level_summary(result, level)
    ref = summary.reference if summary else {}
    vidx = verdict_index(result)
    checks = [c for c in result.spec.policy.checks
              if c.levels == "all" or (c.levels == "features") == (len(level) == 1)]
    n = len(groups)
    labels = []
    for g in groups:
        marks = (" (ref)" if g.attributes == ref else "") + (" ✱" if g.small else "")
        labels.append(_wrap(F.group(g.attributes, values_only=True)) + marks)
    lines = sum(lab.count("\n") + 1 for lab in labels)
    height = max(1.9, 0.95 + 0.13 * lines + 0.05 * n)
    fig = _figure(height)
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]  # not sharey: shared axes build every tick for every panel
    y = np.arange(n)[::-1]
    for ax, m in zip(axes, metrics):
        _style_axis(ax)
        est = [g.metrics.get(m) for g in groups]
        vals = np.array([np.nan if e is None or e.value is None else e.value for e in est])
        lo = np.array([np.nan if e is None or e.ci_low is None else e.ci_low for e in est])
        hi = np.array([np.nan if e is None or e.ci_high is None else e.ci_high for e in est])
        ok = ~np.isnan(lo) & ~np.isnan(hi) & ~np.isnan(vals)
        if ok.any():
            ax.errorbar(vals[ok], y[ok], xerr=[np.maximum(vals[ok] - lo[ok], 0), np.maximum(hi[ok] - vals[ok], 0)],
                        fmt="none", ecolor="#555555", elinewidth=0.8, capsize=1.5)
        mchecks = [c for c in checks if c.metric == m]
        status = [_worst([vidx.get((c.id, level, tuple(sorted(g.attributes.items()))), "") for c in mchecks]) for g in groups]
        for st in ("pass", None, "insufficient_evidence", "fail"):
            sel = np.array([s == st for s in status]) & ~np.isnan(vals)
            if sel.any():
                mk, face, edge, _ = STATUS_STYLE[st]
                ax.scatter(vals[sel], y[sel], marker=mk, s=22 if mk == "X" else 30 if mk == "." else 14, c=face,
                           edgecolors=edge, linewidths=0.8, zorder=3)
        for c in mchecks:
            _draw_threshold(ax, result, c, level, all_groups, m)
        _title(ax, F.metric(m))
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_yticks([])
        ax.set_xlim(-0.02, 1.02)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1])
        ax.set_xticklabels(["0", "", "0.5", "", "1"])
    axes[0].set_yticks(y)
    axes[0].set_yticklabels(labels, fontsize=7)
    axes[0].set_ylim(-0.7, n - 0.3)
    _margins(fig, left_in=_label_width_in(labels), top_in=0.42, bottom_in=0.62, wspace=0.12)
    title = f"Rates by group: {F.level(level)}" + (f", part {part[0]} of {part[1]}" if part else "")
    fig.suptitle(f"{title}  (bars: {int(result.spec.ci_level * 100)}% CI; ✱ small group)",
                 fontsize=9, x=0.02, ha="left", y=1 - 0.06 / height)
    _status_legend(fig, extra=[("threshold", "line")], no_check=True)
    return fig


def _draw_threshold(ax, result, check, level, groups, metric) -> None:
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
    kw = dict(color=VERMILLION, linewidth=0.9, linestyle="--", zorder=2)
    bounds = [b for b in (check.min, check.max) if b is not None]
    if check.compare == "ratio":
        xs = [base * b for b in bounds]
    else:
        xs = [base + b for b in bounds]
    xs = [x for x in xs if -0.02 <= x <= 1.02]
    for x in xs:
        ax.axvline(x, **kw)
    if check.compare == "difference" and len(bounds) == 2:
        ax.axvspan(max(base + bounds[0], 0), min(base + bounds[1], 1), color=VERMILLION, alpha=0.06, zorder=1)


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


def calibration_figure(result, level: tuple[str, ...] | None = None):
    """Observed rate against mean score per score bin, overall and for each group of `level` (a single feature)."""
    groups = [result.overall] + (level_groups(result, level) if level else [])
    fig = _figure(3.0)
    ax = fig.subplots()
    _style_axis(ax)
    ax.plot([0, 1], [0, 1], color="#999999", linewidth=0.7, linestyle=":", label="perfect calibration")
    markers = "osD^v<>ph*"
    colours = [BLUE, VERMILLION, GREEN, ORANGE, SKY, "#CC79A7", "#000000", GREY]
    for i, g in enumerate(groups):
        pts = [(b.mean_score, b.observed_rate, b.n) for b in g.calibration if b.mean_score is not None and b.observed_rate is not None]
        if not pts:
            continue
        xs, ys, ns = zip(*pts)
        lab = "everyone" if not g.attributes else F.group(g.attributes, values_only=True) + (" ✱" if g.small else "")
        colour = "#333333" if i == 0 else colours[(i - 1) % len(colours)]
        ax.plot(xs, ys, linewidth=1.4 if i == 0 else 0.8, color=colour, alpha=0.8)
        ax.scatter(xs, ys, s=[6 + 40 * (k / max(ns)) ** 0.5 for k in ns], marker=markers[i % len(markers)], color=colour,
                   label=_wrap(lab, 24), zorder=3)
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
