"""The Results page's Charts tab: after a run it shows the report's charts of that result (display objects built from
the AuditResult, nothing recomputed), one at a time from a picker, in the window's theme, with Save as PNG/SVG."""

from __future__ import annotations

from tests.gui.conftest import AUDIT_TIMEOUT_MS, open_workspace, set_up_demo_audit

DRAW_MS = 60_000


def test_charts_tab_after_a_run_draws_from_the_result(qtbot, window, workspace, demo_files):
    from reports import charts

    open_workspace(qtbot, window, workspace)
    set_up_demo_audit(qtbot, window, demo_files)
    with qtbot.waitSignal(window.outcome_shown, timeout=AUDIT_TIMEOUT_MS) as shown:
        window.setup.request_run()
    result = shown.args[0].result
    r = window.results
    i = next(k for k in range(r.tabs.count()) if r.tabs.tabText(k).replace("&", "") == "Charts")
    panel = r.tabs.widget(i)
    assert panel is r.charts
    assert (
        panel.titles()
        == [
            "Disparities against the policy thresholds",
            "Selection and error rates by race",
            "Selection and error rates by sex",
            "Selection and error rates by race × sex",
            "Calibration: predicted against observed, by group",
            "Calibration by group: one panel per attribute",
        ][: len(panel.titles())]
    )
    assert len(panel.titles()) >= 4

    with qtbot.waitSignal(panel.figure.drawn, timeout=DRAW_MS):
        r.tabs.setCurrentIndex(i)
    assert panel.figure.display() == charts.DisparityOverviewDisplay.from_result(result)
    assert panel.figure.last_png.startswith(b"\x89PNG") and panel.figure.save_button.isEnabled()

    with qtbot.waitSignal(panel.figure.drawn, timeout=DRAW_MS):
        panel.picker.setCurrentIndex(panel.picker.findText("Selection and error rates by sex"))
    assert panel.figure.display() == charts.RatesDisplay.from_result(result, [(("sex",), None)], title="Rates by group: sex")
    assert panel.figure.save_name == "rates-sex"
    # The points drawn are the result's own estimates (value and interval of each group's rate), not recomputed ones.
    shown_rates = panel.figure.display()
    stored = {
        (m, g.metrics[m].value, g.metrics[m].ci_low, g.metrics[m].ci_high)
        for g in result.groups
        if g.level == ("sex",)
        for m in shown_rates.metrics
        if g.metrics.get(m) and g.metrics[m].value is not None
    }
    drawn = {(shown_rates.metrics[p.metric], p.value, p.ci_low, p.ci_high) for p in shown_rates.points}
    assert drawn == stored and len(drawn) >= 4

    r.set_result(None)  # e.g. another workspace opened: no chart of the old run stays
    assert panel.figure.display() is None and panel.picker.count() == 0


def test_calibration_panels_are_the_reports_display(qtbot, tmp_path):
    """The Charts tab offers the report's calibration panels (one per sensitive attribute, everyone's curve in each),
    built from the result's own bins and drawn in the window's theme."""
    import io

    from PIL import Image

    from gui.views.figure import set_chart_theme
    from gui.views.result_charts import ResultChartsPanel
    from reports import charts
    from tests.reports.charts_helpers import linear_result

    result = linear_result(str(tmp_path)).result
    panel = ResultChartsPanel()
    qtbot.addWidget(panel)
    panel.resize(1100, 700)
    panel.show()
    qtbot.waitExposed(panel)
    with qtbot.waitSignal(panel.ready, timeout=DRAW_MS):
        panel.set_result(result)
    title = "Calibration by group: one panel per attribute"
    assert title in panel.titles()
    with qtbot.waitSignal(panel.figure.drawn, timeout=DRAW_MS):
        panel.picker.setCurrentIndex(panel.picker.findText(title))
    shown = panel.figure.display()
    assert shown == charts.CalibrationPanelsDisplay.from_result(result, (("region",), ("gender",)))
    assert [p.title for p in shown.panels] == ["region", "gender"] and panel.figure.save_name == "calibration-panels"
    # each panel's first curve is everyone's: the result's overall bins (mean score, observed rate, rows)
    bins = [(b.mean_score, b.observed_rate, b.n) for b in result.overall.calibration if b.mean_score is not None]
    assert all(list(p.curves[0].points) == bins for p in shown.panels)
    assert panel.figure.last_png.startswith(b"\x89PNG")
    try:
        with qtbot.waitSignal(panel.figure.drawn, timeout=DRAW_MS):
            set_chart_theme("dark")
        corner = Image.open(io.BytesIO(panel.figure.last_png)).convert("RGB").getpixel((2, 2))
        assert sum(corner) < 180
    finally:
        set_chart_theme(None)
