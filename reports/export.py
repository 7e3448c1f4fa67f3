"""One call for the CLI and the desktop app: render the PDF, attach the evidence manifest, optionally sign, write the
manifest beside it, and record a `report exported` event with the PDF's hash when a workspace is given."""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from reports.chartproc import ChartProcess
from reports.snapshot import TrailSnapshot


@dataclass(frozen=True)
class ExportedReport:
    pdf_path: Path
    pdf_sha256: str
    manifest_path: Path
    manifest_sha256: str
    report_id: str
    pages: int
    signed: bool
    run_id: str | None = None
    recorded: bool = False  # a `report exported` event was written to the workspace's trail
    chart_seconds: float = 0.0  # wall time drawing the charts (in the helper process, beside the layout, if parallel)
    build_seconds: float = 0.0  # wall time laying out and writing the PDF (without the charts and waits for them)
    chart_wait_seconds: float = 0.0  # time the layout stood still waiting for the chart helper
    charts_in_parallel: bool = False  # a forked helper drew the charts while the parent laid out the pages
    seconds: float = 0.0  # wall time of the whole export
    cpu_seconds: dict | None = None  # the same as process time (charts, build, total): steady on a busy machine
    warnings: tuple[str, ...] = ()  # e.g. characters no font could draw (shown as U+FFFD in the PDF and said on page 1)


def manifest_path_for(pdf_path: str | Path) -> Path:
    p = Path(pdf_path)
    return p.with_name(p.stem + ".evidence.json")


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def attach_manifest(pdf: bytes, name: str, manifest: bytes) -> bytes:
    """The PDF with `manifest` embedded as a file attachment (pypdf), everything else kept."""
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.add_attachment(name, manifest)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def embedded_manifest(pdf_path: str | Path) -> tuple[str, bytes] | None:
    """(name, bytes) of the evidence manifest attached to a report PDF, or None."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf_path))
    for name, contents in reader.attachments.items():
        if name.endswith(".evidence.json"):
            return name, contents[0]
    return None


def export_report(result, out_pdf: str | Path, trail: TrailSnapshot | None = None, sign_p12: str | Path | None = None,
                  p12_password: bytes | str | None = None, *, workspace=None, run_id: str | None = None,
                  charts: bool = True) -> ExportedReport:
    """Write `out_pdf` and `<stem>.evidence.json` beside it; returns their paths and SHA-256.

    `trail`: a snapshot to bind to; or `workspace` (a path or an open `audit.trail.Workspace`): the snapshot is taken
    from it (for `run_id`, default: the newest run with this result's hash) and the export is recorded there.
    `sign_p12`: a PKCS#12 file to sign with (PAdES), as the very last step."""
    t0, c0 = time.perf_counter(), time.process_time()
    helper = ChartProcess.start(result) if charts else None  # first: its matplotlib import overlaps everything below
    try:
        return _export(result, Path(out_pdf), trail, sign_p12, p12_password, workspace, run_id, charts, helper, t0, c0)
    finally:
        if helper is not None:
            helper.close(kill=True)


def _export(result, out_pdf: Path, trail, sign_p12, p12_password, workspace, run_id, charts, helper, t0, c0) -> ExportedReport:
    from reports.coverage import assess
    from reports.frameworks import load_catalogue
    from reports.manifest import build_manifest, manifest_bytes
    from reports.pdf import render_pdf, report_id, utc_now
    from reports.sections.front import _generator_versions
    from reports.signing import sign_pdf, signer_name

    if isinstance(p12_password, str):
        p12_password = p12_password.encode("utf-8")
    if workspace is not None and trail is None:
        from reports.snapshot import snapshot_from_workspace

        trail = snapshot_from_workspace(workspace, run_id, result)
    run_id = run_id or (trail.run_id if trail else None)
    signer = signer_name(sign_p12, p12_password) if sign_p12 else None

    sha = result.sha256()
    rid = report_id(sha)
    generated_at = utc_now()
    catalogue = load_catalogue()
    manifest = build_manifest(result, trail, catalogue, assess(result, trail, catalogue), report_id=rid,
                              generated_at=generated_at, result_sha256=sha, generator=_generator_versions())
    mbytes = manifest_bytes(manifest)
    msha = hashlib.sha256(mbytes).hexdigest()
    mpath = manifest_path_for(out_pdf)

    buf = io.BytesIO()
    info = render_pdf(result, buf, trail=trail, generated_at=generated_at, manifest=manifest, manifest_name=mpath.name,
                      manifest_sha256=msha, signer=signer, charts=charts, result_sha256=sha,
                      chart_process=helper, manifest_bytes=mbytes)  # PDF/A-3 associated file
    if helper is not None:
        helper.close()  # every chart is in the PDF by now
    pdf = buf.getvalue()
    if sign_p12:
        with tempfile.TemporaryDirectory() as tmp:
            unsigned = Path(tmp) / "unsigned.pdf"
            unsigned.write_bytes(pdf)
            signed = Path(tmp) / "signed.pdf"
            sign_pdf(unsigned, signed, sign_p12, p12_password)
            pdf = signed.read_bytes()
    _atomic_write(out_pdf, pdf)
    _atomic_write(mpath, mbytes)
    pdf_sha = hashlib.sha256(pdf).hexdigest()

    recorded = False
    if workspace is not None and run_id:
        record_export(workspace, run_id, out_pdf, pdf_sha, msha)
        recorded = True
    return ExportedReport(pdf_path=out_pdf, pdf_sha256=pdf_sha, manifest_path=mpath, manifest_sha256=msha, report_id=rid,
                          pages=info.pages, signed=bool(sign_p12), run_id=run_id, recorded=recorded,
                          chart_seconds=info.helper_chart_seconds + info.chart_seconds, build_seconds=info.build_seconds,
                          chart_wait_seconds=info.chart_wait_seconds, charts_in_parallel=helper is not None,
                          seconds=time.perf_counter() - t0, warnings=info.warnings,
                          cpu_seconds={"charts": info.chart_cpu_seconds, "build": info.build_cpu_seconds,
                                       "total": time.process_time() - c0})


def record_export(workspace, run_id: str, pdf_path: Path, pdf_sha256: str, manifest_sha256: str | None) -> None:
    """Append the `report exported` event (path, SHA-256, size, manifest hash) to the workspace's trail."""
    from audit.trail import Workspace

    if isinstance(workspace, Workspace):
        workspace.record_report(run_id, pdf_path, pdf_sha256, manifest_sha256=manifest_sha256)
        return
    with Workspace.open(workspace, create=False) as ws:
        ws.record_report(run_id, pdf_path, pdf_sha256, manifest_sha256=manifest_sha256)


