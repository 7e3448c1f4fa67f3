"""What makes the 60-group report fast without changing it (issue 14): the first layout pass, which only finds pages,
draws nothing and does not wait for the chart workers; a chart whose real size differs from its display's is still
laid out at its real size; fonts and the garbage collector are not paid for when a report does not need them."""

from __future__ import annotations

import gc
import io

from PIL import Image
from pypdf import PdfReader
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer

from reports.layout import DeferredPicture, Heading, LayoutCanvas, Picture, is_layout_only, styles, table
from reports.pdf_document import LayoutPasses, ReportDoc
from tests.reports.test_layout_passes import _Ctx


class _Fetches:
    """A chart's pixels as the workers deliver them: counts when the layout asks, in which pass."""

    def __init__(self, ctx: _Ctx, size_in: tuple[float, float]) -> None:
        self.ctx, self.size_in, self.passes = ctx, size_in, []

    def __call__(self) -> tuple[Image.Image, float, float]:
        self.passes.append(self.ctx.pass_no)
        w, h = self.size_in
        return Image.new("RGB", (int(w * 20), int(h * 20)), "red"), w, h


def _report(predicted: tuple[float, float], real: tuple[float, float]) -> tuple[bytes, _Ctx, _Fetches]:
    """A story with a table, then a chart (predicted size, real size), then a section on the next page."""
    ctx = _Ctx()
    st = styles()
    fetch = _Fetches(ctx, real)
    passes = LayoutPasses(ctx)  # type: ignore[arg-type]  # the stand-in has what the passes read and write
    rows = [["Group", "Value"]] + [[f"group {i}", f"{i / 7:.3f}"] for i in range(40)]
    story: list[Flowable] = [
        passes,
        Heading("Part one", st.h1, key="one", outline_level=-1, section="ONE"),
        table(rows, [200, 100]),
        DeferredPicture(fetch, 400, predicted),
        Paragraph("After the chart.", st.body),
        PageBreak(),
        Heading("Section X", st.h1, key="x", outline_level=-1, section="X"),
        Spacer(1, 10),
    ]
    buf = io.BytesIO()
    doc = ReportDoc(buf, ctx, passes, system="Test", title="t", invariant=1)  # type: ignore[arg-type]  # as above
    doc.multiBuild(story, maxPasses=6, canvasmaker=passes.canvas)
    return buf.getvalue(), ctx, fetch


def test_the_first_pass_lays_the_chart_out_without_waiting_and_the_written_pass_has_its_pixels() -> None:
    pdf, ctx, fetch = _report((7.0, 3.0), (7.0, 3.0))
    assert fetch.passes == [2]  # asked for once, by the second pass: the first took the display's size
    reader = PdfReader(io.BytesIO(pdf))
    images = [img for page in reader.pages for img in page.images]
    assert len(images) == 1  # drawn once, in the pass written
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "group 39" in text and "After the chart." in text  # the table and the text are in the written pass
    assert ctx.pass_no == 2  # a right size moves nothing: no third pass


def test_a_chart_taller_than_its_display_said_is_laid_out_at_its_real_size() -> None:
    """The first pass guessed 1 inch; the chart is 9 inches tall: the written pages are those of the real size."""
    right, _, _ = _report((7.0, 9.0), (7.0, 9.0))
    wrong, ctx, _ = _report((7.0, 1.0), (7.0, 9.0))
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(wrong)).pages]
    assert pages == [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(right)).pages]
    assert ctx.section_pages["X"] == len(pages)  # the section after the chart is on the page it is said to be


def test_only_the_first_pass_draws_on_a_layout_canvas() -> None:
    ctx = _Ctx()
    passes = LayoutPasses(ctx)  # type: ignore[arg-type]
    canvases = []
    for _ in range(3):
        passes.beforeBuild()
        canvases.append(passes.canvas(io.BytesIO()))
        passes.pages = 1
        passes.afterBuild()
        assert not (passes.isSatisfied() and is_layout_only(canvases[-1]))  # a layout-only pass is never the one written
    assert [is_layout_only(c) for c in canvases] == [True, False, False]
    assert isinstance(canvases[0], LayoutCanvas) and not is_layout_only(None)


def test_a_picture_on_a_layout_canvas_draws_nothing() -> None:
    canv = LayoutCanvas(io.BytesIO())
    pic = Picture(Image.new("RGB", (4, 4), "blue"), 40, 40)
    pic.drawOn(canv, 10, 10)
    canv.showPage()
    canv.save()
    real = io.BytesIO()
    from reportlab.pdfgen.canvas import Canvas

    c2 = Canvas(real)
    pic.drawOn(c2, 10, 10)
    c2.showPage()
    c2.save()
    assert not PdfReader(io.BytesIO(canv.getpdfdata())).pages[0].images
    assert len(PdfReader(io.BytesIO(real.getvalue())).pages[0].images) == 1


def test_older_objects_are_given_back_to_the_collector_after_a_report() -> None:
    from reports.pdf import older_objects_frozen

    assert gc.get_freeze_count() == 0
    with older_objects_frozen():
        frozen = gc.get_freeze_count()
        with older_objects_frozen():  # nested (export_report around render_pdf): still frozen inside
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen > 0
    assert gc.get_freeze_count() == 0  # nothing left out of collections for good

    class Cycle:
        pass

    with older_objects_frozen():
        a = Cycle()
        a.me = a  # type: ignore[attr-defined]  # garbage made during a report is still collected
        del a
        assert gc.collect() > 0


def test_text_its_font_draws_is_one_run_and_the_cjk_font_waits_for_a_cjk_character() -> None:
    from reports import fonts

    assert fonts.runs("18–25 · ≥ 0.8 — ✗ FAIL\nnext", fonts.SANS) == [(fonts.SANS, "18–25 · ≥ 0.8 — ✗ FAIL\nnext")]
    mixed = fonts.runs("Zone 北京", fonts.SANS)
    if fonts.has_cjk_font():
        assert mixed == [(fonts.SANS, "Zone "), (fonts.CJK, "北京")]
    else:
        assert mixed[0] == (fonts.SANS, "Zone ") and fonts.MARK in mixed[-1][1]


def test_the_cjk_font_is_read_only_when_a_character_needs_it() -> None:
    import subprocess
    import sys

    code = (
        "from reportlab.pdfbase import pdfmetrics\n"
        "from reports import fonts\n"
        "fonts.register_fonts(); fonts.runs('Zone – ≥ ✗', fonts.SANS)\n"
        "print(fonts.CJK in pdfmetrics.getRegisteredFontNames())\n"
        "fonts.runs('北京', fonts.SANS)\n"
        "print(fonts.CJK in pdfmetrics.getRegisteredFontNames(), fonts.cjk_font_file() is not None)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "False"  # DejaVu draws every character so far: the CJK font was not parsed
    assert out[1] == out[2]  # registered once a Chinese character needed it (when the system has one)
