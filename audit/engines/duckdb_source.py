"""Opening a data file for the DuckDB engine: Parquet, CSV or a table of a DuckDB database file, as the view `src`,
with its column types and the `DatasetRef` the result records (dtypes named as the in-memory reader names them)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.datasets import _SNIFF_BYTES, PANDAS_NA_VALUES
from audit.engines.checks import sniff_csv
from audit.errors import DatasetError
from audit.hashing import sha256_file
from audit.refs import ColumnInfo, DatasetRef

_PARQUET_MAGIC = b"PAR1"
_DUCKDB_MAGIC = b"DUCK"  # at offset 8 of a DuckDB database file
_FLOATS = ("DOUBLE", "FLOAT", "REAL")
_INTS = {
    "TINYINT": "int8",
    "SMALLINT": "int16",
    "INTEGER": "int32",
    "BIGINT": "int64",
    "HUGEINT": "int64",
    "UTINYINT": "uint8",
    "USMALLINT": "uint16",
    "UINTEGER": "uint32",
    "UBIGINT": "uint64",
}


def ident(name: str) -> str:
    """A column or table name quoted for SQL: any text, even with quotes in it, names exactly that column."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def is_float(sql_type: str) -> bool:
    return sql_type.upper() in _FLOATS


def is_numeric(sql_type: str) -> bool:
    t = sql_type.upper()
    return t in _FLOATS or t in _INTS or t.startswith("DECIMAL")


def is_nested(sql_type: str) -> bool:
    t = sql_type.upper()
    return t.endswith("]") or t.startswith(("STRUCT", "MAP", "UNION", "LIST"))


def valid(col: str, sql_type: str) -> str:
    """SQL that is true where the value is present (NaN counts as missing, as in pandas)."""
    return f"({ident(col)} IS NOT NULL AND NOT isnan({ident(col)}))" if is_float(sql_type) else f"({ident(col)} IS NOT NULL)"


@dataclass(frozen=True)
class Source:
    path: Path
    format: str  # parquet | csv | duckdb
    columns: tuple[tuple[str, str], ...]  # (name, DuckDB type) in file order
    encoding: str | None = None
    delimiter: str | None = None
    table: str | None = None

    @property
    def types(self) -> dict[str, str]:
        return dict(self.columns)


def open_source(con: Any, path: Path, table: str | None, sensitive: tuple[str, ...] = ()) -> Source:
    """Create the view `src` over the file; refuse what the engine cannot read with a message saying what to use."""
    if not path.exists():
        raise DatasetError(
            f"Dataset file not found: {path}", "Check the path; relative paths are resolved from the current folder."
        )
    if path.is_dir():
        raise DatasetError(f"{path} is a folder, not a dataset file.", "Point --data at a .parquet, .csv or .duckdb file.")
    if path.stat().st_size == 0:
        raise DatasetError(
            f"Dataset file {path.name} is empty (0 bytes).", "Export the evaluation data again; the file holds nothing."
        )
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if table is not None and head[8:12] != _DUCKDB_MAGIC:
        raise DatasetError(
            f"--table {table!r} names a table of a DuckDB database, but {path.name} is not one.",
            "Drop --table, or point --data at the .duckdb database file.",
        )
    encoding = delimiter = None
    if head.startswith(_PARQUET_MAGIC):
        fmt = "parquet"
        con.execute(f"CREATE VIEW src AS SELECT * FROM read_parquet({literal(str(path))})")
    elif head[8:12] == _DUCKDB_MAGIC:
        fmt = "duckdb"
        table = _attach(con, path, table)
    elif head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise DatasetError(
            f"{path.name} is an Excel workbook (or another zip file): the DuckDB engine reads Parquet, CSV "
            "and DuckDB database files.",
            "Audit it with --engine numpy, or export the sheet as Parquet or CSV.",
        )
    else:
        fmt = "csv"
        encoding, delimiter = sniff_csv(path, head, "DuckDB")  # DuckDB would rename a repeated header
        _csv_view(con, path, delimiter, sensitive)
    cols = tuple((str(r[0]), str(r[1])) for r in con.execute("DESCRIBE src").fetchall())
    names = [c for c, _ in cols]
    dupes = sorted({c for c in names if names.count(c) > 1})
    if dupes:
        raise DatasetError(
            f"{path.name} has duplicate column names: {', '.join(dupes)}.", "Rename the columns so each name appears once."
        )
    return Source(path=path, format=fmt, columns=cols, encoding=encoding, delimiter=delimiter, table=table)


def _csv_view(con: Any, path: Path, delimiter: str, sensitive: tuple[str, ...]) -> None:
    """The view `src` over a CSV, with missing values as the in-memory reader reads them (audit/datasets.py): pandas'
    list ("NA", "null", "N/A", ...) is missing in every column but the sensitive ones, where only an empty cell is
    (a group called "NA" stays a group). Numbers and text only, as pandas reads a CSV: DuckDB alone would read yes/no
    as booleans and dates as dates.

    One scan with only empty cells missing; in the other columns the view makes pandas' markers missing and gives
    the column the type DuckDB detects when they are missing (a score column with "NA" in it is numbers). Not
    read_csv's `force_not_null` for the sensitive columns: with it, DuckDB 2.0 stops matching the null strings in
    the other columns too."""
    base = (
        f"read_csv({literal(str(path))}, header = true, delim = {literal(delimiter)}, "
        "auto_type_candidates = ['BIGINT', 'DOUBLE', 'VARCHAR']"
    )
    markers = ", ".join(literal(v) for v in PANDAS_NA_VALUES)
    plain = [(str(r[0]), str(r[1])) for r in con.execute(f"DESCRIBE SELECT * FROM {base})").fetchall()]
    as_na = {str(r[0]): str(r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {base}, nullstr = [{markers}])").fetchall()}
    replace = []
    for c, t in plain:
        if c in sensitive or t != "VARCHAR":
            continue  # sensitive: as written; numbers: no marker in them (they would be text)
        value = f"CASE WHEN {ident(c)} IN ({markers}) THEN NULL ELSE {ident(c)} END"
        typed = as_na.get(c, "VARCHAR")
        replace.append(f"{value if typed == 'VARCHAR' else f'CAST({value} AS {typed})'} AS {ident(c)}")
    columns = f"* REPLACE ({', '.join(replace)})" if replace else "*"
    con.execute(f"CREATE VIEW src AS SELECT {columns} FROM {base})")


def _attach(con: Any, path: Path, table: str | None) -> str:
    con.execute(f"ATTACH {literal(str(path))} AS attest_db (READ_ONLY)")
    found = [
        (str(s), str(t))
        for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'attest_db' "
            "UNION ALL SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = 'attest_db' AND NOT internal "
            "ORDER BY 1, 2"
        ).fetchall()
    ]
    shown = ", ".join(t if s == "main" else f"{s}.{t}" for s, t in found[:20]) or "none"
    if table is None:
        if len(found) != 1:
            raise DatasetError(
                f"{path.name} is a DuckDB database with {len(found)} tables ({shown}): which one holds the evaluation data?",
                "Name it with --table NAME.",
            )
        schema, name = found[0]
    else:
        schema, _, name = table.rpartition(".")
        schema = schema or "main"
        if (schema, name) not in found:
            raise DatasetError(f"Table {table!r} is not in the DuckDB database {path.name}.", f"Its tables are: {shown}.")
    con.execute(f"CREATE VIEW src AS SELECT * FROM attest_db.{ident(schema)}.{ident(name)}")
    return name if schema == "main" else f"{schema}.{name}"


def pandas_dtype(src: Source, name: str, sql_type: str, missing: int, parquet: dict[str, str]) -> str:
    """The dtype the in-memory reader (pandas) gives the column, so both engines record the same data description."""
    t = sql_type.upper()
    if name in parquet:
        base = parquet[name]  # pyarrow's own conversion of the file's schema, as pandas.read_parquet does
    elif t in _INTS:
        base = "int64" if src.format == "csv" else _INTS[t]
    elif t in _FLOATS:
        base = "float32" if t == "FLOAT" and src.format != "csv" else "float64"
    elif t == "BOOLEAN":
        base = "bool"
    elif t.startswith("DECIMAL"):
        base = "float64" if src.format == "csv" else "object"
    elif src.format == "csv" or t == "VARCHAR":
        base = "str"  # pandas reads dates and times in a CSV as text
    else:
        base = t.lower()
    if missing and (base.startswith(("int", "uint"))):
        return "float64"  # pandas has no missing integer in a plain int column
    if missing and base == "bool":
        return "object"
    return base


def parquet_dtypes(path: Path) -> dict[str, str]:
    import pyarrow.parquet as pq

    try:
        frame = pq.read_schema(path).empty_table().to_pandas()
    except Exception:  # an unusual schema: fall back to the DuckDB types
        return {}
    return {str(c): str(frame[c].dtype) for c in frame.columns}


def dataset_ref(src: Source, rows: int, missing: dict[str, int]) -> DatasetRef:
    parquet = parquet_dtypes(src.path) if src.format == "parquet" else {}
    return DatasetRef(
        path=str(src.path.resolve()),
        format=src.format,
        sha256=sha256_file(src.path),
        size_bytes=src.path.stat().st_size,
        rows=rows,
        columns=tuple(
            ColumnInfo(name=c, dtype=pandas_dtype(src, c, t, missing.get(c, 0), parquet), missing=missing.get(c, 0))
            for c, t in src.columns
        ),
        encoding=src.encoding,
        delimiter=src.delimiter,
        table=src.table,
    )
