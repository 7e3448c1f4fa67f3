"""Explanations share work through audit.parallel only: a spawn-context process pool, cancel stops the work, a caller's
executor is used and left running, and no process outlives the explanation that started it."""

from __future__ import annotations

import ast
import multiprocessing
import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier

from audit.cancel import CancelToken
from audit.errors import Cancelled
from audit.explain import ExplainSettings, runner
from audit.explain.agnostic import prepare as prepare_agnostic
from audit.models import from_estimator
from audit.parallel import Shipped, spawn_executor
from tests.explain.conftest import make_data, run
from tests.explain.test_additivity import one_hot_pipeline

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
EXPLAIN = Path(__file__).resolve().parents[2] / "audit" / "explain"


def _no_children_within(seconds: float, besides: frozenset = frozenset()) -> bool:
    """No child process is left within `seconds`, other than `besides` (children an earlier test in this process left
    on purpose, e.g. a caller's executor kept running; under pytest-xdist each worker process runs many files)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not set(multiprocessing.active_children()) - besides:
            return True
        time.sleep(0.1)
    return not set(multiprocessing.active_children()) - besides


@pytest.fixture(scope="module")
def mlp():
    X, y = make_data(3000, seed=21)
    return from_estimator(one_hot_pipeline(MLPClassifier((16,), max_iter=100, random_state=0)).fit(X, y)), X


_MARKS: list[int] = []


def _marks() -> int:
    return len(_MARKS)


def test_the_pool_spawns_and_nothing_forks():
    """A spawned worker starts afresh: state of this process (here a module global) is not inherited, as with fork."""
    _MARKS.append(1)
    with spawn_executor(1) as ex:
        assert ex.submit(_marks).result(timeout=120) == 0
    for path in EXPLAIN.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = {n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
        assert "fork" not in calls and "Popen" not in calls, path.name
        assert "subprocess" not in path.read_text(encoding="utf-8"), path.name


def test_cancel_stops_the_work_in_both_processes(mlp):
    """Cancelled mid-run: explain raises promptly, far fewer rows were explained than planned, no worker is left."""
    model, X = mlp
    token, seen = CancelToken(), []
    before = frozenset(multiprocessing.active_children())

    def progress(step, done, total, message):
        seen.append((done, total))
        if done > 1 and not token.is_set:
            token.set()
            seen.append(("cancelled at", time.monotonic()))

    with pytest.raises(Cancelled):
        run(model, X, ExplainSettings(time_budget_s=600, max_rows=3000, stability_resamples=10), progress=progress, cancel=token)
    after = time.monotonic()
    at = next(t for d, t in seen if d == "cancelled at")
    assert after - at < 10  # at most a batch after the cancel (a batch is ~0.5 s of work; a loaded machine is slower)
    done = [d for d, _ in seen if isinstance(d, int)]
    assert max(done) < 1000  # of 3000 planned
    assert _no_children_within(15, before), multiprocessing.active_children()


def test_cancel_between_batches_with_a_worker():
    payloads = [np.full(4, float(i)) for i in range(200)]
    token, done = CancelToken(), []

    def slow(p):
        time.sleep(0.05)
        return p + 1

    def on_batch(i, k):
        done.append(i)
        if len(done) == 5:
            token.set()

    with spawn_executor(1) as ex:
        with pytest.raises(Cancelled):
            runner.run_batches(
                slow,
                payloads,
                [4] * 200,
                deadline=float("inf"),
                cancel=token,
                on_batch=on_batch,
                shipped=Shipped(_Slow()),
                executor=ex,
            )
        assert len(done) < 40  # stopped within a few batches of the cancel, not at the end of the 200
        assert ex.submit(int, "7").result(timeout=60) == 7  # the caller's executor is still usable


class _Slow:
    def __call__(self, p):
        time.sleep(0.05)
        return p + 1


def test_a_callers_executor_is_used_and_left_running(mlp, monkeypatch):
    from audit.explain import budget

    model, X = mlp
    settings = ExplainSettings(time_budget_s=600, max_rows=400, background_size=30, stability_resamples=10)
    real_plan = budget.plan

    def with_a_worker(todo, rate, seconds_left, worker_start_s, *, cautious):
        # Whether a worker pays for its start depends on the machine's speed at that moment (budget.plan); here the
        # worker always joins, so what is tested is that it is the caller's executor, not the timing.
        rows, _ = real_plan(todo, rate, seconds_left, worker_start_s, cautious=cautious)
        return rows, rows > 0 and worker_start_s is not None

    monkeypatch.setattr(budget, "plan", with_a_worker)
    with spawn_executor(1) as ex:
        ex.submit(int).result(timeout=120)  # warm
        shared = run(model, X, settings, seed=5, executor=ex)
        assert shared.processes == 2
        assert ex.submit(int, "3").result(timeout=60) == 3
    monkeypatch.setattr(budget, "plan", real_plan)
    alone = run(model, X, settings.model_copy(), seed=5, executor=None)
    a, b = shared.model_dump(mode="json"), alone.model_dump(mode="json")
    for doc in (a, b):
        doc.pop("seconds"), doc.pop("processes")
    assert a == b  # the same explanations, whichever process computed a batch


def test_an_unpicklable_kernel_stays_in_this_process(mlp):
    model, X = mlp
    backend = prepare_agnostic(model, X, background_size=10, seed=0)
    assert backend.shipped is not None  # a fitted scikit-learn pipeline pickles
    import copy

    local_scorer = from_estimator(copy.deepcopy(model.estimator))
    local_scorer.estimator.predict_proba = lambda frame: np.zeros((len(frame), 2))  # a closure: cannot be pickled
    assert prepare_agnostic(local_scorer, X, background_size=10, seed=0).shipped is None
