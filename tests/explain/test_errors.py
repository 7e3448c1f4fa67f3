"""A model that cannot be explained gets a clear message and never sinks the audit; cancel always propagates."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier

from audit.cancel import CancelToken
from audit.errors import Cancelled, ExplanationError
from audit.explain import ExplainSettings, Explanations, explain, explain_rows, not_assessed
from audit.models import from_estimator
from tests.explain.conftest import NUMERIC, groups_of, run


class Broken(ClassifierMixin, BaseEstimator):
    """Loads and scores the audit's rows, but fails on anything else (as a model with a hidden input check would)."""

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        self.feature_names_in_ = np.array(list(X.columns), dtype=object)
        self.n_ = len(X)
        return self

    def predict_proba(self, X):
        if len(X) != self.n_:
            raise ValueError("boom: unexpected batch")
        p = np.full(len(X), 0.4)
        return np.column_stack([1 - p, p])

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)


def test_predictions_only_audit_is_not_assessed():
    res = not_assessed("Predictions-only audit: there is no model object to explain.")
    assert res.status == "not_assessed" and "Predictions-only" in res.reason
    doc = res.model_dump(mode="json", by_alias=True)
    assert doc["global"] == [] and doc["local"] == [] and doc["explainer"] == "none"
    assert Explanations.not_possible("x").status == "not_assessed"


def test_switched_off(data):
    X, y = data
    model = from_estimator(HistGradientBoostingClassifier(max_iter=5).fit(X[NUMERIC], y))
    res = run(model, X, ExplainSettings(enabled=False))
    assert res.status == "not_assessed" and "--no-explain" in res.reason


def test_model_that_fails_gets_a_clear_reason_and_does_not_raise(data):
    X, y = data
    model = from_estimator(Broken().fit(X[NUMERIC], y))
    res = explain(
        model,
        X,
        groups=groups_of(X),
        decisions=np.zeros(len(X), bool),
        scores=model.score(X),
        threshold=None,
        proxies=[],
        settings=ExplainSettings(time_budget_s=10),
        seed=0,
    )
    assert res.status == "failed" and res.explainer == "permutation"
    assert "boom: unexpected batch" in res.reason and "rest of the audit stands" in res.reason
    with pytest.raises(ExplanationError, match="boom"):
        explain_rows(model, X, [0, 1])


def test_tree_model_shap_cannot_read_falls_back_to_model_agnostic(data):
    """shap's TreeExplainer rejects HistGradientBoosting's native categorical splits; the audit still gets explanations."""
    X, y = data
    Xc = X[NUMERIC].assign(race=X.race.astype("category"))
    est = HistGradientBoostingClassifier(max_iter=10, categorical_features="from_dtype", random_state=0).fit(Xc, y)
    model = from_estimator(est)
    frame = Xc.assign(sex=X.sex)
    res = run(model, frame, ExplainSettings(time_budget_s=60, max_rows=40, background_size=20, stability_resamples=10))
    assert res.status == "complete" and res.explainer == "permutation"
    assert "could not read this model" in res.reason and "fell back" in res.reason
    assert "race" in {g.feature for g in res.global_}
    assert res.additivity_max_error < 1e-9


def test_missing_model_inputs(data):
    X, y = data
    model = from_estimator(HistGradientBoostingClassifier(max_iter=5).fit(X[NUMERIC], y))
    res = explain(
        model,
        X.drop(columns=["debt"]),
        groups=[],
        decisions=np.zeros(len(X), bool),
        scores=None,
        threshold=None,
        proxies=[],
        settings=ExplainSettings(),
        seed=0,
    )
    assert res.status == "failed" and "debt" in res.reason


def test_cancel_before_and_between_batches(data):
    X, y = data
    model = from_estimator(HistGradientBoostingClassifier(max_iter=5).fit(X[NUMERIC], y))
    token = CancelToken()
    token.set()
    with pytest.raises(Cancelled):
        run(model, X, ExplainSettings(), cancel=token)

    token = CancelToken()
    seen = []

    def progress(step, done, total, message):
        seen.append(done)
        if done > 0:
            token.set()

    with pytest.raises(Cancelled):
        run(model, X, ExplainSettings(max_rows=400), progress=progress, cancel=token)
    assert seen and seen[-1] < 400


def test_empty_data_is_not_assessed(data):
    X, y = data
    model = from_estimator(HistGradientBoostingClassifier(max_iter=5).fit(X[NUMERIC], y))
    res = explain(
        model,
        X.iloc[:0],
        groups=[],
        decisions=np.zeros(0, bool),
        scores=None,
        threshold=None,
        proxies=[],
        settings=ExplainSettings(),
        seed=0,
    )
    assert res.status == "not_assessed"


class _FailsInAWorker:
    """Doubles its input here; in a worker process (where it arrives pickled) it raises."""

    def __init__(self) -> None:
        self.here = os.getpid()

    def __call__(self, payload):
        if os.getpid() != self.here:
            raise RuntimeError("worker cannot run this")
        return payload * 2


def test_worker_failure_is_absorbed():
    """A worker process that cannot run its job leaves the work to this process; results are unchanged."""
    from audit.explain import runner
    from audit.parallel import Shipped, spawn_executor

    payloads = [np.full(3, float(i)) for i in range(12)]
    core = _FailsInAWorker()
    with spawn_executor(1) as executor:
        results, cut, by_worker = runner.run_batches(
            core,
            payloads,
            [3] * 12,
            deadline=float("inf"),
            cancel=None,
            on_batch=lambda i, k: None,
            shipped=Shipped(core),
            executor=executor,
        )
    assert not cut and by_worker == 0 and all(np.array_equal(r, p * 2) for r, p in zip(results, payloads, strict=True))


def test_frame_with_extra_and_reordered_columns(data):
    X, y = data
    model = from_estimator(HistGradientBoostingClassifier(max_iter=5).fit(X[NUMERIC], y))
    frame = pd.concat([X[["sex", "race"]], X[NUMERIC[::-1]]], axis=1)
    res = run(model, frame, ExplainSettings(max_rows=60, stability_resamples=10))
    assert res.status == "complete" and {g.feature for g in res.global_} == set(NUMERIC)
