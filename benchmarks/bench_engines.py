"""Engines side by side: `attest audit --engine numpy`, `--engine duckdb` and `--engine spark` (local[2], with
`--engines numpy,duckdb,spark`; needs the spark extra and Java) on predictions-only Parquet files beside a plain
DuckDB GROUP BY of the same counts (the floor).

    python benchmarks/bench_engines.py [--rows 1000000,10000000] [--repeat 2] [--keep DIR] [--memory-limit 2GB]

Each file: 3 sensitive columns (race 5 values, sex 2 and missing, age band 6: 90 cells), a 0/1 target, decisions and
full-precision scores (about one distinct score per row, the hardest case for the score statistics). Each run is a
fresh process (`--no-explain`, 1000 posterior draws); wall time and the process's peak resident memory (ru_maxrss)
are printed. Floors, each in its own process: the confusion counts per cell (GROUP BY cell, target, decision), and
those plus the per-(cell, score) outcome counts the score metrics need. The figures are printed; this is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
kind, arg = sys.argv[1], sys.argv[2:]
if kind == "audit":
    from cli.main import main
    rc = main(arg)
    assert rc in (0, 1), rc
else:
    import duckdb
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{arg[1]}'")
    src = f"read_parquet('{arg[0]}')"
    con.sql(f"SELECT race, sex, band, y, pred, count(*) FROM {src} GROUP BY ALL").fetchall()
    if kind == "floor_scores":
        con.sql(f"SELECT race, sex, band, score, count(*) FILTER (WHERE y = 1), count(*) FILTER (WHERE y = 0) "
                f"FROM {src} GROUP BY ALL ORDER BY score").fetchnumpy()
# The Spark engine's JVM is a child process: its peak counts too.
mb = max(resource.getrusage(r).ru_maxrss for r in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
print(json.dumps({"s": time.perf_counter() - t0, "mb": mb}))
"""


def make_parquet(path: Path, rows: int, seed: int = 0) -> None:
    """Written in slices of 1M rows, so generating 10M rows needs no more memory than 1M."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    races = np.array(["White", "Black", "Asian", "Hispanic", "Other"])
    sexes = np.array(["Female", "Male", None], dtype=object)
    bands = np.array(["18-25", "26-35", "36-45", "46-55", "56-65", "66+"])
    writer = None
    for start in range(0, rows, 1_000_000):
        n = min(1_000_000, rows - start)
        race = rng.choice(5, n, p=[0.55, 0.2, 0.1, 0.1, 0.05])
        sex = rng.choice(3, n, p=[0.49, 0.49, 0.02])
        band = rng.integers(0, 6, n)
        y = (rng.random(n) < 0.3 + 0.05 * (race == 0)).astype(np.int64)
        score = np.clip(0.3 * y + 0.7 * rng.random(n) - 0.05 * (race == 1), 0.0, 1.0)
        table = pa.table(
            {
                "race": races[race],
                "sex": pa.array(sexes[sex], type=pa.string()),
                "band": bands[band],
                "y": y,
                "score": score,
                "pred": (score >= 0.5).astype(np.int64),
            }
        )
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    assert writer is not None, "at least one chunk is written"
    writer.close()


def child(kind: str, args: list[str], env_path: str) -> dict:
    kind, _, root = kind.partition(":")
    if root:  # another checkout's code, with the same extra paths (duckdb)
        env_path = root + os.pathsep + env_path.split(os.pathsep, 1)[-1] if os.pathsep in env_path else root
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, kind, *args],
        capture_output=True,
        text=True,
        cwd=root or ROOT,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "PYSPARK_PYTHON": sys.executable},
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="1000000,10000000")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--memory-limit", default="2GB")
    ap.add_argument("--keep", type=Path)
    ap.add_argument("--engines", default="numpy,duckdb")
    ap.add_argument("--spark-master", default="local[2]")
    ap.add_argument("--before", type=Path, help="also run `attest audit` from this checkout (e.g. the code before engines)")
    a = ap.parse_args()
    env_path = os.pathsep.join([str(ROOT), *[p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]])
    folder = a.keep or Path(tempfile.mkdtemp(prefix="bench_engines_"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"{'rows':>11} {'run':<28} {'wall s':>8} {'peak MB':>8}")
    for rows in (int(r) for r in a.rows.split(",")):
        path = folder / f"preds_{rows}.parquet"
        if not path.exists():
            make_parquet(path, rows)
        audit = [
            "audit",
            "--data",
            str(path),
            "--target",
            "y",
            "--sensitive",
            "race,sex,band",
            "--predictions",
            "pred",
            "--scores",
            "score",
            "--positive-label",
            "1",
            "--no-explain",
            "--quiet",
            "--force",
        ]
        runs = [
            (
                f"attest --engine {e}",
                "audit",
                [
                    *audit,
                    "--engine",
                    e,
                    "--json",
                    str(folder / f"r_{rows}_{e}.json"),
                    *(["--memory-limit", a.memory_limit] if e == "duckdb" else []),
                    *(["--spark-master", a.spark_master] if e == "spark" else []),
                ],
            )
            for e in a.engines.split(",")
        ]
        if a.before:
            runs.insert(
                0,
                (
                    f"attest ({a.before.name}), in memory",
                    "audit:" + str(a.before),
                    [*audit, "--json", str(folder / f"r_{rows}_before.json")],
                ),
            )
        runs += [
            ("duckdb GROUP BY counts", "floor", [str(path), a.memory_limit]),
            ("duckdb GROUP BY + scores", "floor_scores", [str(path), a.memory_limit]),
        ]
        for label, kind, args in runs:
            got = [child(kind, args, env_path) for _ in range(a.repeat)]
            s = min(g["s"] for g in got)
            mb = max(g["mb"] for g in got)
            each = ", ".join(f"{g['s']:.2f}" for g in got)
            print(f"{rows:>11,} {label:<28} {s:>8.2f} {mb:>8.0f}   (runs: {each})", flush=True)
        files = [folder / f"r_{rows}_{e}.json" for e in a.engines.split(",")]
        sys.path.insert(0, str(ROOT))
        from tests.engine.engine_cases import differences, load

        for other in files[1:]:
            if files[0].exists() and other.exists():
                d = differences(load(files[0]), load(other))
                same = "identical (1e-12)" if not d else f"{len(d)} differences: {d[:3]}"
                print(f"{'':>11} {other.stem.rsplit('_', 1)[-1]} against {files[0].stem.rsplit('_', 1)[-1]}: {same}")


if __name__ == "__main__":
    main()
