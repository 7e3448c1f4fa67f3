"""The report prints which engine computed the statistics and, when scores were summarised in a histogram (the Spark
engine with many distinct scores), the error bounds the result carries."""

from __future__ import annotations

from audit.result import ScoreResolution
from reports import export_report
from tests.reports.report_helpers import audit_predictions, page_texts, write_predictions


def test_report_prints_the_engine_and_the_score_resolution(tmp_path):
    result = audit_predictions(write_predictions(tmp_path / "p.csv", n=1500), ("region",), bootstrap=50)
    res = ScoreResolution(
        method="histogram",
        bins=1_000_000,
        distinct_scores=2_500_000,
        auc_max_error=3.2e-6,
        brier_max_error=1e-6,
        calibration_max_error=5e-7,
    )
    binned = result.model_copy(
        update={"score_resolution": res, "provenance": result.provenance.model_copy(update={"engine": "spark"})}
    )
    text = " ".join(" ".join(page_texts(_export(binned, tmp_path / "r.pdf"))).split())
    assert "Engine spark" in text
    assert "histogram of 1,000,000 bins" in text and "AUC within ±3.2e-06" in text and "Brier score within ±1.0e-06" in text
    plain = " ".join(" ".join(page_texts(_export(result, tmp_path / "plain.pdf"))).split())
    assert "Engine numpy" in plain and "Score resolution" not in plain


def _export(result, pdf):
    export_report(result, pdf)
    return pdf
