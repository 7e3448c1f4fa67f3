"""The calls the rest of Attest makes on `audit.trail` record what they say, and the package stays free of Qt and network code."""

from __future__ import annotations

import re
from pathlib import Path

import audit.trail as trail
from audit.trail import Workspace

PKG = Path(trail.__file__).parent
FORBIDDEN = re.compile(r"^\s*(from|import)\s+(PySide6|shiboken6|reportlab|socket|requests|httpx|urllib|http)\b", re.M)


def test_no_qt_network_or_eager_sqlite_utils_imports() -> None:
    for path in [*PKG.glob("*.py"), PKG.parents[1] / "cli" / "trail_cmds.py"]:
        text = path.read_text(encoding="utf-8")
        assert not FORBIDDEN.search(text), path
        top_level = [line for line in text.splitlines() if re.match(r"^(from|import) sqlite_utils", line)]
        assert not top_level, f"{path.name}: sqlite-utils imports pandas; import it where a migration runs"


def test_calls_the_rest_of_attest_makes(tmp_path: Path) -> None:
    """Each call exactly as its caller writes it (keywords included), checked by what it records."""
    import hashlib

    from audit.trail import record_training

    data, model, pdf = tmp_path / "d.csv", tmp_path / "m.skops", tmp_path / "r.pdf"
    data.write_text("a,b\n1,2\n")
    model.write_bytes(b"PK\x03\x04 model")
    pdf.write_bytes(b"%PDF-1.7")
    with Workspace.open(tmp_path / "w.attest") as ws:
        ws.set_identity("Dana Kim", "ML lead")
        trained = record_training(ws, model_path=model, dataset_paths=[data], trainer="Sam", params={"depth": 3})
        assert trained.payload["trainer"] == "Sam" and trained.payload["params"] == {"depth": 3}
        text = '{"ok": true}'
        sha = hashlib.sha256(text.encode()).hexdigest()
        # audit.recording.record_audit_run
        run = ws.record_audit(
            spec={"target": "y"},
            result_json=text,
            result_sha256=sha,
            model_sha256=ws.artifact(model).sha256,
            dataset_sha256s=[ws.artifact(data).sha256],
        )
        assert ws.get_result_json(run) == text and [r.run_id for r in ws.open_signoffs()] == [run]
        # reports.export.record_export
        rep = ws.record_report(run, pdf, hashlib.sha256(pdf.read_bytes()).hexdigest(), manifest_sha256="a" * 64)
        assert rep.payload["manifest_sha256"] == "a" * 64
        # gui.jobs.signoff passes the identity it showed as reviewer and role
        s = ws.signoff(run, reviewer="Dana Kim", role="ML lead", decision="approve", conditions=None, comment="fine")
        assert s.payload["reviewer"] == "Dana Kim" and s.payload["comment"] == "fine" and ws.open_signoffs() == []
        assert ws.head_hash() == s.hash and ws.verify().ok
        assert [e.kind for e in ws.events(artifact=run)] == ["audit_run", "report_exported", "signoff"]
        assert ws.lineage(str(model)).signoffs == (s,) and all(c.status == "ok" for c in ws.check_files())
