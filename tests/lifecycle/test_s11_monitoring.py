"""S11 of the audit report shows the declared monitoring plan and the latest monitoring evidence from the trail when
monitoring runs were recorded against the audited run (and only those runs), not the suggested thresholds."""

from __future__ import annotations

import pandas as pd

from audit.lifecycle.monitor import monitor
from audit.lifecycle.monitor_inputs import load_inputs, resolve_reference
from audit.lifecycle.plan import MonitorPlan
from audit.lifecycle.record import record_monitoring
from audit.lifecycle.windows import parse_window
from audit.trail import Workspace
from tests.lifecycle.conftest import lender_frame
from tests.reports.report_helpers import page_texts


def _monitor(ws, run_id, log, plan):
    reference, run, sensitive, target = resolve_reference(ws, run_id, None, None)
    inp = load_inputs(log, reference, "time", predictions="pred", scores="score", target=target, sensitive=sensitive, run=run)
    return record_monitoring(ws, monitor(inp, plan, parse_window("1mo")))


def test_s11_shows_the_plan_and_latest_monitoring_of_this_run(recorded, results, tmp_path):
    from cli.report_cmd import write_pdf_for

    ws_path, run_a, run_b = recorded
    log = lender_frame(seed=7, n=2400)
    log.insert(0, "time", pd.date_range("2025-01-01", periods=len(log), freq="55min").strftime("%Y-%m-%dT%H:%M"))
    log.to_csv(tmp_path / "log.csv", index=False)
    plan = MonitorPlan(selection_ratio=0.77, checks=("selection_rate_change", "selection_ratio"), source="plan.toml")
    with Workspace.open(ws_path) as ws:
        _monitor(ws, run_a, tmp_path / "log.csv", MonitorPlan())
        latest = _monitor(ws, run_a, tmp_path / "log.csv", plan)
        _monitor(ws, run_b, tmp_path / "log.csv", MonitorPlan())  # against the other run: not in run A's report
    pdf = tmp_path / "report.pdf"
    write_pdf_for(results[0], pdf, workspace=ws_path, run_id=run_a, force=True)
    s11 = " ".join(t for t in page_texts(pdf) if "Latest monitoring evidence" in t)
    flat = " ".join(s11.split())
    assert latest.payload["monitoring_id"] in flat
    assert "2 monitoring run(s)" in flat and "not a suggestion" in flat
    assert "selection_rate_change, selection_ratio" in flat and "0.77" in flat  # the plan that ran, from the trail
    assert latest.payload["result_sha256"] in flat.replace(" ", "") or latest.payload["result_sha256"][:32] in flat
    assert "The thresholds are suggestions" not in flat
