"""Audit results for the chart tests: the demo's (tree SHAP, log-odds) and a logistic regression on numeric features,
whose SHAP values have a closed form (coef x (x - mean)) to check the stored row sample against."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from audit.result import AuditResult


@dataclass(frozen=True)
class Audited:
    result: AuditResult
    data: pd.DataFrame  # the evaluation data as audited
    model: Any  # the fitted scikit-learn estimator (untyped)


def _audit(folder: Path, data: Path, model: Path, **spec: Any) -> AuditResult:
    from audit.explain.settings import ExplainSettings
    from audit.policy import resolve_policy
    from audit.run import run_audit
    from audit.spec import AuditSpec

    return run_audit(
        AuditSpec(
            data_path=str(data),
            model_path=str(model),
            policy=resolve_policy("standard"),
            bootstrap=100,
            explain=ExplainSettings(time_budget_s=20, max_rows=600, stability_resamples=50, local_per_group=2),
            seed=3,
            **spec,
        )
    )


def demo_audited(demo_dir: Path) -> Audited:
    """The result `attest demo` wrote (the demo's HistGradientBoosting pipeline: tree SHAP in log-odds)."""
    import skops.io as sio

    from audit.result import AuditResult

    model = demo_dir / "mortgage_model.skops"
    return Audited(
        AuditResult.from_json((demo_dir / "audit_result.json").read_text()),
        pd.read_csv(demo_dir / "boston_hmda_eval.csv"),
        sio.load(model, trusted=sio.get_untrusted_types(file=model)),
    )


@lru_cache(maxsize=1)
def linear_result(folder: str) -> Audited:
    """A logistic regression on three numeric features; sensitive attributes region x gender are not inputs."""
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(5)
    n = 1500
    df = pd.DataFrame(
        {
            "region": rng.choice(["North", "South", "East"], n, p=[0.6, 0.3, 0.1]),
            "gender": rng.choice(["F", "M"], n),
            "income": rng.normal(50, 12, n).round(2),
            "debt": rng.gamma(2.0, 4.0, n).round(2),
            "tenure": rng.integers(0, 30, n).astype(float),
        }
    )
    logit = (df.income - 50) / 12 - (df.debt - 8) / 6 + 0.04 * df.tenure + 0.4 * (df.region == "North")
    df["approved"] = (logit + rng.logistic(0, 1, n) > 0).astype(int)
    model = LogisticRegression(max_iter=1000).fit(df[["income", "debt", "tenure"]], df["approved"])
    folder_p = Path(folder)
    folder_p.mkdir(parents=True, exist_ok=True)
    df.to_csv(folder_p / "linear.csv", index=False)
    sio.dump(model, folder_p / "linear.skops")
    result = _audit(
        folder_p,
        folder_p / "linear.csv",
        folder_p / "linear.skops",
        target="approved",
        sensitive=("region", "gender"),
        positive_label="1",
    )
    return Audited(result, df, model)
