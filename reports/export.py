"""One call for the CLI and the desktop app: render the PDF, attach the evidence manifest, optionally sign, write the
manifest beside it, and record a `report exported` event with the PDF's hash when a workspace is given.

Everything that can refuse the export is checked before anything is rendered or written: the output paths (never an
input of the run, never a folder, an existing file only with `overwrite`), the certificate (key, password, validity)
and the workspace. The PDF and its manifest are written to temporary files and renamed into place together; if
recording the export in the trail fails, both are taken back and any files they replaced are restored.
"""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from audit.cancel import no_progress
from reports.chartproc import ChartWorkers
from reports.snapshot import TrailSnapshot

if TYPE_CHECKING:
    from audit.cancel import Progress
    from audit.result import AuditResult
    from audit.trail import Workspace


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
    chart_wait_seconds: float = 0.0  # time the layout stood still waiting for the chart workers
    charts_in_parallel: bool = False  # worker processes drew the charts while this one laid out the pages
    seconds: float = 0.0  # wall time of the whole export
    cpu_seconds: dict[str, float] | None = None  # the same as process time (charts, build, total): steady on a busy machine
    warnings: tuple[str, ...] = ()  # e.g. characters no font could draw (shown as U+FFFD in the PDF and said on page 1)
    shared: bool = False  # a shared copy: paths, account and host names and individual rows left out


def manifest_path_for(pdf_path: str | Path) -> Path:
    p = Path(pdf_path)
    return p.with_name(p.stem + ".evidence.json")


def report_outputs(pdf_path: str | Path) -> list[Path]:
    """The files an export writes: the PDF and its manifest (what the app asks about before replacing them)."""
    return [Path(pdf_path), manifest_path_for(pdf_path)]


def run_inputs(
    result: AuditResult, workspace: Workspace | str | Path | None = None, sign_p12: str | Path | None = None
) -> dict[str, str | Path | None]:
    """The files a report must never be written over: the audited data and model, the workspace, the certificate."""
    # The path given, or an open Workspace's file (tested without importing audit.trail: only a report needs it)
    ws_path = workspace if workspace is None or isinstance(workspace, (str, Path)) else workspace.path
    return {
        "the evaluation data (--data)": result.data.path,
        "the audited model (--model)": result.model.path if result.model else None,
        "the workspace (--workspace)": ws_path,
        "the signing certificate (--sign)": sign_p12,
    }


def check_report_outputs(
    result: AuditResult,
    out_pdf: str | Path,
    *,
    workspace: Workspace | str | Path | None = None,
    sign_p12: str | Path | None = None,
    inputs: Mapping[str, str | Path | None] | None = None,
    overwrite: bool = False,
    label: str = "The report",
) -> tuple[Path, Path]:
    """Refuse unusable report paths before any work (see `audit.outputs.check_outputs`); (PDF, manifest) to write."""
    from audit.outputs import check_outputs

    paths = check_outputs(
        {label: out_pdf, "Its evidence manifest": manifest_path_for(out_pdf)},
        {**run_inputs(result, workspace, sign_p12), **(inputs or {})},
        force=overwrite,
    )
    return paths[label], paths["Its evidence manifest"]


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


def export_report(
    result: AuditResult,
    out_pdf: str | Path,
    trail: TrailSnapshot | None = None,
    sign_p12: str | Path | None = None,
    p12_password: bytes | str | None = None,
    *,
    workspace: Workspace | str | Path | None = None,
    run_id: str | None = None,
    charts: bool = True,
    overwrite: bool = False,
    share: bool = False,
    inputs: Mapping[str, str | Path | None] | None = None,
    label: str = "The report",
    progress: Progress | None = None,
    timestamp_url: str | None = None,
) -> ExportedReport:
    """Write `out_pdf` and `<stem>.evidence.json` beside it; returns their paths and SHA-256.

    `trail`: a snapshot to bind to; or `workspace` (a path or an open `audit.trail.Workspace`): the snapshot is taken
    from it (for `run_id`, default: the newest run with this result's hash) and the export is recorded there.
    `sign_p12`: a PKCS#12 file to sign with (PAdES), as the very last step. `overwrite`: replace existing files
    (the user said so). `share`: a copy to hand out (see `audit.sharing`); the trail keeps the full record.
    `inputs`: more files of the run the report must not replace (e.g. the policy or context file); `label`: how
    messages name the PDF (the CLI passes its option, e.g. "--pdf"). `progress`: an `audit.cancel.Progress` told of each
    stage ("prepare", "charts", "pages", "archive", "signing", "writing"); when it raises (a cancel), nothing is written.
    `timestamp_url`: with `sign_p12`, an RFC 3161 timestamp authority asked for a token on the signature (the only
    network request Attest makes, and only when configured; reports/timestamp.py)."""
    t0, c0 = time.perf_counter(), time.process_time()
    if isinstance(p12_password, str):
        p12_password = p12_password.encode("utf-8")
    out_pdf, mpath = check_report_outputs(
        result, out_pdf, workspace=workspace, sign_p12=sign_p12, inputs=inputs, overwrite=overwrite, label=label
    )
    signer = None
    if timestamp_url:
        from reports.timestamp import TimestampError, check_timestamp_url

        if not sign_p12:
            raise TimestampError(
                "A timestamp is taken on the report's signature, so it needs a signing certificate.",
                "Add --sign CERT.p12, or drop --timestamp-url.",
            )
        check_timestamp_url(timestamp_url)
    if sign_p12:
        from reports.signing import signer_name

        signer = signer_name(sign_p12, p12_password)  # wrong password, no key, expired: refused before any work
    helper = ChartWorkers.start() if charts else None  # first: the workers' matplotlib import overlaps everything below
    from reports.pdf import older_objects_frozen

    try:
        with older_objects_frozen():
            return _export(
                result,
                out_pdf,
                mpath,
                trail,
                sign_p12,
                p12_password,
                signer,
                workspace,
                run_id,
                charts,
                share,
                helper,
                t0,
                c0,
                progress or no_progress,
                timestamp_url,
            )
    finally:
        if helper is not None:
            helper.close(kill=True)


def _export(
    result: AuditResult,
    out_pdf: Path,
    mpath: Path,
    trail: TrailSnapshot | None,
    sign_p12: str | Path | None,
    p12_password: bytes | None,  # encoded by export_report
    signer: str | None,
    workspace: Workspace | str | Path | None,
    run_id: str | None,
    charts: bool,
    share: bool,
    helper: ChartWorkers | None,
    t0: float,
    c0: float,
    progress: Progress,
    timestamp_url: str | None = None,
) -> ExportedReport:
    from audit.outputs import Staged
    from reports.coverage import assess
    from reports.frameworks import load_catalogue
    from reports.manifest import build_manifest, manifest_bytes
    from reports.pdf import render_pdf, report_id, utc_now
    from reports.sections.document_control import generator_versions

    progress("prepare", 0, 1, "Reading the trail and building the evidence manifest")
    if workspace is not None and trail is None:
        from reports.snapshot import snapshot_from_workspace

        trail = snapshot_from_workspace(workspace, run_id, result)
    run_id = run_id or (trail.run_id if trail else None)

    sha = result.sha256()  # the full result's hash binds the report to the trail, shared copy or not
    if share:
        from audit.sharing import replacements, shared_copy

        trail = trail.shared_copy(replacements(result)) if trail is not None else None
        result = shared_copy(result, sha)
    rid = report_id(sha)
    generated_at = utc_now()
    catalogue = load_catalogue()
    manifest = build_manifest(
        result,
        trail,
        catalogue,
        assess(result, trail, catalogue),
        report_id=rid,
        generated_at=generated_at,
        result_sha256=sha,
        generator=generator_versions(),
        share=share,
    )
    mbytes = manifest_bytes(manifest)
    msha = hashlib.sha256(mbytes).hexdigest()

    buf = io.BytesIO()
    info = render_pdf(
        result,
        buf,
        trail=trail,
        generated_at=generated_at,
        manifest=manifest,
        manifest_name=mpath.name,
        manifest_sha256=msha,
        signer=signer,
        charts=charts,
        result_sha256=sha,
        chart_process=helper,
        manifest_bytes=mbytes,
        share=share,  # PDF/A-3 associated file
        progress=progress,
    )
    if helper is not None:
        helper.close()  # every chart is in the PDF by now
    pdf = buf.getvalue()
    if sign_p12:
        from reports.signing import sign_pdf_bytes  # here: it imports the trail's key handling, which an unsigned report skips

        progress("signing", 0, 1, "Signing the PDF")
        pdf = sign_pdf_bytes(pdf, sign_p12, p12_password, timestamp_url=timestamp_url)
    progress("writing", 0, 1, f"Writing {out_pdf.name} and its evidence manifest")
    pdf_sha = hashlib.sha256(pdf).hexdigest()

    staged = Staged()
    staged.add(out_pdf, pdf)
    staged.add(mpath, mbytes)
    staged.commit(keep_backups=True)
    recorded = False
    try:
        if workspace is not None and run_id:
            record_export(workspace, run_id, out_pdf, pdf_sha, msha)
            recorded = True
    except BaseException:
        staged.rollback()  # a report the trail does not know about is not left behind
        raise
    staged.finish()
    return ExportedReport(
        pdf_path=out_pdf,
        pdf_sha256=pdf_sha,
        manifest_path=mpath,
        manifest_sha256=msha,
        report_id=rid,
        pages=info.pages,
        signed=bool(sign_p12),
        run_id=run_id,
        recorded=recorded,
        chart_seconds=info.helper_chart_seconds + info.chart_seconds,
        build_seconds=info.build_seconds,
        chart_wait_seconds=info.chart_wait_seconds,
        charts_in_parallel=helper is not None,
        seconds=time.perf_counter() - t0,
        warnings=info.warnings,
        cpu_seconds={"charts": info.chart_cpu_seconds, "build": info.build_cpu_seconds, "total": time.process_time() - c0},
        shared=share,
    )


def record_export(
    workspace: Workspace | str | Path, run_id: str, pdf_path: Path, pdf_sha256: str, manifest_sha256: str | None
) -> None:
    """Append the `report exported` event (path, SHA-256, size, manifest hash) to the workspace's trail."""
    from audit.trail import Workspace

    if isinstance(workspace, Workspace):
        workspace.record_report(run_id, pdf_path, pdf_sha256, manifest_sha256=manifest_sha256)
        return
    with Workspace.open(workspace, create=False) as ws:
        ws.record_report(run_id, pdf_path, pdf_sha256, manifest_sha256=manifest_sha256)
