"""The audit report: a PDF for the EU AI Act and the NIST AI RMF, rendered from an `AuditResult` and the trail only,
bound by hashes to its evidence. No Qt here; matplotlib and reportlab are imported when a report is made.

    from reports import export_report
    exported = export_report(result, "report.pdf", workspace="project.attest", sign_p12="me.p12", p12_password=b"...")

Charts for the desktop app: `reports.charts` (each function returns a matplotlib Figure).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reports.export import ExportedReport, embedded_manifest, export_report, manifest_path_for
    from reports.signing import SignatureCheck, SigningError, sign_pdf, verify_pdf_signature
    from reports.snapshot import LineageStep, Signoff, TrailEvent, TrailSnapshot, snapshot_from_workspace

# Names are imported on first use: a chart worker process that imports `reports.charts` does not pay for the trail,
# reportlab and pyHanko (about 2.5 s).
_WHERE = {
    "ExportedReport": "reports.export",
    "embedded_manifest": "reports.export",
    "export_report": "reports.export",
    "manifest_path_for": "reports.export",
    "SignatureCheck": "reports.signing",
    "SigningError": "reports.signing",
    "sign_pdf": "reports.signing",
    "verify_pdf_signature": "reports.signing",
    "LineageStep": "reports.snapshot",
    "Signoff": "reports.snapshot",
    "TrailEvent": "reports.snapshot",
    "TrailSnapshot": "reports.snapshot",
    "snapshot_from_workspace": "reports.snapshot",
}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'reports' has no attribute {name!r}")
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value
    return value


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
