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

    from audit.trail import Workspace


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
    p.add_argument("--json", required=True, metavar="OUT", help="write the proposal as JSON here")
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
    if args.reweigh_data and not args.reweigh_csv:
        raise InputError(
            "--reweigh-data says which rows to weigh, so it needs --reweigh-csv OUT.", "Add --reweigh-csv weights.csv."
        )


def _need_identity(ws: Workspace) -> None:
    from audit.trail import WorkspaceError

    me = ws.whoami()
    if not me.name or not me.role:
        raise WorkspaceError(
            f"--adopt records the decision under your workspace identity, and {me.user}@{me.host} has "
            "no display name and role in this workspace yet.",
            'Set them once: attest trail whoami --set-name "Dana Kim" --set-role "ML lead".',
        )


def run(args: argparse.Namespace) -> int:
    from audit.mitigation import record
    from audit.mitigation.propose import Options, propose, result_sha256
    from audit.mitigation.reweigh import weights_csv
    from audit.mitigation.source import labelled_rows, run_spec
    from audit.outputs import Staged, check_outputs
    from audit.trail import Workspace

    _check_args(args)
    outputs = (
        {"--json": args.json}
        | ({"--reweigh-csv": args.reweigh_csv} if args.reweigh_csv else {})
        | ({"--chart": args.chart} if args.chart else {})
    )
    paths = check_outputs(
        outputs,
        {"the workspace (--workspace)": args.workspace, "the reweighing data (--reweigh-data)": args.reweigh_data},
        force=args.force,
    )
    with Workspace.open(args.workspace, create=False) as ws:
        if args.adopt:
            _need_identity(ws)
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
        result, parts = propose(ws, args.run_id, options, reweigh_table=other)
        staged = Staged()
        if args.reweigh_csv:
            t = parts["table"]
            staged.add(paths["--reweigh-csv"], weights_csv(t.rows, t.group, t.raw[spec.target].to_numpy(), parts["weights"]))
            result["alternatives"]["reweighing"]["csv"] = str(paths["--reweigh-csv"])
        if args.chart:
            staged.add(paths["--chart"], _chart_bytes(result, paths["--chart"]))
        sha = result_sha256(result)
        try:
            event = record.record_proposal(ws, result, sha)
            recorded: dict[str, Any] = {
                "proposal_id": event.payload["proposal_id"],
                "result_sha256": sha,
                "event_hash": event.hash,
                "workspace": str(ws.path),
            }
            if args.adopt:
                adopted = record.adopt(ws, event.payload["proposal_id"], args.comment)
                recorded |= {
                    "adopted_by": adopted.payload["adopted_by"],
                    "role": adopted.payload["role"],
                    "adoption_event_hash": adopted.hash,
                }
            result["recorded"] = recorded
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
