"""`attest report`: export the PDF audit report of a run recorded in a workspace; and `write_pdf_for`, which
`attest audit --pdf` and `attest demo` call.

    attest report --workspace W --run ID --out OUT.pdf [--sign P12] [--sign-password-env VAR] [--force] [--share]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    from audit.result import AuditResult
    from audit.trail import Workspace
    from reports.export import ExportedReport


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "report",
        help="export the PDF audit report (EU AI Act / NIST AI RMF) of a recorded audit run",
        description="Render the audit report of a run stored in a workspace, bound by hashes to the "
        "model, data, result and trail; writes OUT and OUT's .evidence.json manifest beside it, "
        "and records the export in the trail.",
    )
    p.add_argument("--workspace", required=True, metavar="PATH", help="workspace file (*.attest) holding the run")
    p.add_argument("--run", required=True, metavar="ID", help="audit run id (run-...; see `attest trail log --kind audit_run`)")
    p.add_argument("--out", required=True, metavar="OUT.pdf", help="where to write the PDF")
    p.add_argument("--sign", metavar="P12", help="sign the PDF (PAdES) with this PKCS#12 certificate file")
    p.add_argument(
        "--sign-password-env",
        metavar="VAR",
        help="environment variable holding the PKCS#12 password (never pass a password on the command line)",
    )
    p.add_argument(
        "--timestamp-url",
        metavar="URL",
        help="with --sign: ask this RFC 3161 timestamp authority (e.g. your organisation's own TSA) for a "
        "timestamp on the signature; the only time Attest contacts another machine",
    )
    p.add_argument("--force", action="store_true", help="replace OUT and its manifest if they exist")
    p.add_argument(
        "--share",
        action="store_true",
        help="a copy to hand out: leave out absolute paths, OS account and host names and individual rows "
        "(local explanations); the trail keeps everything",
    )
    p.add_argument("--no-charts", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def _password(var: str | None) -> bytes | None:
    from audit.errors import InputError

    if not var:
        return None
    value = os.environ.get(var)
    if value is None:
        raise InputError(f"The environment variable {var} is not set.", f"Set it to the certificate's password: export {var}=...")
    return value.encode("utf-8")


def run(args: argparse.Namespace) -> int:
    from audit.errors import InputError
    from audit.result import AuditResult
    from audit.trail import Workspace

    ws_path = Path(args.workspace)
    if not ws_path.exists():
        raise InputError(f"There is no workspace at {ws_path}.", "Give the *.attest file the audit was recorded in.")
    password = _password(args.sign_password_env)
    with Workspace.open(ws_path, create=False) as ws:
        result = AuditResult.from_json(ws.get_result_json(args.run))
        exported = write_pdf_for(
            result,
            args.out,
            workspace=ws,
            sign=args.sign,
            run_id=args.run,
            password=password,
            charts=not args.no_charts,
            force=args.force,
            share=args.share,
            label="--out",
            timestamp_url=args.timestamp_url,
        )
    return 0 if exported else 2


def check_certificate(sign: str | Path | None, password: bytes | None) -> None:
    """Refuse a missing, key-less, expired or not-yet-valid certificate, or a wrong password, before any work."""
    from audit.errors import InputError
    from reports.signing import load_signer

    if not sign:
        return
    if not Path(sign).is_file():
        raise InputError(f"The certificate file {sign} does not exist.", "Give the path of a PKCS#12 (.p12/.pfx) file.")
    load_signer(sign, password)


def write_pdf_for(
    result: AuditResult,
    pdf_path: str | Path,
    workspace: str | Path | Workspace | None = None,
    sign: str | Path | None = None,
    *,
    run_id: str | None = None,
    password: bytes | None = None,
    charts: bool = True,
    quiet: bool = False,
    force: bool = False,
    share: bool = False,
    inputs: Mapping[str, str | Path | None] | None = None,
    label: str = "--pdf",
    timestamp_url: str | None = None,
) -> ExportedReport:
    """Export the report for `result` (what `attest audit --pdf` and the demo call). With `workspace` (a path or an open
    Workspace) the report binds to its trail and the export is recorded there. Prints where the files went.
    `force`: replace existing files; `share`: a shared copy; `inputs`: more files of the run never to write over."""
    from reports import export_report

    check_certificate(sign, password)
    exported = export_report(
        result,
        pdf_path,
        sign_p12=sign,
        p12_password=password,
        workspace=workspace,
        run_id=run_id,
        charts=charts,
        overwrite=force,
        share=share,
        inputs=inputs,
        label=label,
        timestamp_url=timestamp_url,
    )
    for warning in exported.warnings:  # shown even with --quiet: the PDF differs from the data
        print(f"warning: {warning}", file=sys.stderr)
    if not quiet:
        print(
            f"Report {exported.report_id} written to {exported.pdf_path} ({exported.pages} pages"
            + (", signed" if exported.signed else "")
            + (", timestamped" if exported.signed and timestamp_url else "")
            + (", shared copy" if exported.shared else "")
            + f"), SHA-256 {exported.pdf_sha256}"
        )
        print(f"Evidence manifest written to {exported.manifest_path} (also attached to the PDF)")
        if exported.recorded:
            print(f"Export recorded in the trail for {exported.run_id}")
        elif workspace is not None:
            print(
                "note: this result is not recorded as an audit run in the workspace, so the export was not recorded "
                "in its trail (run the audit with --workspace first)"
            )
    return exported
