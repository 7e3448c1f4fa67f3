"""Coverage benchmark: do Attest's intervals cover the truth as often as they claim, and do its verdicts avoid false
fails on data with no effect?

    python benchmarks/bench_coverage.py [--sims 4000] [--null-sims 300] [--boundary-sims 60] [--seed 0] [--skip-null]

1. Coverage at nominal 95% of the production intervals (audit/stats/intervals.py), each cell from --sims simulated
   datasets: one rate (n rows, rate p); the difference and the ratio of a group (n, p) against a comparator of the
   same size with rate 0.5, and against a large comparator (1,000 rows, rate 0.3). n in 15, 30, 60, 200, 1000;
   p in 0, 0.02, 0.05, 0.3, 0.5, 0.95, 0.98, 1. Goal: every cell 93-99%, boundary cells (p = 0 or 1) at least 95%.
   The Monte-Carlo standard error of a coverage near 95% is sqrt(0.95 * 0.05 / sims): 0.34 points at 4,000.
   Also the exact coverage (a sum over every possible count, no simulation) of each rate cell, and Wilson's beside it.
2. False fails on no-effect data: 1,000,000 rows, 3, 5 and 7 sensitive features whose values do not influence the
   outcomes or the decisions; the "standard" policy (four-fifths against the highest group, TPR and FPR gaps within
   0.1 against the reference) over every feature and intersection; counts how many simulated reports contain any
   fail. Goal: at most 5% with the default family-wise control; printed beside the same data judged with no
   multiplicity control (each verdict at one-sided 5%). Then the same on data where every rule holds exactly at its
   threshold (ratio 0.8, gaps 0.1): the least favourable case for false fails.

Figures are printed; this is not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audit.policy import PRESETS, Policy  # noqa: E402
from audit.stats import estimates, intervals, verdict_pairs  # noqa: E402
from audit.stats.cells import build_index  # noqa: E402

NS = (15, 30, 60, 200, 1000)
PS = (0.0, 0.02, 0.05, 0.3, 0.5, 0.95, 0.98, 1.0)
Z95 = intervals.z_two_sided(0.95)
COMPARATORS = ((None, 0.5), (1000, 0.3))  # (rows or None for the group's own n, rate)


def _cell_ok(cov: float, p: float, tol: float) -> bool:
    return cov >= 0.95 - tol if p in (0.0, 1.0) else 0.93 - tol <= cov <= 0.99 + tol


def _table(title: str, rows: dict[int, list[float]], tol: float = 0.0) -> tuple[float, float, int]:
    """Print a coverage table; * marks a cell off the goal (by more than `tol`, two Monte-Carlo standard errors
    for simulated cells, 0 for exact ones)."""
    print(f"\n{title}")
    print("  n \\ rate " + "".join(f"{p:>7g}" for p in PS))
    bad = 0
    for n, covs in rows.items():
        marks = []
        for p, c in zip(PS, covs, strict=True):  # one coverage per rate
            ok = _cell_ok(c, p, tol)
            bad += not ok
            marks.append(f"{c * 100:6.1f}{' ' if ok else '*'}")
        print(f"  {n:>8} " + "".join(marks))
    allc = [c for covs in rows.values() for c in covs]
    interior = [c for covs in rows.values() for p, c in zip(PS, covs, strict=True) if 0 < p < 1]
    print(
        f"  interior cells {min(interior) * 100:.1f}-{max(interior) * 100:.1f}%, all cells {min(allc) * 100:.1f}-"
        f"{max(allc) * 100:.1f}%; cells off the goal (*): {bad}"
    )
    return min(allc), max(allc), bad


def _exact_pair(kind: str, n: int, p: float, nc: int, q: float) -> float:
    """Exact coverage of a difference / ratio interval: the probability of every (x1, x2) whose interval covers."""
    x1, x2 = np.arange(n + 1)[:, None], np.arange(nc + 1)[None, :]
    w = stats.binom.pmf(x1, n, p) * stats.binom.pmf(x2, nc, q)
    _, lo, hi = intervals.compare(kind, x1 + 0 * x2, n, x2 + 0 * x1, nc, Z95)
    truth = p - q if kind == "difference" else p / q
    eps = 1e-12 * max(1.0, abs(truth))
    return float(w[(lo <= truth + eps) & (truth - eps <= hi)].sum())


def coverage(sims: int, rng: np.random.Generator) -> tuple[int, int]:
    """(simulated cells off the goal by more than 2 Monte-Carlo SE, exact cells off the goal)."""
    bad = bad_exact = 0
    tol = 2 * np.sqrt(0.95 * 0.05 / sims)
    rows: dict[int, list[float]] = {}
    for n in NS:
        rows[n] = []
        for p in PS:
            x = rng.binomial(n, p, sims)
            lo, hi = intervals.rate(x, n, Z95)
            rows[n].append(float(np.mean((lo <= p) & (p <= hi))))
    bad += _table(f"Rate (Agresti-Coull), simulated coverage %, {sims} datasets per cell", rows, tol)[2]

    exact, wilson = {}, {}
    for n in NS:
        x = np.arange(n + 1)
        lo, hi = intervals.rate(x, n, Z95)
        centre, half = (
            (x + Z95**2 / 2) / (n + Z95**2),
            Z95 * np.sqrt(n) / (n + Z95**2) * np.sqrt(x / n * (1 - x / n) + Z95**2 / (4 * n)),
        )
        wlo, whi = np.where(x == 0, 0, centre - half), np.where(x == n, 1, centre + half)
        exact[n] = [float(stats.binom.pmf(x, n, p)[(lo <= p) & (p <= hi)].sum()) for p in PS]
        wilson[n] = [float(stats.binom.pmf(x, n, p)[(wlo <= p + 1e-12) & (p <= whi + 1e-12)].sum()) for p in PS]
    bad_exact += _table("Rate (Agresti-Coull), exact coverage % (no simulation)", exact)[2]
    _table("For comparison: Wilson's score interval, exact coverage %", wilson)

    for kind in ("difference", "ratio"):
        for n_c, q in COMPARATORS:
            rows = {}
            for n in NS:
                nc = n if n_c is None else n_c
                rows[n] = []
                for p in PS:
                    x1, x2 = rng.binomial(n, p, sims), rng.binomial(nc, q, sims)
                    _, lo, hi = intervals.compare(kind, x1, n, x2, nc, Z95)
                    truth = p - q if kind == "difference" else p / q
                    eps = 1e-12 * max(1.0, abs(truth))
                    rows[n].append(float(np.mean((lo <= truth + eps) & (truth - eps <= hi))))
            who = "a comparator of the same size" if n_c is None else f"a comparator of {n_c:,} rows"
            method = "MOVER" if kind == "difference" else "MOVER-R"
            bad += _table(
                f"{kind.capitalize()} ({method}) against {who} with rate {q}, simulated coverage %, {sims} per cell", rows, tol
            )[2]
            ex = {n: [_exact_pair(kind, n, p, n if n_c is None else n_c, q) for p in PS] for n in NS}
            bad_exact += _table("  ... the same cells, exact coverage %", ex)[2]
    return bad, bad_exact


# ---------------------------------------------------------------- false fails on data with no effect

LEVELS = (3, 2, 4, 2, 3, 2, 2)  # categories of the 1st..7th sensitive feature


def _confusion(base: float, tpr: float, fpr: float) -> np.ndarray:
    return np.array([(1 - base) * (1 - fpr), (1 - base) * fpr, base * (1 - tpr), base * tpr])  # tn fp fn tp


def _null_world(k: int, rows: int, rng: np.random.Generator, at_threshold: bool = False):
    """The index of all category combinations of k features, each cell's share of the rows (unequal), and each
    cell's confusion probabilities: the same everywhere (no effect), or (`at_threshold`) every rule exactly at its
    threshold: the first feature's first value has TPR 0.75, FPR 0.333 (selection 0.5), every other value TPR 0.65,
    FPR 0.233 (selection 0.4): ratio 0.8 and gaps of 0.1, so every rule holds and any fail is false."""
    combos = pd.MultiIndex.from_product([[f"v{j}" for j in range(L)] for L in LEVELS[:k]], names=[f"s{i}" for i in range(k)])
    df = combos.to_frame(index=False)
    index = build_index(df, tuple(df.columns))
    share = np.ones(len(df))
    for i, L in enumerate(LEVELS[:k]):
        w = np.linspace(2.0, 1.0, L)
        share *= (w / w.sum())[df[f"s{i}"].str[1:].astype(int).to_numpy()]
    share /= share.sum()
    if not at_threshold:
        return index, share, np.repeat(_confusion(0.4, 0.7, 0.2)[None, :], len(df), axis=0)
    first = (df["s0"] == "v0").to_numpy()[:, None]
    return index, share, np.where(first, _confusion(0.4, 0.75, 1 / 3), _confusion(0.4, 0.65, 0.7 / 3))


def _simulate_counts(index, share, confusion, rows: int, rng: np.random.Generator) -> np.ndarray:
    probs = (share[:, None] * confusion).ravel()
    per_combo = rng.multinomial(rows, probs).reshape(len(share), 4)
    counts = np.zeros((index.n_cells, 4), dtype=np.int64)
    np.add.at(counts, index.cell_of_row, per_combo)
    return counts


def null_family(sims: int, rows: int, rng: np.random.Generator, at_threshold: bool = False) -> None:
    what = "data where every rule holds exactly at its threshold" if at_threshold else "no-effect data"
    print(f"\nFalse fails on {what}: {rows:,} rows, policy 'standard', {sims} simulated datasets per row")
    print("  features  groups  verdicts  tests m  deciding level  reports with any fail: family-wise | no control  s/dataset")
    holm_policy = PRESETS["standard"]
    loose = Policy(name="standard-alone", checks=holm_policy.checks, multiplicity="none")
    for k in (3, 5, 7):
        index, share, confusion = _null_world(k, rows, rng, at_threshold)
        any_fail = {"holm": 0, "none": 0}
        fails_total = {"holm": 0, "none": 0}
        t0 = time.perf_counter()
        m = groups = units = 0
        level = 0.0
        for _ in range(sims):
            counts = _simulate_counts(index, share, confusion, rows, rng)
            all_stats = [estimates.level_stats(lv, index.n_cells, counts, {}, 0, rng) for lv in index.levels]
            for name, policy in (("holm", holm_policy), ("none", loose)):
                d = verdict_pairs.decide(policy, all_stats, 30, needed=False)
                f = d.failed_units()
                any_fail[name] += f > 0
                fails_total[name] += f
                if name == "holm":
                    m, level, units = d.m, d.level, len(d.units)
            groups = sum(len(st.level.groups) for st in all_stats)
        secs = (time.perf_counter() - t0) / sims
        rate = any_fail["holm"] / sims
        se = np.sqrt(max(rate * (1 - rate), 0.05 * 0.95) / sims)
        print(
            f"  {k:>8} {groups:>7} {units:>9} {m:>8}  {level * 100:>13.5f}%  {rate * 100:5.1f}% (+/- {se * 100:.1f}), "
            f"{fails_total['holm']} fails in all | {any_fail['none'] / sims * 100:5.1f}%, {fails_total['none'] / sims:.1f} "
            f"fails per report  {secs:.2f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sims", type=int, default=4000, help="simulated datasets per coverage cell (>= 1000)")
    ap.add_argument("--null-sims", type=int, default=300, help="simulated no-effect datasets per feature count")
    ap.add_argument("--boundary-sims", type=int, default=60, help="simulated at-threshold datasets per feature count")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-null", action="store_true")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    bad, bad_exact = coverage(args.sims, rng)
    print(
        f"\nCoverage goal (93-99%, boundary cells >= 95%): simulated cells off by more than 2 Monte-Carlo SE: {bad}; "
        f"exact cells off at all: {bad_exact}"
    )
    if not args.skip_null:
        null_family(args.null_sims, args.rows, rng)
        null_family(args.boundary_sims, args.rows, rng, at_threshold=True)


if __name__ == "__main__":
    main()
