"""The report's document template: page furniture (header, "Page x of y", fingerprint), the PDF outline and the
layout passes that let part 1 cite the pages of part 2, all through reportlab's public doc-template API.

The layout runs under `BaseDocTemplate.multiBuild`, which lays the same story out again until every indexing flowable
is satisfied and resets what a pass marked on the flowables. `LayoutPasses` is that indexing flowable: it is satisfied
once a pass found the section pages and the page total the previous pass had, so the page references printed from
`RenderContext.known_pages` and the "of y" printed from `known_pages_total` are those of the final layout.

The first pass only finds pages: it is never the one written (`LayoutPasses` cannot be satisfied by it), so it draws on
a `LayoutCanvas`, on which the report's costly flowables (tables, pictures) skip drawing and charts not yet drawn by
the workers take the size their display object gives (`reports.layout_primitives.DeferredPicture`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, IndexingFlowable, PageTemplate

from reports.fonts import ITALIC, SANS, prepare
from reports.layout import (
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    MUTED,
    PAGE,
    RULE,
    TEXT_WIDTH,
    Heading,
    LayoutCanvas,
    draw_runs,
    fit_width,
)

if TYPE_CHECKING:
    from reports.context import RenderContext

# The pass that first finds every section's page is the second; a third settles page numbers that moved the layout.
# After SETTLE_PASSES the page references are accepted as they are (as before), but the footer's total must still be
# the document's own, which takes at most one pass more; MAX_PASSES bounds a layout that never settles.
SETTLE_PASSES = 3
MAX_PASSES = 6


def draw_furniture(canv: Canvas, page: int, total: int, *, report: str, fingerprint: str, system: str) -> None:
    """The header and footer of a report page: system and report id, fingerprint, "Page x of y", not-legal-advice line."""
    w, h = PAGE
    canv.saveState()
    canv.setStrokeColor(RULE)
    canv.setLineWidth(0.4)
    canv.line(MARGIN_X, h - 13 * mm, w - MARGIN_X, h - 13 * mm)
    canv.line(MARGIN_X, 12 * mm, w - MARGIN_X, 12 * mm)
    canv.setFillColor(MUTED)
    canv.setFont(SANS, 7.2)
    right = f"Report {report}"
    room = w - 2 * MARGIN_X - stringWidth(right, SANS, 7.2) - 6 * mm
    draw_runs(canv, MARGIN_X, h - 11.5 * mm, fit_width(prepare(f"Attest audit report · {system}"), room, SANS, 7.2), SANS, 7.2)
    canv.drawRightString(w - MARGIN_X, h - 11.5 * mm, right)
    canv.drawString(MARGIN_X, 8.5 * mm, f"Fingerprint {fingerprint}")
    canv.drawRightString(w - MARGIN_X, 8.5 * mm, f"Page {page} of {total}")
    canv.setFont(ITALIC, 6.5)
    canv.drawCentredString(w / 2, 8.5 * mm, "Evidence for a conformity file — not legal advice")
    canv.restoreState()


class LayoutPasses(IndexingFlowable):  # type: ignore[misc]  # reportlab ships no type information: a subclass of Any
    """Zero-size first flowable of the story (at the top of a frame it moves nothing): counts the layout passes and
    tells `multiBuild` when the page numbers have settled."""

    def __init__(self, ctx: RenderContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.pages = 0  # pages laid out in the current pass (set by the doc template after each page)
        self._settled = False
        ctx.pass_no = 0

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        pass

    def beforeBuild(self) -> None:
        self.ctx.pass_no += 1
        self.ctx.section_pages = {}
        self.pages = 0

    @property
    def layout_only(self) -> bool:
        """The pass under way only finds the pages: the first, which knows no page of a later section."""
        return self.ctx.pass_no <= 1

    def canvas(self, *args: Any, **kwargs: Any) -> Canvas:
        """The canvas for the pass under way (multiBuild's `canvasmaker`): a `LayoutCanvas` for the first pass."""
        return (LayoutCanvas if self.layout_only else Canvas)(*args, **kwargs)

    def afterBuild(self) -> None:
        ctx = self.ctx
        same_pages = ctx.pass_no > 1 and ctx.section_pages == ctx.known_pages
        same_total = self.pages == ctx.known_pages_total
        settled = (same_pages and same_total) or (ctx.pass_no >= SETTLE_PASSES and same_total) or ctx.pass_no >= MAX_PASSES
        self._settled = settled and not self.layout_only  # its canvas is not a real one: never the pass written
        if not self._settled:
            ctx.known_pages = dict(ctx.section_pages)
            ctx.known_pages_total = self.pages

    def isSatisfied(self) -> bool:
        return self._settled


class ReportDoc(BaseDocTemplate):  # type: ignore[misc]  # reportlab ships no type information: a subclass of Any
    """One frame per page; furniture at the end of each page; headings bookmarked, put in the outline and their
    section's first page recorded in `ctx.section_pages`."""

    def __init__(self, target: object, ctx: RenderContext, passes: LayoutPasses, *, system: str, **kw: object) -> None:
        # initialFontName: otherwise reportlab declares Helvetica, a font it never embeds.
        super().__init__(
            target,
            pagesize=PAGE,
            initialFontName=SANS,
            initialFontSize=9,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            **kw,
        )
        self.ctx, self.passes, self.system = ctx, passes, system
        frame = Frame(
            MARGIN_X,
            MARGIN_BOTTOM,
            TEXT_WIDTH,
            PAGE[1] - MARGIN_TOP - MARGIN_BOTTOM,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPageEnd=self._furniture)])

    def _furniture(self, canv: Canvas, doc: BaseDocTemplate) -> None:
        # The total is the previous pass's: `LayoutPasses` accepts a pass only when its own total is the same.
        total = max(self.ctx.known_pages_total, doc.page)
        draw_furniture(canv, doc.page, total, report=self.ctx.report_id, fingerprint=self.ctx.fingerprint, system=self.system)

    def afterPage(self) -> None:
        self.passes.pages = self.page
        self.ctx.page_done(self.page)

    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, Heading):
            self.canv.bookmarkPage(flowable.key)
            self.canv.addOutlineEntry(
                flowable.outline_text, flowable.key, level=flowable.outline_level + 1, closed=flowable.outline_level >= 0
            )
            if flowable.section and flowable.section not in self.ctx.section_pages:
                self.ctx.section_pages[flowable.section] = self.page
