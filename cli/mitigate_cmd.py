"""`attest mitigate RUN_ID` (a post-processing what-if on a recorded run) and `attest adopt PROPOSAL_ID`.

Heavy imports (pandas, fairlearn, the engine) happen inside the handlers, so `attest --help` stays fast.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

_CONSTRAINTS = "demographic_parity, equal_opportunity, equalized_odds"

if TYPE_CHECKING:
    from pathlib import Path


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "mitigate",
        help="what-if: group thresholds (and alternatives) for a recorded run, audited on held-out rows",
        description="Fit fairlearn's ThresholdOptimizer on the recorded scores of an audit run (one part of its "
        "rows), audit the mitigated and the original decisions on the other part, and offer "
        "alternatives that do not use the sensitive attribute when deciding. The proposal is "
        "recorded in the trail. Exit 0 when written, 2 on bad input.",
    )
    p.add_argument("run_id", metavar="RUN_ID", help="an audit run id (run-...) from `attest trail log --kind audit_run`")
    p.add_argument("--workspace", required=True, metavar="PATH", help="the workspace holding the run")
    p.add_argument("--constraint", required=True, metavar="NAME", help=f"one of: {_CONSTRAINTS}")
    p.add_argument(
        "--objective",
        default="accuracy",
        metavar="NAME",
        help="what the thresholds maximise: accuracy (default) or balanced_accuracy",
    )
    p.add_argument(
        "--by",
        metavar="COL[,COL...]",
        help="set thresholds per combination of these sensitive features "
        "(default: all of the run's; the audit still covers every one)",
    )
    p.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the split and of randomised decisions (default 0)")
    p.add_argument("--test-size", type=float, default=0.5, metavar="F", help="share of rows held out for the audit (default 0.5)")
    p.add_argument(
        "--accuracy-floor",
        type=float,
        metavar="A",
        help="for the single-threshold alternative: least accuracy to keep (default: the original "
        "decisions' accuracy on the fit rows less 0.02)",
    )
    p.add_argument("--reweigh-csv", metavar="OUT", help="write Kamiran-Calders reweighing weights (one per row) as CSV here")
    p.add_argument(
        "--reweigh-data",
        metavar="FILE",
        help="compute the weights for this file (e.g. the training data, with "
        "the run's target and sensitive columns) instead of the run's data",
    )
    p.add_argument(
        "--retrain-data",
        metavar="FILE",
        help="also retrain an unfitted copy of the run's scikit-learn model with fairlearn's ExponentiatedGradient on "
        "this training data (the model's features, the run's target and sensitive columns), audited on the held-out rows",
    )
    p.add_argument(
        "--retrain-eps", type=float, default=0.01, metavar="E", help="with --retrain-data: allowed constraint violation (0.01)"
    )
    p.add_argument(
        "--retrain-max-iter", type=int, default=50, metavar="N", help="with --retrain-data: ExponentiatedGradient iterations (50)"
    )
    p.add_argument("--json", required=True, metavar="OUT", help="write the proposal as JSON here")
    p.add_argument(
        "--pdf", metavar="OUT", help="also write the what-if as a PDF report (caveat, split, rule, trade-off, before/after)"
    )
    p.add_argument("--chart", metavar="OUT", help="also draw the trade-off (fairness against accuracy) as PNG or SVG here")
    p.add_argument("--adopt", action="store_true", help="also record that you adopt the proposal (your workspace identity)")
    p.add_argument("--comment", help="with --adopt: a comment recorded with the adoption")
    p.add_argument("--force", action="store_true", help="replace output files that exist")
    p.set_defaults(func=run)

    a = sub.add_parser("adopt", help="record that you adopt a mitigation proposal (under your workspace identity)")
    a.add_argument("proposal_id", metavar="PROPOSAL_ID", help="a proposal id (mit-...) printed by `attest mitigate`")
    a.add_argument("--workspace", required=True, metavar="PATH", help="the workspace holding the proposal")
    a.add_argument("--comment", help="a comment recorded with the adoption")
    a.set_defaults(func=run_adopt)


def _check_args(args: argparse.Namespace) -> None:
    from audit.errors import InputError
    from audit.mitigation.thresholds import check_choice

    check_choice(args.constraint, args.objective)
    if args.accuracy_floor is not None and not 0 <= args.accuracy_floor <= 1:
        raise InputError(
            f"--accuracy-floor {args.accuracy_floor:g} is not an accuracy between 0 and 1.", "Use e.g. --accuracy-floor 0.7."
        )
    if not 0 < args.test_size < 1:
        raise InputError(f"--test-size {args.test_size:g} is not a share between 0 and 1.", "Use e.g. --test-size 0.5.")
    if not 0 <= args.seed < 2**32:
        raise InputError(f"--seed {args.seed} is out of range.", "Use a seed from 0 to 4294967295.")
    if args.comment and not args.adopt:
        raise InputError("--comment goes with --adopt.", "Add --adopt, or drop --comment.")
    if args.chart and not str(args.chart).lower().endswith((".png", ".svg")):
        raise InputError(
            f"--chart {args.chart} is neither .png nor .svg.", "Name the chart file e.g. tradeoff.png or tradeoff.svg."
        )
    if args.retrain_data is None and (args.retrain_eps != 0.01 or args.retrain_max_iter != 50):
        raise InputError("--retrain-eps and --retrain-max-iter go with --retrain-data.", "Add --retrain-data TRAINING_FILE.")
    if args.reweigh_data and not args.reweigh_csv:
        raise InputError(
            "--reweigh-data says which rows to weigh, so it needs --reweigh-csv OUT.", "Add --reweigh-csv weights.csv."
        )


def run(args: argparse.Namespace) -> int:
    from audit.mitigation.bind import need_identity, record_and_bind
    from audit.mitigation.propose import Options, propose
    from audit.mitigation.reweigh import weights_csv
    from audit.mitigation.source import labelled_rows, run_spec
    from audit.outputs import Staged, check_outputs
    from audit.trail import Workspace

    _check_args(args)
    outputs = (
        {"--json": args.json}
        | ({"--reweigh-csv": args.reweigh_csv} if args.reweigh_csv else {})
        | ({"--chart": args.chart} if args.chart else {})
        | ({"--pdf": args.pdf} if args.pdf else {})
    )
    paths = check_outputs(
        outputs,
        {
            "the workspace (--workspace)": args.workspace,
            "the reweighing data (--reweigh-data)": args.reweigh_data,
            "the training data (--retrain-data)": args.retrain_data,
        },
        force=args.force,
    )
    with Workspace.open(args.workspace, create=False) as ws:
        if args.adopt:
            need_identity(ws)
        spec, _, _ = run_spec(ws, args.run_id)
        by = tuple(c.strip() for c in args.by.split(",") if c.strip()) if args.by else None
        other = labelled_rows(args.reweigh_data, spec, by) if args.reweigh_data else None
        options = Options(
            constraint=args.constraint,
            objective=args.objective,
            seed=args.seed,
            test_size=args.test_size,
            accuracy_floor=args.accuracy_floor,
            by=by,
        )
        retrain_options = None
        if args.retrain_data:
            from audit.mitigation.retrain import RetrainOptions, check

            retrain_options = RetrainOptions(args.retrain_data, eps=args.retrain_eps, max_iter=args.retrain_max_iter)
            check(retrain_options)
        result, parts = propose(ws, args.run_id, options, reweigh_table=other, retrain_options=retrain_options)
        staged = Staged()
        if args.reweigh_csv:
            t = parts["table"]
            staged.add(paths["--reweigh-csv"], weights_csv(t.rows, t.group, t.raw[spec.target].to_numpy(), parts["weights"]))
            result["alternatives"]["reweighing"]["csv"] = str(paths["--reweigh-csv"])
        if args.chart:
            staged.add(paths["--chart"], _chart_bytes(result, paths["--chart"]))
        try:
            record_and_bind(ws, result, adopt=args.adopt, comment=args.comment)
            if args.pdf:
                from reports.mitigation_pdf import mitigation_pdf

                staged.add(paths["--pdf"], mitigation_pdf(result))
            staged.add(paths["--json"], json.dumps(result, indent=2, ensure_ascii=False, allow_nan=False).encode("utf-8"))
            staged.commit()
        except BaseException:
            staged.discard()
            raise
    _print_summary(result, paths["--json"])
    return 0


def _chart_bytes(result: dict[str, Any], path: str | Path) -> bytes:
    """The trade-off chart as PNG or SVG bytes (written with the other outputs, all or none)."""
    import io

    from reports.charts.style import themed
    from reports.charts.tradeoff import tradeoff_figure

    fmt = str(path).rsplit(".", 1)[-1].lower()
    with themed("light"):
        fig = tradeoff_figure(result)
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
        buf = io.BytesIO()
        meta = {"Software": None} if fmt == "png" else {"Creator": None, "Date": None}
        fig.savefig(buf, format=fmt, dpi=200, facecolor=fig.get_facecolor(), metadata=meta)
    return buf.getvalue()


def _fmt(p: dict[str, Any]) -> str:
    d, a = p["disparity"], p["accuracy"]
    if d["value"] is None:
        return f"gap n/a, accuracy {a['value']:.3f}"
    return (
        f"{d['statistic']} {d['value']:.3f} [{d['low']:.3f}, {d['high']:.3f}], accuracy {a['value']:.3f} "
        f"[{a['low']:.3f}, {a['high']:.3f}]"
    )


def _print_summary(result: dict[str, Any], out: str | Path) -> None:
    s = result["split"]
    print(
        f"Mitigation what-if for {result['run_id']}: {result['method']} for {result['constraint']} "
        f"(objective {result['objective']})"
    )
    print(f"  split: seed {s['seed']}, fitted on {s['fit_rows']:,} rows, audited on {s['test_rows']:,} held-out rows")
    print(f"  before: {_fmt(result['comparison']['before'])}")
    print(f"  after:  {_fmt(result['comparison']['after'])}")
    for side in ("before", "after"):
        print(f"  {side} audit of the held-out rows: {_sentence(result[side]['summary'])}")
    single = result["alternatives"]["single_threshold"]
    if single["threshold"] is not None:
        print(f"  alternative, one threshold for everyone: score >= {single['threshold']:.4g}: {_fmt(single['held_out'])}")
    eg = result["alternatives"]["exponentiated_gradient"]
    if eg["status"] == "retrained":
        print(f"  alternative, retrained with ExponentiatedGradient: {_fmt(eg['held_out'])}; {_sentence(eg['audit']['summary'])}")
    print(f"  caveat: {result['caveats'][0]}")
    rec = result["recorded"]
    print(
        f"Recorded proposal {rec['proposal_id']} in {rec['workspace']}"
        + (f"; adopted by {rec['adopted_by']} ({rec['role']})" if "adopted_by" in rec else "")
    )
    print(f"Result written to {out}")


def _sentence(summary: dict[str, Any]) -> str:
    return (
        ", ".join(f"{summary[k]} {k.replace('_', ' ')}" for k in ("failed", "insufficient_evidence", "passed") if summary.get(k))
        or "no checks evaluated"
    )


def run_adopt(args: argparse.Namespace) -> int:
    from audit.mitigation import record
    from audit.trail import Workspace

    with Workspace.open(args.workspace, create=False) as ws:
        e = record.adopt(ws, args.proposal_id, args.comment)
    print(
        f"Recorded: {e.payload['proposal_id']} on {e.payload['run_id']} adopted by {e.payload['adopted_by']} "
        f"({e.payload['role']})"
    )
    return 0
