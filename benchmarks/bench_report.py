"""Benchmark: the PDF report for 60 intersectional groups (5 x 4 x 3 sensitive values, 20k rows) with all charts.

    python benchmarks/bench_report.py [--rows 20000] [--repeat 2]

Prints the total and its parts for the first report in a fresh process (which pays for importing matplotlib and
reportlab and loading fonts) and for later ones, each beside its goal: the first report < 3 s (issue 14). The charts are
drawn by a spawned worker process (reports/chartproc.py on audit.parallel) while this process lays out the pages;
"waited" is how long the layout stood still for them. ATTEST_CHART_PROCESSES=0 draws them in this process instead, for
comparison. Process time is given for this process and for its worker processes (CPU seconds: steady on a busy
machine, where wall time is not).

NumPy and pandas are imported inside the functions that use them: a spawned worker process runs this script's
module-level code again (as `__mp_main__`), and the product's own entry points (the CLI) import neither there.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

GOAL_FIRST_S = 3.0  # issue 14: the 60-group report from a fresh process


def cpu_seconds() -> tuple[float, float]:
    """(this process, its ended child processes): user + system CPU seconds."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def make_data(path: Path, rows: int, seed: int = 1) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    eth = rng.choice(
        ["Asian", "Black", "Hispanic", "White", "Other, multiple or not stated"], rows, p=[0.1, 0.15, 0.15, 0.5, 0.1]
    )
    age = rng.choice(["18–25", "26–40", "41–60", "60+"], rows)
    gender = rng.choice(["Female", "Male", "Non-binary"], rows, p=[0.48, 0.48, 0.04])
    y = (rng.random(rows) < 0.3 + 0.1 * (eth == "White") + 0.05 * (age == "41–60")).astype(int)
    s = np.clip(0.5 * y + 0.25 + rng.normal(0, 0.2, rows) - 0.05 * (eth == "Black"), 0, 1)
    pd.DataFrame(
        {
            "ethnicity": eth,
            "age_band": age,
            "gender": gender,
            "y": y,
            "p": (s >= 0.5).astype(int),
            "s": s,
            "income": rng.normal(50, 10, rows),
        }
    ).to_csv(path, index=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    from audit.policy import resolve_policy
    from audit.run import run_audit
    from audit.spec import AuditSpec

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        make_data(d / "bench.csv", args.rows)
        spec = AuditSpec(
            data_path=str(d / "bench.csv"),
            target="y",
            sensitive=("ethnicity", "age_band", "gender"),
            predictions_column="p",
            scores_column="s",
            positive_label="1",
            policy=resolve_policy("standard"),
            bootstrap=200,
            seed=0,
        )
        result = run_audit(spec)
        inter = sum(1 for g in result.groups if len(g.level) == 3)
        print(
            f"result: {len(result.groups)} groups ({inter} three-way intersections), {len(result.verdicts)} verdicts, "
            f"{len(result.disparities)} disparities"
        )
        t = time.perf_counter()
        from reports import export_report

        print(f"import reports: {time.perf_counter() - t:.2f} s")
        for i in range(args.repeat):
            t, (own0, kids0) = time.perf_counter(), cpu_seconds()
            e = export_report(result, d / f"bench-{i}.pdf")
            total = time.perf_counter() - t
            own1, kids1 = cpu_seconds()  # the chart workers have ended: their CPU is in RUSAGE_CHILDREN
            label = "first report in this process" if i == 0 else "next report"
            cpu = e.cpu_seconds
            assert cpu is not None, "export_report measures process time"
            where = (
                f"in worker processes beside the layout, which waited {e.chart_wait_seconds:.2f} s for them"
                if e.charts_in_parallel
                else "in this process"
            )
            goal = f" (goal < {GOAL_FIRST_S:.0f} s)" if i == 0 else ""
            print(
                f"{label}: {inter}-group report {total:.2f} s{goal}; charts {e.chart_seconds:.2f} s ({where}), "
                f"PDF build {e.build_seconds:.2f} s (process time: charts {cpu['charts']:.2f}, build {cpu['build']:.2f}, "
                f"total {cpu['total']:.2f}); CPU: this process {own1 - own0:.2f} s, chart workers {kids1 - kids0:.2f} s; "
                f"{e.pages} pages, {e.pdf_path.stat().st_size / 1e6:.1f} MB"
            )


if __name__ == "__main__":
    main()
