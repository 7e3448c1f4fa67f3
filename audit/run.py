"""`run_audit(spec)`: the whole analysis as one plain function, with progress and cancel, for the CLI and the GUI."""

from __future__ import annotations

import getpass
import platform
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import metadata
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from audit.cancel import CancelToken, Progress, no_progress
from audit.engines import choose_engine, make_engine
from audit.engines.base import CellStatistics, Prepared
from audit.errors import Cancelled, InputError
from audit.guards import check_options
from audit.result import AuditResult, DataQuality, GroupResult, NotAssessed, Provenance
from audit.spec import AuditSpec
from audit.stats import estimates, intervals, verdicts
from audit.stats.arrays import FloatArray, IntArray, Labels
from audit.stats.cells import GroupIndex, Level
from audit.stats.estimates import LevelStats
from audit.stats.quality import assess_statistics

if TYPE_CHECKING:
    from audit.explain.result import Explanations
    from audit.models.base import LoadedModel
    from audit.nyc_ll144 import BiasAudit

_STEPS = 8


def _utc() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def attest_version() -> str:
    try:
        return metadata.version("attest")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _versions(extra: dict[str, str], engine: str = "numpy") -> dict[str, str]:
    out = {}
    for pkg in (
        "numpy",
        "pandas",
        "scipy",
        "scikit-learn",
        "pydantic",
        "skops",
        "shap",
        *(("duckdb",) if engine == "duckdb" else ()),
        *(("pyspark",) if engine == "spark" else ()),
    ):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return {**out, **extra}


def run_audit(
    spec: AuditSpec,
    *,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    engine: str = "numpy",
    engine_options: Mapping[str, Any] | None = None,
) -> AuditResult:
    """`engine`: "numpy" (in memory, default), "duckdb" (out of core; a model scored in one streamed pass) or
    "auto" (audit/engines).
    Running out of memory is an `InputError` saying what the file needs and which engine to use (audit/engines/memory.py)."""
    try:
        return _run_audit(spec, progress, cancel, engine, engine_options)
    except MemoryError as exc:
        from audit.engines.memory import out_of_memory

        raise out_of_memory(spec, choose_engine(engine, spec)) from exc


def _run_audit(
    spec: AuditSpec, progress: Progress, cancel: CancelToken | None, engine: str, engine_options: Mapping[str, Any] | None
) -> AuditResult:
    cancel = cancel or CancelToken()
    started, t0 = _utc(), time.perf_counter()
    check_options(spec)  # before the data is read: a bad option never costs a long load
    prep = make_engine(engine, spec, **dict(engine_options or {})).statistics(spec, progress, cancel)
    stats, model = prep.stats, prep.model
    warnings, not_assessed = list(prep.warnings), list(prep.not_assessed)
    if stats.scores is None:
        not_assessed.append(
            NotAssessed(
                item="auc, brier, calibration",
                reason="No scores: the model gives no probabilities, or no --scores column was given.",
            )
        )
    cancel.raise_if_set()
    bias = _bias_audit(spec, prep, started)  # before the long steps: a label left unmapped stops here
    rng = np.random.default_rng(spec.seed)
    progress("bootstrap", 3, _STEPS, f"{spec.bootstrap} posterior draws per group (F1 and summaries)")
    cancel.raise_if_set()

    progress("metrics", 4, _STEPS, "Group metrics and intervals")
    cell_counts = stats.counts
    overall_level = _everyone(stats.n_cells)
    all_stats = _level_stats(spec, stats, cell_counts, rng)
    overall_stats = estimates.level_stats(overall_level, stats.n_cells, cell_counts, {}, spec.bootstrap, rng)
    n = stats.rows
    table = stats.scores

    def results(st: LevelStats, group_of_entry: IntArray | None) -> list[GroupResult]:
        return estimates.group_results_from_table(
            st, n, spec.min_group_size, spec.ci_level, table, group_of_entry, rng, spec.bootstrap
        )

    everyone = None if table is None else np.zeros(len(table.cell), dtype=np.int64)
    overall = results(overall_stats, everyone)[0]
    groups: list[GroupResult] = []
    for st in all_stats:
        cancel.raise_if_set()
        groups += results(st, None if table is None else st.level.group_of_cell[table.cell])
    small = [g for g in groups if g.small]
    if small:
        warnings.append(
            f"{len(small)} group(s) have fewer than {spec.min_group_size} rows; their checks are 'insufficient evidence': "
            + ", ".join(g.label for g in small[:10])
            + (" ..." if len(small) > 10 else "")
        )
    progress("disparities", 5, _STEPS, "Disparities and significance tests")
    disparities = estimates.disparities(all_stats, spec.ci_level, spec.min_group_size)
    levels = [estimates.level_summary(st, spec.ci_level, spec.min_group_size) for st in all_stats]
    found, family = verdicts.evaluate(spec.policy, all_stats, spec.min_group_size)
    warnings += estimates.equalized_odds_gaps(all_stats)
    cancel.raise_if_set()

    progress("quality", 6, _STEPS, "Data quality and proxy features")
    quality = assess_statistics(stats.quality, stats, model.features if model else None)

    explanations = None
    if model is not None and not spec.explain.enabled:
        not_assessed.append(
            NotAssessed(item="explanations", reason="Explanations were switched off for this run (--no-explain).")
        )
    elif model is not None and prep.rows is not None:
        progress("explain", 7, _STEPS, "Explaining the model")
        rows = prep.rows
        explanations = _explain(
            model, rows.frame, rows.index, rows.decisions, rows.scores, spec, quality, progress, cancel, warnings
        )
        if rows.sample_of is not None:
            from audit.engines.duckdb_model import sampled_explanations

            explanations = sampled_explanations(explanations, rows)
    progress("done", _STEPS, _STEPS, "Audit complete")

    prov = Provenance(
        attest_version=attest_version(),
        library_versions=_versions(model.ref.library_versions if model else {}, prep.engine),
        user=getpass.getuser(),
        host=platform.node(),
        platform=platform.platform(),
        python=sys.version.split()[0],
        started_at=started,
        finished_at=_utc(),
        seconds=round(time.perf_counter() - t0, 3),
        seed=spec.seed,
        data_sha256=prep.data.sha256,
        model_sha256=model.ref.sha256 if model else None,
        model_trusted=model.ref.trusted if model else None,
        engine=prep.engine,
    )
    return AuditResult(
        spec=spec,
        provenance=prov,
        data=prep.data,
        model=model.ref if model else None,
        decision_source=prep.decision_source,
        positive_label=str(prep.positive),
        overall=overall,
        groups=tuple(groups),
        levels=tuple(levels),
        disparities=tuple(disparities),
        verdicts=tuple(found),
        summary=verdicts.summarise(found),
        quality=quality,
        explanations=explanations,
        not_assessed=tuple(not_assessed),
        warnings=tuple(warnings),
        favourable_outcome=prep.favourable,
        verdict_family=family,
        methods=methods(),
        bias_audit=bias,
        score_resolution=prep.score_bound,
    )


def _bias_audit(spec: AuditSpec, prep: Prepared, started: str) -> BiasAudit | None:
    """The NYC Local Law 144 tables when the policy asks for them or a declaration is given; else None. They are
    computed from the rows (the median score of the whole sample), which only the in-memory engine keeps."""
    if spec.bias_audit is None and spec.policy.bias_audit != "nyc_ll144":
        return None
    if prep.rows is None or prep.rows.sample_of is not None:  # a sample has no median score of the whole file
        raise InputError(
            f"The NYC Local Law 144 tables are computed on the in-memory engine, not on {prep.engine}.",
            "Run with --engine numpy (the default) for a bias audit.",
        )
    df, pred, scores = prep.rows.frame, prep.rows.decisions, prep.rows.scores
    from audit.nyc_ll144 import infer_declaration
    from audit.nyc_tables import bias_audit

    decl = spec.bias_audit or infer_declaration(spec.sensitive)
    for column, what in ((decl.sex.column, "sex"), (decl.race.column, "race/ethnicity")):
        if column not in spec.sensitive:  # so its labels are read as written, like every sensitive column
            raise InputError(
                f"The NYC bias audit's {what} column '{column}' is not among the sensitive features.",
                f"Add it to --sensitive (now: {', '.join(spec.sensitive)}).",
            )
    return bias_audit(df, decl, selected=pred, scores=scores, run_date=started)


def methods() -> dict[str, str]:
    """Every interval and test the result holds, with its reference (the README explains each)."""
    return {
        "rates": intervals.METHODS["rate"],
        "differences": intervals.METHODS["difference"],
        "ratios": intervals.METHODS["ratio"],
        "verdicts": "interval of each comparison at the family level (Bonferroni), fails also by Holm's step-down on "
        "one-sided tests against the rule's threshold (the same interval inverted)",
        "highest / lowest comparator": "each group against every group of at least the minimum size, all in the family",
        "needed rows": "smallest group size at which the deciding interval, at the observed rates and the same level, "
        "would clear or violate the rule",
        "f1, max-min and equalized-odds summaries": "percentile interval of Jeffreys-posterior draws of each group's "
        "confusion counts, Dirichlet(counts + 1/2) (Bayesian bootstrap)",
        "auc": "DeLong variance, fast midrank form (DeLong et al. 1988; Sun & Xu 2014)",
        "brier": "normal (central limit) interval; where every squared error is equal (e.g. all 0), "
        "the rate interval of their sum",
        "calibration_error": "Jeffreys-posterior draws of each bin's label counts, bin mean score fixed",
        "disparity tests": "equal rates, two-sided: pooled two-proportion z (score) test, Fisher's exact test when an "
        "expected count is below 5; Holm-adjusted over the table (descriptive, not verdicts)",
    }


def _everyone(n_cells: int) -> Level:
    return Level(features=(), groups=({},), group_of_cell=np.zeros(n_cells, dtype=np.int64))


def _level_stats(spec: AuditSpec, index: CellStatistics, cell_counts: IntArray, rng: np.random.Generator) -> list[LevelStats]:
    """Single features first: their references (declared, else their largest group) then define the combination an
    intersection is compared with, unless the spec asks for the largest intersectional group."""
    stats: dict[int, LevelStats] = {}
    resolved: dict[str, str] = {}
    automatic: set[str] = set()
    for i, lv in enumerate(index.levels):
        if len(lv.features) == 1:
            st = estimates.level_stats(lv, index.n_cells, cell_counts, spec.references, spec.bootstrap, rng)
            stats[i] = st
            f = lv.features[0]
            resolved[f] = st.level.groups[st.ref][f]
            if f not in spec.references:
                automatic.add(f)
    _check_references(spec, list(stats.values()))
    declared_any = bool(spec.references)
    for i, lv in enumerate(index.levels):
        if i not in stats:
            refs = resolved if declared_any else {}
            stats[i] = estimates.level_stats(
                lv, index.n_cells, cell_counts, refs, spec.bootstrap, rng, spec.intersection_reference, frozenset(automatic)
            )
    return [stats[i] for i in range(len(index.levels))]


def _check_references(spec: AuditSpec, all_stats: list[LevelStats]) -> None:
    for st in all_stats:
        if len(st.level.features) == 1:
            f = st.level.features[0]
            if f in spec.references and st.level.groups[st.ref][f] != spec.references[f]:
                values = [g[f] for g in st.level.groups]
                raise InputError(
                    f"The reference group {f}={spec.references[f]!r} does not occur in the data.",
                    f"Choose one of: {', '.join(values)}.",
                )


def _explain(
    model: LoadedModel,
    df: pd.DataFrame,
    index: GroupIndex,
    pred: Labels,
    scores: FloatArray | None,
    spec: AuditSpec,
    quality: DataQuality,
    progress: Progress,
    cancel: CancelToken,
    warnings: list[str],
) -> Explanations:
    from audit.explain.core import explain  # the module itself: the package resolves it lazily, untyped

    groups = []
    for lv in index.levels:
        gid = lv.group_of_cell[index.cell_of_row]
        for g, attrs in enumerate(lv.groups):
            rows = np.flatnonzero(gid == g)
            if len(rows):
                groups.append((attrs, rows))
    try:
        return explain(
            model,
            df,
            groups=groups,
            decisions=pred.astype(bool),
            scores=scores,
            threshold=spec.threshold,
            proxies=sorted({p.feature for p in quality.proxies}),
            settings=spec.explain,
            seed=spec.seed,
            progress=progress,
            cancel=cancel,
        )
    except Cancelled:
        raise
    except Exception as exc:  # explanations must never sink the fairness audit
        from audit.explain.result import failed

        warnings.append(f"Explanations failed: {type(exc).__name__}: {exc}")
        return failed(f"The explainer failed: {type(exc).__name__}: {exc}")
