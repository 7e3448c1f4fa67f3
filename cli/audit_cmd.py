"""`attest audit`: the headless audit, usable as a CI gate (exit 0 pass, 1 fail or insufficient evidence, 2 bad input)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from audit.nyc_ll144 import BiasAudit, BiasAuditDeclaration
    from audit.result import AuditResult
    from audit.spec import AuditSpec


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "audit",
        help="audit a model (or a file of its decisions) for performance and fairness by group",
        description="Audit a binary classifier by demographic group. Exit 0 when every check passes, 1 when a check "
        "fails or lacks evidence, 2 on bad input.",
    )
    p.add_argument("--data", required=True, metavar="FILE", help="evaluation dataset: CSV, Parquet or Excel")
    p.add_argument("--target", required=True, metavar="COL", help="column with the true outcome")
    p.add_argument("--sensitive", required=True, metavar="COL[,COL...]", help="sensitive features; intersections are audited too")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--model", metavar="FILE", help="model file: skops, ONNX, LightGBM, XGBoost, or a trusted pickle/joblib")
    src.add_argument(
        "--predictions", metavar="COL", help="column holding the model's decisions (when the vendor keeps the model)"
    )
    p.add_argument("--scores", metavar="COL", help="with --predictions: column of scores (probability of the positive outcome)")
    p.add_argument("--trust-pickle", action="store_true", help="allow loading a pickle/joblib model (runs code in the file)")
    p.add_argument("--trust-type", action="append", default=[], metavar="TYPE", help="trust a type in a skops file (repeatable)")
    p.add_argument(
        "--positive-label",
        metavar="VALUE",
        help="the favourable outcome's value in the target (required unless the policy file declares "
        "positive_label): e.g. 1 for a loan approved, 0 where 1 means flagged as high risk",
    )
    p.add_argument("--threshold", type=float, metavar="T", help="decide positive when score >= T (default: the model's own rule)")
    p.add_argument(
        "--reference", action="append", default=[], metavar="COL=VALUE", help="reference group of a feature (repeatable)"
    )
    p.add_argument(
        "--intersection-reference",
        choices=("references", "largest"),
        default="references",
        help="what an intersection is compared with: 'references' (default) = the combination of each feature's "
        "reference (declared, else its largest group) once any --reference is given; 'largest' = the "
        "largest intersectional group",
    )
    p.add_argument(
        "--policy",
        default="four_fifths",
        metavar="NAME|FILE",
        help="four_fifths (default), equal_opportunity, equalized_odds, demographic_parity, standard, "
        "nyc_ll144 (NYC Local Law 144 bias audit); several joined by commas; or a TOML file",
    )
    p.add_argument(
        "--nyc-categories",
        metavar="FILE",
        help="NYC Local Law 144 bias audit: TOML file naming the sex and race/ethnicity columns, how their "
        "labels map to the EEO-1 categories, the date column or range and the distribution date "
        "(implies the bias-audit tables; without it, nyc_ll144 uses the sensitive features named "
        "sex/gender and race/ethnicity, whose labels must be EEO-1 categories)",
    )
    p.add_argument("--nyc-summary", metavar="OUT", help="write the one-page public summary of the NYC bias audit (PDF) here")
    p.add_argument(
        "--bootstrap",
        type=int,
        default=1000,
        metavar="N",
        help="bootstrap resamples for intervals (default 1000, at most 100000)",
    )
    p.add_argument("--ci-level", type=float, default=0.95, metavar="L", help="confidence level (default 0.95)")
    p.add_argument(
        "--min-group-size", type=int, default=30, metavar="N", help="smaller groups get 'insufficient evidence' (default 30)"
    )
    p.add_argument(
        "--max-order",
        type=int,
        metavar="K",
        help="audit intersections of at most K features (default: all; a run "
        "of more than 2000 groups is refused before it starts)",
    )
    p.add_argument("--seed", type=int, default=0, metavar="N", help="random seed, 0 to 4294967295 (default 0)")
    p.add_argument("--sheet", metavar="NAME", help="Excel sheet to read (default: the first)")
    p.add_argument(
        "--na-values",
        metavar="V[,V...]",
        help="values of the sensitive columns that mean missing, e.g. NA,N/A,null (exact, case counts; an empty "
        'item, as in --na-values "", marks empty strings). Default: only empty cells are missing, so a '
        "group written NA stays a group",
    )
    p.add_argument(
        "--engine",
        choices=("numpy", "duckdb", "spark", "auto"),
        default="numpy",
        help="what computes the statistics: numpy (in memory, default), duckdb (Parquet, CSV or a DuckDB "
        "table out of core; a model scored in one streamed pass), spark (data on a Spark cluster: --data is a path Spark "
        "reads or a table; needs the spark extra), auto (duckdb for a Parquet/CSV file of 256 MB or more)",
    )
    p.add_argument(
        "--spark-master", metavar="URL", help="with the spark engine: the cluster, e.g. spark://host:7077 (default local[*])"
    )
    p.add_argument("--memory-limit", metavar="SIZE", help="with the duckdb engine: its memory limit (default 2GB), e.g. 8GB")
    p.add_argument("--table", metavar="NAME", help="with the duckdb engine and a DuckDB database file: the table to audit")
    p.add_argument("--no-explain", action="store_true", help="skip SHAP explanations")
    p.add_argument(
        "--explain-budget", type=float, default=30.0, metavar="SECONDS", help="time budget for explanations (default 30)"
    )
    p.add_argument("--context", metavar="FILE", help="TOML file with the declared context (intended purpose, deployment, ...)")
    p.add_argument("--workspace", metavar="PATH", help="record the run in this workspace's audit trail")
    p.add_argument("--json", required=True, metavar="OUT", help="write the result as JSON here")
    p.add_argument("--pdf", metavar="OUT", help="also write the PDF audit report (and its .evidence.json manifest) here")
    p.add_argument("--sign", metavar="P12", help="with --pdf: sign the report (PAdES) with this PKCS#12 certificate")
    p.add_argument("--sign-password-env", metavar="VAR", help="environment variable holding the certificate's password")
    p.add_argument(
        "--timestamp-url",
        metavar="URL",
        help="with --sign: ask this RFC 3161 timestamp authority (e.g. your organisation's own TSA) for a "
        "timestamp on the signature; the only time Attest contacts another machine",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--force", action="store_true", help="replace --json/--pdf files that exist (never an input of the run)")
    p.add_argument(
        "--share",
        action="store_true",
        help="--json and --pdf as copies to hand out: no absolute paths, OS "
        "account or host names, or individual rows (local explanations); the trail keeps everything",
    )
    p.set_defaults(func=run)


def _references(items: list[str]) -> dict[str, str]:
    from audit.errors import InputError

    out = {}
    for item in items:
        col, sep, value = item.partition("=")
        if not sep or not col:
            raise InputError(f"--reference {item!r} is not COL=VALUE.", "Write it like --reference race=White.")
        out[col.strip()] = value
    return out


def build_spec(args: argparse.Namespace) -> AuditSpec:
    """The spec of the command line, through the same `AuditDraft.to_spec` the app uses."""
    from audit.draft import AuditDraft
    from audit.errors import InputError
    from audit.explain.settings import ExplainSettings
    from audit.spec import DeclaredContext
    from audit.values import parse_na_values

    context = DeclaredContext()
    if args.context:
        try:
            text = Path(args.context).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(
                f"The context file {args.context} cannot be read: {exc}.", "Check the path, or save the file as UTF-8 text."
            ) from exc
        context = DeclaredContext.from_toml(text, source=f"The context file {args.context}")
    if args.timestamp_url and not args.sign:
        raise InputError(
            "--timestamp-url timestamps the report's signature, so it needs --sign.",
            "Add --sign CERT.p12 (and --pdf), or drop --timestamp-url.",
        )
    if args.sign and not args.pdf:
        raise InputError("--sign signs the PDF report, so it needs --pdf OUT.", "Add --pdf report.pdf, or drop --sign.")
    if args.scores and not args.predictions:
        raise InputError("--scores goes with --predictions.", "With --model, scores come from the model itself.")
    draft = AuditDraft(
        data_path=str(Path(args.data)),
        target=args.target,
        sensitive=tuple(s.strip() for s in args.sensitive.split(",") if s.strip()),
        positive_label=args.positive_label or "",
        source="predictions" if args.predictions else "model",
        model_path=args.model or "",
        predictions_column=args.predictions or "",
        scores_column=args.scores or "",
        trust_pickle=args.trust_pickle,
        trusted_types=tuple(args.trust_type),
        threshold=args.threshold,
        sheet=args.sheet,
        references=_references(args.reference),
        intersection_reference=args.intersection_reference,
        policy=args.policy,
        min_group_size=args.min_group_size,
        ci_level=args.ci_level,
        bootstrap=args.bootstrap,
        seed=args.seed,
        max_intersection_order=args.max_order,
        na_values=parse_na_values(args.na_values),
        explain=ExplainSettings(enabled=not args.no_explain, time_budget_s=args.explain_budget),
        context=context,
        bias_audit=_nyc_declaration(args),
    )
    return draft.to_spec(hint="See `attest audit --help`.")


def _nyc_declaration(args: argparse.Namespace) -> BiasAuditDeclaration | None:
    if not getattr(args, "nyc_categories", None):
        return None
    from audit.nyc_ll144 import load_declaration

    return load_declaration(args.nyc_categories)


def _engine_options(args: argparse.Namespace) -> dict[str, Any]:
    """--memory-limit and --table for the DuckDB engine, --spark-master for Spark; refused with another engine, where
    they would do nothing."""
    from audit.errors import InputError

    given = {k: v for k, v in (("memory_limit", args.memory_limit), ("table", args.table)) if v is not None}
    if given and args.engine in ("numpy", "spark"):
        flags = " and ".join(f"--{k.replace('_', '-')}" for k in given)
        raise InputError(f"{flags} apply to the DuckDB engine.", "Add --engine duckdb (or auto), or drop them.")
    if args.spark_master is not None:
        if args.engine != "spark":
            raise InputError("--spark-master applies to the Spark engine.", "Add --engine spark, or drop --spark-master.")
        return {"master": args.spark_master}
    return given


def run(args: argparse.Namespace) -> int:
    from audit.outputs import Staged
    from audit.run import run_audit
    from cli.progress import TerminalProgress

    spec = build_spec(args)
    if args.nyc_summary and spec.bias_audit is None and spec.policy.bias_audit != "nyc_ll144":
        from audit.errors import InputError

        raise InputError(
            "--nyc-summary writes the NYC bias audit's public summary, which this run does not compute.",
            "Add --policy nyc_ll144 (and --nyc-categories FILE to map the labels).",
        )
    paths, inputs, password = _check_before_running(args)
    bar = TerminalProgress(quiet=args.quiet)
    try:
        result = run_audit(spec, progress=bar, engine=args.engine, engine_options=_engine_options(args))
    finally:
        bar.close()
    out = paths["--json"]
    shown = result
    if args.share:
        from audit.sharing import shared_copy

        shown = shared_copy(result)
    staged = Staged()
    staged.add(out, shown.to_json().encode("utf-8"))  # a full disk shows here, before anything is recorded
    try:
        run_id = None
        if args.workspace:
            from cli.recording import record_run

            run_id = record_run(args.workspace, result)  # the trail keeps the full result, shared or not
        if args.pdf:
            from cli.report_cmd import write_pdf_for

            write_pdf_for(
                result,
                paths["--pdf"],
                workspace=args.workspace,
                sign=args.sign,
                run_id=run_id,
                password=password,
                force=args.force,
                share=args.share,
                inputs=inputs,
                timestamp_url=args.timestamp_url,
            )
        if args.nyc_summary:
            from reports.nyc_summary import render_nyc_summary

            staged.add(paths["--nyc-summary"], render_nyc_summary(result))
        staged.commit()
    except BaseException:
        staged.discard()
        raise
    print_summary(shown, out)
    return 0 if result.passed else 1


def _check_before_running(args: argparse.Namespace) -> tuple[dict[str, Path], dict[str, str | Path | None], bytes | None]:
    """Everything that would refuse the run's outputs, checked before it starts: output paths (never an input,
    never a folder, existing files only with --force), the workspace and the certificate. A refused run writes
    nothing."""
    from audit.outputs import check_outputs
    from cli.report_cmd import _password, check_certificate
    from reports.export import manifest_path_for

    outputs = {"--json": args.json}
    if args.pdf:
        outputs |= {"--pdf": args.pdf, "Its evidence manifest": manifest_path_for(args.pdf)}
    if args.nyc_summary:
        outputs["--nyc-summary"] = args.nyc_summary
    policy = Path(args.policy) if args.policy and Path(args.policy).is_file() else None
    inputs = {
        "the evaluation data (--data)": args.data,
        "the audited model (--model)": args.model,
        "the context file (--context)": args.context,
        "the policy file (--policy)": policy,
        "the NYC categories file (--nyc-categories)": args.nyc_categories,
        "the workspace (--workspace)": args.workspace,
        "the signing certificate (--sign)": args.sign,
    }
    paths = check_outputs(outputs, inputs, force=args.force)
    if args.workspace:
        from audit.trail import Workspace

        Workspace.check(args.workspace)
    password = _password(args.sign_password_env)
    check_certificate(args.sign, password)
    return paths, inputs, password


def print_summary(result: AuditResult, out: Path) -> None:
    s = result.summary
    print(f"Attest audit of {Path(result.data.path).name} ({result.data.rows:,} rows, decisions from {result.decision_source})")
    fav = result.favourable_outcome
    if fav is not None:
        print(f"Favourable outcome: {fav.favourable}, declared by {fav.declared_by}")
    print(f"Policy '{result.spec.policy.name}': {s.sentence()}")
    if result.verdict_family is not None and result.verdict_family.hypotheses:
        f = result.verdict_family
        print(
            f"  {f.hypotheses} one-sided tests in the family; deciding intervals at {f.interval_level * 100:.4g}%, "
            f"at most {f.alpha:g} chance of any false fail"
            if f.multiplicity == "holm"
            else f"  each verdict on its own at one-sided {f.alpha:g} (no family-wise control)"
        )
    for v in [v for v in result.verdicts if v.status == "fail"][:10]:
        group = " & ".join(f"{k}={val}" for k, val in v.group.items())
        print(f"  FAIL  {v.check}  {group}: {v.reason}")
    needs = [v for v in result.verdicts if v.status == "insufficient_evidence" and v.needed_n_group is not None]
    for v in sorted(needs, key=lambda v: v.needed_n_group or 0)[:5]:  # never None here (filtered above)
        group = " & ".join(f"{k}={val}" for k, val in v.group.items())
        more = (
            f" (and {v.needed_n_comparator:,} in {' & '.join(f'{k}={x}' for k, x in v.comparator.items())})"
            if v.needed_n_comparator
            else ""
        )
        print(f"  NEEDS {v.check}  {group}: about {v.needed_n_group:,} rows{more} to decide (has {v.n_group:,})")
    if len(needs) > 5:
        print(f"  ... {len(needs) - 5} more undecided check(s) with a needed sample size in the JSON (needed_n_group)")
    if result.bias_audit is not None:
        print_bias_audit(result.bias_audit)
    for w in result.warnings:
        print(f"  note: {w}")
    print(f"Result written to {out}")


def print_bias_audit(audit: BiasAudit) -> None:
    """The NYC bias audit in a few lines: the lowest impact ratio of each table, the unknowns, the dates."""
    print(f"NYC Local Law 144 bias audit ({audit.citation}), {audit.rate} rates, {audit.people:,} people:")
    for t in audit.tables:
        rated = [r for r in t.rows if r.impact_ratio is not None]
        low = min(rated, key=lambda r: r.impact_ratio or 0.0, default=None)  # never None here (filtered above)
        lowest = f"lowest impact ratio {low.impact_ratio:.3f} ({' '.join(low.category)})" if low else "no impact ratio"
        excluded = sum(r.excluded for r in t.rows)
        print(f"  {t.title}: {lowest}; {t.unknown:,} unknown" + (f"; {excluded} excluded (< 2%)" if excluded else ""))
    print(
        f"  audit date {audit.audit_date}, re-audit by {audit.reaudit_by}; data "
        + (f"{audit.data_from} to {audit.data_to}" if audit.data_from else "dates not declared")
        + f"; distribution date {audit.distribution_date or 'not declared'}"
    )
    for n in audit.notes:
        print(f"  note: {n}")
