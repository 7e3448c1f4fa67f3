"""The Spark engine's side of the cluster: the session, the data it reads (a Parquet or CSV path, local or on the
cluster's storage, or a table of the session's catalogue) and the model's predictions run where the data is
(`mapInPandas`, the model file broadcast once to every executor, batches of Arrow record batches).

PySpark is optional (the `spark` extra): it is imported here only, and its absence is an `InputError` naming the
install command. Spark's Python objects (session, DataFrame, Column) have no type information worth the name in
the version we pin, so they cross this module's boundary as `Any`."""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from audit.datasets import _SNIFF_BYTES
from audit.engines.checks import sniff_csv
from audit.errors import DatasetError, InputError
from audit.hashing import sha256_file
from audit.refs import ColumnInfo, DatasetRef

INSTALL_HINT = (
    "Install the Spark extra (pip install 'attest[spark]', which brings pyspark; Spark needs Java 17 or later, "
    "e.g. apt-get install openjdk-17-jre-headless), or audit with --engine numpy or duckdb."
)
PRED = "__attest_pred"
SCORE = "__attest_score"
# Rows per Arrow batch handed to the model on an executor: large enough that predict_proba's per-call cost vanishes,
# small enough that a batch of features stays a few MB.
BATCH_ROWS = 50_000
_PANDAS_DTYPES = {
    "tinyint": "int8",
    "smallint": "int16",
    "int": "int32",
    "bigint": "int64",
    "float": "float32",
    "double": "float64",
    "boolean": "bool",
    "string": "object",
}


_TEXT = str(pd.Series(["text"]).dtype)  # the dtype pandas reads a CSV's text column as: "str" (pandas 3) or "object"


@dataclass(frozen=True)
class Source:
    """What `read` opened: the DataFrame, its format, the local path (None for a table or remote path) and, for a
    local CSV, the encoding and delimiter detected."""

    df: Any
    format: str
    local: Path | None
    encoding: str | None = None
    delimiter: str | None = None


def pyspark_modules() -> tuple[Any, Any]:
    """(pyspark.sql, pyspark.sql.functions), or the error saying how to install them."""
    try:
        import pyspark.sql as sql
        import pyspark.sql.functions as functions
    except ImportError as exc:
        raise InputError("The Spark engine needs PySpark, which is not installed.", INSTALL_HINT) from exc
    return sql, functions


def session(master: str | None) -> Any:
    """The active session if there is one (a notebook's or a test's), else one on `master` (default local[*])."""
    sql, _ = pyspark_modules()
    active = sql.SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    url = master or "local[*]"
    if url.startswith("local"):
        # Local executors start Python workers: the interpreter running Attest has its dependencies.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        return (
            sql.SparkSession.builder.master(url)
            .appName("attest-audit")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")  # Attest's own progress reports the stages
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(BATCH_ROWS))
            .getOrCreate()
        )
    except Exception as exc:  # the JVM did not start (no Java) or the master did not answer: say which
        first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        raise InputError(f"Spark could not start a session on {url}: {first}", INSTALL_HINT) from exc


def read(spark: Any, data: str, sensitive: tuple[str, ...] = ()) -> Source:
    """The data: a path (Parquet file or folder, CSV) or a catalogue table."""
    local = Path(data)
    if local.exists():
        target = local
        if local.is_dir():
            parts = sorted(p for p in local.rglob("*") if p.is_file() and not p.name.startswith(("_", ".")))
            if not parts:
                raise DatasetError(f"{local} is a folder with no data files.", "Point --data at a Parquet file or folder.")
            target = parts[0]
        with open(target, "rb") as fh:
            head = fh.read(_SNIFF_BYTES)
        if head.startswith(b"PAR1"):
            return Source(spark.read.parquet(str(local.resolve())), "parquet", local)
        encoding, delimiter = sniff_csv(target, head, "Spark")  # as the in-memory reader reads it, and records it
        return Source(_csv(spark, str(local.resolve()), sensitive, delimiter), "csv", local, encoding, delimiter)
    if "://" in data or data.startswith("/"):
        if data.lower().rstrip("/").endswith(".csv"):
            return Source(_csv(spark, data, sensitive, ","), "csv", None)
        return Source(spark.read.parquet(data), "parquet", None)
    try:
        return Source(spark.table(data), "table", None)
    except Exception as exc:
        raise DatasetError(
            f"{data!r} is neither a file nor a table Spark knows.",
            "Give a Parquet or CSV path (local or on the cluster's storage) or a table name of the catalogue.",
        ) from exc


def _csv(spark: Any, path: str, sensitive: tuple[str, ...], delimiter: str) -> Any:
    """A CSV as the in-memory reader reads it (audit/datasets.py): pandas' NA markers ("NA", "null", "N/A", ...) are
    missing in every column but the sensitive ones, where only an empty cell is; then each column is whole numbers,
    numbers or text, as pandas types it. Spark's own reader takes a single null string, so: text first, then one job
    that counts, per column, the values that are not whole numbers and not numbers."""
    from audit.datasets import PANDAS_NA_VALUES

    _, F = pyspark_modules()
    raw = spark.read.csv(path, header=True, inferSchema=False, sep=delimiter)
    cols = []
    for c in raw.columns:
        col = F.col(f"`{c}`")
        if c in sensitive:
            cols.append(F.when(col != "", col).alias(c))
        else:
            cols.append(F.when(~col.isin(list(PANDAS_NA_VALUES)), col).alias(c))
    df = raw.select(*cols)
    checks = []
    for c in df.columns:
        col = F.col(f"`{c}`")
        checks += [
            F.sum((col.isNotNull() & F.expr(f"try_cast(`{c}` AS BIGINT)").isNull()).cast("long")),
            F.sum((col.isNotNull() & F.expr(f"try_cast(`{c}` AS DOUBLE)").isNull()).cast("long")),
        ]
    got = df.agg(*checks).collect()[0]
    typed = []
    for i, c in enumerate(df.columns):
        not_int, not_num = int(got[2 * i] or 0), int(got[2 * i + 1] or 0)
        kind = "bigint" if not_int == 0 else "double" if not_num == 0 else None
        typed.append(F.expr(f"try_cast(`{c}` AS {kind})").alias(c) if kind else F.col(f"`{c}`"))
    return df.select(*typed)


def dataset_ref(data: str, src: Source, schema: Any, rows: int, missing: dict[str, int]) -> DatasetRef:
    """What the result records of the data; a file's SHA-256 (a folder's: of its parts in order), none for a table
    or remote path, whose bytes never reach this machine. Column types are named as pandas names them (a CSV's
    text as pandas reads text), as the in-memory engine records them."""
    fmt, local = src.format, src.local
    digest, size = "", 0
    if local is not None and local.is_file():
        digest, size = sha256_file(local), local.stat().st_size
    elif local is not None:
        h = hashlib.sha256()
        for part in sorted(p for p in local.rglob("*") if p.is_file() and not p.name.startswith(("_", "."))):
            h.update(sha256_file(part).encode())
            size += part.stat().st_size
        digest = h.hexdigest()
    parquet: dict[str, str] = {}
    if local is not None and local.is_file() and fmt == "parquet":
        from audit.engines.duckdb_source import parquet_dtypes

        parquet = parquet_dtypes(local)
    cols = []
    for field in schema.fields:
        name, t = str(field.name), str(field.dataType.simpleString())
        dtype = parquet.get(name) or (_TEXT if fmt == "csv" and t == "string" else _PANDAS_DTYPES.get(t, t))
        n = missing.get(name, 0)
        if n and dtype.startswith(("int", "uint")):
            dtype = "float64"  # pandas has no missing integer in a plain int column
        cols.append(ColumnInfo(name=name, dtype=dtype, missing=n))
    return DatasetRef(
        path=str(local.resolve()) if local is not None else data,
        format=fmt,
        sha256=digest,
        size_bytes=size,
        rows=rows,
        columns=tuple(cols),
        table=data if fmt == "table" else None,
        encoding=src.encoding,
        delimiter=src.delimiter,
    )


# --- the model on the executors ---------------------------------------------------------------------------------

_LOADED: dict[str, Any] = {}  # per Python worker: the model loaded once from the broadcast bytes


def _worker_model(blob: dict[str, Any]) -> Any:
    key = str(blob["sha256"])
    if key not in _LOADED:
        from audit.models import load_model

        folder = Path(tempfile.mkdtemp(prefix="attest-model-"))
        path = folder / str(blob["name"])  # the file's own name: the loader detects the format from it
        path.write_bytes(blob["bytes"])
        _LOADED[key] = load_model(
            path,
            positive_label=blob["positive"],
            trust_pickle=bool(blob["trust_pickle"]),
            trusted_types=tuple(blob["trusted_types"]),
            threshold=blob["threshold"],
        )
    return _LOADED[key]


def predict_batches(broadcast: Any, target: str, features: list[str]) -> Any:
    """The function `mapInPandas` runs: each batch with the decision (0/1) and score (NaN without scores) of its
    audited rows (a target present); rows without a target are not scored, as in memory."""

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        model = _worker_model(broadcast.value)
        for batch in batches:
            audited = batch[target].notna().to_numpy()
            pred = np.zeros(len(batch), dtype=np.int8)
            score = np.full(len(batch), np.nan)
            if audited.any():
                part = batch.loc[audited, features]
                decided, scored = model.decide_and_score(part)  # the other engines' one call per batch
                pred[audited] = decided
                if scored is not None:
                    score[audited] = scored
            yield batch.assign(**{PRED: pred, SCORE: score})

    return run


def model_blob(
    path: Path, positive: Any, trust_pickle: bool, trusted_types: tuple[str, ...], threshold: float | None
) -> dict[str, Any]:
    data = path.read_bytes()
    return {
        "name": path.name,
        "bytes": data,
        "sha256": hashlib.sha256(data).hexdigest(),
        "positive": positive,
        "trust_pickle": trust_pickle,
        "trusted_types": list(trusted_types),
        "threshold": threshold,
    }
