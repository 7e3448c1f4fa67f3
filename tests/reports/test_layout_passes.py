"""The report's layout passes (reports.pdf_document): the same story is laid out again until the page numbers it cites
and the footer's page total are those of the final layout, through reportlab's multiBuild only.

The story here is built so that citing a page moves that page: the first pass does not know where section X is, the
second prints it and the text it adds pushes X one page on, the third prints the new page and nothing moves. A picture
too tall for the space left is carried to the next page in every pass (inside a KeepTogether, the case the report's
charts with their headings are): reportlab marks it as postponed, and a second pass over the same story fails unless
that mark is reset between passes."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from PIL import Image
from pypdf import PdfReader
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, Spacer, Table

from reports.layout import Deferred, Heading, Picture, styles
from reports.pdf_document import LayoutPasses, ReportDoc


@dataclass
class _Ctx:
    """The part of `RenderContext` the document template and the passes read and write."""

    report_id: str = "ATT-TEST"
    fingerprint: str = "0123456789ab"
    pass_no: int = 1
    section_pages: dict[str, int] = field(default_factory=dict)
    known_pages: dict[str, int] = field(default_factory=dict)
    known_pages_total: int = 0
    pages_done: list[tuple[int, int]] = field(default_factory=list)  # (pass, page)

    def page_done(self, page: int) -> None:
        self.pages_done.append((self.pass_no, page))


def _citation(ctx: _Ctx) -> Flowable:
    page = ctx.known_pages.get("X")
    if page is None:
        return Paragraph("Section X: page not known yet", styles().body)
    # Once the page is known, the citation takes most of a page: X moves on by one page.
    return Table([[f"Section X is on page {page}"]], rowHeights=[600])


def _build(ctx: _Ctx) -> tuple[bytes, LayoutPasses]:
    st = styles()
    tall = Picture(Image.new("RGB", (10, 10), "white"), width=100, height=500)
    passes = LayoutPasses(ctx)  # type: ignore[arg-type]  # a stand-in with the attributes the passes use
    story: list[Flowable] = [
        passes,
        Heading("Part one", st.h1, key="one", outline_level=-1, section="ONE"),
        Deferred(lambda: _citation(ctx), ctx),
        Spacer(1, 400),
        KeepTogether([Paragraph("A chart that does not fit below the text", st.body), tall]),
        PageBreak(),
        Heading("Section X", st.h1, key="x", outline_level=-1, section="X"),
        Paragraph("The cited section.", st.body),
    ]
    buf = io.BytesIO()
    doc = ReportDoc(buf, ctx, passes, system="Test system", title="t", invariant=1)  # type: ignore[arg-type]  # as above
    doc.multiBuild(story, maxPasses=6)
    return buf.getvalue(), passes


def test_pages_cited_and_page_totals_are_those_of_the_final_layout() -> None:
    ctx = _Ctx()
    pdf, passes = _build(ctx)
    reader = PdfReader(io.BytesIO(pdf))
    texts = [" ".join((page.extract_text() or "").split()) for page in reader.pages]
    total = len(texts)
    x_page = next(i + 1 for i, t in enumerate(texts) if "Section X The cited section." in t)
    assert ctx.pass_no == 3  # the citation moved X once, so a third pass printed the moved page
    assert ctx.section_pages["X"] == x_page and x_page > 2
    assert f"Section X is on page {x_page}" in " ".join(texts)
    assert passes.pages == total
    for i, t in enumerate(texts, 1):
        assert f"Page {i} of {total}" in t, (i, t)
        assert "Report ATT-TEST" in t and "Fingerprint 0123456789ab" in t
    assert {page for pass_no, page in ctx.pages_done if pass_no == 3} == set(range(1, total + 1))


def test_outline_entries_point_to_their_headings_pages() -> None:
    ctx = _Ctx()
    pdf, _ = _build(ctx)
    reader = PdfReader(io.BytesIO(pdf))
    outline = {item.title: reader.get_destination_page_number(item) + 1 for item in reader.outline if not isinstance(item, list)}
    assert outline == {"Part one": 1, "Section X": ctx.section_pages["X"]}


def test_a_single_build_of_the_same_story_twice_would_fail_without_the_passes() -> None:
    """The reason the passes go through multiBuild: reportlab's plain build refuses a flowable it postponed before."""
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate
    from reportlab.platypus.doctemplate import LayoutError

    tall = Picture(Image.new("RGB", (10, 10), "white"), width=100, height=500)
    story: list[Flowable] = [Spacer(1, 400), tall]
    doc = BaseDocTemplate(io.BytesIO())
    doc.addPageTemplates([PageTemplate(id="p", frames=[Frame(50, 50, 400, 700, id="f")])])
    doc.build(list(story))
    try:
        doc.build(list(story))
    except LayoutError:
        return
    raise AssertionError("reportlab accepted a postponed flowable twice: the pass reset may no longer be needed")
