"""Optional PAdES signing with a certificate the user supplies (PKCS#12), and offline verification, with pyHanko.

Signing is the last step of an export (after the manifest is attached): the signature covers every byte of the file but
itself, so any later change is detectable. A certificate without its private key, expired or not yet valid is refused
before anything is rendered (`audit.trail.keys.load_pkcs12` checks it, the same check as for signed sign-offs).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from audit.trail.keys import KeyProblem, SigningKey, load_pkcs12, validity_problem

if TYPE_CHECKING:
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509 as crypto_x509

    from reports.timestamp import TimestampCheck

# A certificate to trust: asn1crypto or cryptography object, or a PEM/DER file's path.
CertSource: TypeAlias = "asn1_x509.Certificate | crypto_x509.Certificate | str | Path"


class SigningError(KeyProblem):
    """The certificate cannot be used or the PDF cannot be signed; the message says why in plain words."""


@dataclass(frozen=True)
class SignatureCheck:
    signed: bool
    intact: bool  # the signed bytes are unchanged
    valid: bool  # intact and the certificate chains to a trusted root
    coverage: str  # ENTIRE_FILE / ENTIRE_REVISION / ...
    signer: str
    summary: str
    signed_at: str = ""  # the signing time, ISO 8601 UTC: the valid RFC 3161 timestamp's, else the one the signature states
    certificate_valid_then: bool | None = None  # the certificate was within its validity period at `signed_at`
    problem: str = ""  # what is wrong, in plain words ("" when nothing is)
    timestamp: TimestampCheck | None = None  # the RFC 3161 token, when the signature has one


def load_signer(p12_path: str | Path, password: bytes | None = None) -> SigningKey:
    """The signing key and certificate of a PKCS#12 file, checked now: a key is present, matches, and is valid today."""
    try:
        return load_pkcs12(p12_path, password)
    except KeyProblem as exc:
        raise SigningError(exc.message, exc.hint) from None


def signer_name(p12_path: str | Path, password: bytes | None = None) -> str:
    """The subject of the certificate in a PKCS#12 file (for the report's S0), after the checks of `load_signer`."""
    return load_signer(p12_path, password).signer


def sign_pdf_bytes(
    pdf: bytes,
    p12_path: str | Path,
    password: bytes | None = None,
    reason: str = "Attest audit report",
    location: str | None = None,
    timestamp_url: str | None = None,
) -> bytes:
    """The PDF with a PAdES baseline-B signature (invisible field) by the key and certificate in `p12_path`; with
    `timestamp_url`, baseline-T: an RFC 3161 token from that timestamp authority embedded in the signature
    (reports/timestamp.py; the only time Attest contacts another machine, and only when the user configures it)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    load_signer(p12_path, password)  # refuse key-less, expired and not-yet-valid certificates with the reason
    try:
        # pyHanko leaves this classmethod unannotated (its own mypy config allows it); it returns SimpleSigner | None
        signer = signers.SimpleSigner.load_pkcs12(pfx_file=str(p12_path), passphrase=password)  # type: ignore[no-untyped-call]
    except Exception as exc:  # pyHanko raises several types for a bad file or password
        raise SigningError(f"The certificate file {p12_path} cannot be used: {exc}.", "Check the file and its password.") from exc
    if signer is None:
        raise SigningError(
            f"The certificate file {p12_path} cannot be used (wrong password, or no key in it).",
            "Check the file and its password.",
        )
    meta = signers.PdfSignatureMetadata(
        field_name="AttestSignature",
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    out = io.BytesIO()
    timestamper = None
    if timestamp_url:
        from reports.timestamp import tsa_client

        timestamper = tsa_client(timestamp_url)
    try:
        signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer, output=out, timestamper=timestamper)
    except Exception as exc:
        if timestamper is None:
            raise
        from reports.timestamp import describe_failure

        raise describe_failure(timestamp_url or "", exc) from exc
    return out.getvalue()


def sign_pdf(
    pdf_in: str | Path,
    pdf_out: str | Path,
    p12_path: str | Path,
    password: bytes | None = None,
    reason: str = "Attest audit report",
    location: str | None = None,
) -> None:
    """`sign_pdf_bytes` from one file to another (written whole or not at all)."""
    from audit.outputs import atomic_write

    atomic_write(pdf_out, sign_pdf_bytes(Path(pdf_in).read_bytes(), p12_path, password, reason, location))


def verify_pdf_signature(
    pdf_path: str | Path, trust_roots: Sequence[CertSource] | None = None, tsa_roots: Sequence[CertSource] | None = None
) -> SignatureCheck:
    """Check the PDF's (first) signature offline: the signed bytes, the coverage and whether the certificate was
    valid at the stated signing time. `trust_roots`: certificates (asn1crypto or cryptography objects, or PEM/DER
    file paths) to trust, and only those (none given: no certificate is trusted); a self-signed certificate must be
    listed here to count as valid. `tsa_roots`: the same for
    timestamp authorities; with a valid RFC 3161 timestamp the certificate is judged at the timestamp's time (so the
    signature still checks after the certificate expired), else at the signing time the signature states."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    # Trusted: exactly the certificates given, never the operating system's TLS list (which says nothing about who
    # may sign an audit report, differs between machines, and pyHanko has deprecated falling back to).
    roots = [_asn1_cert(c) for c in (trust_roots or [])]
    vc = ValidationContext(trust_roots=roots, allow_fetching=False)
    with open(pdf_path, "rb") as fh:
        try:
            reader = PdfFileReader(fh, strict=False)
            sigs = reader.embedded_signatures
        except Exception as exc:  # not a PDF, or damaged beyond reading
            return SignatureCheck(False, False, False, "", "", f"The PDF cannot be read: {exc}", problem=str(exc))
        if not sigs:
            return SignatureCheck(False, False, False, "", "", "The PDF is not signed.")
        try:
            from reports.timestamp import timestamp_check

            ts_vc = ValidationContext(trust_roots=[_asn1_cert(c) for c in (tsa_roots or [])], allow_fetching=False)
            status = validate_pdf_signature(sigs[0], vc, ts_validation_context=ts_vc)
            stamp = timestamp_check(status)
        except Exception as exc:  # a damaged signature or signed range
            return SignatureCheck(
                True,
                False,
                False,
                "",
                "",
                f"The signature cannot be validated: {exc}",
                problem=f"the signature cannot be validated ({exc})",
            )
        cert = status.signing_cert
        signer = _subject(cert) if cert is not None else ""
        coverage = status.coverage.name if status.coverage is not None else ""
        intact = bool(status.intact and status.valid)
        ts = status.timestamp_validity
        when = ts.timestamp if stamp.valid and ts is not None else status.signer_reported_dt
        signed_at = when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if when else ""
        valid_then, problem = _validity_then(cert, when)
        if not intact:
            problem = "the signed bytes were changed after signing"
        elif coverage != "ENTIRE_FILE":
            problem = f"the signature covers {coverage.lower().replace('_', ' ') or 'an unknown part'}, not the whole file"
        return SignatureCheck(
            True,
            intact,
            bool(intact and status.trusted and valid_then),
            coverage,
            signer,
            status.summary() if hasattr(status, "summary") else str(status),
            signed_at,
            valid_then,
            problem,
            stamp if stamp.present else None,
        )


def _validity_then(cert: asn1_x509.Certificate | None, when: datetime | None) -> tuple[bool | None, str]:
    if cert is None:
        return None, "the signature names no certificate"
    if when is None:
        return None, "the signature states no signing time, so the certificate's validity then cannot be checked"
    nb, na = cert["tbs_certificate"]["validity"]["not_before"].native, cert["tbs_certificate"]["validity"]["not_after"].native
    problem = validity_problem(_subject(cert), nb, na, when)
    return problem is None, (f"{problem} when the report was signed" if problem else "")


def _subject(cert: asn1_x509.Certificate) -> str:
    """An asn1crypto certificate's subject as the rest of Attest writes it (`CN=..., O=...`)."""
    from cryptography import x509

    from audit.trail.keys import subject_label

    return subject_label(x509.load_der_x509_certificate(cert.dump()).subject)


def _asn1_cert(c: CertSource) -> asn1_x509.Certificate:
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
