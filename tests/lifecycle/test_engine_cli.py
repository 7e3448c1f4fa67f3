"""`attest monitor` / `attest drift --engine duckdb|memory|auto` from the command line: the same exit code and
result as in memory, recorded in the trail; --memory-limit only with DuckDB; auto picks DuckDB for a large file."""

from __future__ import annotations

import json

import pytest

from audit.errors import InputError
from audit.lifecycle import ooc_run
from audit.trail import Workspace
from cli.main import main
from tests.lifecycle.monitor_helpers import simulate
from tests.lifecycle.test_monitor_duckdb import _numbers


@pytest.fixture(scope="module")
def d(tmp_path_factory):
    d = tmp_path_factory.mktemp("engine_cli")
    simulate(3000, 1, days=30).drop(columns="time").to_parquet(d / "ref.parquet")
    simulate(3000, 3, days=90, drift_from="2024-02-15").to_parquet(d / "log.parquet")
    return d


def _monitor(d, ws, out, *extra):
    return main(
        ["monitor", "--data", str(d / "log.parquet"), "--time-column", "time", "--window", "1mo", "--predictions", "pred",
         "--scores", "score", "--target", "y", "--sensitive", "group", "--reference", str(d / "ref.parquet"),
         "--workspace", str(ws), "--json", str(out), *extra]
    )  # fmt: skip


def test_monitor_engines_agree_and_duckdb_is_recorded(d, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert _monitor(d, tmp_path / "w.attest", a, "--engine", "memory") == 1
    assert _monitor(d, tmp_path / "w.attest", b, "--engine", "duckdb", "--memory-limit", "200MB") == 1
    ra, rb = json.loads(a.read_text()), json.loads(b.read_text())
    assert (ra["engine"], rb["engine"]) == ("memory", "duckdb") and ra["alerts"]
    ra.pop("engine"), rb.pop("engine")
    _numbers(ra, rb)
    with Workspace.open(tmp_path / "w.attest", create=False) as w:
        assert len(w.events(kind="monitoring_run")) == 2


def test_drift_engines_agree(d, tmp_path):
    outs = []
    for engine in ("memory", "duckdb"):
        out = tmp_path / f"{engine}.json"
        files = ["--reference", str(d / "ref.parquet"), "--current", str(d / "log.parquet")]
        columns = ["--features", "x", "--scores", "score", "--predictions", "pred", "--sensitive", "group"]
        args = ["drift", *files, *columns, "--engine", engine, "--json", str(out)]
        assert main(args) == 1
        outs.append(json.loads(out.read_text()))
    assert outs[1].pop("engine") == "duckdb" and outs[0].pop("engine") == "memory"
    _numbers(outs[0], outs[1])  # every figure equal (floats to 1e-9: the order of sums differs)


def test_memory_limit_without_duckdb_is_refused(d, tmp_path, capsys):
    assert _monitor(d, tmp_path / "w.attest", tmp_path / "x.json", "--engine", "memory", "--memory-limit", "1GB") == 2
    assert "--memory-limit applies to the DuckDB engine" in capsys.readouterr().err


def test_auto_picks_duckdb_for_a_large_file_it_can_monitor(d, monkeypatch):
    import audit.engines

    monkeypatch.setattr(audit.engines, "AUTO_BYTES", 1000)  # the test files are larger than this
    log = d / "log.parquet"
    assert ooc_run.choose_engine("auto", [log]) == "duckdb"  # with a model or windows of N rows too: DuckDB does both
    monkeypatch.setattr(audit.engines, "AUTO_BYTES", 10**12)
    assert ooc_run.choose_engine("auto", [log]) == "memory"
    with pytest.raises(InputError):
        ooc_run.choose_engine("spark", [log])
