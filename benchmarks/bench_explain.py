"""Attest's explanations vs a direct call of shap with its defaults, same model, same rows, one run.

    .venv/bin/python benchmarks/bench_explain.py            # LightGBM, HGB, RandomForest, XGBoost on 10,000 rows, MLP on 1,000
    .venv/bin/python benchmarks/bench_explain.py --quick    # a tenth of the rows

Attest's time is the whole `explain(...)` call: explainer choice, SHAP values, global importance with 200 bootstrap
resamples, per-group figures, local examples. shap's time is only `shap.TreeExplainer(model)(X)` or
`shap.Explainer(model.predict_proba, X)(X)`. Both run warm (shap imported, a few rows explained first), so neither pays
the ~4 s `import shap`. The check column compares the values: exact algorithms must agree to float rounding; the
permutation estimator is random, so both estimates are compared to a high-precision reference instead.

Where the speed comes from: tree models - shap hands LightGBM and XGBoost models to their own pred_contrib(s) and runs its
compiled classic TreeSHAP on scikit-learn's trees (O(L*D^2) per row and tree, one core); Attest computes the same values
with its leaf-pattern TreeSHAP (audit/explain/leafpatterns.py: a table per leaf once per model, then O(L*D) per row, numba
on both cores), on trees read through public APIs (LightGBM's dump_model, XGBoost's JSON model, shap's parsed ensemble).
XGBoost computes in float32, so there the check column shows XGBoost's own rounding (about 1e-6 at margins near 10).
MLP - all masks of a batch of rows in one model call, shared end points, two processes. The check column shows the
values agree to float rounding.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audit.explain import ExplainSettings, explain, explain_rows
from audit.models import from_estimator, load_model


def synthetic(n: int, features: int = 15, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    from sklearn.datasets import make_classification

    Xa, y = make_classification(n_samples=n, n_features=features, n_informative=8, n_redundant=3, random_state=seed)
    X = pd.DataFrame(Xa, columns=[f"f{i}" for i in range(features)])
    rng = np.random.default_rng(seed)
    X["group"] = rng.choice(["A", "B", "C"], size=n, p=[0.6, 0.3, 0.1])  # audit columns the model does not take
    X["sex"] = rng.choice(["F", "M"], size=n)
    return X, y


def groups(X: pd.DataFrame) -> list[tuple[dict[str, str], np.ndarray]]:
    out = []
    for col in ("group", "sex"):
        for v in sorted(X[col].unique()):
            out.append(({col: v}, np.flatnonzero(X[col].to_numpy() == v)))
    return out


def attest(model, X: pd.DataFrame, rows: int) -> tuple[float, object]:
    # What the audit has already computed when it calls explain (decisions, scores, groups) stays outside the timing.
    scores, decisions, audit_groups = model.score(X), model.decide(X), groups(X)
    started = time.perf_counter()
    res = explain(
        model,
        X,
        groups=audit_groups,
        decisions=decisions,
        scores=scores,
        threshold=None,
        proxies=["f0"],
        settings=ExplainSettings(time_budget_s=3600, max_rows=rows),
        seed=0,
    )
    seconds = time.perf_counter() - started
    assert res.status == "complete" and res.sample_size == rows, (res.status, res.sample_size, res.reason)
    return seconds, res


T = TypeVar("T")
E = TypeVar("E")


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def best_of(
    repeat: int, run_attest: Callable[[], tuple[float, object]], run_shap: Callable[[], E]
) -> tuple[float, object, float, E]:
    """Alternate the two sides and keep each side's fastest run: other programs on a shared machine only add time."""
    best_a = best_s = float("inf")
    res: object = None
    ex: E | None = None
    for _ in range(repeat):
        t, r = run_attest()
        if t < best_a:
            best_a, res = t, r
        t, e = timed(run_shap)
        if t < best_s:
            best_s, ex = t, e
    assert ex is not None, "repeat must be at least 1"
    return best_a, res, best_s, ex


def positive_values(values: np.ndarray) -> np.ndarray:
    v = np.asarray(values)
    return v[..., 1] if v.ndim == 3 else v


def case_lightgbm(n: int, workdir: Path, repeat: int) -> dict:
    import lightgbm as lgb
    import shap

    X, y = synthetic(n)
    feats = [c for c in X.columns if c.startswith("f")]
    booster = lgb.train({"objective": "binary", "num_leaves": 31, "verbose": -1, "seed": 0}, lgb.Dataset(X[feats], y), 200)
    path = workdir / "lgbm.txt"
    booster.save_model(str(path))
    model = load_model(path, positive_label=1)
    native = model.estimator
    shap.TreeExplainer(native)(X[feats].iloc[:20])
    explain_rows(model, X, np.arange(20))
    t_attest, res, t_shap, ex = best_of(repeat, lambda: attest(model, X, n), lambda: shap.TreeExplainer(native)(X[feats]))
    check_rows = np.arange(min(n, 1000))
    mine = explain_rows(model, X, check_rows).values
    diff = np.abs(mine - positive_values(ex.values)[check_rows]).max()
    return dict(case="LightGBM booster, 200 trees", rows=n, attest=t_attest, shap=t_shap, res=res, check=f"max |Δ| {diff:.1e}")


def case_hgb(n: int, repeat: int) -> dict:
    import shap
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = synthetic(n, seed=1)
    feats = [c for c in X.columns if c.startswith("f")]
    est = HistGradientBoostingClassifier(random_state=0).fit(X[feats], y)  # 100 iterations
    model = from_estimator(est)
    shap.TreeExplainer(est)(X[feats].iloc[:20])
    explain_rows(model, X, np.arange(20))
    t_attest, res, t_shap, ex = best_of(repeat, lambda: attest(model, X, n), lambda: shap.TreeExplainer(est)(X[feats]))
    check_rows = np.arange(min(n, 1000))
    diff = np.abs(explain_rows(model, X, check_rows).values - positive_values(ex.values)[check_rows]).max()
    return dict(case="HistGradientBoosting, 100 iter", rows=n, attest=t_attest, shap=t_shap, res=res, check=f"max |Δ| {diff:.1e}")


def case_random_forest(n: int, repeat: int) -> dict:
    import shap
    from sklearn.ensemble import RandomForestClassifier

    X, y = synthetic(n, seed=3)
    feats = [c for c in X.columns if c.startswith("f")]
    est = RandomForestClassifier(n_estimators=100, max_depth=8, random_state=0, n_jobs=1).fit(X[feats], y)
    model = from_estimator(est)
    shap.TreeExplainer(est)(X[feats].iloc[:20])
    explain_rows(model, X, np.arange(20))
    t_attest, res, t_shap, ex = best_of(repeat, lambda: attest(model, X, n), lambda: shap.TreeExplainer(est)(X[feats]))
    check_rows = np.arange(min(n, 1000))
    diff = np.abs(explain_rows(model, X, check_rows).values - positive_values(ex.values)[check_rows]).max()
    return dict(
        case="RandomForest, 100 trees, depth 8", rows=n, attest=t_attest, shap=t_shap, res=res, check=f"max |Δ| {diff:.1e}"
    )


def case_xgboost(n: int, repeat: int) -> dict:
    import shap
    from xgboost import XGBClassifier

    X, y = synthetic(n, seed=4)
    feats = [c for c in X.columns if c.startswith("f")]
    est = XGBClassifier(n_estimators=200, max_depth=6, random_state=0).fit(X[feats], y)
    model = from_estimator(est)
    shap.TreeExplainer(est)(X[feats].iloc[:20])
    explain_rows(model, X, np.arange(20))
    t_attest, res, t_shap, ex = best_of(repeat, lambda: attest(model, X, n), lambda: shap.TreeExplainer(est)(X[feats]))
    check_rows = np.arange(min(n, 1000))
    diff = np.abs(explain_rows(model, X, check_rows).values - positive_values(ex.values)[check_rows]).max()
    return dict(case="XGBoost, 200 trees, depth 6", rows=n, attest=t_attest, shap=t_shap, res=res, check=f"max |Δ| {diff:.1e}")


def case_mlp(n: int, repeat: int) -> dict:
    import shap
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, y = synthetic(max(n, 2000), seed=2)
    feats = [c for c in X.columns if c.startswith("f")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = MLPClassifier((64, 32), max_iter=300, random_state=0).fit(X[feats], y)
    X = X.iloc[:n].reset_index(drop=True)
    model = from_estimator(est)
    # shap's defaults: the model's predict_proba, the rows as masker data (shap samples 100 background rows from them),
    # PermutationExplainer, max_evals=500.
    shap.Explainer(est.predict_proba, X[feats])(X[feats].iloc[:2], silent=True)
    explain_rows(model, X, np.arange(2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # shap passes arrays without column names: sklearn warns on every call
        t_attest, res, t_shap, _ = best_of(
            repeat, lambda: attest(model, X, n), lambda: shap.Explainer(est.predict_proba, X[feats])(X[feats], silent=True)
        )
        # Same algorithm? Give shap Attest's own background; compare both to a high-precision reference (400
        # permutations per row): both are estimates with sampling noise, neither should be biased.
        rows = np.arange(20)
        att = explain_rows(model, X, rows, seed=0).values
        rng = np.random.default_rng([0, 1])  # the seeded draw Attest's model-agnostic explainer makes
        bg = X[feats].iloc[np.sort(rng.choice(len(X), size=100, replace=False))]
        same_bg = shap.PermutationExplainer(lambda a: est.predict_proba(a)[:, 1], shap.maskers.Independent(bg, max_samples=100))
        theirs = same_bg(X[feats].iloc[rows], silent=True).values
        ref = same_bg(X[feats].iloc[rows], max_evals=(2 * len(feats) + 1) * 400, silent=True).values

    def err(v: np.ndarray) -> float:
        return float(np.abs(v - ref).mean() / np.abs(ref).mean())

    return dict(
        case="MLP (64, 32), model-agnostic",
        rows=n,
        attest=t_attest,
        shap=t_shap,
        res=res,
        check=f"mean |error| vs 400-perm reference: Attest {err(att):.0%}, shap {err(theirs):.0%}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the rows")
    parser.add_argument("--only", choices=["lightgbm", "hgb", "rf", "xgboost", "mlp"], action="append")
    parser.add_argument("--repeat", type=int, default=3, help="runs per side for the tree cases, best kept (MLP: once)")
    args = parser.parse_args()
    tree_rows, mlp_rows = (1_000, 100) if args.quick else (10_000, 1_000)
    started = time.perf_counter()
    import shap  # warm: neither side pays for the import

    print(
        f"shap import: {time.perf_counter() - started:.1f} s; shap {shap.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores; load average at start {os.getloadavg()[0]:.1f}\n",
        flush=True,
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only or ["lightgbm", "hgb", "rf", "xgboost", "mlp"]:
            if name == "lightgbm":
                rows.append(case_lightgbm(tree_rows, Path(tmp), args.repeat))
            elif name == "hgb":
                rows.append(case_hgb(tree_rows, args.repeat))
            elif name == "rf":
                rows.append(case_random_forest(tree_rows, args.repeat))
            elif name == "xgboost":
                rows.append(case_xgboost(tree_rows, args.repeat))
            else:
                rows.append(case_mlp(mlp_rows, 1))
            r = rows[-1]
            print(f"  done: {r['case']} ({r['attest']:.1f} s vs {r['shap']:.1f} s)", flush=True)
    head = (
        f"{'case':32} {'rows':>6} {'Attest s':>9} {'Attest rows/s':>14} {'shap s':>8} {'shap rows/s':>12} {'speed-up':>9}  "
        f"{'how Attest ran':28} check"
    )
    print("\n" + head + "\n" + "-" * len(head))
    for r in rows:
        res = r["res"]
        how = f"{res.explainer}, {res.processes} proc"
        print(
            f"{r['case']:32} {r['rows']:>6,} {r['attest']:>9.2f} {r['rows'] / r['attest']:>14,.0f} {r['shap']:>8.2f} "
            f"{r['rows'] / r['shap']:>12,.0f} {r['shap'] / r['attest']:>8.2f}x  {how:28} {r['check']}"
        )
    print(
        f"\nTree cases: best of {args.repeat} alternating runs per side; MLP: one run each. Attest's time includes global "
        "importance with bootstrap intervals, per-group figures and local examples."
    )
    print(f"load average at end {os.getloadavg()[0]:.1f} (other programs on the machine slow both sides)")


if __name__ == "__main__":
    main()
