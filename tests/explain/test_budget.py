"""Sample sizes follow the time budget; progress is reported per batch."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier

from audit.explain import ExplainSettings
from audit.models import from_estimator
from tests.explain.conftest import make_data, run
from tests.explain.test_additivity import one_hot_pipeline

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_budget_bounds_the_time_and_progress_is_reported():
    X, y = make_data(3000, seed=4)
    model = from_estimator(one_hot_pipeline(MLPClassifier((16,), max_iter=100, random_state=0)).fit(X, y))
    calls = []
    budget = 4.0
    res = run(
        model,
        X,
        ExplainSettings(time_budget_s=budget, stability_resamples=50),
        progress=lambda step, done, total, msg: calls.append((step, done, total, msg)),
    )
    assert res.status in ("complete", "partial")
    assert res.seconds <= budget * 1.5 + 1.0  # the budget is a target; a loaded machine may overrun it a little
    assert 0 < res.sample_size < res.rows_available  # the model-agnostic explainer cannot do 3,000 rows in 4 s
    assert any("time budget" in w for w in res.warnings)
    assert {c[0] for c in calls} == {"explain"} and len(calls) >= 3
    done = [c[1] for c in calls]
    assert done == sorted(done) and max(done) >= res.sample_size - 1


def test_linear_model_explains_everything_quickly():
    from sklearn.linear_model import LogisticRegression

    X, y = make_data(20_000, seed=5)
    model = from_estimator(one_hot_pipeline(LogisticRegression(max_iter=300)).fit(X, y))
    res = run(model, X, ExplainSettings(time_budget_s=30, stability_resamples=50))
    assert res.status == "complete" and res.sample_size == res.global_rows == 20_000
    assert res.seconds < 10


def test_max_rows_caps_the_sample():
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = make_data(2000, seed=6)
    model = from_estimator(one_hot_pipeline(HistGradientBoostingClassifier(max_iter=10)).fit(X, y))
    res = run(model, X, ExplainSettings(max_rows=250, stability_resamples=20))
    assert res.sample_size == 250 and any("max_rows" in w for w in res.warnings)
    n_group_rows = {tuple(g.attributes.items()): g.n_explained for g in res.by_group}
    assert min(n_group_rows.values()) >= 10  # small intersections are topped up
    assert np.isclose(sum(g.share for g in res.global_), 1)
