"""Cancel and progress inside a running DuckDB query (audit/engines/duckdb_watch.py): the cancel token interrupts the
query itself (not only the gaps between queries), and progress reports rows processed while a query runs."""

from __future__ import annotations

import threading
import time

import duckdb
import numpy as np
import pandas as pd
import pytest

import audit.engines.duckdb_watch as watch_module
from audit.cancel import CancelToken
from audit.draft import AuditDraft
from audit.engines.duckdb_engine import DuckDBEngine
from audit.engines.duckdb_watch import QueryWatch
from audit.errors import Cancelled


def _con():
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    return con


def test_progress_reports_rows_processed_during_a_query():
    con, seen = _con(), []
    with QueryWatch(con, lambda stage, step, of, text: seen.append((stage, text)), CancelToken(), interval=0.02) as w:
        w.stage("groups", 2)
        w.rows = 200_000_000
        total = con.sql("SELECT sum(i % 7) FROM range(200000000) t(i)").fetchall()[0][0]
    assert total == sum(i % 7 for i in range(200_000_000 % 7)) + (200_000_000 // 7) * 21
    assert seen and all(stage == "groups" for stage, _ in seen)
    done = [int(text.split()[1].replace(",", "")) for _, text in seen]
    assert all("of 200,000,000 rows processed" in text for _, text in seen)
    assert done == sorted(done) and 0 <= done[0] < 200_000_000  # rows only move forward, during the query


def test_the_cancel_token_interrupts_a_running_query():
    con, token = _con(), CancelToken()
    threading.Timer(0.3, token.set).start()
    t0 = time.perf_counter()
    with pytest.raises(duckdb.InterruptException), QueryWatch(con, lambda *a: None, token, interval=0.02) as w:
        con.sql("SELECT sum(i % 7) FROM range(1000000000000) t(i)").fetchall()  # hours of work
    assert w.interrupted and time.perf_counter() - t0 < 10


def test_cancel_during_the_engine_run_is_a_cancel_not_a_data_error(tmp_path, monkeypatch):
    monkeypatch.setattr(watch_module, "INTERVAL", 0.005)
    n = 1_500_000  # long enough that a poll falls inside a query on a fast machine
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.choice(list("abcdef"), n), "b": rng.integers(0, 5, n), "y": rng.integers(0, 2, n)})
    df["pred"] = rng.integers(0, 2, n)
    path = tmp_path / "d.parquet"
    df.to_parquet(path, index=False)
    spec = AuditDraft(
        data_path=str(path), target="y", sensitive=("a", "b"), positive_label="1", source="predictions", predictions_column="pred"
    ).to_spec(hint="")
    token, seen = CancelToken(), []

    def progress(stage, step, of, text):
        seen.append(text)
        if text.startswith("DuckDB:"):
            token.set()  # cancel while a query runs

    with pytest.raises(Cancelled):
        DuckDBEngine().statistics(spec, progress, token)
    assert any(t.startswith("DuckDB:") for t in seen)
