"""Page geometry, colours and paragraph styles of the PDF, text escaping, measuring and wrapping, and the report's own
flowables (headings in the outline, deferred tables and charts, pictures); every font DejaVu (embedded). Tables are in
`reports.tables`; `reports.layout` is the one import for both."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from reports.fonts import BOLD, ITALIC, MONO, SANS, is_rtl, prepare, register_fonts, runs, visual

if TYPE_CHECKING:
    from PIL.Image import Image

PAGE = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 18 * mm, 20 * mm, 18 * mm
TEXT_WIDTH = PAGE[0] - 2 * MARGIN_X
FRAME_HEIGHT = PAGE[1] - MARGIN_TOP - MARGIN_BOTTOM
MAX_PICTURE_HEIGHT = FRAME_HEIGHT - 30 * mm  # leaves room for the heading kept with a chart

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#b0b0b0")
HEAD_BG = colors.HexColor("#e8eef5")
ZEBRA = colors.HexColor("#f7f7f7")
FAIL_BG = colors.HexColor("#fbd5cc")
INSUFF_BG = colors.HexColor("#fff0b3")
SMALL_BG = colors.HexColor("#eeeeee")
PASS_BG = colors.HexColor("#dcecf7")
PROVIDER_BG = colors.HexColor("#fde9d9")
FLAG_BG = {"fail": FAIL_BG, "insufficient": INSUFF_BG, "small": SMALL_BG, "pass": PASS_BG, "provider": PROVIDER_BG}


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    subtitle: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    evidence: ParagraphStyle
    note: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    head: ParagraphStyle
    mono: ParagraphStyle
    callout: ParagraphStyle


@lru_cache(maxsize=1)
def styles() -> Styles:
    register_fonts()
    base = dict(fontName=SANS, textColor=INK, alignment=TA_LEFT)
    return Styles(
        title=ParagraphStyle("title", fontName=BOLD, fontSize=19, leading=24, spaceAfter=4, textColor=INK),
        subtitle=ParagraphStyle("subtitle", fontName=SANS, fontSize=10.5, leading=14, textColor=MUTED, spaceAfter=10),
        h1=ParagraphStyle("h1", fontName=BOLD, fontSize=14, leading=18, spaceBefore=4, spaceAfter=3, textColor=INK),
        h2=ParagraphStyle("h2", fontName=BOLD, fontSize=10.5, leading=13.5, spaceBefore=9, spaceAfter=3, textColor=INK),
        h3=ParagraphStyle("h3", fontName=BOLD, fontSize=9, leading=11.5, spaceBefore=6, spaceAfter=2, textColor=INK),
        body=ParagraphStyle("body", fontSize=8.8, leading=11.8, spaceAfter=4, **base),
        small=ParagraphStyle("small", fontSize=7.5, leading=9.5, spaceAfter=3, **base),
        evidence=ParagraphStyle("evidence", fontName=ITALIC, fontSize=7.2, leading=9.2, textColor=MUTED, spaceAfter=6),
        note=ParagraphStyle("note", fontName=ITALIC, fontSize=7.8, leading=10, textColor=MUTED, spaceAfter=4),
        cell=ParagraphStyle("cell", fontName=SANS, fontSize=7, leading=8.6, textColor=INK),
        cell_bold=ParagraphStyle("cellb", fontName=BOLD, fontSize=7, leading=8.6, textColor=INK),
        head=ParagraphStyle("head", fontName=BOLD, fontSize=7, leading=8.6, textColor=INK),
        mono=ParagraphStyle("mono", fontName=MONO, fontSize=6.8, leading=8.4, textColor=INK),
        callout=ParagraphStyle("callout", fontName=BOLD, fontSize=11, leading=15, textColor=INK, spaceAfter=4),
    )


def esc(text: object, font: str = SANS) -> str:
    """`text` as Paragraph markup: escaped, Arabic shaped, right-to-left runs in visual order, and every character in a
    font that has it (`<font>` runs; the marker for one no font has). Paragraphs are short enough here (labels, names,
    sentences) that reordering the whole text, not each wrapped line, is right; long declared texts go through `table`,
    which reorders line by line."""
    text = str(text)
    if text.isascii():
        return escape(text)
    parts = []
    for f, piece in runs(visual(prepare(text), is_rtl(text)), font):
        parts.append(escape(piece) if f == font else f'<font name="{f}">{escape(piece)}</font>')
    return "".join(parts)


def p(text: str, style: ParagraphStyle | None = None, markup: bool = False) -> Paragraph:
    """A paragraph; `text` is escaped unless `markup` says it already is reportlab markup."""
    return Paragraph(text if markup else esc(text), style or styles().body)


@lru_cache(maxsize=200_000)
def text_width(text: str, font: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if text.isascii():
        return float(stringWidth(text, font, size))
    return float(sum(stringWidth(piece, f, size) for f, piece in runs(text, font)))


def wrap_text(text: str, width: float, font: str = SANS, size: float = 7) -> str:
    """Greedy word wrap to `width` points (logical order; see `prepare`); words longer than a line, and text without
    spaces such as Chinese, are broken between characters."""
    lines: list[str] = []
    space = text_width(" ", font, size)
    for para in text.split("\n"):
        line, lw = "", 0.0
        for word in para.split(" "):
            ww = text_width(word, font, size)
            if ww > width:  # break a long word (hashes, identifiers)
                if line:
                    lines.append(line)
                    line, lw = "", 0.0
                chunk = ""
                for ch in word:
                    if chunk and text_width(chunk + ch, font, size) > width:
                        lines.append(chunk)
                        chunk = ""
                    chunk += ch
                line, lw = chunk, text_width(chunk, font, size)
                continue
            if not line:
                line, lw = word, ww
            elif lw + space + ww <= width:
                line, lw = line + " " + word, lw + space + ww
            else:
                lines.append(line)
                line, lw = word, ww
        lines.append(line)
    return "\n".join(lines)


def fit_width(text: str, width: float, font: str = SANS, size: float = 7) -> str:
    """`text` cut (with an ellipsis) to fit on one line of `width` points."""
    if text_width(text, font, size) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # longest prefix that fits with the ellipsis
        mid = (lo + hi + 1) // 2
        if text_width(text[:mid] + "…", font, size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo] + "…"


def draw_runs(canv: Canvas, x: float, y: float, text: str, font: str, size: float, right: bool = False) -> None:
    """Draw one line on a canvas (page furniture) with the same script handling as the body text."""
    pieces = runs(visual(prepare(text)), font)
    if right:
        x -= sum(text_width(pc, f, size) for f, pc in pieces)
    t = canv.beginText(x, y)
    for f, pc in pieces:
        t.setFont(f, size)
        t.textOut(pc)
    canv.drawText(t)


def spacer(h_mm: float = 3) -> Spacer:
    return Spacer(1, h_mm * mm)


class Heading(Paragraph):  # type: ignore[misc]  # reportlab has no type information: its classes are Any
    """A section heading: bookmarked in the PDF outline and its page recorded for the coverage matrix. Outline levels:
    -1 a part of the report, 0 a section, 1 a subsection."""

    def __init__(self, text: str, style: ParagraphStyle, key: str, outline_level: int = 0, section: str | None = None) -> None:
        super().__init__(esc(text), style)
        self.key, self.outline_text, self.outline_level, self.section = key, text, outline_level, section


class LayoutPass(Protocol):
    """What a `Deferred` reads to know when to rebuild: the layout pass under way (`RenderContext` has it)."""

    pass_no: int


class Deferred(Flowable):  # type: ignore[misc]  # reportlab has no type information: its classes are Any
    """A flowable built when it is laid out, e.g. a table that cites page numbers: built anew in each layout pass
    (`layout.pass_no`), so that the second pass prints the pages the first one found."""

    def __init__(self, factory: Callable[[], Flowable], layout: LayoutPass | None = None) -> None:
        super().__init__()
        self._factory, self._layout = factory, layout
        self._inner: Flowable | None = None
        self._built_in: int | None = None

    def _get(self) -> Flowable:
        current = self._layout.pass_no if self._layout is not None else None
        if self._inner is None or self._built_in != current:
            self._inner, self._built_in = self._factory(), current
        return self._inner

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        w, h = self._get().wrap(aw, ah)
        return w, h

    def split(self, aw: float, ah: float) -> list[Flowable]:
        parts: list[Flowable] = self._get().split(aw, ah)
        return parts

    def draw(self) -> None:
        self._get().drawOn(self.canv, 0, 0)


class LayoutCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type information: its classes are Any
    """The canvas of a layout pass that is never written (the report's first pass, `reports.pdf_document`): flowables
    that see it (`is_layout_only`) skip drawing, since what they would draw is thrown away with the canvas; their size,
    and so every page break, is the same as on a real canvas."""

    layout_only = True


def is_layout_only(canv: object) -> bool:
    """Whether `canv` is the canvas of a pass that is never written (see `LayoutCanvas`); False for no canvas."""
    return bool(getattr(canv, "layout_only", False))


class Picture(Flowable):  # type: ignore[misc]  # reportlab has no type information: its classes are Any
    """A raster image (PIL) drawn at a given size, without a file or PNG round trip."""

    def __init__(self, image: Image, width: float, height: float) -> None:
        super().__init__()
        from reportlab.lib.utils import ImageReader

        self._reader, self.width, self.height = ImageReader(image), width, height
        self.hAlign = "LEFT"

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return self.width, self.height

    def fit(self, max_height: float) -> Picture:
        """Scaled down (aspect kept) so that it fits a page: a chart made tall by very long labels must not fail the layout."""
        if self.height > max_height > 0:
            scale = max_height / self.height
            self.width, self.height = self.width * scale, max_height
        return self

    def draw(self) -> None:
        if not is_layout_only(self.canv):  # reportlab compresses the pixels at each drawImage: not for a pass thrown away
            self.canv.drawImage(self._reader, 0, 0, self.width, self.height)


def fitted(width: float, width_in: float, height_in: float, max_height: float = MAX_PICTURE_HEIGHT) -> tuple[float, float]:
    """The size (points) a `width_in` x `height_in` figure takes at `width`, scaled down to `max_height` (`Picture.fit`)."""
    height = width * height_in / width_in
    if height > max_height > 0:
        return width * max_height / height, max_height
    return width, height


class DeferredPicture(Flowable):  # type: ignore[misc]  # reportlab has no type information: its classes are Any
    """A chart whose pixels arrive later (from the chart worker processes): `fetch()` -> (PIL image, width_in,
    height_in) is called when a pass that is written first needs the chart, so only the page that holds it waits. A
    layout-only pass (`is_layout_only`) takes the size `size_in` (the display object's own, known before drawing) and
    does not wait; the pass after it uses the drawn figure's size, so a wrong `size_in` moves pages only in a pass that
    the layout passes then correct."""

    def __init__(
        self, fetch: Callable[[], tuple[Image, float, float]], width: float, size_in: tuple[float, float] | None = None
    ) -> None:
        super().__init__()
        self._fetch, self.width, self._size_in = fetch, width, size_in
        self._picture: Picture | None = None
        self.hAlign = "LEFT"

    def _resolve(self) -> Picture:
        if self._picture is None:
            img, w_in, h_in = self._fetch()
            self._picture = Picture(img, width=self.width, height=self.width * h_in / w_in).fit(MAX_PICTURE_HEIGHT)
        return self._picture

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        if self._picture is None and self._size_in is not None and is_layout_only(getattr(self, "canv", None)):
            w, self.height = fitted(self.width, *self._size_in)
            return w, self.height
        pic = self._resolve()
        self.height = pic.height
        return pic.width, pic.height

    def draw(self) -> None:
        if is_layout_only(self.canv):
            return
        self._resolve().drawOn(self.canv, 0, 0)


def keep(*flowables: Flowable) -> KeepTogether:
    return KeepTogether(list(flowables))
