"""Long and foreign text never fails the export and is drawn by a font that has it; the law's dates as of the report's
date; page 1 and the risk register proportionate for an approver."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit.result import AuditResult
from reports import export_report
from reports import format as F
from reports.export import ExportedReport
from reports.fonts import MARK, has_cjk_font, is_rtl, prepare, visual
from reports.risks import UNRATED, risk_register
from tests.reports.report_helpers import Exported, audit_predictions, page_texts, write_predictions


def _with_context(r, **fields):
    ctx = r.spec.context.model_copy(update=fields)
    return r.model_copy(update={"spec": r.spec.model_copy(update={"context": ctx})})


def test_a_1200_word_purpose_and_a_5000_character_label_export(tmp_path: Path) -> None:
    label = ("Ünïcødé group label " * 300)[:5000]
    csv = write_predictions(tmp_path / "long.csv", n=2000, long_name=label)
    r = audit_predictions(csv, ("region", "gender"), bootstrap=30)
    words = " ".join(f"purpose{i}" for i in range(1200))
    r = _with_context(r, intended_purpose=words, system_name="S" * 400, oversight="x" * 3000)
    e = export_report(r, tmp_path / "long.pdf", charts=True)  # charts too: a chart made tall by the label must fit
    flat = "".join("".join(page_texts(e.pdf_path)).split())
    assert "purpose0purpose1" in flat and "purpose1199" in flat  # all of it, continued over pages
    assert "".join(label.split())[:2000] in flat
    assert e.pages > 10


SCRIPTS = {
    "Ελλάδα": "Greek",
    "Москва": "Cyrillic",
    "مرحبا بالعالم": "Arabic",
    "שלום עולם": "Hebrew",
    "中文地区": "Chinese",
    "日本語テスト": "Japanese",
    "한국어": "Korean",
}


@pytest.fixture(scope="module")
def scripts_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[ExportedReport, list[str]]:
    d = tmp_path_factory.mktemp("scripts")
    csv = write_predictions(d / "s.csv", n=3000, values={"region": [*list(SCRIPTS), "Egyptian 𓀀 group"], "gender": ["F", "M"]})
    r = audit_predictions(csv, ("region", "gender"), bootstrap=30)
    r = _with_context(r, intended_purpose="تقييم الجدارة الائتمانية للأفراد. " * 20, system_name="信用评分系统")
    e = export_report(r, d / "s.pdf", charts=False)
    return e, page_texts(e.pdf_path)


def test_every_script_is_drawn_by_a_font_that_has_it(scripts_report: tuple[ExportedReport, list[str]]) -> None:
    from tests.reports.report_helpers import run_tool

    e, pages = scripts_report
    text = "\n".join(pages)
    for name, script in SCRIPTS.items():
        if script in ("Chinese", "Japanese", "Korean") and not has_cjk_font():
            pytest.fail("no CJK TrueType font on this machine: apt-get install fonts-wqy-microhei (./dev setup does)")
        # Arabic in its joined forms (prepare), right-to-left text drawn in visual order: pypdf reads right-to-left runs
        # back into logical order, so text drawn left to right unreordered would come back reversed and fail here
        assert prepare(name) in text, script
        assert visual(prepare(name), is_rtl(name)) != prepare(name) or script not in ("Arabic", "Hebrew")
    fonts = run_tool("pdffonts", str(e.pdf_path)).stdout
    assert "WenQuanYi" in fonts or "Droid" in fonts


def test_a_character_no_font_has_becomes_a_visible_marker_and_a_warning(scripts_report: tuple[ExportedReport, list[str]]) -> None:
    e, pages = scripts_report
    text = "\n".join(pages)
    assert "𓀀" not in text and f"Egyptian {MARK} group" in text  # never a .notdef box
    assert "U+13000" in " ".join(pages[0].split())  # said on page 1
    assert any("U+13000" in w for w in e.warnings)


def test_arabic_field_is_a_right_to_left_paragraph() -> None:
    from reports.fonts import is_rtl

    assert is_rtl("مرحبا Group") and not is_rtl("Group مرحبا") and not is_rtl("123")


def test_law_dates_say_what_applies_on_the_reports_date(small_result: AuditResult, tmp_path: Path) -> None:
    from reports.pdf import render_pdf

    for day, pending in (("2026-12-02T10:00:00Z", True), ("2028-09-01T10:00:00Z", False)):
        out = tmp_path / f"{day[:4]}.pdf"
        render_pdf(small_result, out, generated_at=day, charts=False)
        text = " ".join(" ".join(page_texts(out)).split())
        assert "Legal data as of 2026-12-02" in text
        assert f"On {day[:10]}, this report's date" in text
        assert ("not yet: from 2027-12-02" in text) is pending and ("not yet: from 2028-08-02" in text) is pending
        assert "2026-08-02 Art. 113 (superseded)" in text  # the original date, for reference
        assert "could not be confirmed" in text


def test_page_one_names_the_worst_findings_with_statistic_and_size(small_report: Exported) -> None:
    first = " ".join(small_report.pages[0].split())
    risks = risk_register(small_report.result)
    worst = risks[0]
    assert worst.status == "fail"
    for x in risks[:3]:
        assert x.id in first and F.count(x.n_group) in first
    assert worst.statistic in first


def test_risk_register_never_rates_a_small_group(small_result: AuditResult) -> None:
    """A point estimate far beyond the rule from a group below the minimum size is 'insufficient evidence', unrated."""
    v = next(v for v in small_result.verdicts if v.status != "pass")
    tiny = v.model_copy(
        update={
            "status": "insufficient_evidence",
            "n_group": 2,
            "statistic": v.statistic.model_copy(update={"value": 0.05}),
            "reason": "the group has 2 rows, below the minimum group size 30",
        }
    )
    r = small_result.model_copy(update={"verdicts": (*small_result.verdicts, tiny)})
    risks = risk_register(r)
    small = [x for x in risks if x.n_group < r.spec.min_group_size]
    assert small and all(x.band == UNRATED and x.rating == 0 for x in small)
    assert all(
        x.band != UNRATED
        for x in risks
        if x.n_group >= r.spec.min_group_size and x.n_comparator >= r.spec.min_group_size and "below the minimum" not in x.reason
    )
    assert [x.band == UNRATED for x in risks] == sorted(x.band == UNRATED for x in risks)  # their own part, last


def test_no_score_wording_without_scores(small_result: AuditResult, tmp_path: Path) -> None:
    r = small_result.model_copy(update={"spec": small_result.spec.model_copy(update={"scores_column": None})})
    e = export_report(r, tmp_path / "noscores.pdf", charts=False)
    text = " ".join(" ".join(page_texts(e.pdf_path)).split())
    s8 = text[text.index("S8 Human oversight") : text.index("S9 Risk register")]
    assert "How to read the decisions" in s8 and "score" not in s8.lower().replace("scores", "")
    assert "base rate by more than 5 percentage points" in text
