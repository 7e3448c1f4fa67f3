"""Hostile input to the DuckDB engine: every refusal is an audit.errors message (exit 2, "How to fix"), never a
traceback. The whole bad-input corpus runs through it too (its messages may be worded by DuckDB for broken files)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.bad_inputs.test_bad_inputs import BAD, _argv, run_cli


def _refused(rc: int, err: str) -> None:
    assert "Traceback" not in err and "internal error" not in err, err
    assert rc == 2, f"exit {rc}\n{err}"
    assert err.startswith("error: ") and "How to fix: " in err, err


@pytest.mark.parametrize("argv, expected", [pytest.param(a, e, id=i) for i, a, e in BAD])
def test_corpus_refused_cleanly_by_duckdb_engine(argv, expected, corpus, tmp_path, capsys):
    out = tmp_path / "result.json"
    rc, _, err = run_cli([*_argv(argv, corpus, out), "--engine", "duckdb"], capsys)
    _refused(rc, err)
    assert not out.exists()


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(3)
    n = 400
    df = pd.DataFrame(
        {
            "g": rng.choice(["a", "b"], n),
            "y": rng.integers(0, 2, n),
            "p": rng.integers(0, 2, n),
            "s": rng.random(n),
            "s_text": rng.choice(["0.2", "high"], n),
            "many": np.arange(n) % 7,
        }
    )
    df.to_parquet(tmp_path / "d.parquet", index=False)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute(f"CREATE TABLE preds AS SELECT * FROM read_parquet('{tmp_path / 'd.parquet'}')")
    con.execute("CREATE TABLE other AS SELECT 1 AS x")
    con.close()
    return tmp_path


def _audit(tmp_path, *extra, data="d.parquet"):
    return [
        "audit",
        "--data",
        str(tmp_path / data),
        "--target",
        "y",
        "--sensitive",
        "g",
        "--positive-label",
        "1",
        "--json",
        str(tmp_path / "r.json"),
        "--quiet",
        "--engine",
        "duckdb",
        *extra,
    ]


CASES = [
    ("missing_column", ["--predictions", "pred"], "d.parquet", ["predictions column 'pred' is not in the dataset", "g, y, p, s"]),
    ("scores_not_numbers", ["--predictions", "p", "--scores", "s_text"], "d.parquet", ["not all numbers", "'high'"]),
    ("scores_out_of_range", ["--predictions", "p", "--scores", "many"], "d.parquet", ["outside [0, 1]"]),
    ("predictions_not_binary", ["--predictions", "many"], "d.parquet", ["predictions column 'many' is not binary"]),
    ("table_not_found", ["--predictions", "p", "--table", "nope"], "w.duckdb", ["Table 'nope' is not in", "preds", "other"]),
    ("table_needed", ["--predictions", "p"], "w.duckdb", ["2 tables", "--table NAME"]),
    ("table_for_parquet", ["--predictions", "p", "--table", "preds"], "d.parquet", ["is not one", "Drop --table"]),
    ("model_not_found", ["--model", "m.skops"], "d.parquet", ["Model file not found", "--model"]),
    ("bad_memory_limit", ["--predictions", "p", "--memory-limit", "lots"], "d.parquet", ["not an amount of memory"]),
    (
        "nyc_tables_need_rows",
        ["--predictions", "p", "--policy", "nyc_ll144"],
        "d.parquet",
        ["NYC Local Law 144 tables are computed on the in-memory engine", "--engine numpy"],
    ),
    ("memory_too_small", ["--predictions", "p", "--memory-limit", "1KB"], "d.parquet", ["memory limit", "--memory-limit"]),
]


@pytest.mark.parametrize("extra, file, expected", [pytest.param(e, f, x, id=i) for i, e, f, x in CASES])
def test_duckdb_refusals(extra, file, expected, data, capsys):
    rc, _, err = run_cli(_audit(data, *extra, data=file), capsys)
    _refused(rc, err)
    for s in expected:
        assert s in err, f"{s!r} missing from:\n{err}"
    assert not (data / "r.json").exists()


def test_engine_options_need_the_duckdb_engine(data, capsys):
    argv = [a for a in _audit(data, "--predictions", "p", "--memory-limit", "1GB") if a not in ("--engine", "duckdb")]
    rc, _, err = run_cli(argv, capsys)
    _refused(rc, err)
    assert "--memory-limit apply to the DuckDB engine" in err


def test_table_of_a_duckdb_database_is_audited(data, capsys):
    rc, _, err = run_cli(_audit(data, "--predictions", "p", "--scores", "s", "--table", "preds", data="w.duckdb"), capsys)
    assert rc in (0, 1), err
    doc = pd.read_json(data / "r.json", typ="series")
    assert doc["data"]["format"] == "duckdb" and doc["data"]["table"] == "preds" and doc["provenance"]["engine"] == "duckdb"
