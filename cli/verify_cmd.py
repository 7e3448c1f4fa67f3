"""`attest verify-report REPORT.pdf [--workspace W]`: is this report the one Attest exported, unchanged?

Exit 0 when every check that could be made holds, 1 when one does not (each is named), 2 when the path is not a file.
Everything is opened read-only, so a report and a workspace on read-only media can be checked.
"""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "verify-report",
        help="check a report PDF: its bytes and signature, its evidence manifest and "
        "(with --workspace) the trail's record of its export",
        description="Check an exported report: the PDF's own bytes and signature (including the "
        "certificate's validity when it was signed), the manifest embedded in it against "
        "the one beside it, and with --workspace that the trail recorded the export of "
        "exactly this PDF for the run it claims. Exit 0 intact, 1 not intact.",
    )
    p.add_argument("report", metavar="REPORT.pdf")
    p.add_argument("--workspace", metavar="PATH", help="the workspace the report was exported from")
    p.add_argument("--manifest", metavar="FILE", help="the evidence manifest (default: REPORT.evidence.json beside it)")
    p.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="CERT",
        help="a certificate (PEM or DER) to trust as the signer's issuer (repeatable)",
    )
    p.add_argument(
        "--tsa-root",
        action="append",
        default=[],
        metavar="CERT",
        help="a timestamp authority's certificate (PEM or DER) to trust for the signature's RFC 3161 timestamp (repeatable)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from reports.verify import verify_report

    check = verify_report(
        args.report,
        workspace=args.workspace,
        manifest_path=args.manifest,
        trust_roots=args.trust or None,
        tsa_roots=args.tsa_root or None,
    )
    for f in check.findings:
        print(f.line())
    if check.ok:
        print(check.summary())
        return 0
    print(check.summary(), file=sys.stderr)
    return 1
