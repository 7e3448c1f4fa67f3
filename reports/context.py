"""What every section builder reads: the result, the trail snapshot, the framework catalogue and derived, read-only
views (coverage, risk register). Nothing here recomputes a statistic."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reportlab.platypus import Flowable, Paragraph

from reports import format as F
from reports.charts.style import WIDTH_IN
from reports.coverage import Coverage
from reports.frameworks import Catalogue
from reports.layout import MAX_PICTURE_HEIGHT, TEXT_WIDTH, Deferred, DeferredPicture, Heading, Picture, Txt, cell, esc, p, styles
from reports.risks import Risk
from reports.snapshot import TrailSnapshot

if TYPE_CHECKING:
    from PIL.Image import Image

    from audit.cancel import Progress
    from audit.result import AuditResult
    from audit.spec import DeclaredContext
    from reports.chartproc import ChartWorkers
    from reports.charts.display import Display

PROVIDER_TEXT = "✎ needs provider input"
NOT_ASSESSED_TEXT = "○ not assessed"


@dataclass
class RenderContext:
    result: AuditResult
    trail: TrailSnapshot | None
    catalogue: Catalogue
    coverage: Coverage
    risks: tuple[Risk, ...]
    report_id: str
    result_sha256: str
    generated_at: str
    manifest_name: str
    manifest_sha256: str | None
    signer: str | None = None
    manifest: dict[str, Any] | None = None
    charts: bool = True
    section_pages: dict[str, int] = field(default_factory=dict)
    chart_seconds: float = 0.0
    chart_cpu_seconds: float = 0.0  # process time: the same work, not counting waits for a busy machine
    chart_count: int = 0
    chart_process: ChartWorkers | None = None  # worker processes drawing the charts beside the layout
    chart_fallbacks: int = 0  # charts the workers could not deliver, drawn here instead
    pass_no: int = 1  # layout pass (counted by reports.pdf_document.LayoutPasses)
    known_pages: dict[str, int] = field(default_factory=dict)  # section -> page found by the previous pass
    known_pages_total: int = 0  # pages of the previous pass
    missing_glyphs: Counter[str] | None = None  # characters no font could draw (filled while the story is built)
    share: bool = False  # a shared copy (`audit.sharing`): paths, account and host names, individual rows left out
    progress: Progress | None = None  # how far the layout is (the app's progress bar); may raise Cancelled
    charts_placed: int = 0  # charts placed on a page so far (the helper's or drawn here)

    def tick(self, step: str, done: int, total: int, message: str) -> None:
        if self.progress is not None:
            self.progress(step, done, total, message)

    def page_done(self, page: int) -> None:
        """After each page of each layout pass: the first pass is where the charts arrive, the later ones number pages."""
        if self.pass_no == 1:
            self.tick(
                "charts",
                self.charts_placed,
                self.chart_count,
                f"Laying out page {page}: {self.charts_placed} of {self.chart_count} charts placed",
            )
        else:
            total = max(self.known_pages_total, page)
            self.tick("pages", page, total, f"Laying out page {page} of {total} with its page references")

    @property
    def copy_mode(self) -> str:
        """Which copy this is, in words (the cover and S0 say it)."""
        if self.share:
            return (
                "Shared copy: absolute paths, operating-system account and host names and individual rows (local "
                "explanations) are left out; the full record stays in the audit trail."
            )
        return (
            "Internal copy: complete, with file paths, account and host names and individual rows; export with "
            "--share for a copy to hand out."
        )

    @property
    def fingerprint(self) -> str:
        return self.result_sha256[:12]

    @property
    def ctx(self) -> DeclaredContext:
        return self.result.spec.context

    # -- headings and the generated "Evidence for" line ----------------------------------------------------------------
    def section_start(self, sid: str) -> list[Flowable]:
        sec = self.catalogue.section(sid)
        out: list[Flowable] = [Heading(sec.heading.replace("  ", " "), styles().h1, key=f"sec-{sid}", section=sid)]
        line = self.evidence_for(sid)
        if line:
            out.append(Paragraph(line, styles().evidence))
        return out

    def evidence_for(self, sid: str) -> str:
        parts = []
        for fw in self.catalogue.frameworks:
            refs = [r.ref for r in fw.requirements if sid in r.sections]
            if refs:
                parts.append(f"<b>{esc(fw.name)}:</b> {esc(', '.join(refs))}")
        return ("Evidence for — " + "; ".join(parts) + ".") if parts else ""

    def h2(self, text: str, key: str | None = None) -> Paragraph:
        return Heading(text, styles().h2, key=key or f"h2-{id(text)}-{text[:20]}", outline_level=1)

    # -- declared context ------------------------------------------------------------------------------------------------
    def declared(self, field_name: str) -> tuple[Txt, str | None]:
        """The declared text of a context field, or the flagged 'needs provider input' mark (and its flag kind)."""
        value = getattr(self.ctx, field_name, "") or ""
        if value.strip():
            return cell(value.strip()), None
        return cell(PROVIDER_TEXT, bold=True), "provider"

    def statement(self, key: str) -> Paragraph:
        return p(self.catalogue.statement(key))

    # -- charts ------------------------------------------------------------------------------------------------------------
    def chart(self, make: Callable[..., Display], *args: Any, width: float = TEXT_WIDTH, **kwargs: Any) -> Flowable | None:
        """The flowable for the display `make(*args, **kwargs)` of `reports.charts` (a `from_result` or `*_display`):
        computed here, drawn by the chart worker processes when there are some (the page waits for it only where it is
        placed), else drawn here. None when the report has no charts."""
        if not self.charts:
            return None
        display = make(*args, **kwargs)
        if self.chart_process is not None:
            ticket = self.chart_process.submit(display)
            self.chart_count += 1
            # The first layout pass lays the chart out at its display's size and does not wait for its pixels.
            size_in = (WIDTH_IN, display.height_in(WIDTH_IN))
            return DeferredPicture(lambda: self._collect(ticket, display), width, size_in)
        return self._draw(display, width)

    def _collect(self, ticket: int, display: Display) -> tuple[Image, float, float]:
        assert self.chart_process is not None  # only charts handed to the workers are collected
        got = self.chart_process.get(ticket)
        self.charts_placed += 1
        self.tick("charts", self.charts_placed, self.chart_count, f"Chart {self.charts_placed} of {self.chart_count} placed")
        if got is not None:
            return got.image(), got.width_in, got.height_in
        self.chart_fallbacks += 1
        return self._render(display)

    def _render(self, display: Display) -> tuple[Image, float, float]:
        from reports.charts import fast_text, to_image

        t0, c0 = time.perf_counter(), time.process_time()
        with fast_text():
            fig = display.figure()
            img = to_image(fig)
        w_in, h_in = fig.get_size_inches()
        self.chart_seconds += time.perf_counter() - t0
        self.chart_cpu_seconds += time.process_time() - c0
        return img, float(w_in), float(h_in)

    def _draw(self, display: Display, width: float) -> Picture:
        img, w_in, h_in = self._render(display)
        self.chart_count += 1
        self.charts_placed += 1
        self.tick("charts", self.chart_count, 0, f"Chart {self.chart_count} drawn")  # drawn here, while the story is built
        return Picture(img, width=width, height=width * h_in / w_in).fit(MAX_PICTURE_HEIGHT)

    def na(self, item_keywords: tuple[str, ...], default: str) -> str:
        for na in self.result.not_assessed:
            if any(k in na.item for k in item_keywords):
                return na.reason
        return default


def page_of(ctx: RenderContext, sid: str) -> int | None:
    """The page of section `sid`: known once a layout pass has placed it (in the first pass, for sections before
    the current point only)."""
    return ctx.section_pages.get(sid) or ctx.known_pages.get(sid)


def page_ref(ctx: RenderContext, sid: str) -> str:
    page = page_of(ctx, sid)
    return f"{sid} (p. {page})" if page else sid


def link(ctx: RenderContext, sid: str, text: str | None = None) -> str:
    """Paragraph markup: "S6 p. 12" (or `text`) linked to the section's bookmark."""
    page = page_of(ctx, sid)
    label = text if text is not None else (f"{sid} p. {page}" if page else sid)
    return f'<a href="#sec-{sid}" color="#1f4e8c">{esc(label)}</a>'


def deferred(ctx: RenderContext, factory: Callable[[], Flowable]) -> Deferred:
    """A flowable rebuilt in each layout pass (for page numbers)."""
    return Deferred(factory, ctx)


__all__ = ["NOT_ASSESSED_TEXT", "PROVIDER_TEXT", "F", "RenderContext", "deferred", "link", "page_of", "page_ref"]
