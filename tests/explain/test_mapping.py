"""Transformed columns map back to the user's original features."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from audit.explain.backend import column_owners
from audit.explain.mapping import fold_matrix, owners


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": [20.0, 30, np.nan, 50],
            "age_group": ["y", "y", "o", "o"],
            "race": ["A", "B", "A", "C"],
            "x": [1.0, 2, 3, 4],
            "z": [0.5, 0.1, 0.2, 0.3],
        }
    )


def test_column_transformer_one_hot_and_imputer_indicator():
    X = frame()
    ct = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(add_indicator=True), StandardScaler()), ["age", "x"]),
            ("cat", OneHotEncoder(), ["age_group", "race"]),
        ],
        remainder="drop",
    ).fit(X)
    names, own, warnings = column_owners(ct, list(X.columns), ct.transform(X).shape[1])
    expected = {
        "num__age": "age",
        "num__x": "x",
        "num__missingindicator_age": "age",
        "cat__age_group_o": "age_group",
        "cat__age_group_y": "age_group",
        "cat__race_A": "race",
        "cat__race_B": "race",
        "cat__race_C": "race",
    }
    assert dict(zip(names, own, strict=True)) == expected and not warnings


def test_names_without_prefixes_prefer_the_longest_feature():
    assert owners(["age", "age_group_o", "race_A"], ["age", "age_group", "race"]) == ["age", "age_group", "race"]


def test_untraceable_columns_keep_their_names_and_warn():
    X = frame()[["x", "z"]]
    pre = Pipeline([("pca", PCA(n_components=2))]).fit(X)
    _names, own, warnings = column_owners(pre, ["x", "z"], 2)
    assert own == ["pca0", "pca1"] and warnings and "could not be traced" in warnings[0]


def test_fold_sums_columns_per_feature():
    g = fold_matrix(["a", "b", "a"], ["a", "b"])
    values = np.array([[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(values @ g, [[4.0, 2.0]])
