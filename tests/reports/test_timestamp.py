"""RFC 3161 timestamps on the report's signature, from a timestamp authority the test runs itself on 127.0.0.1 (an
HTTP server answering with tokens signed by the test's own TSA key through pyHanko's DummyTimeStamper); verified
offline, including after the signing certificate has expired."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from audit.result import AuditResult
from reports.signing import sign_pdf_bytes, verify_pdf_signature
from reports.timestamp import TimestampError


def _cert(cn: str, days: float = 30, seconds: float | None = None, tsa: bool = False):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = dt.datetime.now(dt.UTC)
    b = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + (dt.timedelta(seconds=seconds) if seconds else dt.timedelta(days=days)))
    )
    if tsa:
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    else:
        b = b.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    return key, b.sign(key, hashes.SHA256())


def _p12(tmp_path: Path, name: str, **kw):
    key, cert = _cert(name, **kw)
    path = tmp_path / f"{name}.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"s", key, cert, None, serialization.NoEncryption()))
    return path, cert


@pytest.fixture(scope="module")
def tsa() -> Iterator[tuple[str, x509.Certificate, list[bytes]]]:
    """A local TSA: (url, its certificate, the requests it received)."""
    from asn1crypto import keys, tsp
    from asn1crypto import x509 as ax
    from pyhanko.sign.timestamps import DummyTimeStamper

    key, cert = _cert("Attest test TSA", days=3650, tsa=True)
    stamper = DummyTimeStamper(
        ax.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        keys.PrivateKeyInfo.load(
            key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ),
    )
    received: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(body)
            data = asyncio.run(stamper.async_request_tsa_response(tsp.TimeStampReq.load(body))).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/tsr", cert, received
    server.shutdown()


def _pdf() -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf)
    c.drawString(72, 720, "Attest timestamp test")
    c.save()
    return buf.getvalue()


def test_the_token_covers_the_signature_and_verifies_offline(
    tsa: tuple[str, x509.Certificate, list[bytes]], tmp_path: Path
) -> None:
    url, tsa_cert, received = tsa
    p12, cert = _p12(tmp_path, "Signer")
    before = len(received)
    t0 = dt.datetime.now(dt.UTC).replace(microsecond=0)
    out = tmp_path / "signed.pdf"
    out.write_bytes(sign_pdf_bytes(_pdf(), p12, timestamp_url=url))
    assert len(received) > before  # the TSA was asked
    s = verify_pdf_signature(out, trust_roots=[cert], tsa_roots=[tsa_cert])
    assert s.valid and s.timestamp is not None and s.timestamp.valid and s.timestamp.tsa == "CN=Attest test TSA"
    stamped = dt.datetime.fromisoformat(s.timestamp.time.replace("Z", "+00:00"))
    assert t0 - dt.timedelta(seconds=1) <= stamped <= dt.datetime.now(dt.UTC) and s.signed_at == s.timestamp.time
    # Independently of pyHanko's validation: the token's message imprint is the SHA-256 of the signature value.
    from pyhanko.pdf_utils.reader import PdfFileReader

    with open(out, "rb") as fh:
        signer_info = PdfFileReader(fh).embedded_signatures[0].signer_info
        token = signer_info["unsigned_attrs"][0]["values"][0]
        tst = token["content"]["encap_content_info"]["content"].parsed
        imprint = tst["message_imprint"]["hashed_message"].native
        assert imprint == hashlib.sha256(signer_info["signature"].native).digest()
    # Without the TSA's certificate the token is intact but its authority unknown: said so, not called valid.
    s = verify_pdf_signature(out, trust_roots=[cert])
    assert s.timestamp is not None and not s.timestamp.valid and "--tsa-root" in s.timestamp.problem


def test_after_the_certificate_expires_the_time_it_was_valid_is_attested_by_the_tsa(
    tsa: tuple[str, x509.Certificate, list[bytes]], tmp_path: Path
) -> None:
    url, tsa_cert, _ = tsa
    p12, cert = _p12(tmp_path, "Short-lived signer", seconds=8)
    stamped, plain = tmp_path / "stamped.pdf", tmp_path / "plain.pdf"
    pdf = _pdf()
    stamped.write_bytes(sign_pdf_bytes(pdf, p12, timestamp_url=url))
    plain.write_bytes(sign_pdf_bytes(pdf, p12))
    while dt.datetime.now(dt.UTC) <= cert.not_valid_after_utc + dt.timedelta(seconds=1):
        time.sleep(0.5)
    with_ts = verify_pdf_signature(stamped, trust_roots=[cert], tsa_roots=[tsa_cert])
    assert with_ts.valid and with_ts.certificate_valid_then and with_ts.timestamp.valid
    stamped_at = dt.datetime.fromisoformat(with_ts.signed_at.replace("Z", "+00:00"))
    assert stamped_at <= cert.not_valid_after_utc  # the TSA attests a time within the certificate's validity
    # Without a timestamp the only signing time is the one the signer wrote itself: no token, nothing attested.
    without = verify_pdf_signature(plain, trust_roots=[cert], tsa_roots=[tsa_cert])
    assert without.intact and without.timestamp is None


def test_an_unreachable_tsa_is_a_plain_error_and_a_bad_url_is_refused(tmp_path: Path) -> None:
    import socket

    p12, _ = _p12(tmp_path, "Signer2")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TimestampError) as exc:
        sign_pdf_bytes(_pdf(), p12, timestamp_url=f"http://127.0.0.1:{port}/tsr")
    assert f"127.0.0.1:{port}" in exc.value.message and "--timestamp-url" in exc.value.hint
    with pytest.raises(TimestampError, match="not an http"):
        sign_pdf_bytes(_pdf(), p12, timestamp_url="tsa.example.internal")


def test_exported_report_with_a_timestamp_passes_verify_report(
    tsa: tuple[str, x509.Certificate, list[bytes]], small_result: AuditResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main
    from reports import export_report

    url, tsa_cert, _ = tsa
    p12, cert = _p12(tmp_path, "Report signer")
    pem = tmp_path / "signer.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    tsa_pem = tmp_path / "tsa.pem"
    tsa_pem.write_bytes(tsa_cert.public_bytes(serialization.Encoding.PEM))
    pdf = tmp_path / "report.pdf"
    export_report(small_result, pdf, sign_p12=p12, timestamp_url=url, charts=False)
    assert main(["verify-report", str(pdf), "--trust", str(pem), "--tsa-root", str(tsa_pem)]) == 0
    assert "RFC 3161 timestamp by CN=Attest test TSA" in capsys.readouterr().out
    with pytest.raises(TimestampError, match="signing certificate"):
        export_report(small_result, tmp_path / "unsigned.pdf", timestamp_url=url, charts=False)
