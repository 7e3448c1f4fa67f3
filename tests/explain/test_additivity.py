"""Additivity: base value + contributions == the model's own output in the explained space, to 1e-6, on every explained
row, for every supported model family. The expected output is computed here, independently of Attest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier

from audit.explain import explain_rows
from audit.models import from_estimator, load_model
from tests.explain.conftest import CATEGORICAL, NUMERIC, numeric_frame, run

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

TOL = 1e-6
ROWS = np.arange(0, 600, 3)  # 200 rows, spread over the data


def one_hot_pipeline(final) -> Pipeline:
    pre = ColumnTransformer([("num", StandardScaler(), NUMERIC), ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL)])
    return Pipeline([("pre", pre), ("model", final)])


def check(
    model, X, expected: np.ndarray, explainer: str, settings, *, features=None, float32: bool = False, rows: np.ndarray = ROWS
) -> None:
    # XGBoost computes its margin and contributions in float32: there 1e-6 is relative to the margin (about 8 ulps).
    tol = TOL * np.maximum(1.0, np.abs(expected)) if float32 else np.full(len(expected), TOL)
    att = explain_rows(model, X, rows, seed=3, background_size=settings.background_size)
    assert att.explainer == explainer
    if features is not None:
        assert att.features == tuple(features)  # encoded columns summed back to the user's features
    assert np.all(np.abs(att.output - expected[rows]) <= tol[rows])  # the output Attest reports is the model's own
    gap = np.abs(att.base + att.values.sum(axis=1) - expected[rows])
    assert np.all(gap <= tol[rows]), f"additivity off by {gap.max():.2e}"
    res = run(model, X, settings)
    assert res.status == "complete" and res.explainer == explainer
    assert res.additivity_max_error is not None and res.additivity_max_error <= tol.max()
    assert res.local, "local examples expected"
    for ex in res.local:
        assert abs(ex.base_value + sum(ex.contributions.values()) - expected[ex.row]) <= tol[ex.row]
        assert abs(ex.output - expected[ex.row]) <= tol[ex.row]


@pytest.mark.parametrize(
    "final",
    [HistGradientBoostingClassifier(max_iter=25, random_state=0), LogisticRegression(max_iter=500)],
    ids=["hgb", "logreg"],
)
def test_pipeline_with_one_hot(data, quick, final):
    X, y = data
    pipe = one_hot_pipeline(final).fit(X, y)
    log_odds = pipe.decision_function(X)
    if isinstance(final, LogisticRegression):  # decision_function is the log-odds: the logit of predict_proba
        p = pipe.predict_proba(X)[:, 1]
        np.testing.assert_allclose(log_odds, np.log(p / (1 - p)), atol=1e-9)
    explainer = "linear_exact" if isinstance(final, LogisticRegression) else "tree_path_dependent"
    check(from_estimator(pipe), X, log_odds, explainer, quick, features=list(X.columns))
    if isinstance(final, HistGradientBoostingClassifier):  # through Attest's leaf-pattern kernel (test_leafpatterns)
        assert "leaf-pattern TreeSHAP" in run(from_estimator(pipe), X, quick).library


@pytest.mark.parametrize(
    "final",
    [HistGradientBoostingClassifier(max_iter=25, random_state=0), LogisticRegression(max_iter=500)],
    ids=["hgb", "logreg"],
)
def test_favourable_class_first(data, quick, final):
    """classes_ = ['approved', 'rejected'] with 'approved' favourable: the explained margin is the negated one."""
    X, y = data
    labels = np.where(y == 1, "approved", "rejected")
    pipe = one_hot_pipeline(final).fit(X, labels)
    model = from_estimator(pipe, positive_label="approved")
    check(
        model,
        X,
        -pipe.decision_function(X),
        "linear_exact" if isinstance(final, LogisticRegression) else "tree_path_dependent",
        quick,
    )


@pytest.mark.parametrize(
    "est, space",
    [
        (RandomForestClassifier(n_estimators=15, max_depth=6, random_state=0), "proba"),
        (ExtraTreesClassifier(n_estimators=15, max_depth=6, random_state=0), "proba"),
        (DecisionTreeClassifier(max_depth=6, random_state=0), "proba"),
        (GradientBoostingClassifier(n_estimators=25, max_depth=3, random_state=0), "margin"),
    ],
    ids=["random_forest", "extra_trees", "decision_tree", "gradient_boosting"],
)
def test_sklearn_trees(data, quick, est, space):
    X, y = data
    Xn = numeric_frame(X)
    est.fit(Xn, y)
    expected = est.predict_proba(Xn)[:, 1] if space == "proba" else est.decision_function(Xn)
    frame = pd.concat([Xn, X[CATEGORICAL]], axis=1)  # the audit's data holds more columns than the model takes
    check(from_estimator(est), frame, expected, "tree_path_dependent", quick, features=list(Xn.columns))


@pytest.mark.parametrize("missing", [False, True], ids=["complete", "with_missing_values"])
def test_lightgbm_booster_file(data, quick, tmp_path, missing):
    import lightgbm as lgb

    X, y = data
    Xn = numeric_frame(X)
    if missing:
        Xn.loc[Xn.index[::7], "income"] = np.nan
    booster = lgb.train({"objective": "binary", "num_leaves": 15, "verbose": -1, "seed": 0}, lgb.Dataset(Xn, y), 30)
    path = tmp_path / "model.txt"
    booster.save_model(str(path))
    model = load_model(path, positive_label=1)
    expected = lgb.Booster(model_file=str(path)).predict(Xn, raw_score=True)
    frame = pd.concat([Xn, X[CATEGORICAL]], axis=1)
    check(model, frame, expected, "tree_path_dependent", quick, features=list(Xn.columns))
    assert "leaf-pattern TreeSHAP" in run(model, frame, quick).library  # and equal to pred_contrib: test_leafpatterns


def test_xgboost_booster_file(data, quick, tmp_path):
    import xgboost as xgb

    X, y = data
    Xn = numeric_frame(X)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 4, "seed": 0, "nthread": 1}, xgb.DMatrix(Xn, y), 30)
    path = tmp_path / "model.json"
    booster.save_model(str(path))
    model = load_model(path, positive_label=1)
    loaded = xgb.Booster()
    loaded.load_model(str(path))
    expected = loaded.predict(xgb.DMatrix(Xn), output_margin=True).astype(np.float64)
    check(
        model,
        pd.concat([Xn, X[CATEGORICAL]], axis=1),
        expected,
        "tree_path_dependent",
        quick,
        features=list(Xn.columns),
        float32=True,
    )


def test_lgbm_classifier_in_pipeline(data, quick):
    from lightgbm import LGBMClassifier

    X, y = data
    pipe = one_hot_pipeline(LGBMClassifier(n_estimators=30, num_leaves=15, verbose=-1, random_state=0)).fit(X, y)
    expected = pipe[-1].predict(pipe[:-1].transform(X), raw_score=True)
    check(from_estimator(pipe), X, expected, "tree_path_dependent", quick, features=list(X.columns))


def test_xgb_classifier(data, quick):
    from xgboost import XGBClassifier

    X, y = data
    Xn = numeric_frame(X)
    est = XGBClassifier(n_estimators=30, max_depth=4, random_state=0, n_jobs=1).fit(Xn, y)
    check(
        from_estimator(est),
        pd.concat([Xn, X[CATEGORICAL]], axis=1),
        est.predict(Xn, output_margin=True).astype(np.float64),
        "tree_path_dependent",
        quick,
        float32=True,
    )


def test_model_agnostic_mlp_is_additive_in_probability(data, quick):
    X, y = data
    pipe = one_hot_pipeline(MLPClassifier((8,), max_iter=300, random_state=0)).fit(X, y)
    small = quick.model_copy(update={"background_size": 20, "max_rows": 60})  # model-agnostic: keep the test fast
    check(from_estimator(pipe), X, pipe.predict_proba(X)[:, 1], "permutation", small, features=list(X.columns), rows=ROWS[:40])


def test_onnx_model_is_explained_model_agnostically(data, quick, tmp_path):
    from skl2onnx import to_onnx

    X, y = data
    Xn = numeric_frame(X).astype(np.float32)
    lr = LogisticRegression(max_iter=500).fit(Xn, y)
    onx = to_onnx(lr, Xn.to_numpy()[:2], options={id(lr): {"zipmap": False}})
    meta = onx.metadata_props.add()
    meta.key, meta.value = "feature_names", str(list(Xn.columns)).replace("'", '"')
    path = tmp_path / "m.onnx"
    path.write_bytes(onx.SerializeToString())
    model = load_model(path, positive_label=1)
    expected = model.score(Xn)  # onnxruntime's own probabilities (float32 arithmetic)
    att = explain_rows(model, Xn, ROWS[:40], seed=1, background_size=20)
    assert att.explainer == "permutation" and "ONNX" in att.reason
    assert np.abs(att.base + att.values.sum(axis=1) - expected[ROWS[:40]]).max() <= TOL
