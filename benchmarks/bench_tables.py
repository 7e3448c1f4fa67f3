"""Benchmark: report tables alone, built and drawn into a PDF (30 tables of 80 rows x 7 columns, wrapped group names,
right-aligned numbers, flagged cells): the cost of `reports.tables.table` and reportlab's Table drawing.

    python benchmarks/bench_tables.py [--tables 30] [--rows 80] [--repeat 7]

Prints the CPU time of this process (min and median of the repeats: other processes' load moves wall time).
"""

from __future__ import annotations

import argparse
import io
import random
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tables", type=int, default=30)
    ap.add_argument("--rows", type=int, default=80)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    from reports.layout_primitives import TEXT_WIDTH
    from reports.tables import Cell, table

    rng = random.Random(1)
    words = "ethnicity age band gender Hispanic White Female 18–25 selection rate false negative 0.4123 [0.39, 0.43]".split()

    def rows(n: int) -> list[list[Cell]]:
        out: list[list[Cell]] = [["Group", "n", "Selection", "FNR", "FPR", "Ratio", "Flag"]]
        for i in range(n):
            name = " ".join(rng.choice(words) for _ in range(rng.randint(2, 9)))
            out.append(
                [
                    name,
                    str(rng.randint(10, 5000)),
                    f"{rng.random():.3f} [0.1, 0.2]",
                    f"{rng.random():.3f}",
                    "" if i % 3 else f"{rng.random():.3f}",
                    f"{rng.random():.2f}",
                    "✱ small" if i % 7 == 0 else "",
                ]
            )
        return out

    data = [rows(args.rows) for _ in range(args.tables)]
    widths = [TEXT_WIDTH * f for f in (0.3, 0.08, 0.16, 0.1, 0.1, 0.1, 0.16)]
    flags = {(6, i): "small" for i in range(1, args.rows, 7)}

    def build() -> None:
        story = [table(d, widths, align_right_from=1, flags=flags) for d in data]
        SimpleDocTemplate(io.BytesIO(), pagesize=A4).build(story)

    build()  # fonts loaded, caches warm
    times = []
    for _ in range(args.repeat):
        t = time.process_time()
        build()
        times.append(time.process_time() - t)
    times.sort()
    print(f"{args.tables} tables x {args.rows} rows x 7 columns: CPU min {times[0]:.3f} s, median {times[len(times) // 2]:.3f} s")


if __name__ == "__main__":
    main()
