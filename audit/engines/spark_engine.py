"""The Spark engine: the audit of data that lives on a cluster, with the aggregation and the model's predictions run
by Spark; only the statistics come back (per distinct (sensitive values, target, decision) a few counts, per (cell,
score) two counts, the proxy contingency tables), never a row.

The passes, as in the DuckDB engine (audit/engines/duckdb_engine.py), whose in-memory checks they share:
1. the distinct target values (to declare the favourable outcome before the model runs) and the sensitive columns'
   distinct counts (a column of identifiers is refused before the GROUP BY);
2. with a model: its predictions on the executors (`mapInPandas`, the model file broadcast), kept by Spark for the
   passes after (predictions run once);
3. the distinct (sensitive, target, decision) rows with their counts and each other column's missing values: every
   label, warning and refusal then comes from the in-memory checks run on these rows with their counts;
4. scores per (cell, score): exact when the distinct scores are few enough to bring back, else a fine histogram
   (audit/engines/spark_scores.py states the error bound the result carries);
5. the proxy contingency tables (audit/engines/spark_quality.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from audit.cancel import CancelToken, Progress
from audit.engines.base import Prepared
from audit.engines.checks import (
    COUNT,
    Distinct,
    distinct_rows,
    miss_column,
    missing_by_cell,
    nested_warnings,
    prepared,
    refuse_threshold,
)
from audit.engines.numpy_engine import PREDICTIONS_ONLY, STEPS, check_columns, load_audited_model
from audit.engines.spark_quality import proxy_tables
from audit.engines.spark_scores import DEFAULT_BINS, DEFAULT_EXACT, score_statistics
from audit.engines.spark_source import (
    PRED,
    SCORE,
    Source,
    dataset_ref,
    model_blob,
    predict_batches,
    pyspark_modules,
    read,
    session,
)
from audit.engines.spark_watch import JobWatch
from audit.errors import AttestError, Cancelled, InputError
from audit.guards import MAX_GROUPS, check_cost_counts
from audit.inputs import declared_label, resolve_positive
from audit.models import LoadedModel
from audit.spec import AuditSpec
from audit.stats.cells import check_repeated

CELL, Y = "__attest_cell", "__attest_y"


def valid(F: Any, name: str, kind: str) -> Any:
    """The Spark condition "present" (NaN counts as missing, as in pandas)."""
    col = F.col(f"`{name}`")
    return col.isNotNull() & ~F.isnan(col) if kind in ("double", "float") else col.isNotNull()


class SparkEngine:
    name = "spark"

    def __init__(
        self, master: str | None = None, spark: Any = None, exact_scores: int = DEFAULT_EXACT, histogram_bins: int = DEFAULT_BINS
    ) -> None:
        self.master, self.spark = master, spark
        self.exact_scores, self.histogram_bins = exact_scores, histogram_bins

    def statistics(self, spec: AuditSpec, progress: Progress, cancel: CancelToken) -> Prepared:
        if spec.sheet is not None:
            raise InputError(
                "--sheet reads an Excel workbook, which the Spark engine does not read.",
                "Export the sheet as Parquet or CSV, or audit it with --engine numpy.",
            )
        _, F = pyspark_modules()
        spark = self.spark or session(self.master)
        with JobWatch(spark.sparkContext, progress, cancel) as watch:
            run = _Run(spark, F, spec, progress, cancel, self, watch)
            try:
                progress("load data", 0, STEPS, f"Reading {spec.data_path} with Spark ({spark.sparkContext.master})")
                return run.prepare(read(spark, spec.data_path, spec.sensitive))
            except AttestError:
                raise
            except Exception as exc:
                if watch.cancelled or cancel.is_set:  # the job failed because the watcher cancelled it
                    raise Cancelled("cancelled by the user") from exc
                raise
            finally:
                run.release()


class _Run:
    def __init__(
        self, spark: Any, F: Any, spec: AuditSpec, progress: Progress, cancel: CancelToken, engine: SparkEngine, watch: JobWatch
    ) -> None:
        self.spark, self.F, self.spec, self.cancel, self.engine, self.watch = spark, F, spec, cancel, engine, watch
        self._progress = progress
        self.cached: Any = None

    def progress(self, stage: str, step: int, of: int, text: str) -> None:
        self.watch.stage(stage, step)  # the watcher's reports within a job name the same stage
        self._progress(stage, step, of, text)

    def release(self) -> None:
        if self.cached is not None:
            self.cached.unpersist()

    def prepare(self, src: Source) -> Prepared:
        spec, F, cancel, df = self.spec, self.F, self.cancel, src.df
        kinds = {str(f.name): str(f.dataType.typeName()) for f in df.schema.fields}
        check_columns(list(kinds), spec)
        check_repeated(spec.sensitive)
        nested = [c for c, k in kinds.items() if k in ("array", "struct", "map")]
        warnings = nested_warnings(nested, spec)
        df = df.select(*[F.col(f"`{c}`") for c in kinds if c not in nested])
        t = spec.target
        self._guard(df, kinds)
        cancel.raise_if_set()
        # The favourable value before a model runs, from the target's values as pandas types them (a whole-number
        # column with gaps is float in pandas, so "1" is 1.0 there, as in the in-memory and DuckDB engines).
        values = [r[0] for r in df.select(F.col(f"`{t}`")).distinct().limit(1002).collect()]
        label, _ = declared_label(spec.positive_label, spec.policy.positive_label, spec.policy.source)
        positive = resolve_positive(pd.Series(values), t, label)

        model: LoadedModel | None = None
        if spec.model_path is not None:
            self.progress("model", 1, STEPS, "Loading the model and scoring on the cluster")
            model = load_audited_model(spec, positive, [c for c in kinds if c not in nested], nested, warnings)
            blob = model_blob(Path(spec.model_path), positive, spec.trust_pickle, spec.trusted_types, spec.threshold)
            types = pyspark_modules()[0].types
            fields = [*df.schema.fields, types.StructField(PRED, types.ByteType()), types.StructField(SCORE, types.DoubleType())]
            schema = types.StructType(fields)  # a new schema: StructType.add changes the one it is called on
            fn = predict_batches(self.spark.sparkContext.broadcast(blob), t, list(model.features))
            df = df.mapInPandas(fn, schema)
            kinds.update({PRED: "byte", SCORE: "double"})
            decision, score = PRED, (SCORE if model.score is not None else None)
            from pyspark import StorageLevel

            df = df.persist(StorageLevel.MEMORY_AND_DISK)  # the predictions run once, for every pass after
            self.cached = df
        else:
            refuse_threshold(spec)
            assert spec.predictions_column is not None  # predictions-only: the spec requires it without a model
            decision, score = spec.predictions_column, spec.scores_column
            self.progress("model", 1, STEPS, "Reading decisions")

        # Pass 3: distinct (sensitive, target, decision) rows with counts and the other columns' missing values.
        keys = [*spec.sensitive, t, decision]
        others = [c for c in kinds if c not in keys and c not in nested and c not in (PRED, SCORE)]
        aggs = [F.count(F.lit(1)).alias(COUNT)]
        aggs += [F.sum((~valid(F, c, kinds[c])).cast("long")).alias(miss_column(i)) for i, c in enumerate(others)]
        cancel.raise_if_set()
        compact = df.groupBy(*[F.col(f"`{k}`") for k in keys]).agg(*aggs).toPandas()
        cancel.raise_if_set()
        d = distinct_rows(compact, spec, decision, others, positive=positive, model_decisions=model is not None)
        data_ref = dataset_ref(spec.data_path, src, df.drop(PRED, SCORE).schema, d.rows_all, d.missing)

        self.progress("groups", 2, STEPS, "Encoding sensitive groups")
        audited = self._audited(df, kinds, compact[d.keep].reset_index(drop=True), d)
        table, bound = None, None
        if score is not None:
            self.progress("groups", 2, STEPS, "Scores per cell")
            table, bound = score_statistics(
                F, audited, score, kinds[score], d.index, self.engine.exact_scores, self.engine.histogram_bins, cancel
            )
        qcols, qmiss = missing_by_cell(compact, d, others, spec)
        self.progress("groups", 2, STEPS, "Proxy statistics")
        cancel.raise_if_set()
        tables = proxy_tables(
            F,
            audited,
            CELL,
            [(c, c, kinds[c]) for c in qcols],
            [(f, f"__attest_m{j}", kinds[f]) for j, f in enumerate(spec.sensitive)],
            _cell_values(d, spec.sensitive),
            d.counts.sum(axis=1),
        )
        return prepared(
            d,
            data_ref,
            table,
            (qcols, qmiss),
            tables,
            engine=self.engine.name,
            decision_source="model" if model is not None else f"predictions column '{decision}'",
            warnings=warnings + d.warnings,
            not_assessed=() if model is not None else (PREDICTIONS_ONLY,),
            model=model,
            score_bound=bound,
        )

    def _guard(self, df: Any, kinds: dict[str, str]) -> None:
        """Before the GROUP BY: a sensitive column with thousands of values (an identifier) would bring back as many
        rows as the data has; refuse it as in memory (approximate counts first, exact ones only for a wide column)."""
        spec, F = self.spec, self.F
        sens = list(spec.sensitive)
        got = df.agg(*[F.approx_count_distinct(F.col(f"`{f}`")).alias(f"d{i}") for i, f in enumerate(sens)]).collect()[0]
        if not any(int(got[i]) > MAX_GROUPS for i in range(len(sens))):
            return
        exact = df.agg(
            F.count(F.lit(1)),
            *[F.countDistinct(F.col(f"`{f}`")) for f in sens],
            *[F.sum((~valid(F, f, kinds[f])).cast("long")) for f in sens],
        ).collect()[0]
        n, k = int(exact[0]), len(sens)
        has_missing = {f: int(exact[1 + k + i] or 0) > 0 for i, f in enumerate(sens)}
        check_cost_counts({f: int(exact[1 + i]) + int(has_missing[f]) for i, f in enumerate(sens)}, has_missing, n, spec)

    def _audited(self, df: Any, kinds: dict[str, str], compact: pd.DataFrame, d: Distinct) -> Any:
        """The audited rows with their cell, outcome (0/1) and sensitive values after --na-values: a join with the
        small table of distinct sensitive values (broadcast), never a row brought back."""
        spec, F = self.spec, self.F
        t, kept = spec.target, d.kept
        m = pd.DataFrame({f"__attest_k{j}": compact[f].astype(object) for j, f in enumerate(spec.sensitive)})
        for j, f in enumerate(spec.sensitive):
            m[f"__attest_m{j}"] = compact[f].astype(object).where(kept[f].notna().to_numpy(), None)
        m[CELL] = d.index.cell_of_row.astype(np.int64)
        m = m.drop_duplicates(subset=[f"__attest_k{j}" for j in range(len(spec.sensitive))]).reset_index(drop=True)
        m = m.astype(object).where(m.notna(), None)
        fields = [(f"__attest_k{j}", f) for j, f in enumerate(spec.sensitive)] + [
            (f"__attest_m{j}", f) for j, f in enumerate(spec.sensitive)
        ]
        types = pyspark_modules()[0].types
        picked = df.select(*[F.col(f"`{f}`").alias(a) for a, f in fields]).schema.fields
        schema = types.StructType([*picked, types.StructField(CELL, types.LongType())])
        mapping = self.spark.createDataFrame([tuple(r) for r in m.itertuples(index=False)], schema)
        positives = [v for v, yy in zip(kept[t].tolist(), d.y.tolist(), strict=True) if yy]
        cond = [F.col(f"`{f}`").eqNullSafe(F.col(f"__attest_k{j}")) for j, f in enumerate(spec.sensitive)]
        joined = df.where(valid(F, t, kinds[t])).join(F.broadcast(mapping), on=cond, how="inner")
        return joined.withColumn(Y, F.col(f"`{t}`").isin(list(dict.fromkeys(positives))))


def _cell_values(d: Distinct, sensitive: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """Each cell's sensitive values (after --na-values; missing as pandas holds it), from its first distinct row."""
    out: list[tuple[Any, ...]] = [() for _ in range(d.index.n_cells)]
    cells, first = np.unique(d.index.cell_of_row, return_index=True)
    columns = [d.kept[f].to_numpy(dtype=object) for f in sensitive]
    for c, r in zip(cells.tolist(), first.tolist(), strict=True):
        out[c] = tuple(col[r] for col in columns)
    return out
