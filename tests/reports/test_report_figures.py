"""The demo report carries the pictures: the verdict forest plot in S6 and, in S7, the global-importance bars, the SHAP
beeswarm, the importance by group and the waterfall of one adverse decision, each an image on the page of its heading."""

from __future__ import annotations

from pypdf import PdfReader

from tests.reports.report_helpers import Exported


def _pages_with(pdf, heading):
    """The page of the heading and the next one: a figure too tall for what is left of the page moves over."""
    pages = PdfReader(str(pdf)).pages
    hits = [i for i, p in enumerate(pages) if heading in (p.extract_text() or "")]
    return [pages[j] for i in hits for j in (i, i + 1) if j < len(pages)]


def test_report_has_the_forest_plot_and_the_shap_figures(demo_report: Exported) -> None:
    for heading in (
        "Verdicts against the declared thresholds",
        "Global importance",
        "Per-row attributions (SHAP summary)",
        "Importance compared across groups",
        "Local examples: borderline and adverse decisions",
    ):
        pages = _pages_with(demo_report.pdf, heading)
        assert pages, heading
        assert any(len(p.images) for p in pages), f"no figure on the page of {heading!r}"
