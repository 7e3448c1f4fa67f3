"""Cancel and progress inside a running Spark job: a pass over a cluster's table takes minutes, and checking the
cancel token between jobs would leave the user waiting for the whole job. The audit's jobs run in one job group
(`SparkContext.setJobGroup(..., interruptOnCancel=True)`, Spark's public API; the group is a property of the thread
that submits them, PySpark pinning each Python thread to a JVM thread). A watcher thread polls, every `interval`
seconds, the token (set -> `cancelJobGroup`: the running job fails at once, its tasks are interrupted and their
Python workers stopped; the engine turns the failure into `Cancelled`) and the status tracker (tasks done of the
group's running stages, reported as progress).

The thread's previous job group, description and interrupt setting (a notebook's own) are restored on exit."""

from __future__ import annotations

import threading
import uuid
from types import TracebackType
from typing import Any

from audit.cancel import CancelToken, Progress

STEPS = 8
INTERVAL = 0.25  # seconds between polls: a cancel takes effect within this, and progress moves at this pace
_PROPERTIES = ("spark.jobGroup.id", "spark.job.description", "spark.job.interruptOnCancel")


class JobWatch:
    """Use as `with JobWatch(spark_context, progress, cancel) as watch:` around the jobs of one audit, submitted from
    the thread that entered it; `watch.stage(name, step)` names what runs now."""

    def __init__(self, sc: Any, progress: Progress, cancel: CancelToken, interval: float | None = None) -> None:
        self.sc, self.progress, self.cancel = sc, progress, cancel
        self.interval = INTERVAL if interval is None else interval
        self.group = f"attest-{uuid.uuid4().hex}"
        self.cancelled = False  # cancelJobGroup was called: a job failing now failed because of it
        self._stage, self._step, self._last = "load data", 0, ""
        self._saved: dict[str, str | None] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="attest-spark-watch", daemon=True)

    def stage(self, name: str, step: int) -> None:
        self._stage, self._step, self._last = name, step, ""

    def __enter__(self) -> JobWatch:
        self._saved = {k: self.sc.getLocalProperty(k) for k in _PROPERTIES}
        self.sc.setJobGroup(self.group, "Attest audit", interruptOnCancel=True)
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        for key, value in self._saved.items():
            self.sc.setLocalProperty(key, value)  # None removes the property: the thread's state before the audit

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if self.cancel.is_set:
                    # Every poll, not once: a job the engine submits before it next checks the token is cancelled too.
                    self.cancelled = True
                    self.sc.cancelJobGroup(self.group)
                else:
                    self._report()
            except Exception:  # the session stopping, or a job ending between two calls: nothing to do this time
                continue

    def _report(self) -> None:
        tracker = self.sc.statusTracker()
        done = total = 0
        for job_id in tracker.getJobIdsForGroup(self.group):
            job = tracker.getJobInfo(job_id)
            if job is None or job.status != "RUNNING":
                continue
            for stage_id in job.stageIds:
                stage = tracker.getStageInfo(stage_id)
                if stage is not None:
                    done, total = done + stage.numCompletedTasks, total + stage.numTasks
        if not total:
            return
        text = f"Spark: {done:,} of {total:,} tasks of this pass done"
        if text != self._last:
            self._last = text
            self.progress(self._stage, self._step, STEPS, text)
