"""`attest verify-report`: exit 0 for a report as exported, 1 naming what broke for every kind of edit (the issue's
case included: PDF and manifest both edited while `trail verify` says intact), 2 for a path that is not a file."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest

from audit.trail import Workspace
from cli.main import main
from reports import export_report
from tests.records.records_helpers import PASSWORD, audited, digests, make_p12


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("verify")
    ws, run_id, result = audited(d / "audit")
    export_report(result, d / "audit" / "report.pdf", workspace=ws, run_id=run_id, charts=False)
    p12 = make_p12(d / "signer.p12")
    export_report(
        result, d / "audit" / "signed.pdf", workspace=ws, run_id=run_id, charts=False, sign_p12=p12, p12_password=PASSWORD
    )
    return {"dir": d / "audit", "p12": p12, "result": result, "run_id": run_id}


@pytest.fixture
def rep(base, tmp_path) -> dict:
    d = tmp_path / "audit"
    shutil.copytree(base["dir"], d)
    return {
        "dir": d,
        "pdf": d / "report.pdf",
        "manifest": d / "report.evidence.json",
        "ws": d / "project.attest",
        "signed": d / "signed.pdf",
        "p12": base["p12"],
        "result": base["result"],
        "run_id": base["run_id"],
    }


def verify(capsys, *argv) -> tuple[int, str, str]:
    rc = main(["verify-report", *map(str, argv)])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def rewrite(pdf: Path, *, manifest: bytes | None = None, text: tuple[bytes, bytes] | None = None) -> None:
    """Edit a report as a careful forger would: a new manifest attached in place of the old, and/or a change to
    the page content, saved as a well-formed PDF."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    reader = PdfReader(pdf)
    writer = PdfWriter(clone_from=reader)
    if text:
        for page in writer.pages:
            data = page.get_contents().get_data()
            if text[0] in data:
                page.replace_contents(page.get_contents())
                stream = page.get_contents()
                stream.set_data(data.replace(text[0], text[1], 1))
                page[NameObject("/Contents")] = writer._add_object(stream)
                break
    if manifest is not None:
        (name,) = [n for n in reader.attachments if n.endswith(".evidence.json")]
        writer._root_object["/Names"]["/EmbeddedFiles"]["/Names"].clear()
        writer.add_attachment(name, manifest)
    buf = io.BytesIO()
    writer.write(buf)
    pdf.write_bytes(buf.getvalue())


def test_an_exported_report_verifies(rep, capsys) -> None:
    before = digests(rep["dir"])
    rc, out, _ = verify(capsys, rep["pdf"], "--workspace", rep["ws"])
    assert rc == 0, out
    assert "FAILED" not in out and f"Report intact: report.pdf, SHA-256 {_sha(rep['pdf'])}" in out
    assert "ok      the trail recorded this PDF's export as event #" in out
    assert f"it is the report of run {rep['run_id']}" in out
    assert digests(rep["dir"]) == before
    rc, out, _ = verify(capsys, rep["pdf"])  # without the trail: the other checks, and it says what it could not do
    assert rc == 0 and "not compared with the audit trail: give --workspace W" in out


def test_the_issue_case_pdf_and_manifest_both_edited(rep, capsys) -> None:
    """The manifest edited in both places and the PDF rewritten to match: `trail verify` still says intact (the
    trail was not touched), verify-report must not."""
    m = json.loads(rep["manifest"].read_bytes())
    m["summary"]["failed"] = 0
    m["summary"]["sentence"] = "Every check passed."
    forged = (json.dumps(m, indent=2) + "\n").encode()
    rewrite(rep["pdf"], manifest=forged)
    rep["manifest"].write_bytes(forged)
    assert main(["trail", "verify", "--workspace", str(rep["ws"])]) == 0
    capsys.readouterr()
    rc, out, err = verify(capsys, rep["pdf"], "--workspace", rep["ws"])
    assert rc == 1
    assert "FAILED  the embedded manifest is not the one the report printed in S0: the manifest was replaced" in out
    assert (
        f"FAILED  the trail holds no export of this PDF (SHA-256 {_sha(rep['pdf'])}); the trail recorded 2 "
        f"export(s) of run {rep['run_id']} with other hashes"
    ) in out  # report.pdf and signed.pdf
    assert "this PDF was changed after it was exported" in out
    assert err.startswith("Report NOT intact: ")
    rc, out, _ = verify(capsys, rep["pdf"])  # even without the trail the replaced manifest shows
    assert rc == 1 and "the manifest was replaced" in out


def test_a_changed_page_is_caught_by_the_trail(rep, capsys, tmp_path) -> None:
    pdf = tmp_path / "mine.pdf"  # exported from this copy of the workspace, so the trail records this path
    export_report(rep["result"], pdf, workspace=rep["ws"], run_id=rep["run_id"], charts=False)
    assert main(["trail", "files", "--workspace", str(rep["ws"])]) == 0
    assert f"ok ({pdf})" in capsys.readouterr().out
    rewrite(pdf, text=(b"Audit report", b"Audit rep0rt"))
    rc, out, _ = verify(capsys, pdf, "--workspace", rep["ws"])
    assert rc == 1 and "FAILED  the trail holds no export of this PDF" in out
    assert main(["trail", "files", "--workspace", str(rep["ws"])]) == 1  # trail files no longer says ok
    assert f"CHANGED - {pdf} is not the PDF that was exported" in capsys.readouterr().out
    pdf.unlink()  # a report sent on and deleted here is reported, not an error
    assert main(["trail", "files", "--workspace", str(rep["ws"])]) == 0
    assert f"not at {pdf} any more" in capsys.readouterr().out


def test_sidecar_edited_removed_or_replaced(rep, capsys) -> None:
    rep["manifest"].write_text(rep["manifest"].read_text().replace('"passed"', '"passed_"', 1))
    rc, out, _ = verify(capsys, rep["pdf"])
    assert rc == 1 and "FAILED  report.evidence.json beside the PDF differs from the manifest embedded in it" in out
    rep["manifest"].unlink()
    rc, out, _ = verify(capsys, rep["pdf"], "--workspace", rep["ws"])
    assert rc == 0 and "-       there is no manifest beside the PDF (report.evidence.json) to compare" in out


def test_manifest_removed_from_the_pdf(rep, capsys) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(rep["pdf"]))
    del writer._root_object["/Names"]
    writer.write(str(rep["pdf"]))
    rc, out, _ = verify(capsys, rep["pdf"])
    assert rc == 1 and "FAILED  the PDF carries no evidence manifest" in out


def test_not_a_pdf_and_not_a_file(rep, capsys, tmp_path) -> None:
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 10)
    rc, out, _ = verify(capsys, junk)
    assert rc == 1 and "FAILED  junk.pdf is not a readable PDF" in out
    rc, _, err = verify(capsys, tmp_path / "absent.pdf")
    assert rc == 2 and f"error: There is no file at {tmp_path / 'absent.pdf'}." in err
    rc, _, err = verify(capsys, tmp_path)
    assert rc == 2 and f"error: {tmp_path} is a folder, not a report." in err


def test_a_report_from_another_workspace(rep, capsys, tmp_path) -> None:
    other = tmp_path / "other.attest"
    with Workspace.open(other) as ws:
        ws.add_note("unrelated")
    rc, out, _ = verify(capsys, rep["pdf"], "--workspace", other)
    assert rc == 1 and "FAILED  the trail is NOT intact: the hash " in out  # the head the report printed is absent
    assert "FAILED  the trail holds no export of this PDF" in out and "exported from another workspace" in out


def test_signed_report_intact_trusted_and_tampered(rep, capsys) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

    rc, out, _ = verify(capsys, rep["signed"], "--workspace", rep["ws"])
    assert rc == 0, out
    assert "ok      signed by " in out and "Dana Kim" in out and "the certificate was valid then" in out
    assert "-       the signer's certificate is not traced to a trusted root" in out
    _, cert, _ = pkcs12.load_key_and_certificates(rep["p12"].read_bytes(), PASSWORD)
    pem = rep["dir"] / "ca.pem"
    pem.write_bytes(cert.public_bytes(Encoding.PEM))
    rc, out, _ = verify(capsys, rep["signed"], "--workspace", rep["ws"], "--trust", pem)
    assert rc == 0 and "not traced to a trusted root" not in out
    data = bytearray(rep["signed"].read_bytes())
    at = data.index(b"stream", data.index(b"/Type /Page")) + 40
    data[at] ^= 0x01
    rep["signed"].write_bytes(bytes(data))
    rc, out, _ = verify(capsys, rep["signed"])
    assert rc == 1 and "FAILED  the PDF signature does not hold: the signed bytes were changed after signing" in out


def test_signature_by_a_certificate_expired_at_signing_time(rep, capsys, tmp_path) -> None:
    """Signed (around Attest's own refusal) with an expired certificate: the signature itself is intact."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    expired = make_p12(tmp_path / "old.p12", days_from=-90, days_to=-1)
    signer = signers.SimpleSigner.load_pkcs12(pfx_file=str(expired), passphrase=PASSWORD)
    out_buf = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(rep["pdf"].read_bytes())),
        signers.PdfSignatureMetadata(field_name="Sig", subfilter=fields.SigSeedSubFilter.PADES),
        signer=signer,
        output=out_buf,
    )
    late = rep["dir"] / "late.pdf"
    late.write_bytes(out_buf.getvalue())
    shutil.copy(rep["manifest"], rep["dir"] / "late.evidence.json")
    rc, out, _ = verify(capsys, late)
    assert rc == 1
    assert "FAILED  the PDF signature does not hold: The certificate CN=Dana Kim, O=Attest tests expired on " in out
    assert "when the report was signed" in out


@pytest.mark.parametrize(
    "which, message",
    [
        ("expired", "The certificate CN=Dana Kim, O=Attest tests expired on "),
        ("future", "The certificate CN=Dana Kim, O=Attest tests is not valid until "),
        ("keyless", "holds the certificate CN=Dana Kim, O=Attest tests but no private key, so it cannot sign."),
    ],
)
def test_signing_refuses_unusable_certificates_before_writing(rep, capsys, monkeypatch, certs, which, message):
    monkeypatch.setenv("P12PASS", PASSWORD.decode())
    out = rep["dir"] / "new.pdf"
    before = digests(rep["dir"], certs[which])
    rc = main(
        [
            "report",
            "--workspace",
            str(rep["ws"]),
            "--run",
            rep["run_id"],
            "--out",
            str(out),
            "--sign",
            str(certs[which]),
            "--sign-password-env",
            "P12PASS",
            "--no-charts",
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2 and message in err and "How to fix: " in err and "Traceback" not in err
    assert digests(rep["dir"], certs[which]) == before and not out.exists()


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_verifies_on_read_only_media(rep) -> None:
    """Report, manifest and workspace in a read-only folder, checked by a process that cannot write (as root:
    without CAP_DAC_OVERRIDE): intact, and not one byte or file changed."""
    import os
    import stat
    import subprocess
    import sys

    d = rep["dir"]
    for p in d.iterdir():
        p.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    d.chmod(0o555)
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in d.iterdir()}
    argv = [sys.executable, "-m", "cli.main", "verify-report", str(rep["pdf"]), "--workspace", str(rep["ws"])]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("as root, file modes bind only without CAP_DAC_OVERRIDE, which needs setpriv")
        argv = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--", *argv]
    try:
        r = subprocess.run(argv, cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "Report intact: report.pdf" in r.stdout and "the trail recorded this PDF's export" in r.stdout
        assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in d.iterdir()} == before
    finally:
        d.chmod(0o755)
