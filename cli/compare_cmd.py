"""`attest compare RUN_A RUN_B`: what changed between two recorded audit runs, recorded in the trail.

Exit 0 when no check newly fails, 1 when a check fails in run B that did not fail in run A, 2 on bad input."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="compare two recorded audit runs: inputs, group metrics, verdicts that flipped",
        description="Compare audit run A (before) with run B (after), both recorded in the workspace: "
        "what changed in the model, data, settings and policy; every group metric and "
        "disparity before and after with an interval for the change; verdicts that "
        "flipped; groups that appeared or vanished. The comparison is recorded in the "
        "trail. Exit 0, or 1 when a check fails in B that did not fail in A; 2 on bad "
        "input.",
    )
    p.add_argument("run_a", metavar="RUN_A", help="the earlier audit run (run-...; see `attest trail log --kind audit_run`)")
    p.add_argument("run_b", metavar="RUN_B", help="the later audit run")
    p.add_argument(
        "--workspace", metavar="PATH", help="workspace file (*.attest) holding both runs (default: the default workspace)"
    )
    p.add_argument("--json", metavar="OUT", help="write the comparison as JSON here")
    p.add_argument("--pdf", metavar="OUT", help="write a short comparison report (PDF) here")
    p.add_argument(
        "--ci-level",
        type=float,
        metavar="L",
        help="confidence level of the intervals of the changes (default: the runs' own level)",
    )
    p.add_argument("--force", action="store_true", help="replace --json/--pdf files that exist")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from audit.errors import InputError
    from audit.lifecycle.record import compare_runs, record_comparison
    from audit.outputs import Staged, check_outputs
    from audit.trail import Workspace

    if args.ci_level is not None and not 0.5 < args.ci_level < 1:
        raise InputError(
            f"--ci-level {args.ci_level:g} is not a confidence level.", "Give a level between 0.5 and 1, e.g. --ci-level 0.95."
        )
    outputs = {k: v for k, v in (("--json", args.json), ("--pdf", args.pdf)) if v}
    paths = check_outputs(outputs, {"the workspace (--workspace)": args.workspace}, force=args.force)
    if args.workspace and not Path(args.workspace).exists():
        raise InputError(f"There is no workspace at {args.workspace}.", "Give the *.attest file both runs were recorded in.")
    with Workspace.open(args.workspace, create=False) as ws:
        comparison = compare_runs(ws, args.run_a, args.run_b, args.ci_level)
        staged = Staged()
        pdf_sha = None
        if "--json" in paths:
            staged.add(paths["--json"], comparison.to_json().encode("utf-8"))
        if "--pdf" in paths:
            from audit.hashing import sha256_bytes
            from reports.compare_pdf import comparison_pdf

            pdf = comparison_pdf(comparison, workspace_head=ws.head_hash())
            pdf_sha = sha256_bytes(pdf)
            staged.add(paths["--pdf"], pdf)
        try:
            event = record_comparison(ws, comparison, pdf_sha)
            staged.commit()
        except BaseException:
            staged.discard()
            raise
    for line in comparison.summary:
        print(line)
    for note in comparison.notes:
        print(f"  note: {note}")
    print(f"Recorded the comparison as event #{event.seq} ({event.payload['comparison_id']}).")
    for label, path in paths.items():
        print(f"{'Comparison' if label == '--json' else 'Report'} written to {path}")
    newly_failing = [v for v in comparison.verdict_changes if v.after == "fail"]
    return 1 if newly_failing else 0
