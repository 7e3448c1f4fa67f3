"""The audit report: a PDF for the EU AI Act and the NIST AI RMF, rendered from an `AuditResult` and the trail only,
bound by hashes to its evidence. No Qt here; matplotlib and reportlab are imported when a report is made.

    from reports import export_report
    exported = export_report(result, "report.pdf", workspace="project.attest", sign_p12="me.p12", p12_password=b"...")

Charts for the desktop app: `reports.charts` (each function returns a matplotlib Figure).
"""

from __future__ import annotations

from reports.export import ExportedReport, embedded_manifest, export_report, manifest_path_for
from reports.signing import SignatureCheck, SigningError, sign_pdf, verify_pdf_signature
from reports.snapshot import LineageStep, Signoff, TrailEvent, TrailSnapshot, snapshot_from_workspace

__all__ = [
    "ExportedReport",
    "LineageStep",
    "SignatureCheck",
    "SigningError",
    "Signoff",
    "TrailEvent",
    "TrailSnapshot",
    "embedded_manifest",
    "export_report",
    "manifest_path_for",
    "sign_pdf",
    "snapshot_from_workspace",
    "verify_pdf_signature",
]
