"""Content rules on a predictions-only audit with an empty declared context and non-Latin group names."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit.result import AuditResult
from reports import format as F
from reports.coverage import ST_PROVIDER, assess
from reports.frameworks import load_catalogue
from reports.risks import risk_register
from tests.reports.report_helpers import Exported


def test_unknowns_show_needs_provider_input_and_not_assessed_with_reason(small_report: Exported) -> None:
    r, text = small_report.result, " ".join(small_report.text.split())
    assert "needs provider input" in text
    for na in r.not_assessed:  # e.g. explanations: "Predictions-only audit: without the model object..."
        assert " ".join(na.reason.split())[:60] in text
    assert "not assessed" in text
    assert "Intended purpose ✎ needs provider input" in text


def test_non_latin_group_names_render_as_text(small_report: Exported) -> None:
    text = small_report.text
    for name in ("Αθήνα", "Zürich", "Kraków", "Москва"):
        assert name in text


def test_failed_checks_are_marked_in_text_not_only_by_colour(small_report: Exported) -> None:
    r, text = small_report.result, small_report.text
    assert r.summary.failed > 0
    assert "✗ FAIL" in text
    assert "✱ small n" in text or all(not g.small for g in r.groups)


def test_every_failed_or_inconclusive_verdict_is_a_risk_entry(small_result: AuditResult) -> None:
    risks = risk_register(small_result)
    assert len(risks) == small_result.summary.failed + small_result.summary.insufficient_evidence
    assert [r.id for r in risks] == [f"R{i:03d}" for i in range(1, len(risks) + 1)]
    for x in risks:
        assert 1 <= x.likelihood <= 3 and 1 <= x.severity <= 3 and x.rating == x.likelihood * x.severity
        if x.status == "fail":
            assert x.likelihood == 3


def test_coverage_without_context_or_trail(small_result: AuditResult) -> None:
    cov = assess(small_result, None, load_catalogue())
    status = {row.requirement.id: row.status for row in cov.rows}
    assert status["AIA:AnnexIII"] == ST_PROVIDER  # category not declared
    assert status["NIST:MEASURE-2.11"] == "evidenced"
    assert status["AIA:Art86"] == ST_PROVIDER  # no local explanations (predictions only) and no declared request channel
    art86 = next(row for row in cov.rows if row.requirement.id == "AIA:Art86")
    assert {e.name: e.state for e in art86.evidence}["explanations.local"] == "not_assessed"
    assert status["AIA:Art13(1)"] == "not assessed"  # predictions only: no explanations at all
    assert status["AIA:Art17(1)(k)"] == "not assessed"  # no workspace trail


def test_declared_context_fills_the_report(small_result: AuditResult, tmp_path: Path) -> None:
    from reports import export_report
    from tests.reports.report_helpers import page_texts

    ctx = small_result.spec.context.model_copy(
        update={"intended_purpose": "Pre-screen loan applications for review.", "annex_iii_category": "Annex III 5(b)"}
    )
    spec = small_result.spec.model_copy(update={"context": ctx})
    r = small_result.model_copy(update={"spec": spec})
    pdf = tmp_path / "ctx.pdf"
    export_report(r, pdf, charts=False)
    text = " ".join("\n".join(page_texts(pdf)).split())
    assert "Intended purpose Pre-screen loan applications for review." in text
    cov = assess(r, None, load_catalogue())
    assert cov.status_of("AIA:AnnexIII") == "evidenced"


def test_number_formats() -> None:
    from audit.result import Estimate

    e = Estimate(value=0.71234, ci_low=0.69, ci_high=0.7333)
    assert F.est(e) == "0.712 [0.690, 0.733]"
    assert F.est_lines(e) == "0.712\n[0.690, 0.733]"
    assert F.est(Estimate(value=None)) == F.DASH
    assert F.est(Estimate(value=-0.05, ci_low=-0.1, ci_high=0.01), sign=True) == "-0.050 [-0.100, +0.010]"
    assert F.pval(0.0004) == "<0.001" and F.pval(0.25) == "0.250"


def test_write_pdf_for_is_what_audit_and_demo_call(
    small_result: AuditResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.report_cmd import write_pdf_for

    e = write_pdf_for(small_result, tmp_path / "audit.pdf", charts=False)
    out = capsys.readouterr().out
    assert e.pdf_path.is_file() and e.manifest_path.is_file() and not e.recorded
    assert e.report_id in out and str(e.manifest_path) in out
