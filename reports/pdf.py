"""Render the audit report PDF with reportlab from an `AuditResult` and a `TrailSnapshot` only (no recomputation, no Qt).

Every page carries the report id, "Page x of y" and the short fingerprint (first 12 hex of the result's SHA-256); the
document template, its page furniture and the layout passes that settle page numbers are in `reports.pdf_document`."""

from __future__ import annotations

import gc
import io
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab import rl_config

rl_config.useA85 = 0  # reportlab's pure-Python ASCII85 of images is its largest cost in a profile of the report

from reports.coverage import assess  # noqa: E402
from reports.fonts import collect_missing, describe_missing, register_fonts, stop_collecting  # noqa: E402
from reports.frameworks import load_catalogue  # noqa: E402
from reports.pdf_document import MAX_PASSES, LayoutPasses, ReportDoc  # noqa: E402
from reports.risks import risk_register  # noqa: E402
from reports.sections.front import REPORT_FORMAT_VERSION  # noqa: E402
from reports.snapshot import TrailSnapshot  # noqa: E402

if TYPE_CHECKING:
    from audit.cancel import Progress
    from audit.result import AuditResult
    from reports.chartproc import ChartWorkers

__all__ = ["REPORT_FORMAT_VERSION", "RenderInfo", "person_name", "render_pdf", "report_author", "report_id", "utc_now"]


_frozen_lock = threading.Lock()
_frozen_depth = 0


@contextmanager
def older_objects_frozen() -> Iterator[None]:
    """Leave the objects that exist already out of the garbage collector's full collections while a report is made.

    The layout allocates millions of objects, so Python runs a few full collections meanwhile; each one walks every
    object of the process, and after an audit (pandas, NumPy, the result) those cost a third of a second of CPU in
    all (benchmarks/bench_report.py). `gc.freeze()` sets them aside and `gc.unfreeze()` gives them back to the oldest
    generation afterwards, so nothing is leaked; the report's own garbage is collected as usual. Re-entrant."""
    global _frozen_depth
    with _frozen_lock:
        _frozen_depth += 1
        if _frozen_depth == 1:
            gc.freeze()
    try:
        yield
    finally:
        with _frozen_lock:
            _frozen_depth -= 1
            if _frozen_depth == 0:
                gc.unfreeze()


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


def render_pdf(
    result: AuditResult,
    out: str | Path | io.BytesIO,
    *,
    trail: TrailSnapshot | None = None,
    generated_at: str | None = None,
    manifest: dict[str, Any] | None = None,
    manifest_name: str = "",
    manifest_sha256: str | None = None,
    signer: str | None = None,
    charts: bool = True,
    result_sha256: str | None = None,
    chart_process: ChartWorkers | None = None,
    manifest_bytes: bytes | None = None,
    share: bool = False,
    progress: Progress | None = None,
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
        with older_objects_frozen():
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


def report_author(result: AuditResult, trail: TrailSnapshot | None) -> str:
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
    result: AuditResult,
    out: str | Path | io.BytesIO,
    t0: float,
    c0: float,
    *,
    trail: TrailSnapshot | None,
    generated_at: str | None,
    manifest: dict[str, Any] | None,
    manifest_name: str,
    manifest_sha256: str | None,
    signer: str | None,
    charts: bool,
    result_sha256: str | None,
    chart_process: ChartWorkers | None,
    manifest_bytes: bytes | None,
    missing: Counter[str],
    share: bool = False,
    progress: Progress | None = None,
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
    buf = io.BytesIO()
    title = f"Attest audit report {ctx.report_id}" + (
        f": {result.spec.context.system_name}"[:200] if result.spec.context.system_name else ""
    )
    subject = "Fairness and performance audit: evidence for the EU AI Act and the NIST AI RMF"
    # Layout passes under reportlab's multiBuild (see reports.pdf_document): the first finds the page of every section,
    # the second prints those pages where part 1 cites part 2 (page 1, findings, coverage matrix) and the page total in
    # every footer; a third if pages moved. Only the Deferred flowables that cite pages are rebuilt; everything else,
    # charts included, is laid out again as it is.
    passes = LayoutPasses(ctx)
    doc = ReportDoc(
        buf,
        ctx,
        passes,
        system=system,
        title=title,
        subject=subject,
        creator=f"Attest {result.provenance.attest_version}",
        invariant=0,
        pageCompression=1,
        lang="en",
    )
    doc.multiBuild([passes, *story], maxPasses=MAX_PASSES, canvasmaker=passes.canvas)
    total_pages = passes.pages
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
        pages=total_pages,
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
