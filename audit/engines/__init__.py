"""Engines: what turns (data, spec) into the per-cell statistics of an audit (audit/engines/base.py).

- "numpy": the file in memory (pandas). Default; the only engine for the NYC LL144 tables (they need every row).
- "duckdb": audits computed by SQL GROUP BY in DuckDB, out of core under a memory limit, from Parquet, CSV or a
  table of a DuckDB database file; a model is scored in one streamed pass of Arrow batches and explained on a
  seeded stratified sample of the file (audit/engines/duckdb_model.py).
- "spark": data on a Spark cluster (or `local[N]`): the aggregation and the model's predictions run in Spark and only
  the statistics come back (audit/engines/spark_engine.py); needs the `spark` extra (pyspark) and Java.
- "auto": DuckDB for a Parquet/CSV/DuckDB file of at least `AUTO_BYTES` (with or without a model) unless the NYC
  LL144 tables are asked for, else NumPy.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit.errors import InputError

if TYPE_CHECKING:
    from audit.engines.base import CellStatistics, Engine, Prepared, QualityStatistics, ScoreTable
    from audit.spec import AuditSpec

_FROM_BASE = ("CellStatistics", "Engine", "Prepared", "QualityStatistics", "ScoreTable")


def __getattr__(name: str) -> Any:
    # The statistics types load pandas and scipy (half a second): the desktop app asks `spark_available()` while it
    # builds its first window, so they are imported only when a caller uses them.
    if name in _FROM_BASE:
        from audit.engines import base

        return getattr(base, name)
    raise AttributeError(f"module 'audit.engines' has no attribute {name!r}")


ENGINES = ("numpy", "duckdb", "spark", "auto")
# A pandas frame takes about 3-10x its Parquet file in memory (strings as Python objects); from 256 MB on disk
# the in-memory path needs gigabytes, where DuckDB streams the file under its memory limit.
AUTO_BYTES = 256 * 1024 * 1024

__all__ = [
    "AUTO_BYTES",
    "ENGINES",
    "CellStatistics",
    "Engine",
    "Prepared",
    "QualityStatistics",
    "ScoreTable",
    "choose_engine",
    "make_engine",
    "spark_available",
]


def choose_engine(name: str, spec: AuditSpec) -> str:
    """The engine `name` stands for with this spec ("auto" resolved)."""
    if name not in ENGINES:
        raise InputError(f"--engine {name!r} is not an engine.", f"Choose one of: {', '.join(ENGINES)}.")
    if name != "auto":
        return name
    if spec.sheet is not None or spec.bias_audit is not None or spec.policy.bias_audit == "nyc_ll144":
        return "numpy"  # a workbook, or the NYC tables: only the in-memory engine does them
    try:
        path = Path(spec.data_path)
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(12)
    except OSError:
        return "numpy"  # the loader says what is wrong with the path
    if head[8:12] == b"DUCK":
        return "duckdb"  # a DuckDB database: only that engine reads it
    return "duckdb" if size >= AUTO_BYTES else "numpy"


def spark_available() -> bool:
    """Whether the Spark engine can be offered (pyspark installed; Java is checked when a session starts)."""
    import importlib.util

    return importlib.util.find_spec("pyspark") is not None


def make_engine(name: str, spec: AuditSpec, **options: Any) -> Engine:
    """The engine to run `spec` with; `options` go to the DuckDB engine (memory_limit, table, threads) or the Spark
    engine (master, spark: a session to use) and are not used by the in-memory one."""
    chosen = choose_engine(name, spec)
    if chosen == "numpy":
        from audit.engines.numpy_engine import NumpyEngine

        return NumpyEngine()
    if chosen == "spark":
        from audit.engines.spark_engine import SparkEngine

        return SparkEngine(**options)
    from audit.engines.duckdb_engine import DuckDBEngine

    return DuckDBEngine(**options)
