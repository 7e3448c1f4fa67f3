"""The demo report read back: headings, figures as printed, hashes, manifest, trail event, PDF validity, fonts."""

from __future__ import annotations

import hashlib
import json
import re

from reports import embedded_manifest
from reports import format as F
from reports.frameworks import load_catalogue
from tests.reports.report_helpers import Exported, run_tool


def test_every_section_heading_is_present_in_order(demo_report: Exported) -> None:
    text = demo_report.text
    positions = []
    for sec in load_catalogue().sections:
        heading = sec.heading.replace("  ", " ")
        assert heading in text, heading
        positions.append(text.index(heading))
    assert positions == sorted(positions)
    for sub in (
        "Verdict summary",
        "What needs a decision (worst first)",
        "Sign-off",
        "Retention",
        "Application dates (Art. 113, as amended)",
        "Fundamental-rights impact assessment (Art. 27)",
        "Lineage",
        "From this audit: the groups examined and their findings",
        "Serious incidents (Art. 73)",
        "Deployer's duties to inform (Art. 26(7), 26(11))",
        "Part 2 · Annex: the full evidence",
        "Candidate proxy features",
        "Special categories of personal data (Art. 10(5))",
        "Confusion matrix",
        "Declared accuracy for the instructions for use",
        "Chosen fairness criterion",
        "Disparity overview",
        "Verdicts against the declared thresholds",
        "Significance and multiple comparisons",
        "Base rates and the impossibility result",
        "Global importance",
        "Importance compared across groups",
        "Local examples: borderline and adverse decisions",
        "Automation bias",
        "Go / no-go recommendation",
        "How the model was loaded",
        "The monitoring plan",  # the demo records monitoring runs: S11 shows them, not suggestions
        "Latest monitoring evidence",
        "What the provider must still supply",
        "Appendix B Evidence manifest",
    ):
        assert sub in text, sub


def test_first_page_gives_the_verdict_in_plain_words_without_overclaiming(demo_report: Exported) -> None:
    r, first = demo_report.result, demo_report.pages[0]
    assert r.summary.sentence() in " ".join(first.split())
    if r.summary.insufficient_evidence:
        assert f"{r.summary.insufficient_evidence} comparisons lacked evidence" in first
    assert "not legal advice" in " ".join(first.split())
    for claim in ("is fair", "are fair", "unbiased model", "model is compliant"):
        assert claim not in demo_report.text.replace("does not show that the system is fair", "")


def test_key_figures_are_printed_as_formatted(demo_report: Exported) -> None:
    r, text = demo_report.result, demo_report.text
    acc = r.overall.metrics["accuracy"]
    assert F.est(acc) in demo_report.pages[0]  # key facts: "0.877 [0.856, 0.897]"
    # a group's selection rate in the S6 table: value over interval, exactly as formatted
    g = next(g for g in r.groups if g.attributes == {"race": "Black"})
    sel = g.metrics["selection_rate"]
    assert f"{F.num(sel.value)}\n{F.ci(sel)}" in F.est_lines(sel)
    s6 = text[text.index("S6 Fairness and bias examination") : text.index("S7 Explainability")]
    assert F.num(sel.value) in s6 and F.ci(sel) in s6
    # a verdict statistic and the confusion counts
    v = next(v for v in r.verdicts if v.status == "pass")
    assert F.num(v.statistic.value) in s6
    c = r.overall.counts
    assert f"{F.count(c.tp)} (TP)" in text and f"{F.count(c.tn)} (TN)" in text


def test_hashes_bind_model_data_result_and_trail(demo_report: Exported) -> None:
    r, flat = demo_report.result, demo_report.flat
    manifest = json.loads(demo_report.manifest.read_text())
    for h in (
        r.data.sha256,
        r.model.sha256,
        r.sha256(),
        manifest["binding"]["trail_head_hash"],
        hashlib.sha256(demo_report.manifest.read_bytes()).hexdigest(),
    ):
        assert h and h in flat
    assert manifest["binding"]["result_sha256"] == r.sha256()
    assert manifest["binding"]["model_sha256"] == r.model.sha256
    assert r.data.sha256 in manifest["binding"]["dataset_sha256"]
    assert manifest["binding"]["trail_verified"] is True
    rid = f"ATT-{r.sha256()[:8].upper()}"
    for i, page in enumerate(demo_report.pages, 1):  # every page: report id, page x of y, fingerprint
        assert rid in page and f"Page {i} of {len(demo_report.pages)}" in page and r.sha256()[:12] in page


def test_embedded_manifest_equals_the_sidecar_and_tags_every_requirement(demo_report: Exported) -> None:
    name, embedded = embedded_manifest(demo_report.pdf)
    sidecar = demo_report.manifest.read_bytes()
    assert name == demo_report.manifest.name and embedded == sidecar
    doc = json.loads(sidecar)
    ids = {r.id for r in load_catalogue().requirements}
    tagged: set[str] = set()
    for item in doc["evidence"]:
        assert set(item) >= {"id", "sha256", "time", "actor", "requirements"}
        assert re.fullmatch(r"[0-9a-f]{64}", item["sha256"]) and item["time"] and item["actor"]
        assert set(item["requirements"]) <= ids
        tagged |= set(item["requirements"])
    assert tagged == ids
    assert {"AIA:Art10(2)(f)", "AIA:AnnexIV:2(g)", "NIST:MEASURE-2.11"} <= tagged
    assert len(doc["requirements"]) == len(ids)


def test_export_is_recorded_in_the_trail_with_the_pdf_hash(demo_report: Exported) -> None:
    from audit.trail import Workspace

    with Workspace.open(demo_report.workspace, create=False) as ws:
        events = ws.events(kind="report_exported")
        assert ws.verify().ok
    assert events, "no report_exported event"
    p = events[-1].payload
    assert p["run_id"] == demo_report.run_id
    assert p["sha256"] == hashlib.sha256(demo_report.pdf.read_bytes()).hexdigest()
    assert p["manifest_sha256"] == hashlib.sha256(demo_report.manifest.read_bytes()).hexdigest()


def test_coverage_matrix_lists_every_requirement_with_a_status(demo_report: Exported) -> None:
    text = demo_report.text
    matrix = text[text.index("Appendix A Coverage matrix") : text.index("Appendix B Evidence manifest")]
    flat = "".join(matrix.split())  # references may wrap inside their cell
    for req in load_catalogue().requirements:
        assert "".join(req.ref.split()) in flat, req.id
    assert "✓ evidenced" in matrix and "needs provider input" in matrix


def test_sections_say_where_the_evidence_is_for(demo_report: Exported) -> None:
    from reports.frameworks import load_catalogue

    text = " ".join(demo_report.text.split())
    for sid in ("S4", "S6", "S7"):  # the line is generated from the mapping data, in its order
        sec = load_catalogue().section(sid)
        start = text.index(f"{sid} {sec.title} Evidence for — EU AI Act: ")
        line = text[start : start + 700]
        for req in load_catalogue().for_section(sid):
            assert req.ref in line, (sid, req.id)


def test_qpdf_check_passes(demo_report: Exported) -> None:
    proc = run_tool("qpdf", "--check", str(demo_report.pdf))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_font_is_embedded(demo_report: Exported) -> None:
    proc = run_tool("pdffonts", str(demo_report.pdf))
    assert proc.returncode == 0
    rows = proc.stdout.strip().splitlines()[2:]
    assert rows, "no fonts listed"
    for row in rows:
        cols = row.split()
        assert cols[-5] == "yes", f"font not embedded: {row}"  # emb column
        assert "DejaVu" in cols[0]
