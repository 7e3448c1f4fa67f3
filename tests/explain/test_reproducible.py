"""Same seed, same explanations: whichever process computed a batch, however rows were batched."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.neural_network import MLPClassifier

from audit.explain import ExplainSettings, explain_rows, runner
from audit.explain.agnostic import prepare as prepare_agnostic
from audit.explain.backend import Backend
from audit.explain.choose import choose
from audit.explain.tree import ShapTree
from audit.explain.tree import prepare as prepare_tree
from audit.models import from_estimator
from audit.parallel import Shipped, spawn_executor
from tests.explain.conftest import NUMERIC, run
from tests.explain.test_additivity import one_hot_pipeline

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def without_time(res) -> dict:
    doc = res.model_dump(mode="json", by_alias=True)
    doc.pop("seconds"), doc.pop("processes")  # facts about the run, not about the model
    return doc


def test_same_seed_identical_explanations(data):
    X, y = data
    settings = ExplainSettings(time_budget_s=120, max_rows=120, background_size=30, stability_resamples=50)
    for est in (
        RandomForestClassifier(n_estimators=10, max_depth=5, random_state=0),
        one_hot_pipeline(MLPClassifier((8,), max_iter=200, random_state=0)),
    ):
        model = from_estimator(est.fit(X if hasattr(est, "steps") else X[NUMERIC], y))
        first, second = run(model, X, settings, seed=11), run(model, X, settings, seed=11)
        assert without_time(first) == without_time(second)
        other = run(model, X, settings, seed=12)
        assert without_time(other) != without_time(first)  # the seed matters: sample, background, permutations


def test_permutation_values_do_not_depend_on_batching(data):
    X, y = data
    model = from_estimator(one_hot_pipeline(MLPClassifier((8,), max_iter=200, random_state=0)).fit(X, y))
    rows = np.arange(10, 40)
    together = explain_rows(model, X, rows, seed=5, background_size=25)
    one_by_one = [explain_rows(model, X, [r], seed=5, background_size=25) for r in rows[:5]]
    np.testing.assert_allclose(np.vstack([a.values for a in one_by_one]), together.values[:5], rtol=0, atol=1e-12)


def slow_front(core, delay):
    """This process's share, slowed down so the worker process surely takes some batches."""
    mine = []
    lock = threading.Lock()

    def wrapped(payload):
        time.sleep(delay)
        with lock:
            mine.append(1)
        return core(payload)

    return wrapped, mine


def alone_and_shared(backend, payloads, rows: int, delay: float):
    """Each batch computed here alone, then the same batches shared with a spawned worker (which must take some)."""
    alone = [backend.core(p) for p in payloads]
    core, mine = slow_front(backend.core, delay)
    with spawn_executor(1) as executor:
        # Started and holding the kernel: the test is about values, not about a slow start on a loaded machine.
        backend.shipped.submit(executor, payloads[0], with_state=True).result()
        shared, cut, by_worker = runner.run_batches(
            core,
            payloads,
            [rows] * len(payloads),
            deadline=float("inf"),
            cancel=None,
            on_batch=lambda i, k: None,
            shipped=backend.shipped,
            executor=executor,
        )
    assert not cut and by_worker > 0 and len(mine) + by_worker >= len(payloads), "the worker should have taken some batches"
    return alone, shared


def test_worker_process_gives_identical_shap_tree_values(data):
    """shap's own TreeExplainer (the route where Attest's kernel does not apply) shared with a worker process."""
    X, y = data
    model = from_estimator(RandomForestClassifier(n_estimators=10, max_depth=5, random_state=0).fit(X[NUMERIC], y))
    choice = choose(model)
    backend = prepare_tree(choice, model, X)
    assert "leaf-pattern" in backend.library  # the fast route: in this process, numba on every core
    import shap

    tree = ShapTree(choice.final, 1, False, shap.TreeExplainer(choice.final))
    public = Backend(tree, backend.payload, backend.columns, backend.owners, "shap", finish=tree.finish, shipped=Shipped(tree))
    payloads = [public.payload(np.arange(i, i + 20)) for i in range(0, 400, 20)]
    alone, shared = alone_and_shared(public, payloads, 20, delay=0.3)
    assert all(np.array_equal(a, b) for a, b in zip(alone, shared, strict=True))


def test_worker_process_gives_identical_permutation_values(data):
    X, y = data
    model = from_estimator(one_hot_pipeline(MLPClassifier((8,), max_iter=200, random_state=0)).fit(X, y))
    backend = prepare_agnostic(model, X, background_size=20, seed=3)
    assert backend.shipped is not None
    payloads = [backend.payload(np.arange(i, i + 2)) for i in range(0, 24, 2)]
    alone, shared = alone_and_shared(backend, payloads, 2, delay=0.6)
    for a, b in zip(alone, shared, strict=True):
        np.testing.assert_allclose(a[0], b[0], rtol=0, atol=1e-12)  # BLAS thread count may move the last bits
        np.testing.assert_allclose(a[1], b[1], rtol=0, atol=1e-12)
