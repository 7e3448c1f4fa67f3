"""`attest drift`: data and prediction drift between a reference and a current dataset.

Exit 0 when no alert fires, 1 when one does (so it can gate a schedule), 2 on bad input."""

from __future__ import annotations

import argparse
import sys


def _cols(text: str | None) -> list[str] | None:
    return [c.strip() for c in text.split(",") if c.strip()] if text else None


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "drift",
        help="measure data and prediction drift between a reference and a current dataset",
        description="Compare a current dataset with a reference (e.g. the audit's evaluation data): "
        "per feature the Wasserstein distance (raw and in reference standard deviations), "
        "a Kolmogorov-Smirnov test and PSI on the reference's quantile bins (numeric), or "
        "the Jensen-Shannon distance, a chi-squared test and PSI (categorical); missing "
        "rates and new categories; score and decision-rate drift; per demographic group. "
        "Thresholds come from a monitoring plan. Exit 0, 1 when any alert fires, 2 on "
        "bad input.",
    )
    p.add_argument("--reference", required=True, metavar="FILE", help="reference data: CSV, Parquet or Excel")
    p.add_argument("--current", required=True, metavar="FILE", help="current data to compare with it")
    p.add_argument(
        "--features",
        metavar="COL[,COL...]",
        help="columns to compare (default: every reference column except the sensitive, score and decision columns)",
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--model", metavar="FILE", help="score both files with this model (its features must be in both)")
    src.add_argument("--scores", metavar="COL", help="column of scores (probability of the positive decision)")
    p.add_argument("--predictions", metavar="COL", help="column of decisions")
    p.add_argument(
        "--positive-label",
        metavar="VALUE",
        help="the decision counted in the decision rate (default 1 for 0/1 decisions; with --model, the model's class)",
    )
    p.add_argument("--trust-pickle", action="store_true", help="allow loading a pickle/joblib model (runs code)")
    p.add_argument("--trust-type", action="append", default=[], metavar="TYPE", help="trust a type in a skops file")
    p.add_argument("--sensitive", metavar="COL[,COL...]", help="demographic columns: drift per group, and the groups' shares")
    p.add_argument(
        "--plan",
        metavar="PLAN.toml",
        help="monitoring plan with a [drift] table of thresholds (default: "
        "the documented defaults, e.g. normalised Wasserstein 0.15, "
        "PSI 0.25)",
    )
    p.add_argument(
        "--engine",
        default="auto",
        choices=("memory", "duckdb", "auto"),
        help="what reads the files: memory (pandas), duckdb (out of core: one GROUP BY per file; a model scores each "
        "file once in streamed batches), auto (default: duckdb when a Parquet/CSV file has 256 MB or more)",
    )
    p.add_argument("--memory-limit", metavar="SIZE", help="with the duckdb engine: its memory limit (default 2GB), e.g. 8GB")
    p.add_argument("--json", metavar="OUT", help="write the result as JSON here")
    p.add_argument("--force", action="store_true", help="replace the --json file if it exists")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from audit.errors import InputError
    from audit.lifecycle.drift import measure_drift
    from audit.lifecycle.drift_inputs import load_inputs
    from audit.lifecycle.plan import load_plan
    from audit.outputs import atomic_write, check_outputs

    if args.predictions and args.model:
        raise InputError(
            "--model gives the decisions itself; --predictions names a column instead.",
            "Give either --model, or --scores and/or --predictions.",
        )
    paths = {}
    if args.json:
        paths = check_outputs(
            {"--json": args.json},
            {
                "the reference data (--reference)": args.reference,
                "the current data (--current)": args.current,
                "the monitoring plan (--plan)": args.plan,
                "the model (--model)": args.model,
            },
            force=args.force,
        )
    plan = load_plan(args.plan)
    from audit.lifecycle.ooc_run import choose_engine

    engine = choose_engine(args.engine, [args.reference, args.current])
    if args.memory_limit and engine != "duckdb":
        raise InputError("--memory-limit applies to the DuckDB engine.", "Add --engine duckdb, or drop --memory-limit.")
    if engine == "duckdb":
        from audit.lifecycle.ooc_drift import drift_duckdb
        from cli.progress import TerminalProgress

        bar = TerminalProgress(quiet=not sys.stderr.isatty())  # a line for people; logs get only the result
        try:
            result = drift_duckdb(
                args.reference, args.current, plan, features=_cols(args.features), sensitive=_cols(args.sensitive),
                scores=args.scores, predictions=args.predictions, positive_label=args.positive_label, model=args.model,
                trust_pickle=args.trust_pickle, trusted_types=tuple(args.trust_type), memory_limit=args.memory_limit,
                progress=bar,
            )  # fmt: skip
        finally:
            bar.close()
    else:
        inputs = load_inputs(
            args.reference,
            args.current,
            features=_cols(args.features),
            sensitive=_cols(args.sensitive),
            model=args.model,
            scores=args.scores,
            predictions=args.predictions,
            positive_label=args.positive_label,
            trust_pickle=args.trust_pickle,
            trusted_types=tuple(args.trust_type),
        )
        result = measure_drift(inputs, plan)
    if paths:
        atomic_write(paths["--json"], result.to_json().encode("utf-8"))
    _print(result)
    if paths:
        print(f"Result written to {paths['--json']}")
    return 1 if result.alerts else 0


def _num(v: float | None, fmt: str = ".3f") -> str:
    return "-" if v is None else format(v, fmt)


def _print(result) -> None:
    for line in result.summary:
        print(line)
    if result.features:
        print(f"\n{'feature':<28} {'kind':<11} {'n ref':>8} {'n cur':>8} {'W/sd':>7} {'PSI':>7} {'JS':>6} {'p':>8}  status")
        for f in result.features:
            p = f.ks_p if f.kind == "numeric" else f.chi2_p
            print(
                f"{f.name[:28]:<28} {f.kind:<11} {f.n_reference:>8,} {f.n_current:>8,} "
                f"{_num(f.wasserstein_normed):>7} {_num(f.psi):>7} {_num(f.js):>6} {_num(p, '.2g'):>8}  "
                f"{f.status.replace('_', ' ').upper() if f.status != 'pass' else 'pass'}"
            )
    for a in result.alerts[:20]:
        print(f"  ALERT {a.message}")
    if len(result.alerts) > 20:
        print(f"  ... {len(result.alerts) - 20} more alerts in the JSON")
    for note in result.notes:
        print(f"  note: {note}")
