"""60+ intersectional groups paginate cleanly with long names; the framework data is complete and consistent;
the charts module returns figures the desktop app can reuse."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from audit.result import AuditResult
from reports.coverage import known_name
from reports.export import ExportedReport
from reports.frameworks import load_catalogue
from tests.reports.report_helpers import Exported, audit_predictions, page_texts, run_tool, write_predictions

LONG = "Other, multiple or not stated (self-described in the application form)"


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[AuditResult, ExportedReport, list[str]]:
    d = tmp_path_factory.mktemp("big")
    csv = write_predictions(
        d / "big.csv",
        n=12000,
        seed=2,
        long_name=LONG,
        values={
            "ethnicity": ["Asian", "Black", "Hispanic", "White"],
            "age_band": ["18–25", "26–40", "41–60", "60+"],
            "gender": ["Female", "Male", "Non-binary"],
        },
    )
    result = audit_predictions(csv, ("ethnicity", "age_band", "gender"), bootstrap=100)
    from reports import export_report

    e = export_report(result, d / "big.pdf")
    return result, e, page_texts(e.pdf_path)


def test_sixty_intersectional_groups_paginate(big: tuple[AuditResult, ExportedReport, list[str]]) -> None:
    result, e, pages = big
    inter = [g for g in result.groups if len(g.level) == 3]
    assert len(inter) >= 60
    text = "\n".join(pages)
    flat = "".join(text.split())
    for g in inter:  # every intersectional group is in the report (names may wrap inside cells)
        assert "".join(" & ".join(g.attributes.values()).split()) in flat
    assert "".join(LONG.split()) in flat
    assert run_tool("qpdf", "--check", str(e.pdf_path)).returncode == 0
    # the group tables repeat their header on each page they run over
    header_pages = [p for p in pages if "Rows\n(share)" in p or "Rows (share)" in p]
    assert len(header_pages) >= 3


def test_framework_data_is_consistent() -> None:
    cat = load_catalogue()
    ids = [s.id for s in cat.sections]
    assert sorted(ids) == sorted([f"S{i}" for i in range(13)] + ["F", "FRIA", "A"])
    # part 1 (the approver's report) first, then the annex in REPORT.md's order
    assert [s.id for s in cat.sections if s.part == 1] == ["S0", "S1", "F", "FRIA", "A"]
    assert [s.id for s in cat.sections if s.part == 2] == [f"S{i}" for i in range(2, 13)]
    assert ids == [s.id for s in sorted(cat.sections, key=lambda s: s.part)]
    for req in cat.requirements:
        assert req.evidence and req.sections
        assert all(known_name(n) for n in req.evidence), req.id
        assert req.id.startswith(("AIA:", "NIST:"))
    for sid in [f"S{i}" for i in range(13)]:
        fws = {r.framework for r in cat.for_section(sid)}
        assert fws == {"EU AI Act", "NIST AI RMF"}, sid  # every section evidences both frameworks (REPORT.md)
    ids = {r.id for r in cat.requirements}
    assert {"AIA:Art10(2)(f)", "AIA:AnnexIV:2(g)", "NIST:MEASURE-2.11", "NIST:GOVERN-1.1", "NIST:MANAGE-4.1"} <= ids
    legal = cat.legal
    assert {d["applies"] for d in legal["dates"]} == {"2025-02-02", "2025-08-02", "2026-08-02", "2027-12-02", "2028-08-02"}
    # the original Art. 113 dates are kept for reference
    assert {d["original"] for d in legal["dates"]} == {"2025-02-02", "2025-08-02", "2026-08-02", "2027-08-02"}
    assert legal["as_of"] and legal["unconfirmed"] and "29 June 2026" in legal["amending_history"]
    # the audit machine's hardware is no evidence name at all (it says nothing about the system's hardware)
    assert not known_name("provenance.hardware")
    labels = cat.texts["provider_inputs"]
    ctx_names = {
        f for r in cat.requirements for n in r.evidence if n.startswith("context.") for f in n.removeprefix("context.").split("|")
    }
    assert ctx_names <= set(labels), ctx_names - set(labels)


def test_resources_are_valid_toml() -> None:
    folder = Path(__file__).resolve().parents[2] / "resources" / "frameworks"
    for f in folder.glob("*.toml"):
        tomllib.loads(f.read_text(encoding="utf-8"))


def test_chart_functions_return_figures(small_result: AuditResult) -> None:
    from matplotlib.figure import Figure

    from reports import charts

    lv = small_result.levels[0].level
    for fig in (
        charts.group_rates_figure(small_result, lv),
        charts.disparity_overview_figure(small_result),
        charts.calibration_figure(small_result, lv),
    ):
        assert isinstance(fig, Figure)
        png = charts.to_png(fig)
        assert png.startswith(b"\x89PNG") and len(png) > 5000


def test_public_surface() -> None:
    import reports

    assert sorted(reports.__all__) == sorted(n for n in reports.__all__ if hasattr(reports, n))
    assert "export_report" in reports.__all__


def test_shap_charts_from_the_demo_result(demo_report: Exported) -> None:
    from matplotlib.figure import Figure

    from reports import charts

    r = demo_report.result
    assert r.explanations is not None and r.explanations.status in ("complete", "partial")
    for fig in (charts.shap_global_figure(r), charts.shap_group_figure(r), charts.attribute_rates_figure(r)):
        assert isinstance(fig, Figure) and charts.to_png(fig).startswith(b"\x89PNG")
