"""Reading and checking the log and the reference for `attest monitor --engine duckdb`: the same refusals as the
in-memory reader (audit/lifecycle/monitor_inputs.py), made on what DuckDB reports of the files (distinct decision
and outcome values, score range, the time column's missing and unparsable values), never on the rows in Python."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from audit.engines.duckdb_source import Source, ident, is_numeric, open_source
from audit.errors import DatasetError, InputError
from audit.hashing import sha256_file
from audit.inputs import label_mask
from audit.lifecycle.drift_inputs import _decisions, _require, column_kind
from audit.lifecycle.drift_types import FileInfo
from audit.lifecycle.monitor_inputs import _outcomes

# an offset follows a clock time, as in audit/lifecycle/windows.py parse_times
OFFSET = r"\d\d:\d\d(?::\d\d(?:\.\d+)?)?\s*(?:Z|[+-]\d\d:?\d\d)$"


@dataclass
class Opened:
    con: Any
    src: Source
    info: FileInfo

    @property
    def names(self) -> list[str]:
        return [c for c, _ in self.src.columns]

    def require(self, cols: list[str], role: str) -> None:
        _require(pd.DataFrame(columns=self.names), cols, role, self.info.name)

    def distinct(self, col: str) -> pd.DataFrame:
        return self.con.execute(f"SELECT {ident(col)} AS v, count(*) AS n FROM src GROUP BY 1").fetchdf()

    def sample(self, col: str, n: int = 50) -> pd.Series:
        """A few present values (their pandas type tells numbers from text)."""
        q = f"SELECT {ident(col)} AS v FROM src WHERE {ident(col)} IS NOT NULL LIMIT {n}"
        return self.con.execute(q).fetchdf()["v"]


def open_file(con: Any, path: str | Path, sensitive: list[str]) -> Opened:
    src = open_source(con, Path(path), None, tuple(sensitive))
    rows = int(con.execute("SELECT count(*) FROM src").fetchone()[0])
    if rows == 0:  # as audit/datasets.py says it
        raise DatasetError(f"{src.path.name} has a header but no data rows.", "Export the evaluation data again, with its rows.")
    return Opened(con, src, FileInfo(name=src.path.name, sha256=sha256_file(src.path), rows=rows, format=src.format))


def decisions(ref: Opened, log: Opened, name: str, positive_label: str | None) -> tuple[list[Any], str]:
    """The values of the decisions column counted as positive, checked as the in-memory reader checks them."""
    frames = {"reference": ref.distinct(name), "current": log.distinct(name)}
    for which, f in frames.items():
        missing = int(f.loc[f["v"].isna(), "n"].sum())
        if missing:
            raise InputError(
                f"The decisions column '{name}' has {missing} missing value(s) in the {which} file.",
                "Every row needs the model's decision; remove those rows or fill them in.",
            )
    a, b = frames["reference"]["v"], frames["current"]["v"]
    ma, mb, positive = _decisions(a, b, name, positive_label)
    values = [v for v, m in zip(a, ma, strict=True) if m] + [v for v, m in zip(b, mb, strict=True) if m]
    return list(pd.unique(pd.Series(values, dtype=object))), positive


def outcomes(side: Opened, name: str, positive: str) -> list[Any]:
    f = side.distinct(name)
    _outcomes(f["v"], name, positive, side.info.name)  # refuses what the in-memory reader refuses
    present = f["v"].dropna()
    return [v for v, m in zip(present, label_mask(present, positive), strict=True) if m]


def check_scores(side: Opened, name: str) -> str:
    sql_type = side.src.types[name]
    source = f"column '{name}' of {side.info.name}"
    if not is_numeric(sql_type):
        bad = [v for v in side.sample(name, 200) if pd.isna(pd.to_numeric(pd.Series([v]), errors="coerce")[0])][:3]
        raise InputError(
            f"The scores in {source} are not all numbers: values such as {', '.join(map(repr, bad))}.",
            "Scores must be probabilities between 0 and 1; fix or remove those rows.",
        )
    c = ident(name)
    lo, hi, bad = side.con.execute(
        f"SELECT min({c}), max({c}), count(*) FILTER (WHERE {c} IS NULL OR isnan(CAST({c} AS DOUBLE))) FROM src"
    ).fetchone()
    if bad:
        raise InputError(
            f"The scores in {source} contain {bad} missing or NaN value(s).",
            "Every row needs a score between 0 and 1; fix or remove those rows.",
        )
    if lo is not None and (lo < 0 or hi > 1):
        raise InputError(
            f"The scores in {source} run from {lo:g} to {hi:g}, outside [0, 1].",
            "Give probabilities of the positive outcome (apply a sigmoid to raw margins first).",
        )
    return f"CAST({c} AS DOUBLE)"


def _examples(values: list[Any]) -> str:
    return ", ".join(repr(str(v)) for v in list(dict.fromkeys(values))[:3])


def times(log: Opened, name: str) -> tuple[str, bool, pd.Timestamp, pd.Timestamp]:
    """SQL of the time column as a naive TIMESTAMP (UTC when the log carries offsets), whether UTC, the first and
    last time; refused as audit/lifecycle/windows.py parse_times refuses."""
    c, t = ident(name), log.src.types[name].upper()
    con = log.con
    missing = int(con.execute(f"SELECT count(*) FROM src WHERE {c} IS NULL").fetchone()[0])
    if missing:
        first = con.execute(
            f"SELECT min(i) FROM (SELECT row_number() OVER () AS i, {c} AS t FROM src) WHERE t IS NULL"
        ).fetchone()
        raise InputError(
            f"The time column '{name}' is empty in {missing:,} row(s) (e.g. row {int(first[0])}).",
            "Every logged decision needs the time it was made; fill those in or remove the rows.",
        )
    utc = False
    if t.startswith("TIMESTAMP WITH TIME ZONE") or t == "TIMESTAMPTZ":
        sql, utc = f"timezone('UTC', {c})", True
    elif t.startswith("TIMESTAMP") or t == "DATE":
        sql = f"CAST({c} AS TIMESTAMP)"
    elif is_numeric(t) or t == "BOOLEAN":
        numbers = _examples(list(log.sample(name, 3)))
        raise InputError(
            f"The time column '{name}' holds numbers ({numbers}), not dates or times.",
            "Log times as ISO 8601 text, e.g. 2024-05-01T14:30:00 or 2024-05-01T12:30:00Z.",
        )
    else:
        text = f"trim(CAST({c} AS VARCHAR))"
        off = f"regexp_matches({text}, '{OFFSET}')"
        n_off, n = con.execute(f"SELECT count(*) FILTER (WHERE {off}), count(*) FROM src").fetchone()
        if 0 < n_off < n:
            with_off = [r[0] for r in con.execute(f"SELECT {text} FROM src WHERE {off} LIMIT 3").fetchall()]
            without = [r[0] for r in con.execute(f"SELECT {text} FROM src WHERE NOT {off} LIMIT 3").fetchall()]
            raise InputError(
                f"The time column '{name}' mixes times with a UTC offset ({_examples(with_off)}) and "
                f"times without ({_examples(without)}).",
                "Log every time the same way: all in UTC with Z (or an offset), or all local.",
            )
        utc = bool(n and n_off == n)
        sql = f"timezone('UTC', TRY_CAST({text} AS TIMESTAMPTZ))" if utc else f"TRY_CAST({text} AS TIMESTAMP)"
        bad = int(con.execute(f"SELECT count(*) FROM src WHERE {sql} IS NULL").fetchone()[0])
        if bad:
            shown = [r[0] for r in con.execute(f"SELECT {text} FROM src WHERE {sql} IS NULL LIMIT 3").fetchall()]
            raise InputError(
                f"{bad:,} value(s) of the time column '{name}' are not dates or times ({_examples(shown)}).",
                "Log times as ISO 8601, e.g. 2024-05-01, 2024-05-01T14:30:00 or 2024-05-01T12:30:00Z.",
            )
    lo, hi = con.execute(f"SELECT min({sql}), max({sql}) FROM src").fetchone()
    if lo is None:
        raise InputError("The log has no rows to monitor.", "Point --data at the production log with its decisions.")
    return sql, utc, pd.Timestamp(lo), pd.Timestamp(hi)


def kinds(ref: Opened, log: Opened, features: list[str]) -> dict[str, Any]:
    """Each feature numeric or categorical, refused as the in-memory reader refuses a column of two types."""
    return {f: column_kind(f, ref.sample(f), log.sample(f), ref.info.name, log.info.name) for f in features}


def window_sql(time_sql: str, first: pd.Timestamp, kind: str, size: int) -> str:
    """The window index of a row: calendar days or months from the first logged day (its month), as windows.cut."""
    if kind == "days":
        day = first.normalize().date().isoformat()
        return f"CAST(floor(date_diff('day', DATE '{day}', CAST({time_sql} AS DATE)) / {size}) AS INTEGER)"
    y, m = first.year, first.month
    return f"CAST(floor(((year({time_sql}) - {y}) * 12 + month({time_sql}) - {m}) / {size}) AS INTEGER)"


RANKED = "attest_scratch.ranked"  # the log with each row's window of N rows (`rank_rows`), on disk


def exact_time(log: Opened, name: str, time_sql: str, utc: bool) -> str:
    """The time to the nanosecond, as pandas holds it (`times` gives microseconds, DuckDB's TIMESTAMP): a Parquet
    TIMESTAMP_NS column, or naive text, keeps its nanoseconds; times with offsets are microseconds in DuckDB."""
    t = log.src.types[name].upper()
    if t.startswith("TIMESTAMP_NS"):
        return ident(name)
    if not utc and not (t.startswith("TIMESTAMP") or t == "DATE"):
        return f"TRY_CAST(trim(CAST({ident(name)} AS VARCHAR)) AS TIMESTAMP_NS)"
    return time_sql


def rank_rows(con: Any, time_sql: str, size: int, order: str | None) -> str:
    """The table `attest_scratch.ranked` (the scratch database must be attached): `src` with each row's window of
    `size` rows in time order, rows with the same time in file order (windows.cut sorts stably); returns the window's
    SQL. `order`: SQL of the row's position in its file; None: the position the scan gives (`row_number() OVER ()`
    streams the file in order, on one thread). DuckDB sorts under its memory limit, spilling to disk; the rows go to
    disk before the GROUP BY, which would otherwise hold its aggregates beside the sort's rows."""
    position = order or "row_number() OVER ()"
    con.execute(
        f"CREATE TABLE {RANKED} AS SELECT * EXCLUDE (__attest_pos), "
        f"CAST((row_number() OVER (ORDER BY {time_sql}, __attest_pos) - 1) // {int(size)} AS INTEGER) AS __attest_window "
        f"FROM (SELECT *, {position} AS __attest_pos FROM src)"
    )
    return "__attest_window"
