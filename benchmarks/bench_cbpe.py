"""How far is CBPE's estimated accuracy from the true accuracy, over several simulated drifts?

Each scenario: a reference (with outcomes) and a 6-month log whose outcomes are hidden from `monitor`; monthly
windows of ~1,000 rows. The estimate is compared with the accuracy the hidden outcomes give. Covariate drift
(the feature moves, P(y | score) does not) keeps the scores calibrated, so CBPE should track the truth; concept
drift (P(y | x) changes) breaks its assumption, and the benchmark shows by how much it is then wrong.

Run: PYTHONPATH=$PWD python benchmarks/bench_cbpe.py"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit.lifecycle.monitor import monitor
from audit.lifecycle.plan import MonitorPlan
from audit.lifecycle.windows import parse_window
from tests.lifecycle.monitor_helpers import load, simulate

N, SEEDS = 6000, range(5)


def concept(df: pd.DataFrame, seed: int, flip: float) -> pd.DataFrame:
    """From April, outcomes follow sigmoid(2x - flip): the model's scores overstate positives."""
    rng = np.random.default_rng(seed + 99)
    t = pd.to_datetime(df.time)
    x = df.x.to_numpy()
    p_true = 1 / (1 + np.exp(-(2 * x - np.where(t >= pd.Timestamp("2024-04-01"), flip, 0.0))))
    return df.assign(y=rng.binomial(1, p_true).astype(float))


SCENARIOS = {
    "no drift": lambda s: simulate(N, s),
    "covariate shift +0.5 sd from April": lambda s: simulate(N, s, drift_from="2024-04-01", shift=0.5),
    "covariate shift +1.0 sd from April": lambda s: simulate(N, s, drift_from="2024-04-01", shift=1.0),
    "covariate shift -1.5 sd from April": lambda s: simulate(N, s, drift_from="2024-04-01", shift=-1.5),
    "concept drift (logit -1.0) from April": lambda s: concept(simulate(N, s), s, 1.0),
}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        simulate(6000, 1, days=30).drop(columns="time").to_csv(d / "ref.csv", index=False)
        print(f"{'scenario':<40} {'windows':>7} {'mean |err|':>10} {'max |err|':>9} {'in 95% int.':>11}")
        for name, make in SCENARIOS.items():
            errs, inside = [], 0
            for seed in SEEDS:
                truth = make(seed + 10)
                truth.assign(y=np.nan).to_csv(d / "log.csv", index=False)  # outcomes hidden
                r = monitor(load(d / "log.csv", d / "ref.csv"), MonitorPlan(), parse_window("1mo"))
                month = pd.to_datetime(truth.time).dt.to_period("M")
                for w, m in zip(r.windows, sorted(month.unique()), strict=True):
                    true_acc = float((truth.y == truth.pred)[month == m].mean())
                    assert w.estimated is not None and w.estimated.accuracy is not None  # outcomes hidden: all estimated
                    est = w.estimated.accuracy
                    assert est.value is not None and est.ci_low is not None and est.ci_high is not None
                    errs.append(est.value - true_acc)
                    inside += est.ci_low <= true_acc <= est.ci_high
            e = np.abs(errs)
            print(f"{name:<40} {len(errs):>7} {e.mean():>10.4f} {e.max():>9.4f} {inside / len(errs):>10.0%}")


if __name__ == "__main__":
    main()
