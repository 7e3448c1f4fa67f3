"""A signed report verifies offline; changing one byte of the signed range breaks the verification."""

from __future__ import annotations

import hashlib
from pathlib import Path

from audit.result import AuditResult
from reports import embedded_manifest, export_report
from reports.signing import verify_pdf_signature
from tests.reports.report_helpers import Exported, page_texts, run_tool


def test_signed_report_verifies_and_a_changed_byte_breaks_it(
    small_result: AuditResult, p12: tuple[Path, bytes, object], tmp_path: Path
) -> None:
    path, password, cert = p12
    pdf = tmp_path / "signed.pdf"
    e = export_report(small_result, pdf, sign_p12=path, p12_password=password, charts=False)
    assert e.signed and e.pdf_sha256 == hashlib.sha256(pdf.read_bytes()).hexdigest()

    check = verify_pdf_signature(pdf, trust_roots=[cert])
    assert check.signed and check.intact and check.valid, check.summary
    assert check.coverage == "ENTIRE_FILE" and "Test Compliance Officer" in check.signer
    assert "Test Compliance Officer" in " ".join(page_texts(pdf)[1].split())  # S0 names the signer
    _name, embedded = embedded_manifest(pdf)  # signing came last: the attachment is still there and unchanged
    assert embedded == e.manifest_path.read_bytes()
    assert run_tool("qpdf", "--check", str(pdf)).returncode == 0

    untrusted = verify_pdf_signature(pdf)  # intact, but a self-signed certificate is not trusted unless named
    assert untrusted.intact and not untrusted.valid

    data = bytearray(pdf.read_bytes())
    at = data.index(b"stream", data.index(b"/Type /Page")) + 40  # a byte of page content, inside the signed range
    data[at] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    broken = verify_pdf_signature(tampered, trust_roots=[cert])
    assert broken.signed and not broken.intact and not broken.valid


def test_unsigned_report_reports_no_signature(small_report: Exported) -> None:
    check = verify_pdf_signature(small_report.pdf)
    assert not check.signed and not check.intact


def test_wrong_password_is_a_plain_error(small_result: AuditResult, p12: tuple[Path, bytes, object], tmp_path: Path) -> None:
    import pytest

    from reports.signing import SigningError

    with pytest.raises(SigningError, match="cannot be"):
        export_report(small_result, tmp_path / "x.pdf", sign_p12=p12[0], p12_password=b"wrong", charts=False)
