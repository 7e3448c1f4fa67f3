"""Cutting a log into windows: exact rows per window, naive and offset times, refusals with a message."""

from __future__ import annotations

import pandas as pd
import pytest

from audit.errors import InputError
from audit.lifecycle.windows import cut, parse_times, parse_window

LOG = [
    "2024-01-03T09:00:00",
    "2024-01-01T00:00:00",
    "2024-01-07T23:59:59",
    "2024-01-08T00:00:00",
    "2024-01-20T12:00:00",
    "2024-02-01T00:00:00",
    "2024-02-29T23:00:00",
    "2024-03-01T00:00:01",
]


def _cut(values, window):
    t, utc = parse_times(pd.Series(values), "time")
    return cut(t, parse_window(window), utc), t


def test_seven_day_windows_from_the_first_day_with_empty_gaps_kept():
    ws, _ = _cut(LOG, "7d")
    # Jan 1-7 | Jan 8-14 | Jan 15-21 | Jan 22-28 | Jan 29-Feb 4 | Feb 5-11 | ... | Feb 26-Mar 3
    counts = [w.rows.size for w in ws]
    assert counts == [3, 1, 1, 0, 1, 0, 0, 0, 2]
    assert ws[0].start == "2024-01-01T00:00:00" and ws[0].end == "2024-01-08T00:00:00"
    assert sorted(ws[0].rows.tolist()) == [0, 1, 2]  # positions in the file, not in time order
    assert ws[0].rows.tolist() == [1, 0, 2]  # but listed in time order


def test_calendar_months_follow_the_calendar():
    ws, _ = _cut(LOG, "1mo")
    assert [(w.start[:10], w.rows.size) for w in ws] == [("2024-01-01", 5), ("2024-02-01", 2), ("2024-03-01", 1)]
    two, _ = _cut(LOG, "2mo")
    assert [w.rows.size for w in two] == [7, 1]


def test_row_windows_every_n_rows_in_time_order():
    ws, t = _cut(LOG, "3")
    assert [w.rows.size for w in ws] == [3, 3, 2]
    ordered = t.sort_values(kind="stable").index.tolist()
    assert [i for w in ws for i in w.rows.tolist()] == ordered


def test_rows_counted_equal_a_direct_pandas_cut():
    import numpy as np

    rng = np.random.default_rng(3)
    t = pd.Timestamp("2024-03-05 17:00") + pd.to_timedelta(rng.uniform(0, 90, 5000), unit="D")
    ws, _ = _cut(list(t.strftime("%Y-%m-%dT%H:%M:%S.%f")), "7d")
    days = (t.normalize() - pd.Timestamp("2024-03-05")).days
    expected = pd.Series(days // 7).value_counts().reindex(range(len(ws)), fill_value=0).tolist()
    assert [w.rows.size for w in ws] == expected
    assert sum(expected) == 5000


def test_offset_times_are_cut_in_utc():
    # 23:30 at +02:00 is 21:30 UTC on Jan 1; 00:30 at +02:00 on Jan 2 is 22:30 UTC on Jan 1; 01:00Z is Jan 2.
    ws, t = _cut(["2024-01-01T23:30:00+02:00", "2024-01-02T00:30:00+02:00", "2024-01-02T01:00:00Z"], "1d")
    assert [w.rows.size for w in ws] == [2, 1]
    assert ws[0].start == "2024-01-01T00:00:00Z"
    assert str(t[0]) == "2024-01-01 21:30:00"


def test_naive_times_are_used_as_written():
    ws, _ = _cut(["2024-01-01T23:30:00", "2024-01-02T00:30:00"], "1d")
    assert [w.rows.size for w in ws] == [1, 1]
    assert not ws[0].start.endswith("Z")


@pytest.mark.parametrize(
    "values, words",
    [
        (["2024-01-01", "yesterday", "2024-01-03"], "not dates or times"),
        (["2024-01-01T10:00:00Z", "2024-01-02T10:00:00"], "mixes times with a UTC offset"),
        (["2024-01-01", None], "empty in 1 row"),
        ([1, 2, 3], "holds numbers"),
        (["2024-13-45", "2024-01-01"], "not dates or times"),
        (["batch-1000", "2024-01-01T10:00:00"], "not dates or times"),  # "-1000" is no UTC offset
    ],
)
def test_unparseable_times_are_refused_with_a_message(values, words):
    with pytest.raises(InputError) as exc:
        parse_times(pd.Series(values), "when")
    assert words in exc.value.message and "'when'" in exc.value.message
    assert exc.value.hint


@pytest.mark.parametrize("text", ["7x", "0d", "-3", "week", ""])
def test_bad_window_sizes_are_refused(text):
    with pytest.raises(InputError, match="not a window size"):
        parse_window(text)


def test_window_sizes_parse():
    assert (parse_window("7d").kind, parse_window("7d").size) == ("days", 7)
    assert (parse_window("1mo").kind, parse_window("3MO").size) == ("months", 3)
    assert (parse_window("5000").kind, parse_window("5000").size) == ("rows", 5000)
