"""Attest's leaf-pattern TreeSHAP against independent computations: the Shapley definition enumerated over every
coalition (hand-sized trees); LightGBM's and XGBoost's own pred_contrib (classic TreeSHAP) on real models, including
missing values, zero-as-missing, deep trees, regression, early stopping and the per-row path for leaves with too many
patterns; shap's TreeExplainer on scikit-learn's trees."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

lgb = pytest.importorskip("lightgbm")
from audit.explain import leafpatterns  # noqa: E402


def _data(n=600, p=6, seed=0, nan_share=0.0, zero_share=0.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = (X[:, 0] + 0.5 * X[:, 1] * X[:, 2] - 0.3 * X[:, 3] + rng.normal(0, 0.5, n) > 0).astype(int)
    if nan_share:
        X[rng.random((n, p)) < nan_share] = np.nan
    if zero_share:
        X[rng.random((n, p)) < zero_share] = 0.0
    return X, y


def _lightgbm_contrib(model, X):
    c = np.asarray(model.predict(X, pred_contrib=True), dtype=np.float64)
    return c[:, :-1], c[:, -1]


def _agree(model, X, rows_hint=None):
    trees = leafpatterns.from_lightgbm(model, rows_hint=rows_hint or len(X))
    assert trees is not None
    phi, base = leafpatterns.shap_values(trees, X)
    ref_phi, ref_base = _lightgbm_contrib(model, X)
    np.testing.assert_allclose(phi, ref_phi, rtol=0, atol=1e-9)
    np.testing.assert_allclose(base, ref_base, rtol=0, atol=1e-9)
    raw = np.asarray(model.predict(X, raw_score=True), dtype=np.float64)
    np.testing.assert_allclose(phi.sum(axis=1) + base, raw, rtol=0, atol=1e-9)  # additivity, against the prediction
    return trees


# -- the definition: v(S) follows the row on splits of features in S and the training cover elsewhere ---------------------
def _value(node, x, S):
    if "leaf_value" in node:
        return node["leaf_value"]
    f = node["split_feature"]
    left, right = node["left_child"], node["right_child"]
    if f in S:
        return _value(left if x[f] <= node["threshold"] else right, x, S)
    count = lambda c: c["leaf_count"] if "leaf_value" in c else c["internal_count"]  # noqa: E731
    total = node["internal_count"]
    return (count(left) * _value(left, x, S) + count(right) * _value(right, x, S)) / total


def _shapley_by_enumeration(model, x, p):
    trees = [t["tree_structure"] for t in model.dump_model()["tree_info"]]
    v = lambda S: sum(_value(t, x, S) for t in trees)  # noqa: E731
    phi = np.zeros(p)
    for i in range(p):
        others = [j for j in range(p) if j != i]
        for size in range(p):
            w = math.factorial(size) * math.factorial(p - size - 1) / math.factorial(p)
            for S in itertools.combinations(others, size):
                phi[i] += w * (v(set(S) | {i}) - v(set(S)))
    return phi, v(set())


def test_equals_the_shapley_definition_on_small_trees():
    X, y = _data(n=400, p=5, seed=3)
    model = lgb.train(
        {"objective": "binary", "num_leaves": 6, "min_data_in_leaf": 10, "verbose": -1, "seed": 0}, lgb.Dataset(X, y), 4
    )
    trees = leafpatterns.from_lightgbm(model)
    phi, base = leafpatterns.shap_values(trees, X[:12])
    for r in range(12):
        expected, empty = _shapley_by_enumeration(model, X[r], 5)
        np.testing.assert_allclose(phi[r], expected, rtol=0, atol=1e-12)
        assert base[r] == pytest.approx(empty, abs=1e-12)


def test_equals_lightgbm_on_a_deep_binary_model():
    X, y = _data(n=3000, p=12, seed=1)
    model = lgb.train(
        {"objective": "binary", "num_leaves": 63, "min_data_in_leaf": 5, "verbose": -1, "seed": 0}, lgb.Dataset(X, y), 60
    )
    trees = _agree(model, X[:1500])
    assert int(np.diff(trees.feat_start).max()) >= 8  # paths with many distinct features were exercised


def test_missing_values_and_zero_as_missing_route_like_lightgbm():
    X, y = _data(n=2000, p=6, seed=2, nan_share=0.15, zero_share=0.1)
    nan_model = lgb.train({"objective": "binary", "num_leaves": 15, "verbose": -1, "seed": 0}, lgb.Dataset(X, y), 40)
    zero_model = lgb.train(
        {"objective": "binary", "num_leaves": 15, "zero_as_missing": True, "verbose": -1, "seed": 0}, lgb.Dataset(X, y), 40
    )
    no_missing = lgb.train(
        {"objective": "binary", "num_leaves": 15, "use_missing": False, "verbose": -1, "seed": 0}, lgb.Dataset(X, y), 40
    )
    for model in (nan_model, zero_model, no_missing):
        _agree(model, X)
    kinds = {n.get("missing_type") for t in zero_model.dump_model()["tree_info"] for n in _nodes(t["tree_structure"])}
    assert "Zero" in kinds


def _nodes(node):
    if "leaf_value" in node:
        return []
    return [node, *_nodes(node["left_child"]), *_nodes(node["right_child"])]


def test_leaves_evaluated_per_row_give_the_same_values_as_tables():
    X, y = _data(n=1500, p=10, seed=4)
    model = lgb.train({"objective": "binary", "num_leaves": 31, "verbose": -1, "seed": 0}, lgb.Dataset(X, y), 30)
    per_row = _agree(model, X[:400], rows_hint=4)  # 2^k > 64 patterns: no table for those leaves
    assert (per_row.table_start < 0).any() and (per_row.table_start >= 0).any()


def test_table_memory_is_bounded_and_the_rest_is_evaluated_per_row(monkeypatch):
    X, y = _data(n=1500, p=10, seed=9)
    model = lgb.train({"objective": "binary", "num_leaves": 31, "verbose": -1, "seed": 0}, lgb.Dataset(X, y), 20)
    full = leafpatterns.from_lightgbm(model, rows_hint=10**6)
    monkeypatch.setattr(leafpatterns, "TABLE_ENTRIES", full.table_entries // 4)
    capped = _agree(model, X[:300], rows_hint=10**6)
    assert 0 < capped.table_entries <= full.table_entries // 4
    assert (capped.table_start < 0).sum() > (full.table_start < 0).sum()
    k = np.diff(capped.feat_start)
    assert k[capped.table_start >= 0].max() <= k[capped.table_start < 0].min()  # the smallest tables were kept


def test_regression_and_the_sklearn_api_with_early_stopping():
    X, y = _data(n=2000, p=6, seed=5)
    reg = lgb.train({"objective": "regression", "num_leaves": 15, "verbose": -1, "seed": 0}, lgb.Dataset(X, X[:, 0] * 2 + y), 30)
    _agree(reg, X[:500])
    clf = lgb.LGBMClassifier(n_estimators=300, num_leaves=15, verbose=-1, random_state=0)
    clf.fit(X[:1500], y[:1500], eval_X=X[1500:], eval_y=y[1500:], callbacks=[lgb.early_stopping(5, verbose=False)])
    assert 0 < clf.best_iteration_ < 300
    _agree(clf, X[:500])


def test_single_leaf_trees_only_shift_the_base_value():
    X, y = _data(n=200, p=4, seed=6)
    model = lgb.train({"objective": "binary", "min_data_in_leaf": 150, "verbose": -1, "seed": 0}, lgb.Dataset(X, y), 5)
    _agree(model, X)


def test_categorical_splits_are_left_to_lightgbm():
    X, y = _data(n=1000, p=4, seed=7)
    X[:, 3] = np.floor(np.abs(X[:, 3]) * 3)
    model = lgb.train(
        {"objective": "binary", "num_leaves": 15, "verbose": -1, "seed": 0, "min_data_per_group": 5, "cat_smooth": 1},
        lgb.Dataset(X, y, categorical_feature=[3]),
        20,
    )
    assert any(n.get("decision_type") == "==" for t in model.dump_model()["tree_info"] for n in _nodes(t["tree_structure"]))
    assert leafpatterns.from_lightgbm(model) is None

    from audit.explain.tree import lightgbm_kernel

    _kernel, library = lightgbm_kernel(model, 1.0, X[:3], len(X))
    assert library.startswith("lightgbm") and "leaf-pattern" not in library


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), leaves=st.integers(2, 40), rounds=st.integers(1, 25), nan=st.sampled_from([0.0, 0.2]))
def test_property_equals_lightgbm(seed, leaves, rounds, nan):
    X, y = _data(n=400, p=5, seed=seed, nan_share=nan)
    model = lgb.train(
        {"objective": "binary", "num_leaves": leaves, "min_data_in_leaf": 3, "verbose": -1, "seed": seed},
        lgb.Dataset(X, y),
        rounds,
    )
    _agree(model, X[:100])


def test_the_audit_uses_it_for_numeric_lightgbm_models():
    from audit.explain.tree import LeafPatternKernel, lightgbm_kernel

    X, y = _data(n=800, p=5, seed=8)
    model = lgb.train({"objective": "binary", "num_leaves": 15, "verbose": -1, "seed": 0}, lgb.Dataset(X, y), 20)
    kernel, library = lightgbm_kernel(model, -1.0, pd.DataFrame(X[:3]), len(X))
    assert isinstance(kernel, LeafPatternKernel) and "leaf-pattern" in library
    phi, base, _ = kernel(X[:50])
    ref_phi, ref_base = _lightgbm_contrib(model, X[:50])
    np.testing.assert_allclose(phi, -ref_phi, atol=1e-9)  # sign: attributions towards the favourable class 0
    np.testing.assert_allclose(base, -ref_base, atol=1e-9)


def test_any_failure_of_the_fast_path_falls_back_to_lightgbm(monkeypatch):
    from audit.explain.tree import LeafPatternKernel, lightgbm_kernel

    X, y = _data(n=300, p=4, seed=10)
    model = lgb.train({"objective": "binary", "num_leaves": 7, "verbose": -1, "seed": 0}, lgb.Dataset(X, y), 5)

    def broken(*_a, **_k):
        raise RuntimeError("numba could not compile")

    monkeypatch.setattr(leafpatterns, "from_lightgbm", broken)
    kernel, library = lightgbm_kernel(model, 1.0, X[:3], len(X))
    assert not isinstance(kernel, LeafPatternKernel) and library.startswith("lightgbm")
    phi, base, _ = kernel(X[:20])
    np.testing.assert_allclose(phi.sum(axis=1) + base, model.predict(X[:20], raw_score=True), atol=1e-9)


# -- scikit-learn trees (read from shap's parsed model): shap's TreeExplainer and the model's own output are the references
def _shap_trees(est, rows, output=0):
    import shap

    return leafpatterns.from_shap_trees(shap.TreeExplainer(est).model, output, rows_hint=rows)


def test_hist_gradient_boosting_equals_shap_with_missing_values():
    import shap
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = _data(n=2000, p=6, seed=11, nan_share=0.1)
    est = HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=31, random_state=0).fit(X, y)
    trees = _shap_trees(est, len(X))
    phi, base = leafpatterns.shap_values(trees, X[:600])
    ref = shap.TreeExplainer(est)(X[:600])
    np.testing.assert_allclose(phi, ref.values, rtol=0, atol=1e-9)
    np.testing.assert_allclose(base, ref.base_values, rtol=0, atol=1e-9)
    np.testing.assert_allclose(phi.sum(axis=1) + base, est.decision_function(X[:600]), rtol=0, atol=1e-9)
    assert np.isnan(X[:600]).any()


@pytest.mark.parametrize("kind", ["random_forest", "extra_trees", "decision_tree", "gradient_boosting", "deep_forest"])
def test_sklearn_trees_equal_shap(kind):
    """Probability trees (one output column per class) and boosted margins (an init offset), shallow and fully grown."""
    import shap
    from sklearn.ensemble import ExtraTreesClassifier, GradientBoostingClassifier, RandomForestClassifier
    from sklearn.tree import DecisionTreeClassifier

    X, y = _data(n=1500, p=8, seed=13)
    est = {
        "random_forest": RandomForestClassifier(n_estimators=20, max_depth=7, random_state=0),
        "extra_trees": ExtraTreesClassifier(n_estimators=20, max_depth=7, random_state=0),
        "decision_tree": DecisionTreeClassifier(max_depth=9, random_state=0),
        "gradient_boosting": GradientBoostingClassifier(n_estimators=30, max_depth=4, random_state=0),
        "deep_forest": RandomForestClassifier(n_estimators=5, random_state=0),
    }[kind].fit(X, y)
    ref = shap.TreeExplainer(est)(X[:400])
    values = ref.values if ref.values.ndim == 2 else ref.values[..., 1]
    base_ref = ref.base_values if np.ndim(ref.base_values) == 1 else ref.base_values[:, 1]
    output = 0 if ref.values.ndim == 2 else 1
    trees = _shap_trees(est, 16 if kind == "deep_forest" else 400, output)  # few rows: per-row leaves too
    phi, base = leafpatterns.shap_values(trees, X[:400])
    np.testing.assert_allclose(phi, values, rtol=0, atol=1e-9)
    np.testing.assert_allclose(base, base_ref, rtol=0, atol=1e-9)
    own = est.decision_function(X[:400]) if kind == "gradient_boosting" else est.predict_proba(X[:400])[:, 1]
    np.testing.assert_allclose(phi.sum(axis=1) + base, own, rtol=0, atol=1e-9)  # additive against the model itself
    if kind == "deep_forest":
        assert (trees.table_start < 0).any()  # leaves with more patterns than rows: evaluated per row


def test_hist_gradient_boosting_with_categorical_splits_keeps_shap():
    from sklearn.ensemble import HistGradientBoostingClassifier

    from audit.explain.tree import ShapTree, sklearn_kernel

    X, y = _data(n=1000, p=4, seed=12)
    X[:, 3] = np.floor(np.abs(X[:, 3]) * 3)
    est = HistGradientBoostingClassifier(max_iter=10, categorical_features=[3], random_state=0).fit(X, y)
    try:
        import shap

        explainer = shap.TreeExplainer(est)
    except Exception:
        return
    assert sklearn_kernel(ShapTree(est, 1, True, explainer), X[:3], len(X)) is None


# -- XGBoost: trees from its JSON model; XGBoost computes in float32, so 1e-6 relative to the margin ----------------------
def _xgb_agree(booster, X, iteration_range=(0, 0)):
    import xgboost as xgb

    trees = leafpatterns.from_xgboost(booster, iteration_range, rows_hint=len(X))
    assert trees is not None
    phi, base = leafpatterns.shap_values(trees, leafpatterns.float32_rows(X))
    dm = xgb.DMatrix(X)
    ref = booster.predict(dm, pred_contribs=True, iteration_range=iteration_range).astype(np.float64)
    margin = booster.predict(dm, output_margin=True, iteration_range=iteration_range).astype(np.float64)
    tol = 1e-6 * np.maximum(1.0, np.abs(margin))
    assert np.all(np.abs(phi - ref[:, :-1]) <= tol[:, None])
    assert np.all(np.abs(base - ref[:, -1]) <= tol)
    assert np.all(np.abs(phi.sum(axis=1) + base - margin) <= tol)  # additive against XGBoost's own margin
    return trees


@pytest.mark.parametrize("objective", ["binary:logistic", "binary:logitraw", "reg:squarederror"])
def test_xgboost_equals_its_pred_contribs_with_missing_values(objective):
    import xgboost as xgb

    X, y = _data(n=2000, p=6, seed=14, nan_share=0.1)
    booster = xgb.train({"objective": objective, "max_depth": 6, "seed": 0, "nthread": 1}, xgb.DMatrix(X, y), 60)
    _xgb_agree(booster, X[:800])
    _xgb_agree(booster, X[:300], iteration_range=(0, 25))  # early stopping: the sklearn wrapper's best iteration


def test_xgboost_models_it_cannot_read_are_left_to_xgboost():
    import xgboost as xgb

    from audit.explain.tree import XGBoostKernel, xgboost_kernel

    X, y = _data(n=600, p=4, seed=15)
    dart = xgb.train({"objective": "binary:logistic", "booster": "dart", "max_depth": 3, "nthread": 1}, xgb.DMatrix(X, y), 5)
    forest = xgb.train(
        {"objective": "binary:logistic", "num_parallel_tree": 3, "max_depth": 3, "nthread": 1}, xgb.DMatrix(X, y), 3
    )
    poisson = xgb.train({"objective": "count:poisson", "max_depth": 3, "nthread": 1}, xgb.DMatrix(X, np.abs(y)), 3)
    for booster in (dart, forest, poisson):
        assert leafpatterns.from_xgboost(booster, (0, 0)) is None
        _kernel, library = xgboost_kernel(XGBoostKernel(booster, 1.0, (0, 0)), X[:3], len(X))
        assert library.startswith("xgboost") and "leaf-pattern" not in library
