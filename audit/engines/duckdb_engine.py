"""The DuckDB engine: audits computed by SQL GROUP BY in DuckDB, out of core under a memory limit, from Parquet, CSV or
a table of a DuckDB database file. A model audit first scores the file in one streamed pass (audit/engines/
duckdb_model.py) into a table these passes then read as a predictions-only audit.

The rows never come into Python. Passes over the file:
0. a guard: the distinct values of the key columns, and the scores' range, missing values and distinct count;
1. the distinct combinations of (sensitive values, target, decision) with their row counts and each other column's
   missing values; the in-memory checks and labels (audit/inputs.py, values.py, groups.py) run on these distinct rows
   with their counts, so every label, warning and refusal is the one the NumPy engine gives;
2. with scores: per (cell, distinct score, or score bin when the scores are too many) the rows with a positive and a
   negative outcome (audit/engines/duckdb_scores.py);
3. data quality, when the file has other columns: the proxy contingency tables (audit/engines/duckdb_quality.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from audit.cancel import CancelToken, Progress
from audit.engines.base import Prepared
from audit.engines.checks import COUNT, distinct_rows, miss_column, missing_by_cell, nested_warnings, prepared
from audit.engines.duckdb_quality import ROWS, proxy_tables
from audit.engines.duckdb_scores import DEFAULT_EXACT, score_table
from audit.engines.duckdb_source import Source, dataset_ref, ident, is_float, is_nested, is_numeric, open_source, valid
from audit.engines.duckdb_watch import QueryWatch
from audit.engines.numpy_engine import PREDICTIONS_ONLY, STEPS, check_columns
from audit.errors import Cancelled, DatasetError, InputError
from audit.guards import MAX_GROUPS, check_cost_counts
from audit.inputs import decisions_from_column, resolve_positive, scores_from
from audit.result import ScoreResolution
from audit.spec import AuditSpec
from audit.stats.cells import check_repeated

DEFAULT_MEMORY_LIMIT = "2GB"


def _duckdb() -> Any:
    try:
        import duckdb
    except ImportError as exc:
        raise InputError(
            "The DuckDB engine needs the duckdb package, which is not installed.",
            "Install it (pip install duckdb), or audit with --engine numpy.",
        ) from exc
    return duckdb


class DuckDBEngine:
    name = "duckdb"

    def __init__(
        self,
        memory_limit: str | None = None,
        table: str | None = None,
        threads: int | None = None,
        exact_scores: int = DEFAULT_EXACT,
        histogram_bins: int | None = None,
    ) -> None:
        self.memory_limit = memory_limit or DEFAULT_MEMORY_LIMIT
        self.table = table
        self.threads = threads
        self.exact_scores = exact_scores  # more distinct scores than this: a histogram (audit/engines/duckdb_scores.py)
        self.histogram_bins = histogram_bins  # None: as many as keep the table near 1M entries

    def statistics(self, spec: AuditSpec, progress: Progress, cancel: CancelToken) -> Prepared:
        if spec.sheet is not None:
            raise InputError(
                "--sheet reads an Excel workbook, which the DuckDB engine does not read.",
                "Audit it with --engine numpy, or export the sheet as Parquet or CSV.",
            )
        duckdb = _duckdb()
        con = duckdb.connect(":memory:")
        try:
            con.execute(f"SET memory_limit = '{_limit(self.memory_limit)}'")
            if self.threads:
                con.execute(f"SET threads = {int(self.threads)}")
            con.execute("SET preserve_insertion_order = false")  # no order is needed: lets GROUP BY spill less
            con.execute("SET enable_progress_bar = true")  # query_progress() reports only with it on
            con.execute("SET enable_progress_bar_print = false")
            with QueryWatch(con, progress, cancel) as watch:
                if spec.model_path is not None:  # one streamed scoring pass, then this engine's passes on its table
                    from audit.engines.duckdb_model import prepare_model

                    return prepare_model(con, spec, progress, cancel, watch, self)
                return _Run(con, spec, progress, cancel, watch).prepare(self)
        except duckdb.InterruptException as exc:
            raise Cancelled("cancelled by the user") from exc
        except duckdb.OutOfMemoryException as exc:
            raise InputError(
                f"DuckDB needed more than its memory limit of {self.memory_limit} for {Path(spec.data_path).name} "
                f"({str(exc).splitlines()[0][:200]}).",
                "Raise it with --memory-limit (e.g. 8GB), audit fewer sensitive columns, or free memory.",
            ) from exc
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
            raise DatasetError(
                f"DuckDB could not read {Path(spec.data_path).name}: {first}",
                "Check that the file is a complete Parquet, CSV or DuckDB file with the columns named; "
                "a CSV whose column changes type part-way can be audited with --engine numpy.",
            ) from exc
        finally:
            con.close()


def _limit(text: str) -> str:
    t = text.strip().upper().replace(" ", "")
    num = t.rstrip("KMGTIB")
    unit = t[len(num) :]
    try:
        ok = float(num) > 0 and unit in ("KB", "MB", "GB", "TB", "KIB", "MIB", "GIB", "TIB")
    except ValueError:
        ok = False
    if not ok:
        raise InputError(f"--memory-limit {text!r} is not an amount of memory.", "Write it like 2GB or 512MB.")
    return t


class _Run:
    def __init__(self, con: Any, spec: AuditSpec, progress: Progress, cancel: CancelToken, watch: QueryWatch) -> None:
        self.con, self.spec, self.cancel, self.watch = con, spec, cancel, watch
        self.score_summary: tuple[Any, ...] | None = None  # (NaN or missing, min, max, about how many distinct)
        self.score_bound: ScoreResolution | None = None
        self._progress = progress
        self.decided = False  # True: the predictions column holds a model's 0/1 decisions (audit/engines/duckdb_model.py)

    def progress(self, stage: str, step: int, of: int, text: str) -> None:
        self.watch.stage(stage, step)  # the watcher's reports within a query name the same stage
        self._progress(stage, step, of, text)

    def q(self, sql: str) -> Any:
        self.cancel.raise_if_set()
        return self.con.sql(sql)

    def prepare(self, engine: DuckDBEngine, source: Source | None = None) -> Prepared:
        """`source`: the view `src` already made (a model audit's scored rows, audit/engines/duckdb_model.py)."""
        spec, progress = self.spec, self.progress
        progress("load data", 0, STEPS, f"Reading {spec.data_path} with DuckDB (memory limit {engine.memory_limit})")
        src = source or open_source(self.con, Path(spec.data_path), engine.table, spec.sensitive)
        types = src.types
        check_columns(list(types), spec)
        check_repeated(spec.sensitive)
        nested = [c for c, t in src.columns if is_nested(t)]
        warnings = nested_warnings(nested, spec)
        pred_col = spec.predictions_column
        assert pred_col is not None  # predictions-only: the spec requires it without a model
        keys = [*spec.sensitive, spec.target, pred_col]
        others = [c for c, t in src.columns if c not in keys and c not in nested]
        self._guard(src, keys)

        # Pass 1: distinct (sensitive, target, decision) rows with their counts and the other columns' missing values.
        aggs = ", ".join(
            [f"count(*) AS {COUNT}"]
            + [f"count(*) FILTER (WHERE NOT {valid(c, types[c])}) AS {miss_column(i)}" for i, c in enumerate(others)]
        )
        hashed = f"hash({', '.join(ident(f) for f in spec.sensitive)})"  # on the distinct rows: the score pass's key
        arrow = self.q(
            f"SELECT *, {hashed} AS __attest_h FROM (SELECT {', '.join(ident(k) for k in keys)}, {aggs} FROM src GROUP BY ALL)"
        ).to_arrow_table()
        compact = arrow.to_pandas()
        progress("model", 1, STEPS, "Reading decisions")
        d = distinct_rows(compact, spec, pred_col, others, model_decisions=self.decided)
        data_ref = dataset_ref(src, d.rows_all, d.missing)
        self._check_scores(src)

        progress("groups", 2, STEPS, "Encoding sensitive groups")
        index = d.index
        self._rows_view(src, arrow.filter(d.keep), d.kept, index.cell_of_row, d.y)
        table, self.score_bound = None, None
        if spec.scores_column is not None:
            progress("groups", 2, STEPS, "Scores per cell")
            assert self.score_summary is not None  # _check_scores read it
            unique_hash = self._hash_map(compact["__attest_h"].to_numpy()[d.keep], index.cell_of_row)
            table, self.score_bound = score_table(
                self.con,
                spec.scores_column,
                spec.sensitive,
                spec.target,
                valid(spec.target, types[spec.target]),
                index,
                int(self.score_summary[3] or 0),
                d.rows,
                unique_hash,
                engine.exact_scores,
                engine.histogram_bins,
            )
        qcols, qmiss = missing_by_cell(compact, d, others, spec)
        progress("groups", 2, STEPS, "Proxy statistics")
        tables = proxy_tables(
            self.con,
            [(c, f"r.{ident(c)}", types[c]) for c in qcols],
            [(f, f"r.__attest_m{j}", types[f]) for j, f in enumerate(spec.sensitive)],
        )
        return prepared(
            d,
            data_ref,
            table,
            (qcols, qmiss),
            tables,
            engine=engine.name,
            decision_source=f"predictions column '{pred_col}'",
            warnings=warnings + d.warnings,
            not_assessed=(PREDICTIONS_ONLY,),
            score_bound=self.score_bound,
        )

    def _guard(self, src: Source, keys: list[str]) -> None:
        """Before the GROUP BY: a sensitive column with thousands of values (an identifier) or a target or decision
        column with many values would make the distinct rows as many as the rows; refuse them as in memory."""
        spec, types = self.spec, src.types
        exprs = ", ".join(f"count(DISTINCT {ident(k)}), count(*) FILTER (WHERE NOT {valid(k, types[k])})" for k in keys)
        audited = valid(spec.target, types[spec.target])
        col = spec.scores_column
        numeric_scores = col is not None and (types[col].upper() == "BOOLEAN" or is_numeric(types[col]))
        if numeric_scores:  # the score checks and the distinct scores in this same scan (a text column: _check_scores)
            s = f"TRY_CAST({ident(col or '')} AS DOUBLE)"
            exprs += (
                f", count(*) FILTER (WHERE {audited} AND ({s} IS NULL OR isnan({s}))), min({s}) FILTER (WHERE {audited}), "
                f"max({s}) FILTER (WHERE {audited}), approx_count_distinct({s}) FILTER (WHERE {audited})"
            )
        r = self.q(f"SELECT count(*) FILTER (WHERE {audited}), {exprs} FROM src").fetchall()[0]
        rows, per = int(r[0]), {k: (int(r[1 + 2 * i]), int(r[2 + 2 * i])) for i, k in enumerate(keys)}
        self.score_summary = tuple(r[1 + 2 * len(keys) :]) if numeric_scores else None
        self.watch.rows = rows + per[spec.target][1]  # every row of the file: later passes report rows processed
        wide = [f for f in spec.sensitive if per[f][0] > MAX_GROUPS + len(spec.na_values) + 1]
        if wide and rows:
            check_cost_counts(
                {f: per[f][0] + int(per[f][1] > 0) for f in spec.sensitive},
                {f: per[f][1] > 0 for f in spec.sensitive},
                rows,
                spec,
            )
        for k, role in ((spec.target, "target"), (keys[-1], "predictions")):  # keys: sensitive, target, predictions
            if per[k][0] > 2:  # the in-memory checks refuse it; read a bounded list of values for their message
                values = [
                    v[0] for v in self.q(f"SELECT DISTINCT {ident(k)} FROM src WHERE {valid(k, types[k])} LIMIT 1000").fetchall()
                ]
                if role == "target":
                    resolve_positive(pd.Series(values, dtype=object), k, spec.positive_label or spec.policy.positive_label)
                else:
                    decisions_from_column(pd.Series(values, dtype=object), k, values[0], values)

    def _hash_map(self, h: Any, cell_of_row: np.ndarray) -> bool:
        """Register `attest_hash` (h, cell); False when one hash stands for two cells (then the values are joined)."""
        import pyarrow as pa

        pairs = pd.DataFrame({"h": np.asarray(h, dtype=np.uint64), "__attest_cell": cell_of_row.astype(np.int64)})
        pairs = pairs.drop_duplicates()
        if pairs["h"].duplicated().any():
            return False
        self.con.register("attest_hash", pa.Table.from_pandas(pairs, preserve_index=False))
        return True

    def _check_scores(self, src: Source) -> None:
        """The checks of `scores_from`, in SQL over the audited rows."""
        col = self.spec.scores_column
        if col is None:
            return
        t, target = src.types[col], self.spec.target
        audited = valid(target, src.types[target])
        if not (t.upper() == "BOOLEAN" or is_numeric(t)):
            bad = self.q(
                f"SELECT count(*) FROM src WHERE {audited} AND {ident(col)} IS NOT NULL "
                f"AND TRY_CAST({ident(col)} AS DOUBLE) IS NULL"
            ).fetchall()[0][0]
            if bad:
                examples = [
                    r[0]
                    for r in self.q(
                        f"SELECT DISTINCT CAST({ident(col)} AS VARCHAR) FROM src WHERE {audited} AND "
                        f"{ident(col)} IS NOT NULL AND TRY_CAST({ident(col)} AS DOUBLE) IS NULL "
                        "LIMIT 3"
                    ).fetchall()
                ]
                scores_from(np.array(examples, dtype=object), f"column '{col}'")  # raises with the in-memory message
        s = f"TRY_CAST({ident(col)} AS DOUBLE)"
        if self.score_summary is None:
            self.score_summary = self.q(
                f"SELECT count(*) FILTER (WHERE {s} IS NULL OR isnan({s})), min({s}), max({s}), approx_count_distinct({s}) "
                f"FROM src WHERE {audited}"
            ).fetchall()[0]
        nan, lo, hi, _ = self.score_summary
        if nan:
            raise InputError(
                f"The scores in column '{col}' contain {nan} missing or NaN value(s).",
                "Every row needs a score between 0 and 1; fix or remove those rows.",
            )
        scores_from(np.array([lo, hi], dtype=float), f"column '{col}'")  # the range check and its message

    def _rows_view(self, src: Source, arrow: Any, kept: pd.DataFrame, cell_of_row: np.ndarray, y: np.ndarray) -> None:
        """`attest_rows`: the audited rows with their cell, outcome (0/1) and the sensitive values after --na-values."""
        import pyarrow as pa
        import pyarrow.compute as pc

        spec = self.spec
        cols = {f"__attest_k{j}": arrow.column(f) for j, f in enumerate(spec.sensitive)}
        for j, f in enumerate(spec.sensitive):
            hit = pa.array(
                kept[f].isna().to_numpy() & ~pc.is_null(arrow.column(f), nan_is_null=True).to_numpy(zero_copy_only=False)
            )
            cols[f"__attest_m{j}"] = pc.if_else(hit, pa.scalar(None, arrow.column(f).type), arrow.column(f))
        cols["__attest_cell"] = pa.array(cell_of_row.astype(np.int64))
        self.con.register("attest_map", pa.table(cols))
        self.con.execute("CREATE TEMP TABLE attest_cells AS SELECT DISTINCT * FROM attest_map")
        self.con.unregister("attest_map")
        positives = arrow.column(spec.target).filter(pa.array(y.astype(bool))).unique()
        self.con.register("attest_pos", pa.table({"t": positives}))
        join = " AND ".join(f"src.{ident(f)} IS NOT DISTINCT FROM m.__attest_k{j}" for j, f in enumerate(spec.sensitive))
        mapped = ", ".join(f"m.__attest_m{j}" for j in range(len(spec.sensitive)))
        t = ident(spec.target)
        audited = f"src.{t} IS NOT NULL" + (f" AND NOT isnan(src.{t})" if is_float(src.types[spec.target]) else "")
        self.con.execute(
            f"CREATE TEMP VIEW {ROWS} AS SELECT src.*, m.__attest_cell, {mapped}, "
            f"(src.{t} IN (SELECT t FROM attest_pos)) AS __attest_y FROM src JOIN attest_cells m ON {join} "
            f"WHERE {audited}"
        )
