"""The SHAP pictures show shap's own numbers: for a small gradient-boosted tree model, explained on every row, the bars
(global and per group) are shap's mean |SHAP| per feature, the beeswarm and dependence dots are shap's values of the
sampled rows with the rows' own feature values, and a waterfall starts at shap's expected value, steps by shap's values
of that row and ends at the model's decision function, base + sum(contributions) == output within 1e-9."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from reports import charts
from tests.reports.charts_helpers import _audit

FEATURES = ["x1", "x2", "x3"]


@dataclass(frozen=True)
class Tree:
    result: object
    data: pd.DataFrame
    shap: np.ndarray  # shap.TreeExplainer's values, one row per data row
    expected: float


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Tree:
    import shap
    import skops.io as sio
    from sklearn.ensemble import GradientBoostingClassifier

    rng = np.random.default_rng(11)
    n = 500
    df = pd.DataFrame(
        {
            "group": rng.choice(["A", "B", "C"], n, p=[0.5, 0.3, 0.2]),
            "x1": rng.normal(0, 1, n).round(3),
            "x2": rng.normal(0, 1, n).round(3),
            "x3": rng.integers(0, 5, n).astype(float),
        }
    )
    df["y"] = ((df.x1 + 0.5 * df.x2 - 0.3 * df.x3 + rng.logistic(0, 1, n)) > -0.5).astype(int)
    model = GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=0).fit(df[FEATURES], df.y)
    d = tmp_path_factory.mktemp("tree")
    df.to_csv(d / "tree.csv", index=False)
    sio.dump(model, d / "tree.skops")
    result = _audit(d, d / "tree.csv", d / "tree.skops", target="y", sensitive=("group",), positive_label="1")
    ex = shap.TreeExplainer(model)  # path-dependent, raw output = log-odds for scikit-learn's gradient boosting
    sv = np.asarray(ex.shap_values(df[FEATURES]))
    assert result.explanations.explainer == "tree_path_dependent" and "log-odds" in result.explanations.output_space
    assert result.explanations.global_rows == n  # every row explained: the figures are over the whole data
    return Tree(result, df, sv, float(np.ravel(ex.expected_value)[0]))


def test_global_bars_are_shaps_mean_absolute_values(tree: Tree) -> None:
    d = charts.ImportanceDisplay.from_result(tree.result)
    expected = dict(zip(FEATURES, np.abs(tree.shap).mean(axis=0), strict=True))
    assert set(d.features) == set(FEATURES)
    for f, v in zip(d.features, d.values, strict=True):
        assert v == pytest.approx(expected[f], rel=1e-9, abs=1e-12)
    assert list(d.features) == sorted(FEATURES, key=lambda f: -expected[f])  # largest bar first


def test_per_group_bars_are_shaps_means_within_each_group(tree: Tree) -> None:
    d = charts.GroupImportanceDisplay.from_result(tree.result, "group")
    assert [p.title.split(" (")[0] for p in d.panels] == ["A", "B", "C"]  # largest group first
    for p in d.panels:
        rows = (tree.data.group == p.title.split(" (")[0]).to_numpy()
        expected = dict(zip(FEATURES, np.abs(tree.shap[rows]).mean(axis=0), strict=True))
        assert p.features == charts.ImportanceDisplay.from_result(tree.result).features  # one feature order for all
        for f, v in zip(p.features, p.values, strict=True):
            assert v == pytest.approx(expected[f], rel=1e-9, abs=1e-12)


def test_beeswarm_dots_are_shaps_values_of_the_sampled_rows(tree: Tree) -> None:
    rs = tree.result.explanations.row_sample
    rows = np.asarray(rs.rows)
    d = charts.BeeswarmDisplay.from_result(tree.result)
    (panel,) = d.panels
    assert panel.n == len(rows) == 250
    for k, f in enumerate(d.features):
        j = FEATURES.index(f)
        np.testing.assert_allclose(panel.x[k], tree.shap[rows, j], rtol=5.1e-5, atol=1e-12)  # stored to 5 digits
    by_group = charts.BeeswarmDisplay.from_result(tree.result, "group")
    for p in by_group.panels:
        g = p.label.split(" = ")[1]
        mine = rows[(tree.data.group.to_numpy()[rows] == g)]
        np.testing.assert_allclose(sorted(p.x[0]), sorted(tree.shap[mine, FEATURES.index(d.features[0])]), rtol=5.1e-5)


def test_dependence_dots_pair_each_rows_value_with_its_shap_value(tree: Tree) -> None:
    rs = tree.result.explanations.row_sample
    d = charts.DependenceDisplay.from_result(tree.result, "x2", "group")
    got = sorted((x, y) for s in d.series for x, y in zip(s.x, s.y, strict=True))
    want = sorted((tree.data.x2[r], tree.shap[r, 1]) for r in rs.rows)
    assert len(got) == len(want)
    np.testing.assert_allclose(np.array(got), np.array(want), rtol=5.1e-5, atol=1e-12)
    for s in d.series:  # coloured by group: each series holds exactly its group's sampled rows
        g = s.label.split(" = ")[-1].split(" (")[0]
        assert len(s.x) == sum(1 for r in rs.rows if tree.data.group[r] == g)


def test_waterfall_is_shaps_decomposition_and_adds_up(tree: Tree) -> None:
    ex = tree.result.explanations
    assert ex.local
    for i, e in enumerate(ex.local):
        d = charts.WaterfallDisplay.from_result(tree.result, i)
        assert d.base == pytest.approx(tree.expected, abs=1e-12)
        assert abs(d.base + sum(d.contributions) - d.output) <= 1e-9
        for f, c in e.contributions.items():
            assert c == pytest.approx(tree.shap[e.row, FEATURES.index(f)], abs=1e-12)
        assert d.output == pytest.approx(tree.expected + tree.shap[e.row].sum(), abs=1e-9)
        assert d.threshold == pytest.approx(0.0) and (d.output > d.threshold) == e.decision
