"""Cutting a production log into monitoring windows: calendar days (`7d`), calendar months (`1mo`) or every N rows.

Times are read as ISO 8601 (`2024-05-01`, `2024-05-01T14:30`, `...Z`, `...+02:00`) or taken as they are from a
date-time column (Parquet, Excel). A log is either all naive (local clock, used as written) or all with offsets
(converted to UTC, so windows are UTC days); a mix is refused, since a naive time cannot be placed against UTC.
Day windows start at 00:00 of the first logged day, month windows on the first of its month; a window with no rows
is kept (n = 0), so a gap in the log shows instead of vanishing."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from audit.errors import InputError

_SPEC = re.compile(r"^\s*(\d+)\s*(d|mo|)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class WindowSpec:
    kind: str  # "days" | "months" | "rows"
    size: int

    def label(self) -> str:
        return {"days": f"{self.size}d", "months": f"{self.size}mo", "rows": f"{self.size} rows"}[self.kind]


@dataclass(frozen=True)
class Window:
    index: int
    start: str  # ISO 8601 (inclusive); for row windows the first row's time
    end: str  # exclusive for calendar windows; for row windows the last row's time
    rows: np.ndarray  # positions into the log


def parse_window(text: str) -> WindowSpec:
    m = _SPEC.match(str(text))
    if not m or int(m.group(1)) < 1:
        raise InputError(
            f"--window {text!r} is not a window size.", "Give days (7d), calendar months (1mo) or a number of rows (5000)."
        )
    n, unit = int(m.group(1)), m.group(2).lower()
    return WindowSpec({"d": "days", "mo": "months", "": "rows"}[unit], n)


def _examples(values: pd.Series) -> str:
    shown = list(pd.unique(values.astype(str)))[:3]
    return ", ".join(repr(v) for v in shown)


def parse_times(col: pd.Series, name: str) -> tuple[pd.Series, bool]:
    """The time column as naive datetime64 (as written, or in UTC when the log carries offsets) and whether it is
    UTC; refused with examples when a value is missing, is not a time, or naive and offset times are mixed."""
    missing = col.isna()
    if missing.any():
        raise InputError(
            f"The time column '{name}' is empty in {int(missing.sum()):,} row(s) (e.g. row "
            f"{int(np.flatnonzero(missing.to_numpy())[0]) + 1}).",
            "Every logged decision needs the time it was made; fill those in or remove the rows.",
        )
    if pd.api.types.is_datetime64_any_dtype(col):
        t = col
    elif pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        raise InputError(
            f"The time column '{name}' holds numbers ({_examples(col)}), not dates or times.",
            "Log times as ISO 8601 text, e.g. 2024-05-01T14:30:00 or 2024-05-01T12:30:00Z.",
        )
    else:
        text = col.astype(str).str.strip()
        # an offset follows a clock time (so '2024-05-01' or 'batch-1000' never counts as one)
        offset = text.str.contains(r"\d\d:\d\d(?::\d\d(?:\.\d+)?)?\s*(?:Z|[+-]\d\d:?\d\d)$", regex=True)
        if offset.any() and not offset.all():
            raise InputError(
                f"The time column '{name}' mixes times with a UTC offset ({_examples(text[offset])}) and "
                f"times without ({_examples(text[~offset])}).",
                "Log every time the same way: all in UTC with Z (or an offset), or all local.",
            )
        try:
            t = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=bool(offset.all()))
        except (ValueError, TypeError, OverflowError):
            t = pd.Series(pd.NaT, index=col.index)
        bad = t.isna()
        if bad.any():
            raise InputError(
                f"{int(bad.sum()):,} value(s) of the time column '{name}' are not dates or times ({_examples(text[bad])}).",
                "Log times as ISO 8601, e.g. 2024-05-01, 2024-05-01T14:30:00 or 2024-05-01T12:30:00Z.",
            )
    utc = getattr(t.dt, "tz", None) is not None
    if utc:
        t = t.dt.tz_convert("UTC").dt.tz_localize(None)  # windows are cut in UTC; the labels end in Z
    return t.astype("datetime64[ns]").reset_index(drop=True), utc


def _iso(ts: pd.Timestamp, utc: bool) -> str:
    return str(ts.isoformat()) + ("Z" if utc else "")


def cut(times: pd.Series, spec: WindowSpec, utc: bool = False) -> list[Window]:
    """Windows over the log in time order; rows with the same time keep their file order."""
    if len(times) == 0:
        raise InputError("The log has no rows to monitor.", "Point --data at the production log with its decisions.")
    order = np.argsort(times.to_numpy(), kind="stable")
    ordered = times.to_numpy()[order]
    if spec.kind == "rows":
        out = []
        for i, a in enumerate(range(0, len(order), spec.size)):
            b = min(a + spec.size, len(order))
            out.append(Window(i, _iso(pd.Timestamp(ordered[a]), utc), _iso(pd.Timestamp(ordered[b - 1]), utc), order[a:b]))
        return out
    first, last = pd.Timestamp(ordered[0]), pd.Timestamp(ordered[-1])
    edges = calendar_edges(first, last, spec)
    bounds = np.searchsorted(ordered, np.array(edges, dtype="datetime64[ns]"), side="left")
    return [
        Window(i, _iso(edges[i], utc), _iso(edges[i + 1], utc), order[bounds[i] : bounds[i + 1]]) for i in range(len(edges) - 1)
    ]


def calendar_edges(first: pd.Timestamp, last: pd.Timestamp, spec: WindowSpec) -> list[pd.Timestamp]:
    """The windows' starts from the first logged day (or its month) past the last time; refused past 100,000."""
    if spec.kind == "days":
        start = first.normalize()
        step = pd.DateOffset(days=spec.size)
    else:
        start = first.normalize().replace(day=1)
        step = pd.DateOffset(months=spec.size)
    edges = [start]
    while edges[-1] <= last:
        edges.append(edges[-1] + step)
        if len(edges) > 100_001:
            raise InputError(
                f"--window {spec.label()} cuts the log ({first} to {last}) into more than 100,000 windows.",
                "Choose a longer window, e.g. 7d or 1mo.",
            )
    return edges
