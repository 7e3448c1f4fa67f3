"""The look shared by every chart: sizes, the colour-blind-safe palette (Okabe-Ito), the light and dark themes, marker
styles by verdict status, small layout helpers, and turning a figure into pixels or a file.

Nothing here imports matplotlib at module level: the desktop app builds display objects on its GUI thread and draws
them elsewhere. Margins are set by hand (no `tight_layout`, which costs more than the drawing), and markers differ by
shape as well as colour, so nothing is told by colour alone.
"""

from __future__ import annotations

import io
import os
import tempfile
import textwrap
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.ft2font import FT2Font
    from PIL import Image

WIDTH_IN = 7.0  # one width for every report chart: the PDF's text width
DPI = 125
BLUE, VERMILLION, GREY, GREEN, ORANGE, SKY, PURPLE = "#0072B2", "#D55E00", "#8C8C8C", "#009E73", "#E69F00", "#56B4E9", "#CC79A7"
SERIES = (BLUE, VERMILLION, GREEN, ORANGE, SKY, PURPLE, "#000000", GREY)  # one colour per group, in order
MARKERS = "osD^v<>ph*"  # one shape per group, in order (with SERIES: never colour alone)
STATUSES = ("pass", "fail", "insufficient_evidence")
# Text without hinting, rendered at its own resolution: about a quarter faster at print resolution, same look on paper.
FAST_TEXT = {"text.hinting": "no_hinting"}


@dataclass(frozen=True)
class Theme:
    """Colours that change between a white page and a dark window; the data colours (SERIES, status) stay the same."""

    name: str
    background: str
    ink: str  # text, axes frames, tick marks
    muted: str  # reference lines, secondary text
    grid: str
    separator: str  # lines between blocks of rows
    hollow: str  # face of a hollow marker (insufficient evidence)
    no_check: str  # marker of a value no policy check applies to
    error_bar: str
    heat: str  # colour map of heat maps

    def status_style(self, status: str | None) -> tuple[str, str, str, str]:
        """(marker, face colour, edge colour, legend label) for a verdict status (None: no check on this metric)."""
        return {
            "pass": ("o", BLUE, BLUE, "pass"),
            "fail": ("X", VERMILLION, VERMILLION, "FAIL"),
            "insufficient_evidence": ("o", self.hollow, GREY, "insufficient evidence"),
        }.get(status or "", (".", self.no_check, self.no_check, "no check on this metric"))

    def rc(self) -> dict[str, Any]:
        """matplotlib settings for what the charts do not colour themselves (legend text, tick labels made lazily)."""
        return dict(
            FAST_TEXT,
            **{
                "text.color": self.ink,
                "axes.labelcolor": self.ink,
                "xtick.color": self.ink,
                "ytick.color": self.ink,
                "axes.edgecolor": self.ink,
                "axes.facecolor": self.background,
                "figure.facecolor": self.background,
                "savefig.facecolor": self.background,
                "legend.labelcolor": self.ink,
            },
        )


THEMES = {
    "light": Theme(
        "light",
        background="white",
        ink="#1a1a1a",
        muted="#999999",
        grid="#dddddd",
        separator="#bbbbbb",
        hollow="white",
        no_check="#444444",
        error_bar="#555555",
        heat="Blues",
    ),
    "dark": Theme(
        "dark",
        background="#202124",
        ink="#e6e6e6",
        muted="#8a8a8a",
        grid="#3c3f44",
        separator="#5a5e66",
        hollow="#202124",
        no_check="#c8c8c8",
        error_bar="#b8b8b8",
        heat="cividis",
    ),
}
# Kept for callers of the single-theme module: the report's (light) status styles.
STATUS_STYLE = {s: THEMES["light"].status_style(s) for s in (*STATUSES, None)}


def theme(name: str | Theme = "light") -> Theme:
    """The theme called `name` ("light" for the report and the default, "dark" for a dark window)."""
    if isinstance(name, Theme):
        return name
    try:
        return THEMES[name]
    except KeyError:
        raise ValueError(f"Unknown chart theme {name!r}; use one of: {', '.join(THEMES)}.") from None


def fast_text() -> AbstractContextManager[None]:
    """Context for making and drawing a figure with FAST_TEXT (the report uses it; the app may too)."""
    import matplotlib

    settings: dict[Any, Any] = dict(FAST_TEXT)  # matplotlib types the keys as a Literal of every rc name
    return matplotlib.rc_context(settings)


def themed(name: str | Theme = "light") -> AbstractContextManager[None]:
    """Context for making and drawing a figure in a theme (FAST_TEXT included)."""
    import matplotlib

    settings: dict[Any, Any] = theme(name).rc()  # as above: rc names as plain strings
    return matplotlib.rc_context(settings)


def new_figure(height_in: float, th: Theme | None = None, width_in: float = WIDTH_IN) -> Figure:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=DPI)
    fig.patch.set_facecolor((th or THEMES["light"]).background)
    return fig


def wrap(label: str, width: int = 26) -> str:
    return "\n".join(textwrap.wrap(label, width, break_long_words=True, break_on_hyphens=False)) or label


def margins(
    fig: Figure,
    left_in: float,
    right_in: float = 0.15,
    top_in: float = 0.45,
    bottom_in: float = 0.55,
    wspace: float = 0.08,
    hspace: float | None = None,
) -> None:
    w, h = fig.get_size_inches()
    kw = {} if hspace is None else {"hspace": hspace}
    fig.subplots_adjust(left=left_in / w, right=1 - right_in / w, top=1 - top_in / h, bottom=bottom_in / h, wspace=wspace, **kw)


def label_width_in(labels: Iterable[str], fontsize: float = 7) -> float:
    """Room for the longest tick label line at `fontsize`, its tick and pad. Measured with the font's own advance widths
    (FreeType, no drawing), since a per-character estimate cut long lowercase names such as `area_unemployment_rate`
    at the figure's edge and gave wide capitals too little room."""
    lines = [line for lab in labels for line in lab.split("\n")] or ["----"]
    return 0.14 + max(_text_width_in(line, fontsize) for line in lines) * 1.04  # 4%: bold headers, hinting


def _text_width_in(text: str, fontsize: float) -> float:
    font = _label_font()
    if font is None:
        return len(text) * fontsize * 0.6 / 72
    from matplotlib.ft2font import LoadFlags

    font.set_size(fontsize, 72)
    font.set_text(text, 0.0, flags=LoadFlags.NO_HINTING)
    width: int = font.get_width_height()[0]  # 26.6 fixed point: 64ths of a pixel at 72 dpi
    return width / 64 / 72


@lru_cache(maxsize=1)
def _label_font() -> FT2Font | None:
    """The FreeType face matplotlib draws tick labels with (None if it cannot be found: fall back to an estimate)."""
    try:
        from matplotlib import font_manager, ft2font, rcParams

        return ft2font.FT2Font(font_manager.findfont(font_manager.FontProperties(family=rcParams["font.family"])))
    except Exception:
        return None


def title(ax: Axes, text: str, th: Theme, fontsize: float = 8) -> None:
    """An axes title without `set_title`, whose automatic placement measures every tick label (slow with many groups)."""
    ax.text(0.5, 1.0, text, transform=ax.transAxes, ha="center", va="bottom", fontsize=fontsize, color=th.ink)


def suptitle(fig: Figure, text: str, th: Theme, fontsize: float = 9, top_in: float = 0.05) -> None:
    """The figure's title at its top left, wrapped to the figure's width; the axes move down for each added line (so a
    narrow window's chart keeps its title readable)."""
    w, h = fig.get_size_inches()
    per_line = max(30, int((w - 0.2) / (fontsize * 0.52 / 72)))  # DejaVu Sans: about half an em per character
    given = text.split("\n")
    lines = [ln for part in given for ln in (textwrap.wrap(part, per_line, break_on_hyphens=False) or [""])]
    extra = (len(lines) - len(given)) * fontsize * 1.25 / 72
    if extra > 0:
        fig.subplots_adjust(top=fig.subplotpars.top - extra / h)
    fig.suptitle("\n".join(lines), fontsize=fontsize, x=0.02, ha="left", va="top", y=1 - top_in / h, color=th.ink)


def style_axis(ax: Axes, th: Theme, grid: Literal["both", "x", "y"] | None = "x") -> None:
    ax.set_facecolor(th.background)
    ax.tick_params(labelsize=7, length=2, colors=th.ink, labelcolor=th.ink)
    for side, spine in ax.spines.items():
        spine.set_visible(side in ("left", "bottom"))
        spine.set_color(th.ink)
    if grid:
        ax.grid(axis=grid, color=th.grid, linewidth=0.5)
    ax.set_axisbelow(True)
    ax.xaxis.label.set_color(th.ink)
    ax.yaxis.label.set_color(th.ink)


def status_legend(
    fig: Figure, th: Theme, extra: Iterable[str] = (), no_check: bool = False, statuses: Iterable[str] = STATUSES
) -> None:
    """The marker legend along the bottom of a figure; `extra` names dashed threshold-like lines."""
    from matplotlib.lines import Line2D

    handles = []
    for st in (*statuses, *((None,) if no_check else ())):
        mk, face, edge, lab = th.status_style(st)
        handles.append(
            Line2D([], [], marker=mk, linestyle="none", markerfacecolor=face, markeredgecolor=edge, markersize=5, label=lab)
        )
    for lab in extra:
        handles.append(Line2D([], [], color=VERMILLION, linestyle="--", linewidth=0.9, label=lab))
    fig.legend(
        handles=handles,
        loc="lower left",
        ncol=len(handles),
        fontsize=7,
        frameon=False,
        labelcolor=th.ink,
        bbox_to_anchor=(0.01, 0.0),
        handletextpad=0.3,
        columnspacing=1.2,
    )


# -- pixels and files ------------------------------------------------------------------------------------------------------
def to_png(fig: Figure, dpi: int = DPI) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor=fig.get_facecolor(), metadata={"Software": None})
    return buf.getvalue()


def to_image(fig: Figure, dpi: int = DPI) -> Image.Image:
    """A PIL RGB image of the figure, without a PNG round trip (what the PDF embeds)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    if fig.dpi != dpi:
        fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # type: ignore[no-untyped-call]  # matplotlib's stub leaves FigureCanvasAgg.draw unannotated
    rgba = canvas.buffer_rgba()  # type: ignore[no-untyped-call]  # likewise buffer_rgba (a memoryview)
    img = Image.frombuffer("RGBA", canvas.get_width_height(), rgba, "raw", "RGBA", 0, 1)
    return img.convert("RGB")


SAVE_FORMATS = ("png", "svg")


def save(fig: Figure, path: str | Path, fmt: str | None = None, dpi: int = 200) -> Path:
    """Write the figure as PNG or SVG (from `fmt`, else the file's suffix). The file appears whole or not at all: it is
    written beside the target and renamed over it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in SAVE_FORMATS:
        raise ValueError(f"Charts are saved as PNG or SVG, not {fmt or 'a file without a suffix'!r}.")
    FigureCanvasAgg(fig)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            meta = {"Software": None} if fmt == "png" else {"Creator": None, "Date": None}
            fig.savefig(f, format=fmt, dpi=dpi, facecolor=fig.get_facecolor(), metadata=meta)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
