"""What the result says: global importance with intervals, per group, rank shifts, proxy share, local examples, JSON."""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier

from audit.explain import ExplainSettings, Explanations
from audit.models import from_estimator
from tests.explain.conftest import groups_of, run


def shifted_data(n: int = 1200, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Women's outcomes follow income, men's follow debt: the model leans on different features per group."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["F", "M"], size=n)
    X = pd.DataFrame(
        {
            "income": rng.normal(0, 1, n),
            "debt": rng.normal(0, 1, n),
            "age": rng.normal(0, 1, n),
            "sex_m": (sex == "M").astype(float),
            "sex": sex,
            "race": rng.choice(["A", "B"], size=n),
        }
    )
    logit = np.where(sex == "F", 3 * X.income, -3 * X.debt) + 0.2 * X.age
    return X, (logit + rng.logistic(0, 1, n) > 0).astype(int).to_numpy()


@lru_cache(maxsize=1)
def fitted():
    X, y = shifted_data()
    cols = ["income", "debt", "age", "sex_m"]
    model = from_estimator(HistGradientBoostingClassifier(max_iter=40, random_state=0).fit(X[cols], y))
    return model, X


def test_by_group_and_rank_shifts_find_the_designed_difference():
    model, X = fitted()
    res = run(
        model,
        X,
        ExplainSettings(time_budget_s=120, max_rows=800, stability_resamples=100),
        proxies=("age",),
        groups=groups_of(X, ("sex", "race"), intersections=False),
    )
    by = {tuple(g.attributes.items()): g for g in res.by_group}
    women, men = by[(("sex", "F"),)], by[(("sex", "M"),)]
    assert women.features[0].feature == "income" and men.features[0].feature == "debt"
    assert women.n_rows == int((X.sex == "F").sum()) and 0 < women.n_explained <= women.n_rows
    assert [f.rank for f in women.features] == list(range(1, 5))
    assert abs(sum(f.share for f in women.features) - 1) < 1e-9
    shifts = [s for s in res.rank_shifts if s.attributes == ("sex",)]
    assert {s.feature for s in shifts[:2]} == {"income", "debt"}
    top = shifts[0]
    assert top.share_spread > 0.3 and top.rank_min == 1 and top.rank_max >= 2
    # the sensitive attribute the model takes (sex_m is not named "sex"): the model does not take "sex" itself
    assert res.sensitive_share is not None and res.sensitive_share.not_used == ("sex", "race")


def test_global_importance_has_intervals_and_shares():
    model, X = fitted()
    res = run(
        model,
        X,
        ExplainSettings(time_budget_s=120, max_rows=600, stability_resamples=200),
        proxies=("age", "zip"),
        groups=groups_of(X, ("sex",), intersections=False),
    )
    assert [g.feature for g in res.global_][:2] in (["income", "debt"], ["debt", "income"])
    for g in res.global_:
        assert g.ci_low <= g.value <= g.ci_high
    assert abs(sum(g.share for g in res.global_) - 1) < 1e-9
    ps = res.proxy_share
    assert ps is not None and ps.features == ("age",) and ps.not_used == ("zip",)
    age = next(g for g in res.global_ if g.feature == "age")
    assert abs(ps.share - age.share) < 1e-12 and ps.ci_low <= ps.share <= ps.ci_high
    assert any("Candidate proxies the model does not take" in w for w in res.warnings)
    # max_rows caps all explained rows; the local examples and group minimums come first, the uniform sample fills the rest
    assert 550 <= res.global_rows <= res.sample_size == 600 and res.rows_available == len(X)


def test_local_examples_are_adverse_and_borderline_per_group():
    model, X = fitted()
    scores = model.score(X)
    settings = ExplainSettings(time_budget_s=120, max_rows=300, stability_resamples=20, local_per_group=3)
    groups = groups_of(X, ("sex",), intersections=False)
    res = run(model, X, settings, groups=groups)
    for attrs, rows in groups:
        mine = [ex for ex in res.local if ex.attributes == attrs]
        adverse = [ex for ex in mine if ex.kind == "adverse"]
        border = [ex for ex in mine if ex.kind == "borderline"]
        assert len(adverse) == 3 and len(border) == 3
        assert all(not ex.decision and ex.row in set(rows) for ex in adverse)
        # borderline: the three rows of the group nearest the threshold, other than the adverse picks
        others = np.setdiff1d(rows, [ex.row for ex in adverse])
        nearest = others[np.argsort(np.abs(scores[others] - 0.5), kind="stable")[:3]]
        assert {ex.row for ex in border} == set(nearest.tolist())
        for ex in mine:
            assert ex.score is not None and abs(ex.score - scores[ex.row]) < 1e-12
            assert list(ex.contributions) == sorted(ex.contributions, key=lambda f: -abs(ex.contributions[f]))
            assert ex.feature_values["sex_m"] == X.sex_m.iat[ex.row]


def test_json_shape_and_round_trip():
    model, X = fitted()
    res = run(
        model, X, ExplainSettings(time_budget_s=120, max_rows=200, stability_resamples=20), groups=groups_of(X, ("sex", "race"))
    )
    doc = res.model_dump(mode="json", by_alias=True)
    assert {
        "explainer",
        "reason",
        "output_space",
        "background_size",
        "sample_size",
        "rows_available",
        "seconds",
        "global",
        "by_group",
        "rank_shifts",
        "proxy_share",
        "local",
        "warnings",
        "status",
    } <= set(doc)
    assert "global_" not in doc and doc["global"][0].keys() >= {"feature", "value", "ci_low", "ci_high", "share"}
    assert doc["local"][0].keys() >= {"base_value", "contributions", "output", "row", "kind", "attributes"}
    text = json.dumps(doc, allow_nan=False)  # no NaN anywhere
    assert Explanations.model_validate_json(text) == res
    assert json.loads(res.model_dump_json())["global"] == doc["global"]  # by alias also by default
