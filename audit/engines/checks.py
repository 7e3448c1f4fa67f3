"""The in-memory checks and labels run on what an out-of-memory engine (DuckDB, Spark) brought back: the distinct
(sensitive values, target, decision) rows with their row counts and each other column's missing values. Shared by
audit/engines/duckdb_engine.py and spark_engine.py, so both refuse, warn and label exactly as the in-memory engine
(audit/engines/numpy_engine.py) does; neither engine's own code repeats a check.

Also here: the CSV dialect both engines read a local CSV with (as audit/datasets.py detects it), and the proxy
contingency tables assembled from the (code, code) counts either engine's aggregation returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from audit.datasets import _check_raw_header, _detect_encoding, _looks_binary, csv_delimiter
from audit.engines.base import CellStatistics, Prepared, QualityStatistics, ScoreTable
from audit.engines.numpy_engine import missing_target_note
from audit.errors import DatasetError, InputError
from audit.guards import check_cost_counts, check_nested
from audit.inputs import binary_target, decisions_from_column, declared_label, outcome_statement, resolve_positive
from audit.models import LoadedModel
from audit.result import NotAssessed, ScoreResolution
from audit.spec import AuditSpec
from audit.stats.cells import GroupIndex, build_index
from audit.values import apply_na_values, na_like_notes, variant_warnings

COUNT = "__attest_n"  # the row count of each distinct row


def miss_column(i: int) -> str:
    """The name of the i-th other column's missing-value count in the distinct rows."""
    return f"__attest_miss{i}"


def nested_warnings(nested: list[str], spec: AuditSpec) -> list[str]:
    """A column the audit needs that holds lists or records is refused; any other is left out, with this warning."""
    check_nested(nested, spec)
    if not nested:
        return []
    return [
        f"Column(s) {', '.join(nested)} hold lists or records (Parquet list/struct) and were left out: "
        "the audit does not use them."
    ]


def refuse_threshold(spec: AuditSpec) -> None:
    if spec.threshold is not None:
        raise InputError("--threshold applies to a model's scores, not to a predictions column.", "Drop --threshold.")


@dataclass(frozen=True)
class Distinct:
    """The distinct rows after the in-memory checks: `kept` are those with a target (sensitive values after
    --na-values), `weights` their row counts, `keep` which of the rows brought back they are."""

    kept: pd.DataFrame
    weights: np.ndarray
    keep: np.ndarray
    rows_all: int  # every row of the data, audited or not
    missing: dict[str, int]  # per column of the data
    positive: Any
    favourable: Any
    y: np.ndarray
    pred: np.ndarray
    index: GroupIndex
    counts: np.ndarray  # (cells, 4) confusion counts
    warnings: list[str]

    @property
    def rows(self) -> int:
        return int(self.weights.sum())


def distinct_rows(
    compact: pd.DataFrame,
    spec: AuditSpec,
    decision: str,
    others: list[str],
    *,
    positive: Any = None,
    model_decisions: bool = False,
) -> Distinct:
    """`compact`: the distinct (sensitive..., target, decision) rows with COUNT and `miss_column(i)` for each of
    `others`. `positive`: the favourable value when the engine resolved it already (before a model runs);
    `model_decisions`: the decision column holds the model's 0/1 decisions (not a column of the data)."""
    t = spec.target
    keys = [*spec.sensitive, t, decision]
    w = compact[COUNT].to_numpy(dtype=np.int64)
    rows_all = int(w.sum())
    missing = {c: int(compact[miss_column(i)].sum()) for i, c in enumerate(others)}
    missing.update({k: int(w[compact[k].isna().to_numpy()].sum()) for k in keys if not (model_decisions and k == decision)})
    frame, warnings = apply_na_values(compact[keys], spec.sensitive, spec.na_values, weights=w)
    warnings += na_like_notes(frame, spec.sensitive, spec.na_values, weights=w)
    no_target = frame[t].isna().to_numpy()
    missing_target = int(w[no_target].sum())
    if missing_target == rows_all:
        raise InputError(f"The target column '{t}' is empty in every row.", "Choose the column that holds the true outcome.")
    if missing_target:
        warnings.append(missing_target_note(missing_target, t))
    keep = ~no_target
    kept, wk = frame[keep].reset_index(drop=True), w[keep]
    label, declared_by = declared_label(spec.positive_label, spec.policy.positive_label, spec.policy.source)
    if positive is None:
        positive = resolve_positive(kept[t], t, label)
    favourable = outcome_statement(t, positive, declared_by, spec.outcome, spec.policy.outcome)
    y = binary_target(kept[t], positive)
    check_cost_counts(
        {f: int(kept[f].nunique(dropna=False)) for f in spec.sensitive},
        {f: bool(kept[f].isna().any()) for f in spec.sensitive},
        int(wk.sum()),
        spec,
    )
    warnings += variant_warnings(kept, spec.sensitive, weights=wk)
    if model_decisions:
        pred = kept[decision].to_numpy(dtype=np.int64)
    else:
        refuse_threshold(spec)
        nulls = int(wk[kept[decision].isna().to_numpy()].sum())
        if nulls:
            raise InputError(
                f"The predictions column '{decision}' has {nulls} missing value(s).",
                "Every evaluated row needs the model's decision; remove those rows or fill in the decisions.",
            )
        pred, note = decisions_from_column(kept[decision], decision, positive, list(pd.unique(kept[t])))
        if note:
            warnings.append(note)
    index = build_index(kept, spec.sensitive, spec.max_intersection_order, weights=wk)
    key = index.cell_of_row.astype(np.int64) * 4 + y.astype(np.int64) * 2 + np.asarray(pred).astype(np.int64)
    counts = np.rint(np.bincount(key, weights=wk, minlength=index.n_cells * 4)).astype(np.int64).reshape(index.n_cells, 4)
    return Distinct(kept, wk, keep, rows_all, missing, positive, favourable, y, pred, index, counts, warnings)


def missing_by_cell(compact: pd.DataFrame, d: Distinct, others: list[str], spec: AuditSpec) -> tuple[list[str], np.ndarray]:
    """The data-quality columns (every other column but the scores) and their missing values per cell."""
    qcols = [c for c in others if c != spec.scores_column]
    miss = np.zeros((d.index.n_cells, len(qcols)), dtype=np.int64)
    for j, c in enumerate(qcols):
        col_miss = compact[miss_column(others.index(c))].to_numpy()[d.keep]
        miss[:, j] = np.rint(np.bincount(d.index.cell_of_row, weights=col_miss, minlength=d.index.n_cells)).astype(np.int64)
    return qcols, miss


def prepared(
    d: Distinct,
    data: Any,
    scores: ScoreTable | None,
    quality: tuple[list[str], np.ndarray],
    tables: tuple[tuple[str, str, np.ndarray], ...],
    *,
    engine: str,
    decision_source: str,
    warnings: list[str],
    not_assessed: tuple[NotAssessed, ...],
    model: LoadedModel | None = None,
    score_bound: ScoreResolution | None = None,
) -> Prepared:
    """The engine's answer: the statistics of the distinct rows and what reading the data taught."""
    index = d.index
    stats = CellStatistics(
        features=index.features,
        cells=index.cells,
        levels=index.levels,
        counts=d.counts,
        scores=scores,
        quality=QualityStatistics(columns=tuple(quality[0]), missing=quality[1], proxy_tables=tables),
        rows=d.rows,
    )
    return Prepared(
        stats=stats,
        data=data,
        positive=d.positive,
        favourable=d.favourable,
        decision_source=decision_source,
        warnings=tuple(warnings),
        not_assessed=not_assessed,
        engine=engine,
        model=model,
        score_bound=score_bound,
    )


# --- proxy tables -----------------------------------------------------------------------------------------------


def code_order(code: str) -> tuple[int, float | str]:
    """Missing first, then quintiles in order, then values: the order of the in-memory codes (only sums' order)."""
    if code == "m":
        return (0, 0.0)
    if code.startswith("q"):
        return (1, float(code[1:]))
    return (2, code)


def contingency_tables(
    pairs: Mapping[Any, Mapping[tuple[str, str], int]], names: list[tuple[Any, str, str]]
) -> tuple[tuple[str, str, np.ndarray], ...]:
    """`pairs[key]`: the count of each (column code, sensitive code); `names`: (key, column, sensitive) in the
    order of the result. Codes that never occur have no row or column, as in memory."""
    out = []
    for key, column, sensitive in names:
        cells = pairs.get(key, {})
        ra = sorted({p[0] for p in cells}, key=code_order)
        rb = sorted({p[1] for p in cells}, key=code_order)
        ia, ib = {v: i for i, v in enumerate(ra)}, {v: i for i, v in enumerate(rb)}
        table = np.zeros((len(ra), len(rb)), dtype=np.int64)
        for (x, y), n in cells.items():
            table[ia[x], ib[y]] = n
        out.append((column, sensitive, table))
    return tuple(out)


# --- reading a CSV ----------------------------------------------------------------------------------------------


def sniff_csv(path: Path, head: bytes, engine: str) -> tuple[str, str]:
    """Encoding and delimiter as the in-memory reader detects them (audit/datasets.py); UTF-8 only."""
    if _looks_binary(head):
        raise DatasetError(
            f"{path.name} is not a text table: it holds binary data.", "Give a Parquet, CSV or DuckDB database file."
        )
    encoding = _detect_encoding(head)
    if encoding not in ("utf-8", "utf-8-sig"):
        raise DatasetError(
            f"{path.name} is encoded as {encoding}; the {engine} engine reads UTF-8 text only.",
            "Save the file as UTF-8 (or Parquet), or audit it with --engine numpy.",
        )
    delimiter = csv_delimiter(path, head.decode(encoding, errors="replace"))
    _check_raw_header(path, head, encoding, delimiter)  # an engine would rename a repeated header ("race_1")
    return encoding, delimiter
