"""`attest monitor`: production decisions checked window by window against the audit's reference, recorded in the
trail. Exit 0 when all is clear, 1 when any check alerts (so it can run on a schedule), 2 on bad input."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _cols(text: str | None) -> list[str] | None:
    return [c.strip() for c in text.split(",") if c.strip()] if text else None


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "monitor",
        help="monitor a log of production decisions over time against the audit",
        description="Cut a production log into windows (7d, 1mo, or every N rows) and, per window, "
        "measure the groups' selection rates with intervals, accuracy / TPR / FPR / AUC "
        "where outcomes arrived, estimated performance from calibrated scores where they "
        "have not (CBPE, marked as estimates), and drift against the reference; run the "
        "monitoring plan's checks. The run is recorded in the trail. Exit 0, 1 when any "
        "check alerts, 2 on bad input.",
    )
    p.add_argument("--data", required=True, metavar="LOG", help="the production log: CSV, Parquet or Excel")
    p.add_argument("--time-column", required=True, metavar="COL", help="when each decision was made (ISO 8601)")
    p.add_argument("--window", required=True, metavar="7d|1mo|N", help="days (7d), calendar months (1mo) or rows (N)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--model", metavar="FILE", help="decide and score the log's rows with this model")
    src.add_argument("--predictions", metavar="COL", help="column of the logged decisions")
    p.add_argument(
        "--scores",
        metavar="COL",
        help="column of scores (probability of the positive outcome): drift of "
        "the scores, and estimated performance without outcomes",
    )
    p.add_argument("--target", metavar="COL", help="column of observed outcomes (empty where not known yet)")
    p.add_argument("--sensitive", metavar="COL[,COL...]", help="demographic columns (default with a run reference: the run's)")
    p.add_argument(
        "--max-order",
        type=int,
        metavar="K",
        help="drift within intersections of up to K sensitive columns (default with a run reference: the run's; else all)",
    )
    p.add_argument("--positive-label", metavar="VALUE", help="the favourable decision/outcome (default 1)")
    p.add_argument(
        "--reference",
        required=True,
        metavar="RUN_ID|FILE",
        help="a recorded audit run (its dataset, checked by hash) or a reference data file",
    )
    p.add_argument(
        "--plan",
        metavar="PLAN.toml",
        help="monitoring plan: [monitor] checks and thresholds, [drift] thresholds (default: the documented defaults)",
    )
    p.add_argument(
        "--workspace", metavar="PATH", help="workspace file (*.attest) to record the run in (default: the default workspace)"
    )
    p.add_argument("--trust-pickle", action="store_true", help="allow loading a pickle/joblib model (runs code)")
    p.add_argument("--trust-type", action="append", default=[], metavar="TYPE", help="trust a type in a skops file")
    p.add_argument(
        "--engine",
        default="auto",
        choices=("memory", "duckdb", "auto"),
        help="what reads the files: memory (pandas), duckdb (out of core: one GROUP BY per file; a model scores each "
        "file once in streamed batches), auto (default: duckdb for a Parquet/CSV log of 256 MB or more)",
    )
    p.add_argument("--memory-limit", metavar="SIZE", help="with the duckdb engine: its memory limit (default 2GB), e.g. 8GB")
    p.add_argument("--json", metavar="OUT", help="write the result as JSON here")
    p.add_argument("--pdf", metavar="OUT", help="write the monitoring report (PDF: plan, windows, alerts) here")
    p.add_argument("--force", action="store_true", help="replace --json/--pdf files that exist")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from audit.errors import InputError
    from audit.hashing import sha256_file
    from audit.lifecycle.monitor import monitor
    from audit.lifecycle.monitor_history import check_earlier_estimates
    from audit.lifecycle.monitor_inputs import reference_max_order, resolve_reference
    from audit.lifecycle.plan import load_monitor_plan
    from audit.lifecycle.record import monitoring_json, record_monitoring
    from audit.lifecycle.windows import parse_window
    from audit.outputs import Staged, check_outputs
    from audit.trail import Workspace

    spec = parse_window(args.window)
    paths = {}
    outputs = {k: v for k, v in (("--json", args.json), ("--pdf", args.pdf)) if v}
    if outputs:
        paths = check_outputs(
            outputs,
            {
                "the log (--data)": args.data,
                "the plan (--plan)": args.plan,
                "the model (--model)": args.model,
                "the workspace (--workspace)": args.workspace,
            },
            force=args.force,
        )
    plan = load_monitor_plan(args.plan)
    is_run = args.reference.startswith("run-") and not Path(args.reference).exists()
    if args.workspace and not Path(args.workspace).exists() and is_run:
        raise InputError(
            f"There is no workspace at {args.workspace}.", f"Give the *.attest file {args.reference} was recorded in."
        )
    from audit.lifecycle.ooc_run import choose_engine

    engine = choose_engine(args.engine, [args.data])
    if args.memory_limit and engine != "duckdb":
        raise InputError("--memory-limit applies to the DuckDB engine.", "Add --engine duckdb, or drop --memory-limit.")
    with Workspace.open(args.workspace) as ws:
        reference, run, sensitive, target = resolve_reference(ws, args.reference, _cols(args.sensitive), args.target)
        max_order = reference_max_order(ws, args.reference, args.max_order)
        if engine == "duckdb":
            from audit.lifecycle.ooc_run import monitor_duckdb
            from cli.progress import TerminalProgress

            bar = TerminalProgress(quiet=not sys.stderr.isatty())  # a line for people; logs get only the result
            try:
                result = monitor_duckdb(
                    args.data, reference, args.time_column, spec, plan, model=args.model, predictions=args.predictions,
                    scores=args.scores, target=target, sensitive=sensitive, positive_label=args.positive_label,
                    trust_pickle=args.trust_pickle, trusted_types=tuple(args.trust_type), run=run, max_order=max_order,
                    memory_limit=args.memory_limit, progress=bar,
                )  # fmt: skip
            finally:
                bar.close()
        else:
            result = monitor(_load(args, reference, run, sensitive, target, max_order), plan, spec)
        result = check_earlier_estimates(ws, result)
        staged = Staged()
        pdf_sha = None
        if "--json" in paths:
            staged.add(paths["--json"], result.to_json().encode("utf-8"))
        if "--pdf" in paths:
            from audit.hashing import sha256_bytes
            from reports.monitor_pdf import monitoring_pdf

            pdf = monitoring_pdf(result, monitoring_json(result)[1], workspace_head=ws.head_hash())
            pdf_sha = sha256_bytes(pdf)
            staged.add(paths["--pdf"], pdf)
        try:
            event = record_monitoring(ws, result, sha256_file(args.plan) if args.plan else None, pdf_sha)
            staged.commit()
        except BaseException:
            staged.discard()
            raise
    _print(result)
    print(f"Recorded the monitoring run as event #{event.seq} ({event.payload['monitoring_id']}).")
    for label, path in paths.items():
        print(f"{'Result' if label == '--json' else 'Report'} written to {path}")
    return 1 if result.status == "alert" else 0


def _load(args: argparse.Namespace, reference: str, run, sensitive, target, max_order):
    from audit.lifecycle.monitor_inputs import load_inputs

    return load_inputs(
        args.data,
        reference,
        args.time_column,
        model=args.model,
        predictions=args.predictions,
        scores=args.scores,
        target=target,
        sensitive=sensitive,
        positive_label=args.positive_label,
        trust_pickle=args.trust_pickle,
        trusted_types=tuple(args.trust_type),
        run=run,
        max_order=max_order,
    )


def _rate(e) -> str:
    return "-" if e is None or e.value is None else f"{e.value:.3f}"


def _print(result) -> None:
    for line in result.summary:
        print(line)
    print(f"\n{'window':<22} {'rows':>7} {'outc.':>6} {'sel.':>6} {'acc.':>6} {'est.acc':>7}  status")
    for w in result.windows:
        acc = _rate(w.performance.accuracy) if w.performance else "-"
        est = _rate(w.estimated.accuracy) if w.estimated else "-"
        status = w.status.replace("_", " ").upper() if w.status != "pass" else "pass"
        print(f"{w.start[:19]:<22} {w.n:>7,} {w.n_with_outcome:>6,} {_rate(w.selection_rate):>6} {acc:>6} {est:>7}  {status}")
    for a in result.alerts[:20]:
        print(f"  ALERT {a}")
    if len(result.alerts) > 20:
        print(f"  ... {len(result.alerts) - 20} more alerts in the JSON")
    for note in result.notes:
        print(f"  note: {note}")
