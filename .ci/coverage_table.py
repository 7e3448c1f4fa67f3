"""Coverage of each product package (audit, reports, gui, cli) from the data the test run left (pytest-cov, combined).

`python .ci/coverage_table.py [DATA_FILE]` prints one table: statements, missed, cover per package and in total, then
the least-covered modules of each package. Reads the [tool.coverage] configuration of pyproject.toml, so the packages
measured are the `source` list there.
"""

from __future__ import annotations

import sys
from pathlib import Path

import coverage

ROOT = Path(__file__).resolve().parents[1]
WORST = 5  # modules listed per package, least covered first


def package_of(path: Path) -> str:
    return path.relative_to(ROOT).parts[0]


def main(argv: list[str]) -> int:
    config = str(ROOT / "pyproject.toml")
    # (data_file=None would mean "no data file": leave it to the configuration unless one is named.)
    cov = coverage.Coverage(data_file=argv[0], config_file=config) if argv else coverage.Coverage(config_file=config)
    cov.load()
    source = cov.config.source or []
    totals: dict[str, list[int]] = {p: [0, 0] for p in source}
    modules: dict[str, list[tuple[float, str, int, int]]] = {p: [] for p in source}
    # Every file of the packages, run or not (a module no test imports counts as 0%, as `coverage report` does).
    for package in source:
        for path in sorted((ROOT / package).rglob("*.py")):
            _, statements, _, missing, _ = cov.analysis2(str(path))
            n, miss = len(statements), len(missing)
            totals[package][0] += n
            totals[package][1] += miss
            if n:
                modules[package].append(((n - miss) / n, str(path.relative_to(ROOT)), n, miss))
    print(f"{'package':<10} {'statements':>10} {'missed':>8} {'cover':>7}")
    all_n = all_miss = 0
    for package, (n, miss) in totals.items():
        all_n, all_miss = all_n + n, all_miss + miss
        print(f"{package:<10} {n:>10} {miss:>8} {100 * (n - miss) / max(n, 1):>6.1f}%")
    print(f"{'TOTAL':<10} {all_n:>10} {all_miss:>8} {100 * (all_n - all_miss) / max(all_n, 1):>6.1f}%")
    for package in source:
        worst = sorted(modules[package])[:WORST]
        print(f"\n{package}: least covered")
        for share, name, n, miss in worst:
            print(f"  {100 * share:5.1f}%  {name} ({miss} of {n} statements missed)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
