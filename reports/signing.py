"""Optional PAdES signing with a certificate the user supplies (PKCS#12), and offline verification, with pyHanko.

Signing is the last step of an export (after the manifest is attached): the signature covers every byte of the file but
itself, so any later change is detectable."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class SigningError(Exception):
    """The certificate cannot be used or the PDF cannot be signed; the message says why in plain words."""


@dataclass(frozen=True)
class SignatureCheck:
    signed: bool
    intact: bool  # the signed bytes are unchanged
    valid: bool  # intact and the certificate chains to a trusted root
    coverage: str  # ENTIRE_FILE / ENTIRE_REVISION / ...
    signer: str
    summary: str


def signer_name(p12_path: str | Path, password: bytes | None = None) -> str:
    """The subject of the certificate in a PKCS#12 file (for the report's S0)."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        _, cert, _ = pkcs12.load_key_and_certificates(Path(p12_path).read_bytes(), password)
    except (ValueError, OSError) as exc:
        raise SigningError(f"The certificate file {p12_path} cannot be opened: {exc}. Check the file and its password.") from exc
    if cert is None:
        raise SigningError(f"The file {p12_path} holds no certificate.")
    return cert.subject.rfc4514_string()


def sign_pdf(pdf_in: str | Path, pdf_out: str | Path, p12_path: str | Path, password: bytes | None = None,
             reason: str = "Attest audit report", location: str | None = None) -> None:
    """PAdES baseline-B signature (invisible field) with the key and certificate in `p12_path`."""
    from pyhanko.sign import fields, signers
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    try:
        signer = signers.SimpleSigner.load_pkcs12(pfx_file=str(p12_path), passphrase=password)
    except Exception as exc:  # pyHanko raises several types for a bad file or password
        raise SigningError(f"The certificate file {p12_path} cannot be used: {exc}. Check the file and its password.") from exc
    if signer is None:
        raise SigningError(f"The certificate file {p12_path} cannot be used (wrong password, or no key in it).")
    meta = signers.PdfSignatureMetadata(field_name="AttestSignature", reason=reason, location=location,
                                        subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256")
    src = Path(pdf_in).read_bytes()
    import io

    out = io.BytesIO()
    writer = IncrementalPdfFileWriter(io.BytesIO(src))
    signers.sign_pdf(writer, meta, signer=signer, output=out)
    Path(pdf_out).write_bytes(out.getvalue())


def verify_pdf_signature(pdf_path: str | Path, trust_roots: list | None = None) -> SignatureCheck:
    """Check the PDF's (first) signature offline. `trust_roots`: certificates (asn1crypto or cryptography objects, or
    PEM/DER file paths) to trust; a self-signed certificate must be listed here to count as valid."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    roots = [_asn1_cert(c) for c in (trust_roots or [])]
    vc = ValidationContext(trust_roots=roots, allow_fetching=False) if roots else ValidationContext(allow_fetching=False)
    with open(pdf_path, "rb") as fh:
        reader = PdfFileReader(fh, strict=False)
        sigs = reader.embedded_signatures
        if not sigs:
            return SignatureCheck(False, False, False, "", "", "The PDF is not signed.")
        try:
            status = validate_pdf_signature(sigs[0], vc)
        except Exception as exc:  # a damaged signature or signed range
            return SignatureCheck(True, False, False, "", "", f"The signature cannot be validated: {exc}")
        signer = status.signing_cert.subject.human_friendly if status.signing_cert is not None else ""
        coverage = status.coverage.name if status.coverage is not None else ""
        intact = bool(status.intact and status.valid)
        return SignatureCheck(True, intact, bool(intact and status.trusted), coverage, signer,
                              status.summary() if hasattr(status, "summary") else str(status))


def _asn1_cert(c):
    from asn1crypto import pem, x509

    if isinstance(c, x509.Certificate):
        return c
    if isinstance(c, (str, Path)):
        data = Path(c).read_bytes()
        if pem.detect(data):
            _, _, data = pem.unarmor(data)
        return x509.Certificate.load(data)
    if hasattr(c, "public_bytes"):  # cryptography certificate
        from cryptography.hazmat.primitives.serialization import Encoding

        return x509.Certificate.load(c.public_bytes(Encoding.DER))
    raise TypeError(f"cannot use {type(c).__name__} as a trust root")
