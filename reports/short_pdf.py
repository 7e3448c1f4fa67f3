"""The page furniture and document of Attest's short PDFs (the comparison and the monitoring report): a header naming
the document and the hash it is bound to, page numbers and the not-legal-advice line, on the report's fonts and margins."""

from __future__ import annotations

import io

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate

from reports.fonts import ITALIC, SANS, register_fonts
from reports.layout import MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, MUTED, PAGE, RULE


def short_pdf(story: list[Flowable], *, title: str, bound_to: str, subject: str) -> bytes:
    """`story` laid out under `title` with `bound_to` (e.g. "Comparison 1a2b…") at the top right of every page."""
    register_fonts()

    def furniture(canv: Canvas, doc: SimpleDocTemplate) -> None:
        w, h = PAGE
        canv.saveState()
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.4)
        canv.line(MARGIN_X, h - 13 * mm, w - MARGIN_X, h - 13 * mm)
        canv.line(MARGIN_X, 12 * mm, w - MARGIN_X, 12 * mm)
        canv.setFillColor(MUTED)
        canv.setFont(SANS, 7.2)
        canv.drawString(MARGIN_X, h - 11.5 * mm, title)
        canv.drawRightString(w - MARGIN_X, h - 11.5 * mm, bound_to)
        canv.drawRightString(w - MARGIN_X, 8.5 * mm, f"Page {doc.page}")
        canv.setFont(ITALIC, 6.5)
        canv.drawCentredString(w / 2, 8.5 * mm, "Evidence for a conformity file — not legal advice")
        canv.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=PAGE,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        initialFontName=SANS,
        title=title,
        author="Attest",
        subject=subject,
        invariant=1,
    )
    doc.build(story, onFirstPage=furniture, onLaterPages=furniture)
    return buf.getvalue()
