"""Simulated production logs for the monitoring tests and benchmarks/bench_cbpe.py.

One feature x ~ N(0, 1), calibrated scores p = sigmoid(a * x), outcomes y ~ Bernoulli(p), decisions p >= 0.5, and a
group column. A drift from `drift_from` on shifts x by `shift` (covariate drift: the scores stay calibrated, since
the outcome still follows p), so CBPE stays valid while rates and accuracy move."""

from __future__ import annotations

import numpy as np
import pandas as pd


def simulate(
    n: int,
    seed: int,
    *,
    start: str = "2024-01-01",
    days: float = 180,
    drift_from: str | None = None,
    shift: float = 1.0,
    slope: float = 2.0,
    labelled: float = 1.0,
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = pd.Timestamp(start) + pd.to_timedelta(np.sort(rng.uniform(0, days, n)), unit="D")
    group = rng.choice(["A", "B"], n, p=[0.6, 0.4])
    x = rng.normal(0, 1, n)
    if drift_from is not None:
        x = x + np.where(t >= pd.Timestamp(drift_from), shift, 0.0)
    p = 1 / (1 + np.exp(-slope * x))
    y = rng.binomial(1, p).astype(float)
    y[rng.uniform(size=n) >= labelled] = np.nan
    return pd.DataFrame(
        {
            "time": t.strftime("%Y-%m-%dT%H:%M:%S"),
            "group": group,
            "x": x.round(6),
            "score": p.round(6),
            "pred": (p >= 0.5).astype(int),
            "y": y,
        }
    )


def load(log, ref, **kw):
    from audit.lifecycle.monitor_inputs import load_inputs

    args = dict(predictions="pred", scores="score", target="y", sensitive=["group"]) | kw
    return load_inputs(log, ref, "time", **args)
