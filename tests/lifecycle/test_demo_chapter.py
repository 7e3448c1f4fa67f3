"""The demo's second chapter: the production log drifts from July and the monitoring alerts from July, not before;
the whole chapter (monitoring, re-thresholded re-audit, comparison) lands in the demo's folder and trail."""

from __future__ import annotations

import pandas as pd

from audit import demo
from audit.lifecycle.monitor import monitor
from audit.lifecycle.monitor_inputs import load_inputs
from audit.lifecycle.plan import load_monitor_plan
from audit.lifecycle.windows import parse_window


def test_the_production_log_is_a_year_with_outcomes_until_september(built):
    _, _, log = built
    months = pd.to_datetime(log[demo.TIME_COLUMN]).dt.month
    assert sorted(months.unique()) == list(range(1, 13))
    assert (months.value_counts() == demo.PRODUCTION_ROWS_PER_MONTH).all()
    assert log[demo.TARGET][months <= demo.OUTCOMES_UNTIL_MONTH].notna().all()
    assert log[demo.TARGET][months > demo.OUTCOMES_UNTIL_MONTH].isna().all()


def test_the_alert_fires_in_july_and_not_before(built):
    folder, files, _ = built
    inp = load_inputs(
        folder / "log.csv",
        files.data,
        demo.TIME_COLUMN,
        model=str(files.model),
        target=demo.TARGET,
        sensitive=list(demo.SENSITIVE),
        positive_label=demo.POSITIVE_LABEL,
    )
    r = monitor(inp, load_monitor_plan(folder / "plan.toml"), parse_window("1mo"))
    assert [w.start[:7] for w in r.windows] == [f"{demo.PRODUCTION_YEAR}-{m:02d}" for m in range(1, 13)]
    assert [w.status for w in r.windows[:6]] == ["pass"] * 6
    july = r.windows[6]
    assert july.status == "alert"
    alerted = {c.check for c in july.checks if c.status == "alert"}
    assert {"drift", "selection_rate_change"} <= alerted
    assert any(a.startswith("debt_to_income_ratio") for a in july.drift_alerts)
    assert all(w.status == "alert" for w in r.windows[6:])
    assert r.windows[-1].performance is None and r.windows[-1].estimated is not None  # no outcomes yet: estimated


def test_the_chapter_writes_its_files_and_records_its_steps(built, tmp_path):
    from audit.demo_chapter import REAUDIT_BOOTSTRAP, ChapterPdfs, demo_spec, record_demo_history, second_chapter
    from audit.explain.settings import ExplainSettings
    from audit.run import run_audit
    from audit.trail import Workspace
    from reports.compare_pdf import comparison_pdf
    from reports.monitor_pdf import monitoring_pdf

    _, files, _ = built
    spec = demo_spec(files, 500, 1.0)  # explanations on in the spec: the re-audit says it ran without them
    first = run_audit(spec.model_copy(update={"explain": ExplainSettings(enabled=False)}))
    ws_path = tmp_path / "demo.attest"
    run_id = record_demo_history(ws_path, files, first)
    steps: list[str] = []
    ch = second_chapter(
        tmp_path,
        files,
        ws_path,
        run_id,
        spec,
        first=first,
        pdfs=ChapterPdfs(monitoring=monitoring_pdf, comparison=comparison_pdf),
        progress=lambda step, *_: steps.append(step),
    )
    for name in (
        "production_log.csv",
        "monitoring_result.json",
        "comparison.json",
        "monitoring_report.pdf",
        "comparison_report.pdf",
    ):
        assert (tmp_path / name).stat().st_size > 0, name
        assert name in ch.files
    with Workspace.open(ws_path) as ws:
        kinds = [e.kind for e in ws.events()]
        mon = ws.events(kind="monitoring_run")[-1]
        cmp_event = ws.events(kind="audit_compared")[-1]
    assert kinds.count("audit_run") == 2
    assert kinds.index("monitoring_run") < len(kinds) - 1 - kinds[::-1].index("audit_run")  # monitored, then re-audited
    assert kinds[-1] == "audit_compared"
    assert mon.payload["reference_run"] == run_id and mon.payload["pdf_sha256"] and cmp_event.payload["pdf_sha256"]
    assert ch.first_alert == f"{demo.PRODUCTION_YEAR}-{demo.DRIFT_FROM_MONTH:02d}"
    assert (cmp_event.payload["run_a"], cmp_event.payload["run_b"]) == (run_id, ch.run_b)
    assert cmp_event.payload["result_a_sha256"] == first.sha256()  # the in-memory result is the recorded one
    assert [s for s in dict.fromkeys(steps) if s != "done"] == [
        "log",
        "monitor",
        "monitoring report",
        "re-audit",
        "compare",
        "comparison report",
    ]
    # the cheaper re-audit is said, not silent: in the chapter's notes (printed by the CLI) and in the comparison
    assert ch.reaudit.spec.bootstrap == REAUDIT_BOOTSTRAP and not ch.reaudit.spec.explain.enabled
    assert any(f"drew {REAUDIT_BOOTSTRAP} posterior samples" in n for n in ch.notes)
    assert any("without explanations" in n for n in ch.notes)
    assert any(f"bootstrap 500 -> {REAUDIT_BOOTSTRAP}" in s for s in ch.comparison.summary)


def test_the_re_audit_matches_the_same_audit_run_on_its_own(built, tmp_path):
    """The chapter's shortcuts (one OpenMP thread, the first result reused) change nothing: its re-audit equals
    `run_audit` of the same specification, and its comparison equals `compare_runs` reading both from the trail."""
    from audit.demo_chapter import demo_spec, record_demo_history, second_chapter
    from audit.explain.settings import ExplainSettings
    from audit.lifecycle.record import compare_runs
    from audit.run import run_audit
    from audit.trail import Workspace

    _, files, _ = built
    spec = demo_spec(files, 100, 1.0).model_copy(update={"explain": ExplainSettings(enabled=False)})
    ws_path = tmp_path / "demo.attest"
    first = run_audit(spec)
    run_id = record_demo_history(ws_path, files, first)
    ch = second_chapter(tmp_path, files, ws_path, run_id, spec)  # the first result read back from the trail
    again = run_audit(ch.reaudit.spec)
    assert [(v.check, v.group, v.status) for v in again.verdicts] == [(v.check, v.group, v.status) for v in ch.reaudit.verdicts]
    assert again.overall.model_dump() == ch.reaudit.overall.model_dump()
    with Workspace.open(ws_path) as ws:
        assert compare_runs(ws, run_id, ch.run_b).sha256() == ch.comparison.sha256()
