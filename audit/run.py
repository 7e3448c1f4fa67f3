"""`run_audit(spec)`: the whole analysis as one plain function, with progress and cancel, for the CLI and the GUI."""
from __future__ import annotations

import getpass
import platform
import sys
import time
from datetime import datetime, timezone
from importlib import metadata

import numpy as np
import pandas as pd

from audit import fairness, intervals, verdicts
from audit.cancel import CancelToken, Progress, no_progress
from audit.datasets import load_dataset
from audit.errors import Cancelled, InputError
from audit.groups import build_index
from audit.guards import check_cost, check_options, drop_nested
from audit.inputs import (binary_target, declared_label, decisions_from_column, outcome_statement, require_column,
                          resolve_positive, scores_from)
from audit.metrics import confusion_counts
from audit.models import LoadedModel, load_model
from audit.quality import assess
from audit.result import AuditResult, GroupResult, NotAssessed, Provenance
from audit.spec import AuditSpec
from audit.values import apply_na_values, na_like_notes, variant_warnings

_STEPS = 8
_PREDICT_BATCH = 200_000


def _utc() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def attest_version() -> str:
    try:
        return metadata.version("attest")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _versions(extra: dict[str, str]) -> dict[str, str]:
    out = {}
    for pkg in ("numpy", "pandas", "scipy", "scikit-learn", "pydantic", "skops", "shap"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return {**out, **extra}


def run_audit(spec: AuditSpec, *, progress: Progress = no_progress, cancel: CancelToken | None = None) -> AuditResult:
    cancel = cancel or CancelToken()
    started, t0 = _utc(), time.perf_counter()
    warnings: list[str] = []
    not_assessed: list[NotAssessed] = []

    check_options(spec)  # before the data is read: a bad option never costs a long load
    progress("load data", 0, _STEPS, f"Reading {spec.data_path}")
    df, data_ref = load_dataset(spec.data_path, sheet=spec.sheet, sensitive=spec.sensitive)
    cancel.raise_if_set()
    _check_columns(df, spec)
    df, nested = drop_nested(df, spec)
    if nested:
        warnings.append(f"Column(s) {', '.join(nested)} hold lists or records (Parquet list/struct) and were left out: "
                        "the audit does not use them.")
    df, na_notes = apply_na_values(df, spec.sensitive, spec.na_values)
    warnings += na_notes + na_like_notes(df, spec.sensitive, spec.na_values)

    missing_target = int(df[spec.target].isna().sum())
    if missing_target == len(df):
        raise InputError(f"The target column '{spec.target}' is empty in every row.", "Choose the column that holds the true outcome.")
    if missing_target:
        warnings.append(f"{missing_target} row(s) with no value in the target '{spec.target}' were left out: outcomes are needed to measure errors.")
        df = df[df[spec.target].notna()].reset_index(drop=True)
    label, declared_by = declared_label(spec.positive_label, spec.policy.positive_label, spec.policy.source)
    positive = resolve_positive(df[spec.target], spec.target, label)
    favourable = outcome_statement(spec.target, positive, declared_by, spec.outcome, spec.policy.outcome)
    y = binary_target(df[spec.target], positive)
    check_cost(df, spec)  # before the model runs and any group is built
    warnings += variant_warnings(df, spec.sensitive)

    progress("model", 1, _STEPS, "Loading the model" if spec.model_path else "Reading decisions")
    model, pred, scores, source = _decisions(spec, df, positive, progress, cancel, warnings, not_assessed, nested)
    if scores is None:
        not_assessed.append(NotAssessed(item="auc, brier, calibration", reason="No scores: the model gives no probabilities, or no --scores column was given."))
    cancel.raise_if_set()
    bias = _bias_audit(spec, df, pred, scores, started)  # before the long steps: a label left unmapped stops here

    progress("groups", 2, _STEPS, "Encoding sensitive groups")
    index = build_index(df, spec.sensitive, spec.max_intersection_order)
    cell_counts = confusion_counts(index.cell_of_row, y, pred, index.n_cells)
    rng = np.random.default_rng(spec.seed)
    progress("bootstrap", 3, _STEPS, f"{spec.bootstrap} posterior draws per group (F1 and summaries)")
    cancel.raise_if_set()

    progress("metrics", 4, _STEPS, "Group metrics and intervals")
    overall_level = _everyone(index.n_cells)
    all_stats = _level_stats(spec, index, cell_counts, rng)
    overall_stats = fairness.level_stats(overall_level, index.n_cells, cell_counts, {}, spec.bootstrap, rng)
    n = len(df)
    # Sort rows by score once: every group's AUC then ranks its rows in linear passes.
    order = np.argsort(scores, kind="stable") if scores is not None else np.arange(n)
    cell_sorted = index.cell_of_row[order]
    kw = dict(n_total=n, min_size=spec.min_group_size, ci=spec.ci_level, y=y[order],
              scores=None if scores is None else scores[order], rng=rng, resamples=spec.bootstrap, presorted=scores is not None)
    overall = fairness.group_results(overall_stats, group_of_row=np.zeros(n, dtype=np.int64), **kw)[0]
    groups: list[GroupResult] = []
    for st in all_stats:
        cancel.raise_if_set()
        groups += fairness.group_results(st, group_of_row=st.level.group_of_cell[cell_sorted], **kw)
    small = [g for g in groups if g.small]
    if small:
        warnings.append(f"{len(small)} group(s) have fewer than {spec.min_group_size} rows; their checks are 'insufficient evidence': "
                        + ", ".join(g.label for g in small[:10]) + (" ..." if len(small) > 10 else ""))
    progress("disparities", 5, _STEPS, "Disparities and significance tests")
    disparities = fairness.disparities(all_stats, spec.ci_level, spec.min_group_size)
    levels = [fairness.level_summary(st, spec.ci_level, spec.min_group_size) for st in all_stats]
    found, family = verdicts.evaluate(spec.policy, all_stats, spec.min_group_size)
    warnings += fairness.equalized_odds_gaps(all_stats)
    cancel.raise_if_set()

    progress("quality", 6, _STEPS, "Data quality and proxy features")
    exclude = {spec.target, *spec.sensitive, *(c for c in (spec.predictions_column, spec.scores_column) if c)}
    quality = assess(df, index, exclude, model.features if model else None)

    explanations = None
    if model is not None and not spec.explain.enabled:
        not_assessed.append(NotAssessed(item="explanations", reason="Explanations were switched off for this run (--no-explain)."))
    elif model is not None:
        progress("explain", 7, _STEPS, "Explaining the model")
        explanations = _explain(model, df, index, pred, scores, spec, quality, progress, cancel, warnings)
    progress("done", _STEPS, _STEPS, "Audit complete")

    prov = Provenance(
        attest_version=attest_version(),
        library_versions=_versions(model.ref.library_versions if model else {}),
        user=getpass.getuser(), host=platform.node(), platform=platform.platform(), python=sys.version.split()[0],
        started_at=started, finished_at=_utc(), seconds=round(time.perf_counter() - t0, 3), seed=spec.seed,
        data_sha256=data_ref.sha256, model_sha256=model.ref.sha256 if model else None,
        model_trusted=model.ref.trusted if model else None,
    )
    return AuditResult(
        spec=spec, provenance=prov, data=data_ref, model=model.ref if model else None, decision_source=source,
        positive_label=str(positive), overall=overall, groups=tuple(groups), levels=tuple(levels),
        disparities=tuple(disparities), verdicts=tuple(found), summary=verdicts.summarise(found), quality=quality,
        explanations=explanations, not_assessed=tuple(not_assessed), warnings=tuple(warnings),
        favourable_outcome=favourable, verdict_family=family, methods=methods(), bias_audit=bias,
    )


def _bias_audit(spec: AuditSpec, df: pd.DataFrame, pred: np.ndarray, scores: np.ndarray | None, started: str):
    """The NYC Local Law 144 tables when the policy asks for them or a declaration is given; else None."""
    if spec.bias_audit is None and spec.policy.bias_audit != "nyc_ll144":
        return None
    from audit.nyc_ll144 import infer_declaration
    from audit.nyc_tables import bias_audit

    decl = spec.bias_audit or infer_declaration(spec.sensitive)
    for column, what in ((decl.sex.column, "sex"), (decl.race.column, "race/ethnicity")):
        if column not in spec.sensitive:  # so its labels are read as written, like every sensitive column
            raise InputError(f"The NYC bias audit's {what} column '{column}' is not among the sensitive features.",
                             f"Add it to --sensitive (now: {', '.join(spec.sensitive)}).")
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
        "brier": "normal (central limit) interval; where every squared error is equal (e.g. all 0), the rate interval of their sum",
        "calibration_error": "Jeffreys-posterior draws of each bin's label counts, bin mean score fixed",
        "disparity tests": "equal rates, two-sided: pooled two-proportion z (score) test, Fisher's exact test when an "
                           "expected count is below 5; Holm-adjusted over the table (descriptive, not verdicts)",
    }


def _check_columns(df: pd.DataFrame, spec: AuditSpec) -> None:
    """Every column the spec names exists and plays one role only."""
    require_column(df, spec.target, "target")
    for f in spec.sensitive:
        require_column(df, f, "sensitive")
        if f == spec.target:
            raise InputError(f"'{f}' is both the target and a sensitive feature.", "Name a different sensitive feature.")
    for name, role in ((spec.predictions_column, "predictions"), (spec.scores_column, "scores")):
        if name is not None:
            require_column(df, name, role)
            if name == spec.target or name in spec.sensitive:
                raise InputError(f"'{name}' is given as the {role} column and also as the target or a sensitive feature.",
                                 f"The {role} column holds the model's output; name the column that does.")
    for f in spec.references:
        if f not in spec.sensitive:
            raise InputError(f"A reference group is given for '{f}', which is not a sensitive feature.",
                             f"Give references only for: {', '.join(spec.sensitive)}.")


def _decisions(spec: AuditSpec, df: pd.DataFrame, positive, progress: Progress, cancel: CancelToken,
               warnings: list[str], not_assessed: list[NotAssessed], nested: list[str]):
    """The decisions (0/1), scores (or None) and their source: from the model, or from the predictions column."""
    model: LoadedModel | None = None
    scores = None
    if spec.model_path is not None:
        model = load_model(spec.model_path, positive_label=positive, trust_pickle=spec.trust_pickle,
                           trusted_types=spec.trusted_types, threshold=spec.threshold)
        absent = [f for f in model.features if f not in df.columns]
        flat_only = [f for f in absent if f in nested]
        if flat_only:
            raise InputError(f"The model uses column(s) {', '.join(flat_only)}, which hold lists or records (Parquet "
                             "list/struct), not one value per row.",
                             "Audit with the flat columns the model was trained on (flatten those columns first).")
        if absent:
            raise InputError(f"The model expects feature(s) that are not in the dataset: {', '.join(absent)}.",
                             "Audit with the dataset the model was built for, or rename the columns to match.")
        if "class_assumption" in model.extra:
            warnings.append(f"The model file only knows classes 0/1; {model.extra['class_assumption']} ({positive!r}).")
        pred, scores = _predict(model, df, progress, cancel)
        source = "model"
    else:
        if spec.threshold is not None:
            raise InputError("--threshold applies to a model's scores, not to a predictions column.", "Drop --threshold.")
        target_values = list(pd.unique(df[spec.target]))
        pred, note = decisions_from_column(df[spec.predictions_column], spec.predictions_column, positive, target_values)
        if note:
            warnings.append(note)
        if spec.scores_column is not None:
            scores = scores_from(df[spec.scores_column].to_numpy(), f"column '{spec.scores_column}'")
        source = f"predictions column '{spec.predictions_column}'"
        not_assessed.append(NotAssessed(item="explanations", reason="Predictions-only audit: without the model object, the model's reasoning cannot be explained."))
    return model, pred, scores, source


def _everyone(n_cells: int):
    from audit.groups import Level

    return Level(features=(), groups=({},), group_of_cell=np.zeros(n_cells, dtype=np.int64))


def _level_stats(spec: AuditSpec, index, cell_counts: np.ndarray, rng: np.random.Generator) -> list:
    """Single features first: their references (declared, else their largest group) then define the combination an
    intersection is compared with, unless the spec asks for the largest intersectional group."""
    stats: dict[int, object] = {}
    resolved: dict[str, str] = {}
    automatic: set[str] = set()
    for i, lv in enumerate(index.levels):
        if len(lv.features) == 1:
            st = fairness.level_stats(lv, index.n_cells, cell_counts, spec.references, spec.bootstrap, rng)
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
            stats[i] = fairness.level_stats(lv, index.n_cells, cell_counts, refs, spec.bootstrap, rng,
                                            spec.intersection_reference, frozenset(automatic))
    return [stats[i] for i in range(len(index.levels))]


def _check_references(spec: AuditSpec, all_stats: list) -> None:
    for st in all_stats:
        if len(st.level.features) == 1:
            f = st.level.features[0]
            if f in spec.references and st.level.groups[st.ref][f] != spec.references[f]:
                values = [g[f] for g in st.level.groups]
                raise InputError(f"The reference group {f}={spec.references[f]!r} does not occur in the data.",
                                 f"Choose one of: {', '.join(values)}.")


def _predict(model: LoadedModel, df: pd.DataFrame, progress: Progress, cancel: CancelToken) -> tuple[np.ndarray, np.ndarray | None]:
    X = df[list(model.features)]
    preds, scores = [], []
    for start in range(0, len(X), _PREDICT_BATCH):
        cancel.raise_if_set()
        part = X.iloc[start:start + _PREDICT_BATCH]
        preds.append(np.asarray(model.decide(part), dtype=np.int8))
        if model.score is not None:
            scores.append(model.score(part))
        progress("predict", 1, _STEPS, f"Scored {min(start + _PREDICT_BATCH, len(X)):,} of {len(X):,} rows")
    pred = np.concatenate(preds)
    s = scores_from(np.concatenate(scores), "the model's output") if scores else None
    return pred, s


def _explain(model, df, index, pred, scores, spec, quality, progress, cancel, warnings):
    from audit.explain import explain

    groups = []
    for lv in index.levels:
        gid = lv.group_of_cell[index.cell_of_row]
        for g, attrs in enumerate(lv.groups):
            rows = np.flatnonzero(gid == g)
            if len(rows):
                groups.append((attrs, rows))
    try:
        return explain(model, df, groups=groups, decisions=pred.astype(bool), scores=scores, threshold=spec.threshold,
                       proxies=sorted({p.feature for p in quality.proxies}), settings=spec.explain, seed=spec.seed,
                       progress=progress, cancel=cancel)
    except Cancelled:
        raise
    except Exception as exc:  # explanations must never sink the fairness audit
        from audit.explain.result import failed

        warnings.append(f"Explanations failed: {type(exc).__name__}: {exc}")
        return failed(f"The explainer failed: {type(exc).__name__}: {exc}")
