"""A fitted scikit-learn classifier that waits before predicting inside a Spark task (never on the driver): the
Spark engine's cancel test needs a job that runs for minutes unless it is stopped. Importable by Spark's Python
workers (tests/ is on their path), so a pickle of it loads there."""

from __future__ import annotations

import time
from typing import Any

from sklearn.linear_model import LogisticRegression

DELAY = 600.0  # seconds: far longer than the test allows, so only a cancel of the running job ends it in time


def _in_a_task() -> bool:
    from pyspark import TaskContext

    return TaskContext.get() is not None


class SlowModel(LogisticRegression):
    def predict(self, X: Any) -> Any:
        if _in_a_task():
            time.sleep(DELAY)
        return super().predict(X)

    def predict_proba(self, X: Any) -> Any:
        if _in_a_task():
            time.sleep(DELAY)
        return super().predict_proba(X)
