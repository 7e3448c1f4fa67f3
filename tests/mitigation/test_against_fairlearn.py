"""The thresholds and mitigated decisions equal fairlearn's own ThresholdOptimizer, fitted independently here on the
same split with the real model (predict_proba), not Attest's score stand-in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn.postprocessing import ThresholdOptimizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from tests.mitigation.helpers import frame, mitigate, record_run


@pytest.fixture(scope="module")
def model_run(tmp_path_factory):
    import skops.io as sio

    tmp = tmp_path_factory.mktemp("mit_fl")
    df = frame(2400, seed=5)
    # The model sees sex (coded), so its scores carry the disparity.
    df["male"] = (df.sex == "Male").astype(int)
    # A model trained on a biased label: approved for men more often.
    biased = np.where(df.male == 1, np.maximum(df.approved, (np.arange(len(df)) % 3 == 0)), df.approved)
    lr = LogisticRegression().fit(df[["x", "male"]], biased)
    sio.dump(lr, tmp / "model.skops")
    ws, run_id, _ = record_run(tmp, df, model=tmp / "model.skops")
    return tmp, df, lr, ws, run_id


def _reference(df: pd.DataFrame, lr, constraint: str, objective: str, seed: int, test_size: float):
    strata = df.sex + "|" + df.approved.astype(str)  # group x label, the split the result states (same sorted order)
    fit, test = train_test_split(np.arange(len(df)), test_size=test_size, random_state=seed, stratify=strata)
    fit, test = np.sort(fit), np.sort(test)
    X = df[["x", "male"]]
    opt = ThresholdOptimizer(
        estimator=lr, constraints=constraint, objective=objective, prefit=True, predict_method="predict_proba"
    )
    opt.fit(X.iloc[fit], df.approved.iloc[fit], sensitive_features=df.sex.iloc[fit])
    pred = opt.predict(X.iloc[test], sensitive_features=df.sex.iloc[test], random_state=seed)
    return opt, fit, test, np.asarray(pred)


@pytest.mark.parametrize(
    "constraint,fl_constraint,objective",
    [
        ("demographic_parity", "demographic_parity", "accuracy_score"),
        ("equal_opportunity", "true_positive_rate_parity", "balanced_accuracy_score"),
        ("equalized_odds", "equalized_odds", "accuracy_score"),
    ],
)
def test_thresholds_and_rates_equal_fairlearn(model_run, constraint, fl_constraint, objective):
    tmp, df, lr, ws, run_id = model_run
    seed = 11
    result = mitigate(
        ws,
        run_id,
        tmp / f"{constraint}.json",
        "--seed",
        str(seed),
        "--test-size",
        "0.4",
        "--objective",
        objective.removesuffix("_score"),
        constraint=constraint,
    )
    opt, fit, test, pred = _reference(df, lr, fl_constraint, objective, seed, 0.4)
    assert result["split"]["seed"] == seed
    assert (result["split"]["fit_rows"], result["split"]["test_rows"]) == (len(fit), len(test))

    ours = result["thresholds"]
    for group, b in opt.interpolated_thresholder_.interpolation_dict.items():
        rule = ours[f"sex={group}"]
        expected = [(b["p0"], b["operation0"]), (b["p1"], b["operation1"])]
        expected = [(p, op) for p, op in expected if p > 0]
        assert len(rule["rule"]) == len(expected)
        for part, (p, op) in zip(rule["rule"], expected, strict=True):
            assert part["probability"] == pytest.approx(p, abs=1e-12)
            assert part["operator"] == op.operator
            assert part["threshold"] == pytest.approx(op.threshold, abs=1e-9)
        if "p_ignore" in b and b["p_ignore"] > 0:
            assert rule["p_ignore"] == pytest.approx(b["p_ignore"], abs=1e-12)
            assert rule["prediction_constant"] == pytest.approx(b["prediction_constant"], abs=1e-12)

    # The mitigated decisions the engine audited: each group's selection rate and TPR equal fairlearn's predictions.
    sex, y = df.sex.to_numpy()[test], df.approved.to_numpy()[test]
    groups = {tuple(g["attributes"].items()): g for g in result["after"]["groups"]}
    for value in ("Female", "Male"):
        g = groups[(("sex", value),)]
        m = sex == value
        assert g["n"] == m.sum()
        assert g["metrics"]["selection_rate"]["value"] == pytest.approx(pred[m].mean(), abs=1e-12)
        assert g["metrics"]["tpr"]["value"] == pytest.approx(pred[m & (y == 1)].mean(), abs=1e-12)
    # The rule's expected selection rates (the mean over its random draws) equal fairlearn's own probabilities.
    pmf = opt._pmf_predict(df[["x", "male"]].iloc[test], sensitive_features=df.sex.iloc[test])[:, 1]
    for value in ("Female", "Male"):
        got = result["comparison"]["after_expected_selection_rate_by_group"][f"sex={value}"]
        assert got == pytest.approx(pmf[sex == value].mean(), abs=1e-12)
    # And "before" audits the model's own decisions on the same rows.
    own = lr.predict(df[["x", "male"]].iloc[test])
    before = {tuple(g["attributes"].items()): g for g in result["before"]["groups"]}
    for value in ("Female", "Male"):
        m = sex == value
        assert before[(("sex", value),)]["metrics"]["selection_rate"]["value"] == pytest.approx(own[m].mean(), abs=1e-12)
