"""One decision explained as a waterfall: from the base value, each feature's contribution in turn, to the model's output
for the row, with the decision threshold in the same output space. From the result's local explanations only."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reports import format as F
from reports.charts.data import explanations
from reports.charts.display import Display
from reports.charts.style import BLUE, VERMILLION, WIDTH_IN, Theme, label_width_in, margins, style_axis, suptitle, wrap
from reports.charts.style import theme as get_theme

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TOP_STEPS = 9  # features drawn one by one; the rest are summed into one step


def decision_threshold(result: Any) -> tuple[float | None, str]:
    """The decision threshold in the explained output space, and how it was placed ((None, why) where it cannot be).

    The model decides favourably at score >= threshold (the declared one, else 0.5: what `predict` does for a binary
    classifier); on the log-odds scale that is logit(threshold); a margin without a declared threshold decides at 0."""
    ex = explanations(result)
    space = (ex.output_space if ex else "").lower()
    declared = result.spec.threshold
    thr = 0.5 if declared is None else float(declared)
    how = f"score {'threshold' if declared is not None else 'default'} {thr:g}"
    if space.startswith("probability"):
        return thr, how
    if space.startswith("log-odds"):
        if 0.0 < thr < 1.0:
            return math.log(thr / (1 - thr)), f"{how} = {math.log(thr / (1 - thr)):+.3g} log-odds"
        return None, f"a threshold of {thr:g} has no log-odds value"
    if space.startswith("decision (1"):  # the model-agnostic explainer of a model without scores
        return 0.5, "between the adverse (0) and favourable (1) decision"
    if "margin" in space and declared is None:
        return 0.0, "margin 0 (the model's own predict)"
    return None, f"the declared score threshold is not on the explained scale ({ex.output_space if ex else 'none'})"


def _value_text(v: Any) -> str:
    if v is None:
        return "missing"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


@dataclass
class WaterfallDisplay(Display):
    title: str
    labels: tuple[str, ...]  # "feature = value", largest contribution first (the last may be "N other features")
    contributions: tuple[float, ...]
    base: float
    output: float
    threshold: float | None
    threshold_note: str
    output_space: str
    decision: bool
    score: float | None

    @classmethod
    def from_result(cls, result: Any, index: int = 0, top: int = TOP_STEPS) -> WaterfallDisplay:
        """The `index`-th local explanation of the result (`result.explanations.local`)."""
        ex = explanations(result)
        if ex is None or not ex.local:
            raise ValueError("This result holds no local explanations to chart.")
        if not 0 <= index < len(ex.local):
            raise ValueError(f"There are {len(ex.local)} local explanations; {index} is not one of them.")
        e = ex.local[index]
        items = sorted(e.contributions.items(), key=lambda t: -abs(t[1]))
        shown, rest = items[:top], items[top:]
        labels = [wrap(f"{f} = {_value_text(e.feature_values.get(f))}", 34) for f, _ in shown]
        contribs = [c for _, c in shown]
        if rest:
            labels.append(f"{len(rest)} other feature{'s' if len(rest) != 1 else ''}")
            contribs.append(sum(c for _, c in rest))
        thr, how = decision_threshold(result)
        decision = "favourable" if e.decision else "adverse"
        title = (
            f"{e.kind.capitalize()} decision, {F.group(e.attributes)}, row {e.row}"
            + ("" if e.kind == decision else f": {decision}")
            + (f" (score {e.score:.3f})" if e.score is not None else "")
        )
        return cls(
            title=title,
            labels=tuple(labels),
            contributions=tuple(contribs),
            base=e.base_value,
            output=e.output,
            threshold=thr,
            threshold_note=how,
            output_space=ex.output_space or "model output",
            decision=e.decision,
            score=e.score,
        )

    def starts(self) -> list[float]:
        """Where each step's bar starts: the smallest steps are added to the base first, so the largest ends at the top."""
        out, at = [0.0] * len(self.contributions), self.base
        for i in range(len(self.contributions) - 1, -1, -1):
            out[i] = at
            at += self.contributions[i]
        return out

    def height_in(self, width_in: float = WIDTH_IN) -> float:
        lines = sum(lab.count("\n") + 1 for lab in self.labels)
        return max(2.2, 1.15 + 0.2 * lines)

    def plot(self, ax: Any = None, *, theme: str | Theme = "light") -> WaterfallDisplay:
        ax, th = self._own_axes(ax, theme)
        style_axis(ax, th)
        n = len(self.contributions)
        ys = list(range(n - 1, -1, -1))
        starts = self.starts()
        colours = [VERMILLION if c > 0 else BLUE for c in self.contributions]
        self.bars_ = ax.barh(ys, self.contributions, left=starts, color=colours, height=0.62)
        ends = [s + c for s, c in zip(starts, self.contributions, strict=True)]
        for y, s, c in zip(ys, starts, self.contributions, strict=True):
            ax.text(max(s, s + c), y, f" {c:+.3f}", va="center", ha="left", fontsize=6.5, color=th.ink)
        self.connectors_ = (
            ax.vlines(ends[1:], [y - 0.31 for y in ys[1:]], [y + 0.31 + 0.38 for y in ys[1:]], colors=th.muted, linewidth=0.5)
            if n > 1
            else None
        )
        self.base_line_ = ax.axvline(self.base, color=th.muted, linestyle=":", linewidth=0.9)
        self.output_line_ = ax.axvline(self.output, color=th.ink, linewidth=1.0)
        self.threshold_line_ = (
            ax.axvline(self.threshold, color=VERMILLION, linestyle="--", linewidth=0.9) if self.threshold is not None else None
        )
        marks = [self.base, self.output] + ([self.threshold] if self.threshold is not None else [])
        lo, hi = min(starts + ends + marks), max(starts + ends + marks)
        pad = (hi - lo) * 0.12 or 0.1
        ax.set_xlim(lo - pad * 0.4, hi + pad)
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_yticks(ys)
        ax.set_yticklabels(self.labels, fontsize=7)
        ax.set_xlabel(self.output_space, fontsize=7)
        return self

    def figure(self, *, theme: str | Theme = "light", width_in: float = WIDTH_IN) -> Figure:
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        fig, ax = self._axes(theme, width_in)
        th = get_theme(theme)
        self.plot(ax, theme=th)
        margins(fig, left_in=label_width_in(self.labels, 7.8), top_in=0.42, bottom_in=0.72)
        suptitle(fig, self.title, th, fontsize=8.5)
        handles = [
            Patch(color=VERMILLION, label="towards favourable"),
            Patch(color=BLUE, label="towards adverse"),
            Line2D([], [], color=th.muted, linestyle=":", label=f"base value {self.base:+.3f}"),
            Line2D([], [], color=th.ink, label=f"output {self.output:+.3f}"),
        ]
        if self.threshold is not None:
            handles.append(Line2D([], [], color=VERMILLION, linestyle="--", label=f"threshold ({self.threshold_note})"))
        fig.legend(
            handles=handles,
            loc="lower left",
            ncol=len(handles),
            fontsize=6.3,
            frameon=False,
            labelcolor=th.ink,
            bbox_to_anchor=(0.01, 0.0),
            handletextpad=0.4,
            columnspacing=1.0,
            handlelength=1.4,
        )
        return fig


def waterfall_figure(result: Any, index: int = 0, top: int = TOP_STEPS) -> Figure:
    return WaterfallDisplay.from_result(result, index, top).figure()


def first_adverse(result: Any) -> int | None:
    """Index of the local explanation the report draws: an adverse decision, preferring one near the threshold
    (borderline) and then the largest group; None when there is none."""
    ex = explanations(result)
    if ex is None:
        return None
    adverse = [(i, e) for i, e in enumerate(ex.local) if not e.decision]
    if not adverse:
        return None
    sizes = {tuple(sorted(g.attributes.items())): g.n_rows for g in ex.by_group}
    best = min(adverse, key=lambda t: (t[1].kind != "borderline", -sizes.get(tuple(sorted(t[1].attributes.items())), 0), t[0]))
    return best[0]
