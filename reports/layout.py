"""Styles, paragraphs and tables for the PDF: one place for the look, every font DejaVu (embedded)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from reports.fonts import BOLD, ITALIC, MONO, SANS, is_rtl, prepare, register_fonts, runs, visual

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


@dataclass(frozen=True)
class Txt:
    """A table cell's plain text, wrapped to its column by `table` (much cheaper than a Paragraph per cell)."""

    text: str
    bold: bool = False
    font: str | None = None
    size: float | None = None


def cell(text: object, bold: bool = False) -> Txt:
    return Txt(str(text), bold=bold)


def mono(text: object) -> Txt:
    return Txt(str(text), font=MONO, size=6.6)


@lru_cache(maxsize=200_000)
def _width(text: str, font: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if text.isascii():
        return stringWidth(text, font, size)
    return sum(stringWidth(piece, f, size) for f, piece in runs(text, font))


def wrap_text(text: str, width: float, font: str = SANS, size: float = 7) -> str:
    """Greedy word wrap to `width` points (logical order; see `prepare`); words longer than a line, and text without
    spaces such as Chinese, are broken between characters."""
    lines: list[str] = []
    space = _width(" ", font, size)
    for para in text.split("\n"):
        line, lw = "", 0.0
        for word in para.split(" "):
            ww = _width(word, font, size)
            if ww > width:  # break a long word (hashes, identifiers)
                if line:
                    lines.append(line)
                    line, lw = "", 0.0
                chunk = ""
                for ch in word:
                    if chunk and _width(chunk + ch, font, size) > width:
                        lines.append(chunk)
                        chunk = ""
                    chunk += ch
                line, lw = chunk, _width(chunk, font, size)
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
    if _width(text, font, size) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # longest prefix that fits with the ellipsis
        mid = (lo + hi + 1) // 2
        if _width(text[:mid] + "…", font, size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo] + "…"


@lru_cache(maxsize=64)
def _cell_style(font: str, size: float, alignment: int = TA_LEFT) -> ParagraphStyle:
    return ParagraphStyle(
        f"cell-{font}-{size}-{alignment}", fontName=font, fontSize=size, leading=size * 1.23, textColor=INK, alignment=alignment
    )


def cell_value(text: str, width: float, font: str = SANS, size: float = 7):
    """A table cell's content: wrapped plain text (drawn fast), or, when the text needs another font for some of its
    characters (CJK, a marker), a Paragraph of the same lines with font runs. Right-to-left runs are reordered per line."""
    text = prepare(text)
    wrapped = wrap_text(text, width, font, size)
    if text.isascii():
        return wrapped
    rtl = is_rtl(text)
    pieces = [runs(visual(line, rtl), font) for line in wrapped.split("\n")]
    if not rtl and all(len(r) <= 1 and (not r or r[0][0] == font) for r in pieces):
        return "\n".join(r[0][1] if r else "" for r in pieces)
    markup = "<br/>".join(
        "".join(escape(pc) if f == font else f'<font name="{f}">{escape(pc)}</font>' for f, pc in r) for r in pieces
    )
    return Paragraph(markup, _cell_style(font, size, TA_RIGHT if rtl else TA_LEFT))


def draw_runs(canv, x: float, y: float, text: str, font: str, size: float, right: bool = False) -> None:
    """Draw one line on a canvas (page furniture) with the same script handling as the body text."""
    pieces = runs(visual(prepare(text)), font)
    if right:
        x -= sum(_width(pc, f, size) for f, pc in pieces)
    t = canv.beginText(x, y)
    for f, pc in pieces:
        t.setFont(f, size)
        t.textOut(pc)
    canv.drawText(t)


def spacer(h_mm: float = 3) -> Spacer:
    return Spacer(1, h_mm * mm)


class Heading(Paragraph):
    """A section heading: bookmarked in the PDF outline and its page recorded for the coverage matrix. Outline levels:
    -1 a part of the report, 0 a section, 1 a subsection."""

    def __init__(self, text: str, style: ParagraphStyle, key: str, outline_level: int = 0, section: str | None = None):
        super().__init__(esc(text), style)
        self.key, self.outline_text, self.outline_level, self.section = key, text, outline_level, section


class Deferred(Flowable):
    """A flowable built when it is laid out, e.g. a table that cites page numbers: built anew in each layout pass
    (`layout.pass_no`), so that the second pass prints the pages the first one found."""

    def __init__(self, factory, layout=None):
        super().__init__()
        self._factory, self._inner, self._layout, self._built_in = factory, None, layout, None

    def _get(self) -> Flowable:
        current = getattr(self._layout, "pass_no", None)
        if self._inner is None or self._built_in != current:
            self._inner, self._built_in = self._factory(), current
        return self._inner

    def wrap(self, aw, ah):
        return self._get().wrap(aw, ah)

    def split(self, aw, ah):
        return self._get().split(aw, ah)

    def draw(self):
        self._get().drawOn(self.canv, 0, 0)


class Picture(Flowable):
    """A raster image (PIL) drawn at a given size, without a file or PNG round trip."""

    def __init__(self, image, width: float, height: float):
        super().__init__()
        from reportlab.lib.utils import ImageReader

        self._reader, self.width, self.height = ImageReader(image), width, height
        self.hAlign = "LEFT"

    def wrap(self, aw, ah):
        return self.width, self.height

    def fit(self, max_height: float) -> Picture:
        """Scaled down (aspect kept) so that it fits a page: a chart made tall by very long labels must not fail the layout."""
        if self.height > max_height > 0:
            scale = max_height / self.height
            self.width, self.height = self.width * scale, max_height
        return self

    def draw(self):
        self.canv.drawImage(self._reader, 0, 0, self.width, self.height)


class DeferredPicture(Flowable):
    """A chart whose pixels arrive later (from the chart helper process): `fetch()` -> (PIL image, width_in, height_in)
    is called when the layout first needs its height, so only the page that holds it waits."""

    def __init__(self, fetch, width: float):
        super().__init__()
        self._fetch, self.width, self._picture = fetch, width, None
        self.hAlign = "LEFT"

    def _resolve(self) -> Picture:
        if self._picture is None:
            img, w_in, h_in = self._fetch()
            self._picture = Picture(img, width=self.width, height=self.width * h_in / w_in).fit(MAX_PICTURE_HEIGHT)
        return self._picture

    def wrap(self, aw, ah):
        pic = self._resolve()
        self.height = pic.height
        return pic.width, pic.height

    def draw(self):
        self._resolve().drawOn(self.canv, 0, 0)


class FastTable(Table):
    """A Table whose plain-text cells are drawn with one text object per cell (reportlab makes one per line, and one
    even for an empty cell): the same output, about half the cost on report-sized tables."""

    def _drawCell(self, cellval, cellstyle, pos, size):
        if (
            not isinstance(cellval, str)
            or cellstyle.href
            or cellstyle.destination
            or cellstyle.direction
            or cellstyle.shaping
            or cellstyle.valign != "TOP"
            or cellstyle.alignment not in ("LEFT", "RIGHT")
        ):
            return super()._drawCell(cellval, cellstyle, pos, size)
        if not cellval:
            return None
        canv = self.canv
        if self._curcellstyle is not cellstyle:
            cur = self._curcellstyle
            if cur is None or cellstyle.color != cur.color:
                canv.setFillColor(cellstyle.color)
            if (
                cur is None
                or cellstyle.leading != cur.leading
                or cellstyle.fontname != cur.fontname
                or cellstyle.fontsize != cur.fontsize
            ):
                canv.setFont(cellstyle.fontname, cellstyle.fontsize, cellstyle.leading)
            self._curcellstyle = cellstyle
        (colpos, rowpos), (colwidth, rowheight) = pos, size
        y = rowpos + rowheight - cellstyle.topPadding - cellstyle.fontsize
        left = cellstyle.alignment == "LEFT"
        t = canv.beginText()
        for line in cellval.split("\n"):
            x = (
                colpos + cellstyle.leftPadding
                if left
                else colpos + colwidth - cellstyle.rightPadding - _width(line, cellstyle.fontname, cellstyle.fontsize)
            )
            t.setTextOrigin(x, y)
            t.textOut(line)
            y -= cellstyle.leading
        canv.drawText(t)
        return None


def table(
    rows: list[list],
    widths: list[float],
    *,
    header_rows: int = 1,
    flags: dict[tuple[int, int], str] | None = None,
    zebra: bool = True,
    font_size: float = 7,
    align_right_from: int | None = None,
    extra: list | None = None,
) -> Table:
    """A table that paginates (header repeated on each page), wraps Paragraph cells, and shades flagged cells.

    `flags` maps (column, row) -> fail | insufficient | small | pass | provider. The cell's text must carry its own mark
    ("✗ FAIL", "✱ small n", ...): the shade only repeats it, nothing is said by colour alone."""
    register_fonts()
    pad = 2.5
    cmds_cells: list = []
    fixed = []
    for ri, row in enumerate(rows):
        new = []
        for ci, v in enumerate(row):
            if isinstance(v, (Txt, str)):
                t_ = v if isinstance(v, Txt) else Txt(v)
                font = t_.font or (BOLD if t_.bold or ri < header_rows else SANS)
                size = t_.size or font_size
                v = cell_value(t_.text, widths[ci] - 2 * pad, font, size) if t_.text else ""
                if t_.bold or t_.font:
                    cmds_cells.append(("FONTNAME", (ci, ri), (ci, ri), font))
                if t_.size:
                    cmds_cells.append(("FONTSIZE", (ci, ri), (ci, ri), size))
                    cmds_cells.append(("LEADING", (ci, ri), (ci, ri), size * 1.23))
            new.append(v)
        fixed.append(new)
    rows = fixed
    # splitInRow: a row taller than the space left (a long declared text, a very long group name) continues on the
    # next page instead of failing the layout.
    t = FastTable(rows, colWidths=widths, repeatRows=header_rows, hAlign="LEFT", splitInRow=24)
    cmds = [
        ("FONTNAME", (0, 0), (-1, -1), SANS),
        ("FONTSIZE", (0, 0), (-1, -1), font_size),
        ("LEADING", (0, 0), (-1, -1), font_size * 1.23),
        ("FONTNAME", (0, 0), (-1, header_rows - 1), BOLD) if header_rows else ("FONTNAME", (0, 0), (0, 0), SANS),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.8),
        ("LEFTPADDING", (0, 0), (-1, -1), pad),
        ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("LINEBELOW", (0, max(header_rows - 1, 0)), (-1, max(header_rows - 1, 0)), 0.6, RULE),
        ("LINEBELOW", (0, -1), (-1, -1), 0.4, RULE),
    ]
    if header_rows:
        cmds.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), HEAD_BG))
    if zebra and len(rows) > header_rows + 2:
        cmds.append(("ROWBACKGROUNDS", (0, header_rows), (-1, -1), [colors.white, ZEBRA]))
    if align_right_from is not None:
        cmds.append(("ALIGN", (align_right_from, header_rows), (-1, -1), "RIGHT"))
    for (c, r), kind in (flags or {}).items():
        cmds.append(("BACKGROUND", (c, r), (c, r), FLAG_BG[kind]))
        if kind == "fail":
            cmds.append(("FONTNAME", (c, r), (c, r), BOLD))
    cmds += cmds_cells
    cmds += extra or []
    t.setStyle(TableStyle(cmds))
    return t


def kv_table(pairs: list[tuple[str, object]], key_width: float = 45 * mm, flags: dict[int, str] | None = None) -> Table:
    """Two columns: label, value (values may be Paragraphs). `flags` shades value cells by row."""
    rows = [[cell(k, bold=True), v if isinstance(v, (Flowable, Txt)) else cell(v)] for k, v in pairs]
    return table(
        rows,
        [key_width, TEXT_WIDTH - key_width],
        header_rows=0,
        zebra=False,
        flags={(1, r): kind for r, kind in (flags or {}).items()},
        extra=[("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#dddddd"))],
    )


def keep(*flowables) -> KeepTogether:
    return KeepTogether(list(flowables))
