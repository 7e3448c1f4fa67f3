"""Every supported model format loads, is hashed, and decides exactly as the native library does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from audit.hashing import sha256_file
from audit.models import load_model


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x1": rng.normal(size=400), "x2": rng.normal(size=400), "c": rng.choice(["u", "v", "w"], 400)})
    y = ((X.x1 + (X.c == "u") + rng.normal(scale=0.5, size=400)) > 0.5).astype(int)
    return X, y


def test_skops_pipeline_loads_without_flags(tmp_path, data):
    X, y = data
    pipe = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["c"]), remainder="passthrough"), HistGradientBoostingClassifier(max_iter=20)
    )
    pipe.fit(X, y)
    f = tmp_path / "m.skops"
    sio.dump(pipe, f)
    m = load_model(f, positive_label=1)
    assert m.ref.format == "skops" and m.ref.trusted is False and m.ref.family == "tree"
    assert m.ref.sha256 == sha256_file(f)
    assert set(m.features) == {"x1", "x2", "c"}
    np.testing.assert_array_equal(m.decide(X), pipe.predict(X) == 1)
    np.testing.assert_allclose(m.score(X), pipe.predict_proba(X)[:, 1])


def test_positive_label_zero_flips_scores(tmp_path, data):
    X, y = data
    lr = LogisticRegression().fit(X[["x1", "x2"]], y)
    f = tmp_path / "lr.skops"
    sio.dump(lr, f)
    m = load_model(f, positive_label="0")
    np.testing.assert_allclose(m.score(X), lr.predict_proba(X[["x1", "x2"]])[:, 0])
    np.testing.assert_array_equal(m.decide(X), lr.predict(X[["x1", "x2"]]) == 0)


def test_trusted_pickle_is_recorded(tmp_path, data):
    import joblib

    X, y = data
    lr = LogisticRegression().fit(X[["x1", "x2"]], y)
    f = tmp_path / "lr.joblib"
    joblib.dump(lr, f)
    m = load_model(f, positive_label=1, trust_pickle=True)
    assert m.ref.trusted is True and m.ref.format == "joblib" and m.ref.sha256 == sha256_file(f)


def test_lightgbm_native(tmp_path, data):
    import lightgbm as lgb

    X, y = data
    booster = lgb.train(
        {"objective": "binary", "verbose": -1, "num_leaves": 7}, lgb.Dataset(X[["x1", "x2"]], y), num_boost_round=20
    )
    f = tmp_path / "m.txt"
    booster.save_model(str(f))
    m = load_model(f, positive_label=1)
    assert m.ref.format == "lightgbm" and m.ref.features == ("x1", "x2")
    np.testing.assert_allclose(m.score(X), booster.predict(X[["x1", "x2"]]))


def test_xgboost_native(tmp_path, data):
    import xgboost as xgb

    X, y = data
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 3}, xgb.DMatrix(X[["x1", "x2"]], y), num_boost_round=20)
    f = tmp_path / "m.json"
    booster.save_model(str(f))
    m = load_model(f, positive_label=1)
    assert m.ref.format == "xgboost"
    np.testing.assert_allclose(m.score(X), booster.predict(xgb.DMatrix(X[["x1", "x2"]])), rtol=1e-6)
    np.testing.assert_array_equal(m.decide(X), booster.predict(xgb.DMatrix(X[["x1", "x2"]])) >= 0.5)


def test_onnx_from_sklearn(tmp_path, data):
    from skl2onnx import to_onnx

    X, y = data
    lr = LogisticRegression().fit(X[["x1", "x2"]].astype(np.float32), y)
    onx = to_onnx(lr, X[["x1", "x2"]].to_numpy(np.float32)[:2], options={id(lr): {"zipmap": False}})
    meta = onx.metadata_props.add()
    meta.key, meta.value = "feature_names", '["x1", "x2"]'
    f = tmp_path / "m.onnx"
    f.write_bytes(onx.SerializeToString())
    m = load_model(f, positive_label=1)
    assert m.ref.format == "onnx" and m.ref.features == ("x1", "x2")
    np.testing.assert_allclose(m.score(X), lr.predict_proba(X[["x1", "x2"]].astype(np.float32))[:, 1], atol=1e-5)
