"""Render the audit report PDF with reportlab from an `AuditResult` and a `TrailSnapshot` only (no recomputation, no Qt).

Every page carries the report id, "Page x of y" and the short fingerprint (first 12 hex of the result's SHA-256); page
totals come from a canvas that holds its pages until the end (one layout pass)."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reportlab import rl_config

rl_config.useA85 = 0  # reportlab's pure-Python ASCII85 of images is its largest cost in a profile of the report

from reportlab.lib.units import mm  # noqa: E402
from reportlab.pdfbase.pdfmetrics import stringWidth  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate  # noqa: E402

from reports.coverage import assess  # noqa: E402
from reports.fonts import ITALIC, SANS, collect_missing, describe_missing, prepare, register_fonts, stop_collecting  # noqa: E402
from reports.frameworks import load_catalogue  # noqa: E402
from reports.layout import MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, MUTED, PAGE, RULE, TEXT_WIDTH, Heading, draw_runs, fit_width  # noqa: E402
from reports.risks import risk_register  # noqa: E402
from reports.sections.front import REPORT_FORMAT_VERSION  # noqa: E402,F401  (re-exported)
from reports.snapshot import TrailSnapshot  # noqa: E402


def report_id(result_sha256: str) -> str:
    return f"ATT-{result_sha256[:8].upper()}"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class RenderInfo:
    pages: int
    chart_seconds: float
    build_seconds: float
    chart_cpu_seconds: float
    build_cpu_seconds: float
    charts: int
    section_pages: dict[str, int]
    chart_wait_seconds: float = 0.0  # layout stood still waiting for the chart helper
    helper_chart_seconds: float = 0.0  # the helper's drawing time, in parallel with the layout (0: no helper)
    chart_fallbacks: int = 0
    finish_seconds: float = 0.0  # the PDF/A pass (XMP, output intent, associated file)
    warnings: tuple[str, ...] = ()  # e.g. characters no font could draw (shown as U+FFFD in the PDF)


def _numbered_canvas(report: str, fingerprint: str, system: str, pages_out: list[int]):
    class NumberedCanvas(Canvas):
        """Keeps each page's state until save(), then stamps 'Page x of y' on all of them."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._saved: list[dict] = []
            self._marks: list[tuple[str, dict]] = []

        def bookmarkPage(self, key, **kwargs):
            # A destination names the page object reportlab creates when the page is emitted, which here is at
            # save(): recorded now, set when its own page is written (else every bookmark points to page 1).
            self._marks.append((key, kwargs))

        def showPage(self):
            state = dict(self.__dict__)
            self._saved.append(state)
            self._marks = []
            self._startPage()

        def save(self):
            total = len(self._saved)
            pages_out.append(total)
            for state in self._saved:
                self.__dict__.update(state)
                for key, kwargs in state["_marks"]:
                    Canvas.bookmarkPage(self, key, **kwargs)
                self._furniture(total)
                super().showPage()
            super().save()

        def _furniture(self, total: int):
            w, h = PAGE
            self.saveState()
            self.setStrokeColor(RULE)
            self.setLineWidth(0.4)
            self.line(MARGIN_X, h - 13 * mm, w - MARGIN_X, h - 13 * mm)
            self.line(MARGIN_X, 12 * mm, w - MARGIN_X, 12 * mm)
            self.setFillColor(MUTED)
            self.setFont(SANS, 7.2)
            right = f"Report {report}"
            room = w - 2 * MARGIN_X - stringWidth(right, SANS, 7.2) - 6 * mm
            draw_runs(
                self, MARGIN_X, h - 11.5 * mm, fit_width(prepare(f"Attest audit report · {system}"), room, SANS, 7.2), SANS, 7.2
            )
            self.drawRightString(w - MARGIN_X, h - 11.5 * mm, right)
            self.drawString(MARGIN_X, 8.5 * mm, f"Fingerprint {fingerprint}")
            self.drawRightString(w - MARGIN_X, 8.5 * mm, f"Page {self._pageNumber} of {total}")
            self.setFont(ITALIC, 6.5)
            self.drawCentredString(w / 2, 8.5 * mm, "Evidence for a conformity file — not legal advice")
            self.restoreState()

    return NumberedCanvas


class _Doc(BaseDocTemplate):
    def __init__(self, target, ctx, **kw):
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
        self.ctx = ctx
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
        self.addPageTemplates([PageTemplate(id="page", frames=[frame])])

    def afterPage(self):
        self.ctx.page_done(self.page)

    def afterFlowable(self, flowable):
        if isinstance(flowable, Heading):
            self.canv.bookmarkPage(flowable.key)
            self.canv.addOutlineEntry(
                flowable.outline_text, flowable.key, level=flowable.outline_level + 1, closed=flowable.outline_level >= 0
            )
            if flowable.section and flowable.section not in self.ctx.section_pages:
                self.ctx.section_pages[flowable.section] = self.page


def render_pdf(
    result,
    out: str | Path | io.BytesIO,
    *,
    trail: TrailSnapshot | None = None,
    generated_at: str | None = None,
    manifest: dict | None = None,
    manifest_name: str = "",
    manifest_sha256: str | None = None,
    signer: str | None = None,
    charts: bool = True,
    result_sha256: str | None = None,
    chart_process=None,
    manifest_bytes: bytes | None = None,
    share: bool = False,
    progress=None,
) -> RenderInfo:
    """Write the report for `result` to `out` (a path or a binary buffer), as PDF/A-3b.

    `manifest_bytes`: the evidence manifest's file, embedded as the PDF/A associated file `manifest_name`.
    `chart_process`: started `reports.chartproc.ChartWorkers` (the caller closes them); without them workers are
    started here when charts are drawn and other processes may be used. `progress`: an `audit.cancel.Progress` told
    of each chart placed and each page laid out (steps "charts", "pages", "archive"); it may raise to stop."""
    from reports.chartproc import ChartWorkers

    t0, c0 = time.perf_counter(), time.process_time()
    own = chart_process is None and charts
    if own:
        chart_process = ChartWorkers.start()
    missing, token = collect_missing()
    try:
        return _render(
            result,
            out,
            t0,
            c0,
            trail=trail,
            generated_at=generated_at,
            manifest=manifest,
            manifest_name=manifest_name,
            manifest_sha256=manifest_sha256,
            signer=signer,
            charts=charts,
            result_sha256=result_sha256,
            chart_process=chart_process,
            manifest_bytes=manifest_bytes,
            missing=missing,
            share=share,
            progress=progress,
        )
    finally:
        stop_collecting(token)
        if own and chart_process is not None:
            chart_process.close()


def _fresh(flowables) -> None:
    """Forget what a previous layout pass marked on the flowables (reportlab's "_postponed": moved to the next frame
    once; a second time means too large, so a reused flowable would fail the next pass)."""
    for f in flowables:
        f.__dict__.pop("_postponed", None)
        inner = getattr(f, "_content", None)
        if isinstance(inner, list):
            _fresh(inner)


def report_author(result, trail: TrailSnapshot | None) -> str:
    """The person the report is by: the workspace identity that exported it, else the one that ran the audit; empty
    when there is no workspace (the OS login is not a person's name, so it is not used)."""
    if trail is None:
        return ""
    candidates = [trail.exported_by] + [
        e.actor for e in trail.events if e.kind == "audit_run" and e.payload.get("run_id") == trail.run_id
    ]
    for label in candidates:
        name = person_name(label)
        if name:
            return name
    return ""


def person_name(label: str) -> str:
    """ "Dana Kim" from an identity label "Dana Kim (ML lead) [dana@box]"; "" for a bare account "dana@box"."""
    label = (label or "").strip()
    if "[" in label:
        label = label[: label.rindex("[")].strip()
    elif "@" in label and " " not in label:
        return ""
    if label.endswith(")") and " (" in label:
        label = label[: label.rindex(" (")]
    return label.strip()


def _render(
    result,
    out,
    t0: float,
    c0: float,
    *,
    trail,
    generated_at,
    manifest,
    manifest_name,
    manifest_sha256,
    signer,
    charts,
    result_sha256,
    chart_process,
    manifest_bytes,
    missing,
    share=False,
    progress=None,
) -> RenderInfo:
    from reports.context import RenderContext
    from reports.pdfa import ArchivalInfo, Attachment, finish
    from reports.sections import build_story

    register_fonts()
    catalogue = load_catalogue()
    sha = result_sha256 or result.sha256()
    ctx = RenderContext(
        result=result,
        trail=trail,
        catalogue=catalogue,
        coverage=assess(result, trail, catalogue),
        risks=risk_register(result),
        report_id=report_id(sha),
        result_sha256=sha,
        generated_at=generated_at or utc_now(),
        manifest_name=manifest_name,
        manifest_sha256=manifest_sha256,
        signer=signer,
        manifest=manifest,
        charts=charts,
        chart_process=chart_process,
        missing_glyphs=missing,
        share=share,
        progress=progress,
    )
    story = build_story(ctx)
    system = result.spec.context.system_name or (Path(result.model.path).name if result.model else result.decision_source)
    pages: list[int] = []
    buf = io.BytesIO()
    title = f"Attest audit report {ctx.report_id}" + (
        f": {result.spec.context.system_name}"[:200] if result.spec.context.system_name else ""
    )
    subject = "Fairness and performance audit: evidence for the EU AI Act and the NIST AI RMF"
    # Two layout passes (a third if pages moved): the first finds the page of every section, the second prints those
    # pages where part 1 cites part 2 (page 1, findings, coverage matrix). Only the Deferred flowables that cite pages
    # are rebuilt; everything else, charts included, is laid out again as it is.
    for ctx.pass_no in (1, 2, 3):
        buf, pages[:] = io.BytesIO(), []
        ctx.section_pages = {}
        doc = _Doc(
            buf,
            ctx,
            title=title,
            subject=subject,
            creator=f"Attest {result.provenance.attest_version}",
            invariant=0,
            pageCompression=1,
            lang="en",
        )
        _fresh(story)
        doc.build(list(story), canvasmaker=_numbered_canvas(ctx.report_id, ctx.fingerprint, system, pages))
        if ctx.pass_no > 1 and ctx.section_pages == ctx.known_pages:
            break
        ctx.known_pages = dict(ctx.section_pages)
        ctx.known_pages_total = pages[0] if pages else 0
    t_finish = time.perf_counter()
    ctx.tick("archive", 0, 1, "Making the PDF archival (PDF/A-3b) and attaching the manifest")
    attachments = (
        (
            Attachment(
                manifest_name or "evidence.json",
                manifest_bytes,
                description=f"Evidence manifest of report {ctx.report_id} (machine-readable)",
            ),
        )
        if manifest_bytes is not None
        else ()
    )
    pdf = finish(
        buf.getvalue(),
        ArchivalInfo(
            title=title,
            created=ctx.generated_at,
            author=report_author(result, trail),
            subject=subject,
            keywords=(ctx.report_id, sha),
            creator_tool=f"Attest {result.provenance.attest_version}",
            attachments=attachments,
        ),
    )
    if isinstance(out, (str, Path)):
        Path(out).write_bytes(pdf)
    else:
        out.write(pdf)
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    wait = chart_process.wait_seconds if chart_process is not None else 0.0
    warnings = (
        (f"{len(missing)} character(s) could not be drawn by any font and are shown as \ufffd: {describe_missing(missing)}",)
        if missing
        else ()
    )
    return RenderInfo(
        pages=pages[0] if pages else 0,
        chart_seconds=ctx.chart_seconds,
        build_seconds=total - ctx.chart_seconds - wait,
        chart_cpu_seconds=ctx.chart_cpu_seconds,
        build_cpu_seconds=cpu - ctx.chart_cpu_seconds,
        charts=ctx.chart_count,
        section_pages=dict(ctx.section_pages),
        chart_wait_seconds=wait,
        helper_chart_seconds=chart_process.helper_seconds if chart_process is not None else 0.0,
        chart_fallbacks=ctx.chart_fallbacks,
        finish_seconds=time.perf_counter() - t_finish,
        warnings=warnings,
    )
