"""Verify an exported report: its own bytes and signature, its evidence manifest, and (with a workspace) the trail.

    from reports.verify import verify_report
    check = verify_report("report.pdf", workspace="project.attest")
    check.ok, [f.line() for f in check.findings]

Checks, each reported as ok, FAILED or not checked:
- the PDF can be read; if signed, the signature covers the whole file and the signed bytes are unchanged, and the
  certificate was within its validity period at the signing time it states (trust in its issuer with `trust_roots`);
- the manifest embedded in the PDF is readable; the one beside it (`<stem>.evidence.json`) is byte for byte the same;
  the PDF's metadata names the result the manifest binds; the manifest hash printed in S0 is the embedded one's;
- with a workspace: the trail is intact (chain and sign-off signatures), it holds a `report exported` event with this
  PDF's SHA-256, for the audit run the manifest claims, whose recorded result hash and manifest hash match, and the
  trail head the report printed is still in the trail.
Everything is read only: the PDF, the manifest and the workspace may sit on read-only media.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit.errors import InputError

if TYPE_CHECKING:
    from pypdf import PdfReader

    from reports.signing import CertSource

OK, FAILED, NOT_CHECKED = "ok", "failed", "not checked"
_HEX64 = re.compile(r"\b[0-9a-f]{64}\b")


@dataclass(frozen=True)
class Finding:
    check: str  # pdf | signature | manifest | sidecar | binding | trail | export | run | anchor
    status: str  # ok | failed | not checked
    message: str

    def line(self) -> str:
        mark = {OK: "ok     ", FAILED: "FAILED ", NOT_CHECKED: "-      "}[self.status]
        return f"{mark} {self.message}"


@dataclass(frozen=True)
class ReportCheck:
    pdf: Path
    pdf_sha256: str
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not any(f.status == FAILED for f in self.findings)

    @property
    def failures(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status == FAILED)

    def summary(self) -> str:
        if self.ok:
            unchecked = sum(f.status == NOT_CHECKED for f in self.findings)
            rest = f" ({unchecked} check{'s' * (unchecked != 1)} not possible, see above)" if unchecked else ""
            return f"Report intact: {self.pdf.name}, SHA-256 {self.pdf_sha256}{rest}."
        return f"Report NOT intact: {self.failures[0].message}"


def verify_report(
    pdf_path: str | Path,
    *,
    workspace: str | Path | None = None,
    manifest_path: str | Path | None = None,
    trust_roots: Sequence[CertSource] | None = None,
    tsa_roots: Sequence[CertSource] | None = None,
) -> ReportCheck:
    """Check a report PDF as the module docstring says. Raises `InputError` only for a path that is not a file."""
    pdf = Path(pdf_path)
    if pdf.is_dir():
        raise InputError(f"{pdf} is a folder, not a report.", "Name the report's PDF file.")
    try:
        data = pdf.read_bytes()
    except FileNotFoundError:
        raise InputError(f"There is no file at {pdf}.", "Check the path of the report PDF.") from None
    except OSError as exc:
        raise InputError(f"{pdf} cannot be read: {exc.strerror or exc}.", "Check that you may read it.") from exc
    sha = hashlib.sha256(data).hexdigest()
    out: list[Finding] = []
    reader = _reader(data, pdf, out)
    if reader is not None:
        _signature(pdf, trust_roots, out, tsa_roots)
    manifest = _manifest(reader, pdf, manifest_path, out) if reader is not None else None
    if manifest is not None and reader is not None:
        _binding(reader, manifest, out)
    if workspace is not None:
        _trail(Path(workspace), sha, manifest, out)
    else:
        out.append(
            Finding(
                "trail",
                NOT_CHECKED,
                "not compared with the audit trail: give --workspace W to check that the trail recorded this PDF's export",
            )
        )
    return ReportCheck(pdf=pdf, pdf_sha256=sha, findings=tuple(out))


def _reader(data: bytes, pdf: Path, out: list[Finding]) -> PdfReader | None:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        pages = len(reader.pages)
    except Exception as exc:  # pypdf raises many types for damaged files
        out.append(Finding("pdf", FAILED, f"{pdf.name} is not a readable PDF ({type(exc).__name__}: {exc})"))
        return None
    out.append(Finding("pdf", OK, f"{pdf.name} reads as a PDF of {pages} pages"))
    return reader


def _signature(
    pdf: Path, trust_roots: Sequence[CertSource] | None, out: list[Finding], tsa_roots: Sequence[CertSource] | None = None
) -> None:
    from reports.signing import verify_pdf_signature

    s = verify_pdf_signature(pdf, trust_roots=trust_roots, tsa_roots=tsa_roots)
    if not s.signed:
        out.append(Finding("signature", NOT_CHECKED, "the PDF is not signed, so its bytes are bound only by the trail"))
        return
    if s.problem or not s.intact:
        out.append(Finding("signature", FAILED, f"the PDF signature does not hold: {s.problem or 'not intact'}"))
        return
    out.append(
        Finding(
            "signature",
            OK,
            f"signed by {s.signer} at {s.signed_at}: the signature covers the whole "
            "file, the signed bytes are unchanged, and the certificate was valid then",
        )
    )
    if not s.valid:
        out.append(
            Finding(
                "signature",
                NOT_CHECKED,
                "the signer's certificate is not traced to a trusted root: give the issuing certificate with --trust CERT",
            )
        )
    t = s.timestamp
    if t is not None and t.valid:
        out.append(Finding("timestamp", OK, f"RFC 3161 timestamp by {t.tsa} at {t.time}: the signature existed then"))
    elif t is not None:
        trusted = "not trusted" in t.problem
        out.append(
            Finding(
                "timestamp",
                NOT_CHECKED if trusted else FAILED,
                f"the signature's RFC 3161 timestamp ({t.time}) "
                + (
                    "is intact, but its authority is not traced to a trusted root: give the TSA's "
                    "certificate with --tsa-root CERT"
                    if trusted
                    else f"does not hold: {t.problem}"
                ),
            )
        )


def _manifest(reader: PdfReader, pdf: Path, manifest_path: str | Path | None, out: list[Finding]) -> dict[str, Any] | None:
    from reports.export import manifest_path_for

    embedded = None
    try:
        for name, contents in reader.attachments.items():
            if name.endswith(".evidence.json"):
                embedded = contents[0]
                break
    except Exception as exc:
        out.append(Finding("manifest", FAILED, f"the PDF's attachments cannot be read ({exc})"))
        return None
    if embedded is None:
        out.append(
            Finding("manifest", FAILED, "the PDF carries no evidence manifest (it was removed, or this is not an Attest report)")
        )
        return None
    try:
        manifest = json.loads(embedded)
        if not isinstance(manifest, dict) or "binding" not in manifest:
            raise ValueError("no binding section")
    except ValueError as exc:
        out.append(Finding("manifest", FAILED, f"the manifest embedded in the PDF is not a readable manifest ({exc})"))
        return None
    msha = hashlib.sha256(embedded).hexdigest()
    out.append(Finding("manifest", OK, f"the embedded evidence manifest reads (SHA-256 {msha})"))
    side = Path(manifest_path) if manifest_path else manifest_path_for(pdf)
    try:
        beside = side.read_bytes()
    except OSError:
        out.append(Finding("sidecar", NOT_CHECKED, f"there is no manifest beside the PDF ({side.name}) to compare"))
    else:
        if beside == embedded:
            out.append(Finding("sidecar", OK, f"{side.name} beside the PDF is byte for byte the embedded manifest"))
        else:
            out.append(
                Finding(
                    "sidecar",
                    FAILED,
                    f"{side.name} beside the PDF differs from the manifest embedded "
                    f"in it (SHA-256 {hashlib.sha256(beside).hexdigest()} against "
                    f"{msha}): one of them was edited",
                )
            )
    return manifest | {"__sha256__": msha}


def _binding(reader: PdfReader, manifest: dict[str, Any], out: list[Finding]) -> None:
    binding = manifest.get("binding", {})
    result = binding.get("result_sha256")
    try:
        info = reader.metadata
        keywords = str(info.get("/Keywords", "")) if info is not None else ""
    except Exception:
        keywords = ""
    if result and result in keywords and manifest.get("report_id", "") in keywords:
        out.append(
            Finding(
                "binding",
                OK,
                f"the PDF and its manifest name the same report ({manifest['report_id']}) and result (SHA-256 {result})",
            )
        )
    else:
        out.append(
            Finding(
                "binding",
                FAILED,
                f"the PDF's metadata ({keywords or 'none'}) does not name the report "
                f"and result its manifest binds ({manifest.get('report_id')}, {result})",
            )
        )
    printed: set[str] = set()
    try:
        for page in list(reader.pages)[:4]:  # S0 document control prints the manifest's hash
            printed |= set(_HEX64.findall(page.extract_text() or ""))
    except Exception:
        printed = set()
    if not printed:
        out.append(Finding("binding", NOT_CHECKED, "the manifest hash printed in S0 could not be read from the PDF"))
    elif manifest["__sha256__"] in printed:
        out.append(Finding("binding", OK, "the manifest hash printed in S0 is the embedded manifest's"))
    else:
        out.append(
            Finding("binding", FAILED, "the embedded manifest is not the one the report printed in S0: the manifest was replaced")
        )


def _trail(ws_path: Path, pdf_sha: str, manifest: dict[str, Any] | None, out: list[Finding]) -> None:
    from audit.trail import Workspace

    with Workspace.open(ws_path, create=False, readonly=True) as ws:
        binding = (manifest or {}).get("binding", {})
        head = binding.get("trail_head_hash")
        report = ws.verify(anchors=[head] if head else ())
        if report.ok:
            out.append(
                Finding(
                    "trail",
                    OK,
                    f"the trail is intact ({report.events:,} events"
                    + (f", {report.signatures} sign-off signatures valid" if report.signatures else "")
                    + ")"
                    + (" and still holds the head hash the report printed" if head else ""),
                )
            )
        else:
            kind = "anchor" if report.problem and report.problem.kind == "anchor" else "trail"
            why = report.problem.message if report.problem else "verification failed"
            out.append(Finding(kind, FAILED, f"the trail is NOT intact: {why}"))
        exports = ws.events(kind="report_exported")
        mine = [e for e in exports if e.payload["sha256"] == pdf_sha]
        if not mine:
            claimed = binding.get("audit_run_id")
            same_run = [e for e in exports if e.payload["run_id"] == claimed] if claimed else []
            why = (
                f"; the trail recorded {len(same_run)} export(s) of run {claimed} with other hashes (latest "
                f"event #{same_run[-1].seq}, SHA-256 {same_run[-1].payload['sha256']}): this PDF was changed "
                "after it was exported"
                if same_run
                else ": it was changed after export, or exported from another workspace"
            )
            out.append(Finding("export", FAILED, f"the trail holds no export of this PDF (SHA-256 {pdf_sha}){why}"))
            return
        e = mine[-1]
        out.append(Finding("export", OK, f"the trail recorded this PDF's export as event #{e.seq} ({e.time}, {e.actor.label()})"))
        if manifest is None:
            return
        run_id = e.payload["run_id"]
        problems = []
        if binding.get("audit_run_id") not in (None, run_id):
            problems.append(f"the manifest claims run {binding.get('audit_run_id')}, the trail recorded the export for {run_id}")
        try:
            recorded = ws.run_event(run_id).payload["result_sha256"]
        except InputError:
            recorded = None
        if recorded != binding.get("result_sha256"):
            problems.append(f"the manifest binds result {binding.get('result_sha256')}, run {run_id} recorded {recorded}")
        if e.payload.get("manifest_sha256") not in (None, manifest["__sha256__"]):
            problems.append(
                f"the trail recorded manifest SHA-256 {e.payload['manifest_sha256']}, the PDF embeds {manifest['__sha256__']}"
            )
        if problems:
            out.append(Finding("run", FAILED, "; ".join(problems)))
        else:
            out.append(
                Finding(
                    "run",
                    OK,
                    f"it is the report of run {run_id}, whose recorded result hash and "
                    "manifest hash are the ones the report binds",
                )
            )
