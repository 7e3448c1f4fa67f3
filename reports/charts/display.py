"""The display-object pattern (scikit-learn's `*Display`): compute once from the result into a small object of plain
values, then draw on a given axes.

    d = WaterfallDisplay.from_result(result, index=0)   # plain data: testable, picklable, cheap (no matplotlib)
    d.plot(ax=my_axes, theme="dark")                     # draws on an axes someone else laid out; sets d.ax_ and artists
    fig = d.figure(theme="light")                        # or a whole figure, sized and titled as the report shows it

The report and the desktop app both call `figure()` on the same display objects, so they show the same picture. Plotting
sets attributes ending in "_" (the axes, the figure, the artists drawn); those are dropped when a display is pickled, so
a display can travel to another process and be drawn there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reports.charts.style import WIDTH_IN, Theme, new_figure, theme

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure


class Display:
    """Base of every chart display object (the subclasses are dataclasses of plain values)."""

    figure_: Figure | SubFigure  # set by plot(): the figure drawn on (a subfigure when the caller's axes is in one)

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.endswith("_")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    # -- to override -----------------------------------------------------------------------------------------------------
    def plot(self, ax: Any = None, *, theme: str | Theme = "light") -> Display:
        raise NotImplementedError

    def height_in(self, width_in: float = WIDTH_IN) -> float:
        """Height of the figure `figure()` makes (the report's layout asks before drawing)."""
        return 3.0

    def figure(self, *, theme: str | Theme = "light", width_in: float = WIDTH_IN) -> Figure:
        """A matplotlib Figure with this display drawn on one axes filling it (subclasses add titles and legends)."""
        fig, ax = self._axes(theme, width_in)
        self.plot(ax, theme=theme)
        return fig

    # -- helpers ---------------------------------------------------------------------------------------------------------
    def _axes(self, th: str | Theme, width_in: float, **subplots: Any) -> tuple[Figure, Any]:
        # Any: `Figure.subplots` gives one Axes or an array of them, depending on `subplots`
        fig = new_figure(self.height_in(width_in), theme(th), width_in=width_in)
        self.figure_ = fig
        return fig, fig.subplots(**subplots)

    def _own_axes(self, ax: Axes | None, th: str | Theme) -> tuple[Axes, Theme]:
        """`ax`, or a new figure's axes when none is given (as `plot(ax=None)` does in scikit-learn)."""
        if ax is None:
            _, ax = self._axes(th, WIDTH_IN)
        self.ax_ = ax
        self.figure_ = ax.figure
        return ax, theme(th)
