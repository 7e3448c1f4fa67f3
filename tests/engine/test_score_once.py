"""Score once (audit/models/score_once.py): for the vetted model types one predict_proba call gives the scores and
the decisions, the model's own predict is called only on the rows the probabilities leave undecided, and the
decisions equal predict's on every row, including rows built to sit exactly on the tie (a leaf of equal classes, a
logistic regression whose score is exactly 0 or 1e-20, a constant model). Anything else, a subclass of a vetted type
above all (it may override predict), keeps predict for the decisions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import lightgbm
import numpy as np
import pandas as pd
import pytest
import xgboost
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import (
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier, ExtraTreeClassifier

from audit.models import from_estimator
from audit.models.score_once import rule_of

LABELS = np.array(["deny", "grant"])  # string labels; the positive class is tried as classes_[0] and classes_[1]


def tied_training(n: int = 200, labels: Any = LABELS) -> tuple[pd.DataFrame, Any]:
    """x = 0: all class 0, x = 1: half and half (a leaf of equal classes, a raw score of exactly 0), x = 2: all
    class 1; balanced overall, so the boosting models' prior is a raw score of exactly 0 too."""
    x = np.repeat([0.0, 1.0, 2.0], n)
    y = np.r_[np.zeros(n, int), np.tile([0, 1], n // 2), np.ones(n, int)]
    return pd.DataFrame({"x": x, "z": np.zeros(3 * n)}), labels[y]


def evaluation(n: int = 3000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x": rng.choice([0.0, 1.0, 2.0, 0.5, 1.5, -1.0], n), "z": rng.normal(size=n)})


def zero_score_lr(intercept: float, cv: bool = False) -> LogisticRegression:
    """A fitted logistic regression whose decision function is x + intercept: exactly `intercept` at x = 0."""
    X, y = tied_training()
    lr = (LogisticRegressionCV(Cs=2, scoring="neg_log_loss") if cv else LogisticRegression()).fit(X, y)
    lr.coef_ = np.array([[1.0, 0.0]])
    lr.intercept_ = np.array([intercept])
    return lr


def _fit(est: Any, labels: Any = LABELS) -> Any:
    X, y = tied_training(labels=labels)
    return est.fit(X, y)


CASES: dict[str, Callable[[], Any]] = {
    "DecisionTree": lambda: _fit(DecisionTreeClassifier(random_state=0)),
    "ExtraTree": lambda: _fit(ExtraTreeClassifier(random_state=0)),
    "RandomForest": lambda: _fit(RandomForestClassifier(n_estimators=6, bootstrap=False, random_state=0)),
    "ExtraTrees": lambda: _fit(ExtraTreesClassifier(n_estimators=6, random_state=0)),
    "Calibrated constant": lambda: _fit(CalibratedClassifierCV(DummyClassifier(), method="isotonic", cv=2)),
    "Calibrated": lambda: _fit(CalibratedClassifierCV(LogisticRegression(), cv=3)),
    "HistGradientBoosting": lambda: _fit(HistGradientBoostingClassifier(max_iter=1)),
    "GradientBoosting": lambda: _fit(GradientBoostingClassifier(n_estimators=1)),  # predict: raw >= 0, so ties to 1
    "GradientBoosting exponential": lambda: _fit(GradientBoostingClassifier(n_estimators=1, loss="exponential")),
    "LogisticRegression score 0": lambda: zero_score_lr(0.0),
    "LogisticRegression score 1e-20": lambda: zero_score_lr(1e-20),  # p == 0.5 exactly, predict gives classes_[1]
    "LogisticRegressionCV score -1e-20": lambda: zero_score_lr(-1e-20, cv=True),
    "LGBMClassifier": lambda: _fit(lightgbm.LGBMClassifier(n_estimators=1, min_child_samples=5, verbose=-1)),
    "XGBClassifier": lambda: _fit(xgboost.XGBClassifier(n_estimators=1), labels=np.array([0, 1])),
    "Pipeline(HistGradientBoosting)": lambda: _fit(make_pipeline(StandardScaler(), HistGradientBoostingClassifier(max_iter=1))),
    "Pipeline(LogisticRegression)": lambda: make_pipeline(
        StandardScaler().set_output(transform="pandas").fit(tied_training()[0]), zero_score_lr(1e-20)
    ),
}


@contextmanager
def counted(*classes: type) -> Iterator[list[tuple[str, int]]]:
    """Top-level predict / predict_proba calls on these classes as (name, rows); calls one makes inside the other
    (RandomForest.predict calls predict_proba) are not the audit's."""
    calls: list[tuple[str, int]] = []
    depth = [0]
    names = ("predict", "predict_proba")
    saved = [(cls, name, cls.__dict__.get(name), getattr(cls, name)) for cls in set(classes) for name in names]

    def wrap(name: str, real: Any) -> Any:
        def method(self: Any, X: Any, *args: Any, **kwargs: Any) -> Any:
            if depth[0] == 0:
                calls.append((name, len(X)))
            depth[0] += 1
            try:
                return real(self, X, *args, **kwargs)
            finally:
                depth[0] -= 1

        return method

    for cls, name, _, real in saved:
        setattr(cls, name, wrap(name, real))
    try:
        yield calls
    finally:
        for cls, name, own, _ in saved:
            if own is None:
                delattr(cls, name)  # inherited: the parent's again
            else:
                setattr(cls, name, own)


def _tied(proba: np.ndarray) -> np.ndarray:
    """Rows where predict_proba does not say which class predict gives: the columns equal, or p == 0.5 exactly."""
    return (proba[:, 0] == proba[:, 1]) | (proba[:, 1] == 0.5)


@pytest.mark.filterwarnings("ignore::FutureWarning")  # LogisticRegressionCV announcing its 1.10 defaults
@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("positive", [0, 1])
def test_vetted_type_scores_once_and_decides_exactly_as_predict(name, positive):
    est = CASES[name]()
    X = evaluation()
    classes = np.asarray(est.classes_)
    truth, proba = est.predict(X), est.predict_proba(X)
    m = from_estimator(est, positive_label=classes[positive])
    assert m.decide_and_score_once is not None
    last = est.steps[-1][1] if hasattr(est, "steps") else est
    with counted(type(est), type(last)) as calls:
        decisions, scores = m.decide_and_score(X)
    np.testing.assert_array_equal(decisions, (truth == classes[positive]).astype(np.int8))
    np.testing.assert_array_equal(scores, proba[:, positive])
    tied = _tied(proba)
    if name != "Calibrated":  # the only case without a constructed tie
        assert 0 < tied.sum() and len(set(truth[tied])) == 1  # the tie is real, and predict settles all of it alike
    # predict_proba once for the whole batch, predict only on the tied rows
    assert calls == [("predict_proba", len(X))] + ([("predict", int(tied.sum()))] if tied.any() else [])


def test_ties_go_where_each_type_sends_them():
    """The reason predict settles ties: HistGradientBoosting sends a raw score of 0 to classes_[0], GradientBoosting
    to classes_[1], and a logistic regression at +1e-20 (p == 0.5 exactly) to classes_[1]."""
    X = evaluation()
    where = {}
    for name in ("HistGradientBoosting", "GradientBoosting", "LogisticRegression score 0", "LogisticRegression score 1e-20"):
        est = CASES[name]()
        proba = est.predict_proba(X)
        assert (proba[_tied(proba), 1] == 0.5).all()
        where[name] = set(est.predict(X)[_tied(proba)])
    assert where == {
        "HistGradientBoosting": {"deny"},
        "GradientBoosting": {"grant"},
        "LogisticRegression score 0": {"deny"},
        "LogisticRegression score 1e-20": {"grant"},
    }


class OwnPredict(HistGradientBoostingClassifier):
    """A subclass may decide otherwise than its parent's probabilities say."""

    def predict(self, X: Any) -> Any:
        return np.full(len(X), self.classes_[1])


class SameAsParent(LogisticRegression):
    pass


@pytest.mark.parametrize(
    "est",
    [_fit(OwnPredict(max_iter=1)), _fit(make_pipeline(StandardScaler(), OwnPredict(max_iter=1))), _fit(SameAsParent())],
    ids=["subclass overriding predict", "pipeline of it", "subclass"],
)
def test_anything_not_vetted_keeps_predict_for_its_decisions(est):
    X = evaluation()
    assert rule_of(est) is None
    m = from_estimator(est, positive_label="grant")
    assert m.decide_and_score_once is None
    last = est.steps[-1][1] if hasattr(est, "steps") else est
    with counted(type(est), type(last)) as calls:
        decisions, _ = m.decide_and_score(X)
    np.testing.assert_array_equal(decisions, est.predict(X) == "grant")
    assert sorted(calls) == [("predict", len(X)), ("predict_proba", len(X))]


def test_unvetted_objectives_and_thresholds():
    custom = lightgbm.LGBMClassifier(n_estimators=1, verbose=-1, objective=lambda y, p: (p - y, p * (1 - p)))
    assert rule_of(_fit(custom)) is None  # its predict returns raw scores, not the argmax of predict_proba
    assert rule_of(_fit(xgboost.XGBClassifier(n_estimators=1, objective="binary:hinge"), labels=np.array([0, 1]))) is None
    assert rule_of(LogisticRegression().fit(tied_training()[0], np.arange(600) % 3)) is None  # three classes
    # with --threshold the decisions are the score against it, predict is never called (unchanged)
    est = CASES["HistGradientBoosting"]()
    m = from_estimator(est, positive_label="grant", threshold=0.5)
    assert m.decide_and_score_once is None
    with counted(HistGradientBoostingClassifier) as calls:
        decisions, scores = m.decide_and_score(evaluation())
    assert calls == [("predict_proba", 3000)] and np.array_equal(decisions, scores >= 0.5)


def test_scipy_expit_orders_the_raw_score_against_zero():
    """What the "half" rule relies on (scipy's compiled expit, not readable here): expit(r) > 0.5 only for r > 0,
    < 0.5 only for r < 0, and exactly 0.5 at 0; checked at and around the tie, subnormals and infinities included."""
    rng = np.random.default_rng(0)
    tiny = [5e-324, 1e-310, 1e-300, 1e-20, 1e-17, 2.0**-54, 2.0**-53, 1e-16, 1e-10, 1e-8, 1.0, 36.0, 700.0, np.inf]
    r = np.r_[0.0, -0.0, tiny, np.negative(tiny), rng.normal(size=100_000) * 10.0 ** rng.uniform(-30, 3, 100_000)]
    p = expit(r)
    assert expit(0.0) == 0.5 and expit(-0.0) == 0.5
    assert (r[p > 0.5] > 0).all() and (r[p < 0.5] < 0).all()
    assert (r[p == 0.5] == 0).sum() >= 2 and (r[p == 0.5] != 0).any()  # p == 0.5 also for tiny non-zero r
