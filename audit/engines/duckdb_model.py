"""Model audits on the DuckDB engine: one streamed scoring pass, then the engine's predictions-only passes.

1. The file is read in Arrow record batches (`BATCH_ROWS` rows; never more than one batch of features in Python).
   Each batch is scored once (`LoadedModel.decide_and_score`, the in-memory engine's own call) on its rows with a
   target, and appended with its decision (0/1) and score to a table in a scratch DuckDB database file (so it lives
   on disk, not in memory), the rows in file order.
2. The predictions-only passes of audit/engines/duckdb_engine.py run on that table: every count, label, warning and
   refusal is the one they give, the decisions taken as scored.
3. Explanations: while streaming, a seeded sample is kept: the `N` rows of the whole file with the smallest seeded
   hash of their row number (a uniform sample) and, per finest cell, its `PER_CELL` smallest (small groups are
   represented). The hash depends on the seed and the row number only, so the sample does not depend on the batch
   size. The explainer runs on those rows; the result says it ran on a sample of the whole file.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from audit.cancel import CancelToken, Progress
from audit.engines.base import InMemoryRows, Prepared
from audit.engines.duckdb_quality import ROWS
from audit.engines.duckdb_source import Source, ident, is_nested, literal, open_source, valid
from audit.engines.numpy_engine import STEPS, check_columns, load_audited_model
from audit.errors import InputError
from audit.guards import check_cost_counts
from audit.inputs import declared_label, resolve_positive, scores_from
from audit.spec import AuditSpec
from audit.stats.cells import GroupIndex, check_repeated
from audit.values import apply_na_values

if TYPE_CHECKING:
    from audit.engines.duckdb_engine import DuckDBEngine
    from audit.engines.duckdb_watch import QueryWatch
    from audit.explain.result import Explanations
    from audit.models.base import LoadedModel

PRED, SCORE, ROW = "__attest_pred", "__attest_score", "__attest_row"
BATCH_ROWS = 65_536  # rows scored per model call: the call's overhead vanishes, a batch of features stays a few MB
COMMIT_ROWS = 1_000_000  # scored rows per transaction of the scratch table
PER_CELL = 100  # sampled rows kept per finest cell (the explainer tops a group up with at most 100 rows)
_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def sample_size(spec: AuditSpec) -> int:
    """Rows of the uniform part of the explanation sample: the explainer's own cap on explained rows."""
    from audit.explain.core import DEFAULT_MAX_ROWS

    return int(spec.explain.max_rows if spec.explain.max_rows is not None else DEFAULT_MAX_ROWS)


def row_keys(rows: np.ndarray, seed: int) -> np.ndarray:
    """A seeded 64-bit hash of each row number (splitmix64): the order the sample follows, the same whatever the
    batches."""
    with np.errstate(over="ignore"):
        z = (rows.astype(np.uint64) + np.uint64(seed & 0xFFFFFFFF) * np.uint64(0x9E3779B97F4A7C15)) & _MASK
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


class Sampler:
    """Bottom-k by row key, overall (`n`) and per stratum (`per_cell`): the candidates stay at most n + per_cell x
    strata rows, row numbers and keys only."""

    def __init__(self, n: int, per_cell: int, seed: int) -> None:
        self.n, self.per_cell, self.seed = n, per_cell, seed
        self.rows = np.empty(0, dtype=np.int64)
        self.keys = np.empty(0, dtype=np.uint64)
        self.strata = np.empty(0, dtype=np.uint64)

    def add(self, rows: np.ndarray, strata: np.ndarray) -> None:
        rows = np.concatenate([self.rows, rows.astype(np.int64)])
        keys = np.concatenate([self.keys, row_keys(rows[len(self.rows) :], self.seed)])
        strata = np.concatenate([self.strata, strata.astype(np.uint64)])
        keep = keep_smallest(keys, strata, self.n, self.per_cell)
        self.rows, self.keys, self.strata = rows[keep], keys[keep], strata[keep]


def keep_smallest(keys: np.ndarray, strata: np.ndarray, n: int, per_cell: int) -> np.ndarray:
    """Mask of the `n` smallest keys overall and the `per_cell` smallest of each stratum."""
    keep = np.zeros(len(keys), dtype=bool)
    order = np.argsort(keys, kind="stable")
    keep[order[:n]] = True
    by = np.lexsort((keys, strata))
    s = strata[by]
    start = np.r_[0, np.flatnonzero(s[1:] != s[:-1]) + 1]
    rank = np.arange(len(s)) - np.repeat(start, np.diff(np.r_[start, len(s)]))
    keep[by[rank < per_cell]] = True
    return keep


def prepare_model(
    con: Any, spec: AuditSpec, progress: Progress, cancel: CancelToken, watch: QueryWatch, engine: DuckDBEngine
) -> Prepared:
    from audit.engines.duckdb_engine import _Run

    progress("load data", 0, STEPS, f"Reading {spec.data_path} with DuckDB (memory limit {engine.memory_limit})")
    src = open_source(con, Path(spec.data_path), engine.table, spec.sensitive)
    types = src.types
    check_columns(list(types), spec)
    check_repeated(spec.sensitive)
    t = spec.target
    total, audited = _guard(con, spec, src)
    if audited == 0:
        raise InputError(f"The target column '{t}' is empty in every row.", "Choose the column that holds the true outcome.")
    label, _ = declared_label(spec.positive_label, spec.policy.positive_label, spec.policy.source)
    values = con.sql(f"SELECT DISTINCT {ident(t)} FROM src WHERE {valid(t, types[t])} LIMIT 1001").df()[t]
    positive = resolve_positive(values, t, label)
    warnings: list[str] = []
    nested = [c for c, ty in src.columns if is_nested(ty)]
    progress("model", 1, STEPS, "Loading the model")
    model = load_audited_model(spec, positive, list(types), nested, warnings)
    with scratch(con):
        sampler = Sampler(sample_size(spec), PER_CELL, spec.seed) if spec.explain.enabled else None
        strata = list(spec.sensitive)

        def sample(rows: np.ndarray, frame: pd.DataFrame) -> None:
            if sampler is not None:
                sampler.add(rows, pd.util.hash_pandas_object(frame[strata], index=False).to_numpy())

        score_rows(
            con, model, list(dict.fromkeys([*model.features, *spec.sensitive, t])), total,
            lambda text: progress("predict", 1, STEPS, text), cancel,
            prepare=lambda f: apply_na_values(f, spec.sensitive, spec.na_values)[0],  # the model sees what memory gives it
            only=t, sample=sample if sampler is not None else None,
        )  # fmt: skip
        con.execute("DROP VIEW src")
        con.execute("CREATE VIEW src AS SELECT * FROM attest_scratch.scored")
        added = ((PRED, "TINYINT"),) + (((SCORE, "DOUBLE"),) if model.score is not None else ())
        scored = dataclasses.replace(src, columns=src.columns + added)  # the file's own, for the result's data ref
        as_predictions = spec.model_copy(
            update={
                "model_path": None,
                "predictions_column": PRED,
                "scores_column": SCORE if model.score is not None else None,
                "threshold": None,
            }
        )
        run = _Run(con, as_predictions, progress, cancel, watch)
        run.decided = True
        prep = run.prepare(engine, source=scored)
        rows = _sample_rows(con, spec, src, prep, sampler) if sampler is not None else None
    data = prep.data.model_copy(update={"columns": tuple(c for c in prep.data.columns if c.name not in (PRED, SCORE))})
    return dataclasses.replace(
        prep,
        data=data,
        decision_source="model",
        warnings=tuple(warnings) + prep.warnings,
        not_assessed=(),
        model=model,
        rows=rows,
    )


def _guard(con: Any, spec: AuditSpec, src: Source) -> tuple[int, int]:
    """(rows, rows with a target); a sensitive column of identifiers is refused before the model scores anything."""
    types = src.types
    exprs = ", ".join(f"count(DISTINCT {ident(f)}), count(*) FILTER (WHERE NOT {valid(f, types[f])})" for f in spec.sensitive)
    r = con.sql(
        f"SELECT count(*), count(*) FILTER (WHERE {valid(spec.target, types[spec.target])}), {exprs} FROM src"
    ).fetchall()[0]
    total, audited = int(r[0]), int(r[1])
    has_missing = {f: int(r[3 + 2 * i]) > 0 for i, f in enumerate(spec.sensitive)}
    counts = {f: int(r[2 + 2 * i]) + int(has_missing[f]) for i, f in enumerate(spec.sensitive)}
    if audited:
        check_cost_counts(counts, has_missing, audited, spec)
    return total, audited


def score_rows(
    con: Any,
    model: LoadedModel,
    columns: list[str],
    total: int,
    say: Callable[[str], None],
    cancel: CancelToken,
    *,
    source: str = "the model's output",
    prepare: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    only: str | None = None,
    sample: Callable[[np.ndarray, pd.DataFrame], None] | None = None,
    batch_rows: int | None = None,
) -> None:
    """The one scoring pass over the view `src` into `attest_scratch.scored` (attached by `scratch`): batches in
    file order, each scored once and appended with its decision (`PRED`), score (`SCORE`, when the model has one) and
    row number (`ROW`, the file's). `columns`: the batch's columns the model and `prepare` need; `only`: a column
    whose missing rows are left unscored (decision and score NULL); `sample(rows, frame)`: sees each batch's scored
    rows; `source`: the scores' name in the out-of-range message."""
    import pyarrow as pa

    features = list(model.features)
    extra = f", NULL::DOUBLE AS {SCORE}" if model.score is not None else ""
    con.execute(
        f"CREATE TABLE attest_scratch.scored AS SELECT *, NULL::TINYINT AS {PRED}{extra}, NULL::BIGINT AS {ROW} FROM src LIMIT 0"
    )
    con.execute("SET preserve_insertion_order = true")  # batches in file order: row numbers are the file's
    reader = con.cursor()  # the read streams on its own connection while this one appends
    # A commit per batch waited on the scratch file each time (10M rows: 323 s wall); one for the whole pass let
    # DuckDB's transaction-local storage grow (peak RSS 1.4 -> 2.2 GB): a commit every COMMIT_ROWS rows.
    con.execute("BEGIN")
    try:
        stream = reader.sql("SELECT * FROM src").to_arrow_reader(batch_rows or BATCH_ROWS)
        done = 0
        for batch in stream:
            cancel.raise_if_set()
            n = batch.num_rows
            frame = batch.select(columns).to_pandas()
            if prepare is not None:
                frame = prepare(frame)
            keep = frame[only].notna().to_numpy() if only is not None else np.ones(n, dtype=bool)
            pred = np.zeros(n, dtype=np.int8)
            score = np.zeros(n, dtype=np.float64)
            row = np.arange(done, done + n, dtype=np.int64)
            if keep.any():
                d, s = model.decide_and_score(frame.loc[keep, features])
                pred[keep] = d
                if s is not None:
                    score[keep] = scores_from(s, source)  # the in-memory check and message
                if sample is not None:
                    sample(row[keep], frame.loc[keep])
            table = pa.Table.from_batches([batch]).append_column(PRED, pa.array(pred, mask=~keep))
            if model.score is not None:
                table = table.append_column(SCORE, pa.array(score, mask=~keep))
            table = table.append_column(ROW, pa.array(row))
            con.register("attest_batch", table)
            con.execute("INSERT INTO attest_scratch.scored SELECT * FROM attest_batch")
            con.unregister("attest_batch")
            if done // COMMIT_ROWS != (done + n) // COMMIT_ROWS:
                con.execute("COMMIT")
                con.execute("BEGIN")
            done += n
            say(f"Scored {done:,} of {total:,} rows")
        con.execute("COMMIT")
    finally:
        reader.close()
        con.execute("SET preserve_insertion_order = false")


@contextmanager
def scratch(con: Any) -> Iterator[None]:
    """A DuckDB database file in a fresh temporary folder, attached as `attest_scratch` (the scored rows live on
    disk, not in memory); the view `src` (pointed at them) dropped, the file detached and deleted after."""
    folder = Path(tempfile.mkdtemp(prefix="attest-scored-"))
    try:
        con.execute(f"ATTACH {literal(str(folder / 'scored.duckdb'))} AS attest_scratch")
        yield
    finally:
        try:
            con.execute("DROP VIEW IF EXISTS src")
            con.execute("DETACH attest_scratch")
        except Exception:  # the connection is closing anyway (an error or cancel): the folder goes below
            pass
        shutil.rmtree(folder, ignore_errors=True)


def _sample_rows(con: Any, spec: AuditSpec, src: Source, prep: Prepared, sampler: Sampler) -> InMemoryRows:
    """The sampled rows as the in-memory engine holds its frame (sensitive values after --na-values), with their
    cells, decisions and scores; per cell only its `PER_CELL` smallest keys beside the overall sample."""
    import pyarrow as pa

    con.register("attest_sample", pa.table({"r": sampler.rows, "k": sampler.keys}))
    names = [c for c, _ in src.columns]
    mapped = {f: f"__attest_m{j}" for j, f in enumerate(spec.sensitive)}
    select = ", ".join(f"r.{ident(mapped.get(c, c))} AS {ident(c)}" for c in names)
    score = f", r.{SCORE}" if prep.stats.scores is not None else ""
    got = con.sql(
        f"SELECT {select}, r.__attest_cell, r.{PRED}{score}, s.k FROM {ROWS} r JOIN attest_sample s ON r.{ROW} = s.r "
        f"ORDER BY r.{ROW}"
    ).df()
    con.unregister("attest_sample")
    cells = got["__attest_cell"].to_numpy(dtype=np.int64)
    keep = keep_smallest(got["k"].to_numpy(dtype=np.uint64), cells.astype(np.uint64), sampler.n, sampler.per_cell)
    got = got[keep].reset_index(drop=True)
    st = prep.stats
    index = GroupIndex(features=st.features, cell_of_row=cells[keep], cells=st.cells, levels=st.levels)
    scores = got[SCORE].to_numpy(dtype=np.float64) if score else None
    return InMemoryRows(
        frame=got[names], index=index, decisions=got[PRED].to_numpy(dtype=np.int8), scores=scores, sample_of=st.rows
    )


def sampled_explanations(explanations: Explanations, rows: InMemoryRows) -> Explanations:
    """The result says the explanations come from a stratified sample of the whole file, and of how many rows."""
    if rows.sample_of is None:
        return explanations
    n, of = len(rows.frame), rows.sample_of
    cells = len(set(rows.index.cell_of_row.tolist()))
    note = (
        f"Explanations ran on a stratified sample of {n:,} of the {of:,} audited rows, drawn from the whole file "
        f"in its one scoring pass (a seeded uniform sample, and at least {PER_CELL} rows of each of the {cells} finest "
        "groups where it has them); row positions refer to this sample."
    )
    update: dict[str, Any] = {"warnings": (note, *explanations.warnings), "rows_available": of}
    if explanations.row_sample is not None:
        update["row_sample"] = explanations.row_sample.model_copy(
            update={
                "sampling": f"From a stratified sample of {n:,} of {of:,} rows of the whole file: "
                + explanations.row_sample.sampling
            }
        )
    return explanations.model_copy(update=update)
