"""The demo's story as the window sees it: "Open the demo workspace" trains and registers (gui.jobs.build_demo_workspace)
and, once the workspace is open, the story runs off the GUI thread (gui.demo_jobs.run_demo_story, a worker process) with
the status bar's progress and Cancel: the demo's audit, then the second chapter. When it ends every page gets its part:
Results the audit, Monitoring the run with the alert from July, Compare the audit against the re-audit, Drift the
drifted months against the audited data; the Set-up page stays pre-filled to run the audit again."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gui.demo_jobs import DemoStory
    from gui.jobs import DemoWorkspace


def wire(window: Any) -> None:
    from gui.demo_jobs import DEMO_OPTIONS
    from gui.status import demo_plan

    window.demo_options = dict(DEMO_OPTIONS)  # a test may lower the draws or switch explanations off
    opts = window.demo_options
    window.status_panel.attach(window.demo_runner, lambda: demo_plan(opts["explain_budget_s"] if opts["explain"] else None))
    window.demo_runner.finished.connect(lambda story: on_finished(window, story))
    window.demo_runner.failed.connect(lambda exc: on_failed(window, exc))
    window.demo_runner.cancelled.connect(lambda: on_cancelled(window))
    window.demo_runner.busy_changed.connect(lambda _busy: window._update_actions())


def start(window: Any, demo: DemoWorkspace) -> None:
    """Run the story for the demo workspace just opened."""
    from gui.demo_jobs import run_demo_story

    window.step_label.setText("The demo's audit and its year after launch are being recorded…")
    window.demo_runner.start(run_demo_story, str(Path(demo.workspace).parent), demo.workspace, dict(window.demo_options))


def on_finished(window: Any, story: DemoStory) -> None:
    if window.snapshot is None or window.snapshot.path != story.workspace:
        return  # another workspace was opened meanwhile: its pages are not the demo's
    window.show_outcome(story.audit)
    window.monitor.fill(story.monitor_form)
    window.monitor.show_result(story.monitoring)
    comparison, event = story.comparison
    window.compare.show_comparison(comparison)
    window.compare.status.setText(f"The demo's comparison, recorded as event #{event.seq} ({event.payload['comparison_id']}).")
    window.drift.fill(story.drift_form)
    window.drift.show_result(story.drift)
    window.refresh_workspace()  # the trail, the artifacts and Compare's run lists now hold the whole story
    window.status_panel.set_text(f"{story.line} See the Monitoring, Compare and Drift pages.")
    window.demo_story_ready.emit(story)


def on_failed(window: Any, exc: BaseException) -> None:
    from gui.errors import show_error

    window.step_label.setText("The demo's story stopped; what it recorded stays in the trail.")
    window.refresh_workspace()
    show_error(window, exc, title="The demo could not finish")


def on_cancelled(window: Any) -> None:
    window.step_label.setText("Demo cancelled. What it had recorded stays in the trail (it is append-only).")
    window.refresh_workspace()
