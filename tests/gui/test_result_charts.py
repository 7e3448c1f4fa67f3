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
