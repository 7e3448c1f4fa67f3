"""Tables for the PDF: plain-text cells wrapped to their column, shading of flagged cells, the header repeated on each
page, and the two-column key/value table.

Plain-text cells are handed to reportlab's Table as strings and drawn by it (public API only). An override of its private
per-cell hook (`Table._drawCell`, one text object per cell instead of one per line) once sat here; on reportlab 5.1 it
saved nothing measurable (benchmarks/bench_tables.py), so it went."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeAlias
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from reports.fonts import BOLD, MONO, SANS, is_rtl, prepare, register_fonts, runs, visual
from reports.layout_primitives import FLAG_BG, HEAD_BG, INK, RULE, TEXT_WIDTH, ZEBRA, is_layout_only, wrap_text


@dataclass(frozen=True)
class Txt:
    """A table cell's plain text, wrapped to its column by `table` (much cheaper than a Paragraph per cell)."""

    text: str
    bold: bool = False
    font: str | None = None
    size: float | None = None


# What a table cell holds: plain text (wrapped by `table`), a `Txt` with its font, or a flowable (a Paragraph).
Cell: TypeAlias = "Txt | str | Flowable"
# A TableStyle command: ("BACKGROUND", (col, row), (col, row), colour) and the like.
StyleCommand: TypeAlias = tuple[object, ...]


def cell(text: object, bold: bool = False) -> Txt:
    return Txt(str(text), bold=bold)


def mono(text: object) -> Txt:
    return Txt(str(text), font=MONO, size=6.6)


@lru_cache(maxsize=64)
def _cell_style(font: str, size: float, alignment: int = TA_LEFT) -> ParagraphStyle:
    return ParagraphStyle(
        f"cell-{font}-{size}-{alignment}", fontName=font, fontSize=size, leading=size * 1.23, textColor=INK, alignment=alignment
    )


def cell_value(text: str, width: float, font: str = SANS, size: float = 7) -> str | Paragraph:
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


class FastTable(Table):  # type: ignore[misc]  # reportlab has no type information: its classes are Any
    """A Table that draws nothing on a layout pass that is never written (reports/pdf_document.py): the size is all
    that pass needs. Drawing is reportlab's own (public `Flowable.draw`)."""

    def draw(self) -> None:
        if is_layout_only(self.canv):
            return
        super().draw()


def table(
    rows: Sequence[Sequence[Cell]],
    widths: list[float],
    *,
    header_rows: int = 1,
    flags: dict[tuple[int, int], str] | None = None,
    zebra: bool = True,
    font_size: float = 7,
    align_right_from: int | None = None,
    extra: Sequence[StyleCommand] | None = None,
) -> Table:
    """A table that paginates (header repeated on each page), wraps Paragraph cells, and shades flagged cells.

    `flags` maps (column, row) -> fail | insufficient | small | pass | provider. The cell's text must carry its own mark
    ("✗ FAIL", "✱ small n", ...): the shade only repeats it, nothing is said by colour alone."""
    register_fonts()
    pad = 2.5
    cmds_cells: list[StyleCommand] = []
    fixed: list[list[Cell]] = []
    for ri, row in enumerate(rows):
        new: list[Cell] = []
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


def kv_table(pairs: Sequence[tuple[str, object]], key_width: float = 45 * mm, flags: dict[int, str] | None = None) -> Table:
    """Two columns: label, value (values may be Paragraphs). `flags` shades value cells by row."""
    rows: list[list[Cell]] = [[cell(k, bold=True), v if isinstance(v, (Flowable, Txt)) else cell(v)] for k, v in pairs]
    return table(
        rows,
        [key_width, TEXT_WIDTH - key_width],
        header_rows=0,
        zebra=False,
        flags={(1, r): kind for r, kind in (flags or {}).items()},
        extra=[("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#dddddd"))],
    )
