"""Wall time and peak memory of `attest monitor` on large Parquet logs, in memory and out of core (DuckDB), beside
DuckDB's bare GROUP BY of the same counts (rows and selections per month and group).

The log: a year of decisions (time, group A/B/C, region 5 values, x numeric with 6 decimals (many distinct values,
so out of core it is a fine histogram), score, decision, outcome for half the rows); the reference: 200,000 rows.
Monthly windows, the default plan's checks plus drift within groups. Each measurement runs in its own process
(peak memory = that process's maximum resident set). Figures on a shared machine are "under load".

Run: PYTHONPATH=$PWD python benchmarks/bench_monitor.py [ROWS ...]   (default 1000000 10000000)"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHECKS = ["selection_rate_change", "selection_ratio", "accuracy_drop", "tpr_drop", "drift", "group_drift"]
TIMEOUT = 1800  # seconds per measurement


def make(path: Path, n: int, seed: int, start: str = "2024-01-01") -> None:
    """Written in slices of 1M rows (pyarrow), so making a 10M-row log needs no 10M-row frame."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    writer = None
    for a in range(0, n, 1_000_000):
        m = min(1_000_000, n - a)
        t = pd.Timestamp(start) + pd.to_timedelta(rng.uniform(0, 365, m), unit="D")
        x = rng.normal(0, 1, m) + (t >= pd.Timestamp("2024-07-01")) * 0.3
        p = 1 / (1 + np.exp(-2 * x))
        y = rng.binomial(1, p).astype(float)
        y[rng.uniform(size=m) < 0.5] = np.nan
        frame = pd.DataFrame(
            {
                "time": t,
                "group": rng.choice(["A", "B", "C"], m),
                "region": rng.choice(["n", "s", "e", "w", "c"], m),
                "x": x.round(6),
                "score": p.round(4),
                "pred": (p >= 0.5).astype(np.int64),
                "y": y,
            }
        )
        table = pa.Table.from_pandas(frame, preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    assert writer is not None
    writer.close()


def child(engine: str, log: str, ref: str) -> None:
    from audit.lifecycle.plan import MonitorPlan
    from audit.lifecycle.windows import parse_window

    plan = MonitorPlan.model_validate({"checks": CHECKS})
    spec = parse_window("1mo")
    kw = dict(predictions="pred", scores="score", target="y", sensitive=["group", "region"])
    t0, c0 = time.perf_counter(), time.process_time()
    if engine == "memory":
        from audit.lifecycle.monitor import monitor
        from audit.lifecycle.monitor_inputs import load_inputs

        windows = len(monitor(load_inputs(log, ref, "time", **kw), plan, spec).windows)  # type: ignore[arg-type]
    elif engine == "duckdb":
        from audit.lifecycle.ooc_run import monitor_duckdb

        windows = len(monitor_duckdb(log, ref, "time", spec, plan, memory_limit="1GB", **kw).windows)  # type: ignore[arg-type]
    else:  # DuckDB's own GROUP BY of the counts monitor needs most: rows and selections per month and group
        import duckdb

        con = duckdb.connect()
        con.execute("SET memory_limit = '1GB'")
        rows = con.execute(
            f"SELECT date_trunc('month', time), \"group\", region, count(*), sum(pred) FROM read_parquet('{log}') GROUP BY ALL"
        ).fetchall()
        windows = len({r[0] for r in rows})
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"wall": wall, "cpu": cpu, "peak_mb": peak, "windows": windows}))


def measure(engine: str, log: Path, ref: Path) -> dict[str, float] | None:
    cmd = [sys.executable, __file__, "--child", engine, str(log), str(ref)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT, check=True)
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as exc:
        print(f"  {engine} failed: {exc.stderr.strip().splitlines()[-1:]}")
        return None
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ref = Path(tmp) / "ref.parquet"
        make(ref, 200_000, 1, start="2023-06-01")
        print(f"{'rows':>11} {'engine':<14} {'wall s':>8} {'CPU s':>8} {'peak MB':>8}  windows")
        for n in sizes:
            log = Path(tmp) / f"log_{n}.parquet"
            make(log, n, 2)
            for engine in ("memory", "duckdb", "groupby"):
                r = measure(engine, log, ref)
                label = {"memory": "in memory", "duckdb": "DuckDB", "groupby": "bare GROUP BY"}[engine]
                if r is None:
                    print(f"{n:>11,} {label:<14} {'-':>8} {'-':>8} {'-':>8}  (did not finish in {TIMEOUT} s)")
                else:
                    print(f"{n:>11,} {label:<14} {r['wall']:>8.1f} {r['cpu']:>8.1f} {r['peak_mb']:>8.0f}  {int(r['windows'])}")
            log.unlink()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main([int(a) for a in sys.argv[1:]] or [1_000_000, 10_000_000])
