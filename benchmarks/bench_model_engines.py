"""Model audit (HistGradientBoosting) of a large Parquet file, in memory vs DuckDB (one streamed scoring pass):
wall, CPU (user + system of the audit's process and children) and peak RSS, each audit in its own process.

    python benchmarks/bench_model_engines.py [--rows 1000000 10000000] [--folder DIR] [--explain]

Each run is `python -m cli.main audit ... --no-explain` (add --explain for the 30 s budget) under /usr/bin/time
(wall, user + system CPU, maximum RSS); the data and model are written once per size into --folder."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np


def write(folder: Path, rows: int) -> tuple[Path, Path]:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq
    import skops.io as sio
    from sklearn.ensemble import HistGradientBoostingClassifier

    data, model = folder / f"model_{rows}.parquet", folder / "hgb.skops"
    rng = np.random.default_rng(0)
    if not model.exists():
        train = _frame(rng, 50_000)
        fit = HistGradientBoostingClassifier(max_iter=100, random_state=0)
        fit.fit(train[["income", "years", "debt", "band", "age"]], train["y"])
        sio.dump(fit, model)
    if not data.exists():
        with pq.ParquetWriter(data, pa.Schema.from_pandas(_frame(rng, 10), preserve_index=False)) as w:
            for start in range(0, rows, 1_000_000):
                part = _frame(np.random.default_rng(start), min(1_000_000, rows - start))
                w.write_table(pa.Table.from_pandas(part, preserve_index=False))
        del pd
    return data, model


def _frame(rng: np.random.Generator, n: int):  # type: ignore[no-untyped-def]
    import pandas as pd

    race = rng.choice(["White", "Black", "Asian", "Other"], n, p=[0.55, 0.25, 0.15, 0.05])
    sex = rng.choice(["F", "M"], n)
    income = rng.lognormal(10, 0.5, n)
    years = rng.integers(0, 40, n)
    debt = rng.uniform(0, 1, n)
    band = rng.integers(1, 6, n)
    age = rng.integers(18, 80, n)
    logit = 0.00002 * (income - 22000) - 1.5 * debt + 0.02 * years + 0.3 * (race == "White")
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    return pd.DataFrame(
        {"race": race, "sex": sex, "income": income, "years": years, "debt": debt, "band": band, "age": age, "y": y}
    )


def run(data: Path, model: Path, engine: str, out: Path, explain: bool) -> dict[str, float]:
    argv = ["/usr/bin/time", "-f", "ATTEST_TIME %e %U %S %M", sys.executable, "-m", "cli.main", "audit", "--data", str(data)]
    argv += ["--model", str(model), "--target", "y", "--sensitive", "race,sex", "--positive-label", "1", "--bootstrap", "200"]
    argv += ["--quiet", "--engine", engine, "--json", str(out), "--force", *([] if explain else ["--no-explain"])]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    line = [ln for ln in done.stderr.splitlines() if ln.startswith("ATTEST_TIME")]
    if done.returncode not in (0, 1) or not line:
        raise SystemExit(f"{engine} failed:\n{done.stderr[-2000:]}")
    wall, user, system, rss_kb = (float(v) for v in line[-1].split()[1:])
    return {"wall_s": wall, "cpu_s": round(user + system, 1), "peak_rss_mb": round(rss_kb / 1024)}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    p.add_argument("--folder", type=Path, default=Path("/tmp/attest_bench_model"))
    p.add_argument("--explain", action="store_true")
    args = p.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    for rows in args.rows:
        data, model = write(args.folder, rows)
        for engine in ("duckdb", "numpy"):
            got = run(data, model, engine, args.folder / f"r_{rows}_{engine}.json", args.explain)
            print(json.dumps({"rows": rows, "engine": engine, **got}), flush=True)
        a, b = (json.loads((args.folder / f"r_{rows}_{e}.json").read_text()) for e in ("numpy", "duckdb"))
        same = a["overall"] == b["overall"] and a["verdicts"] == b["verdicts"]
        print(json.dumps({"rows": rows, "same_overall_and_verdicts": same}), flush=True)


if __name__ == "__main__":
    main()
