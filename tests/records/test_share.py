"""--share: the PDF and JSON handed out carry no absolute paths, OS account or host names, or rows of individual
people; the figures and the binding to the trail stay; the trail keeps everything; the report says which copy."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from audit.result import AuditResult
from audit.sharing import WITHHELD, shared_copy
from audit.trail import Workspace
from audit.trail.identity import os_account
from cli.main import main
from tests.records.records_helpers import audited


@pytest.fixture(scope="module")
def model_run(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("share") / "dana's files"
    ws, run_id, result = audited(d, model=True)
    assert result.explanations.local, "the fixture must have local explanations to leave out"
    return {"dir": d, "ws": ws, "run_id": run_id, "result": result}


def private_strings(folder: Path) -> list[str]:
    user, host = os_account()
    return [str(folder), str(folder.parent), f"{user}@{host}", f"[{user}@{host}]"]


def leaks(text: str, folder: Path) -> list[str]:
    _, host = os_account()
    found = [s for s in private_strings(folder) if s in text]
    if re.search(rf"(?<![\w.-]){re.escape(host)}(?![\w.-])", text):
        found.append(f"host name {host!r}")
    return found


def pdf_text(pdf: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() or "" for p in PdfReader(pdf).pages)


def test_shared_result_leaves_out_paths_accounts_and_rows(model_run) -> None:
    full: AuditResult = model_run["result"]
    shared = shared_copy(full)
    text = shared.to_json()
    assert leaks(text, model_run["dir"]) == []
    assert shared.data.path == "applicants.csv" and shared.model.path == "model.skops"
    assert shared.spec.data_path == "applicants.csv" and shared.spec.model_path == "model.skops"
    assert (shared.provenance.user, shared.provenance.host) == (WITHHELD, WITHHELD)
    assert shared.explanations.local == () and full.explanations.local
    assert shared.explanations.row_sample is None and full.explanations.row_sample is not None
    assert shared.warnings[-1] == (
        "Shared copy: absolute paths, operating-system account and host names and "
        "individual rows (local explanations) are left out. The full result, SHA-256 "
        f"{full.sha256()}, is kept in the audit trail."
    )
    # the audit itself is unchanged: every figure, verdict and hash
    for field in ("overall", "groups", "levels", "disparities", "verdicts", "summary", "quality"):
        assert getattr(shared, field) == getattr(full, field), field
    assert shared.data.sha256 == full.data.sha256 and shared.model.sha256 == full.model.sha256
    assert shared.explanations.global_ == full.explanations.global_
    assert shared_copy(shared) == shared  # sharing twice changes nothing


def test_shared_report_and_trail(model_run, tmp_path, capsys) -> None:
    ws, run_id, folder = model_run["ws"], model_run["run_id"], model_run["dir"]
    out = tmp_path / "out"
    shared_pdf, full_pdf = out / "shared.pdf", out / "full.pdf"
    assert main(["report", "--workspace", str(ws), "--run", run_id, "--out", str(shared_pdf), "--share", "--no-charts"]) == 0
    assert "shared copy" in capsys.readouterr().out
    assert main(["report", "--workspace", str(ws), "--run", run_id, "--out", str(full_pdf), "--no-charts"]) == 0
    capsys.readouterr()

    shared_text, full_text = pdf_text(shared_pdf), pdf_text(full_pdf)
    assert leaks(shared_text, folder) == []
    assert leaks(full_text, folder) != []  # so the check above can fail
    assert "Shared copy: absolute paths, operating-system account and host names and individual rows" in shared_text
    assert "Internal copy: complete" in full_text and "Shared copy:" not in full_text
    assert "Not in this shared copy: local examples describe individual people's rows" in " ".join(shared_text.split())
    assert "Largest contributions" in full_text and "Largest contributions" not in shared_text
    manifest = json.loads((out / "shared.evidence.json").read_text())
    assert leaks(json.dumps(manifest), folder) == []
    full_sha = model_run["result"].sha256()
    assert manifest["binding"]["result_sha256"] == full_sha and manifest["binding"]["shared_copy"] is True
    assert json.loads((out / "full.evidence.json").read_text())["binding"]["shared_copy"] is False

    with Workspace.open(ws, readonly=True) as w:  # the trail keeps everything
        stored = AuditResult.from_json(w.get_result_json(run_id))
        assert stored.explanations.local and str(folder) in stored.data.path
        exports = w.events(kind="report_exported")
        assert str(shared_pdf) in [e.payload["path"] for e in exports]
    rc = main(["verify-report", str(shared_pdf), "--workspace", str(ws)])
    assert rc == 0, capsys.readouterr().out


def test_audit_share_flag_writes_the_shared_json_and_records_the_full_run(tmp_path, capsys) -> None:
    folder = tmp_path / "private place"
    ws, _, _ = audited(folder)
    out = tmp_path / "out" / "r.json"
    rc = main(
        [
            "audit",
            "--data",
            str(folder / "applicants.csv"),
            "--target",
            "approved",
            "--sensitive",
            "sex",
            "--positive-label",
            "1",
            "--predictions",
            "pred",
            "--bootstrap",
            "20",
            "--quiet",
            "--json",
            str(out),
            "--share",
            "--workspace",
            str(ws),
        ]
    )
    assert rc in (0, 1), capsys.readouterr().err
    text = out.read_text()
    assert leaks(text, folder) == []
    shared = AuditResult.from_json(text)
    with Workspace.open(ws, readonly=True) as w:
        run = w.audit_runs()[-1]
        full = AuditResult.from_json(w.get_result_json(run.run_id))
    assert str(folder) in full.data.path and full.provenance.user == os_account()[0]
    assert f"The full result, SHA-256 {run.result_sha256}, is kept in the audit trail." in shared.warnings[-1]
    assert shared.summary == full.summary
