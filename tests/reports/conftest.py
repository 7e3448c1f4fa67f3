"""Reports fixtures: the real demo (model, explanations, workspace trail) exported through `attest report`, a small
predictions-only audit with Unicode group names and an empty declared context, and a self-signed PKCS#12."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from audit.result import AuditResult
from tests.reports.report_helpers import Exported, audit_predictions, page_texts, report_cli, write_predictions


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cli.main import main

    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out), "--bootstrap", "200", "--explain-budget", "10", "--quiet"]) == 0
    return out


@pytest.fixture(scope="session")
def demo_report(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Exported:
    from audit.trail import Workspace

    ws_src = next(demo_dir.glob("*.attest"))
    ws = tmp_path_factory.mktemp("ws") / "demo.attest"
    shutil.copy(ws_src, ws)
    # The demo's audit (its second chapter records a re-audit of production decisions after it): found by its hash.
    main_sha = AuditResult.from_json((demo_dir / "audit_result.json").read_text(encoding="utf-8")).sha256()
    with Workspace.open(ws, create=False) as w:
        run_id = next(r.run_id for r in w.audit_runs() if r.result_sha256 == main_sha)
        result = AuditResult.from_json(w.get_result_json(run_id))
    pdf = tmp_path_factory.mktemp("report") / "demo-report.pdf"
    assert report_cli(["report", "--workspace", str(ws), "--run", run_id, "--out", str(pdf)]) == 0
    return Exported(
        result=result,
        pdf=pdf,
        manifest=pdf.with_name("demo-report.evidence.json"),
        pages=page_texts(pdf),
        workspace=ws,
        run_id=run_id,
    )


@pytest.fixture(scope="session")
def small_result(tmp_path_factory: pytest.TempPathFactory) -> AuditResult:
    csv = write_predictions(tmp_path_factory.mktemp("small") / "preds.csv")
    return audit_predictions(csv, ("region", "gender"))


@pytest.fixture(scope="session")
def small_report(small_result: AuditResult, tmp_path_factory: pytest.TempPathFactory) -> Exported:
    from reports import export_report

    pdf = tmp_path_factory.mktemp("small-report") / "small.pdf"
    e = export_report(small_result, pdf)
    return Exported(result=small_result, pdf=pdf, manifest=e.manifest_path, pages=page_texts(pdf))


@pytest.fixture(scope="session")
def p12(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes, object]:
    """A self-signed signing certificate in a PKCS#12 file: (path, password, certificate)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Test Compliance Officer"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Attest tests"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
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
        .sign(key, hashes.SHA256())
    )
    password = b"correct horse"
    data = pkcs12.serialize_key_and_certificates(b"signer", key, cert, None, serialization.BestAvailableEncryption(password))
    path = tmp_path_factory.mktemp("cert") / "signer.p12"
    path.write_bytes(data)
    return path, password, cert
