"""An audit run as the window sees it: starting it, handing its outcome to every page, the trust prompt for a pickled
model, and what a failure or cancellation says. The window connects its audit runner here and only delegates."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer

if TYPE_CHECKING:
    from audit.errors import TrustRequired
    from gui.dialogs.trust import TrustDialog


def wire(window: Any) -> None:
    """Connect the window's audit and run-loading runners to this module."""
    QTimer.singleShot(200, prefetch_data_code)  # once the window has painted
    from gui.errors import show_error

    window.audit_runner.finished.connect(lambda outcome: on_finished(window, outcome))
    window.audit_runner.failed.connect(lambda exc: on_failed(window, exc))
    window.audit_runner.cancelled.connect(lambda: on_cancelled(window))
    window.run_loader.finished.connect(window.show_outcome)
    window.run_loader.failed.connect(lambda exc: show_error(window, exc, title="Cannot open the audit run"))


_prefetched: set[str] = set()


def _prefetch(name: str, modules: tuple[str, ...]) -> None:
    """Import `modules` on a background thread, once per `name`: an import on the GUI thread keeps the window from
    repainting for as long as it takes, while on another thread the same work is spread over the interpreter's thread
    switches (every 5 ms)."""
    if name in _prefetched:
        return
    _prefetched.add(name)

    def load() -> None:
        import importlib

        for m in modules:
            try:
                importlib.import_module(m)
            except Exception:  # a broken install shows its error where the module is used, not here
                pass

    threading.Thread(target=load, name=f"attest-prefetch-{name}", daemon=True).start()


def prefetch_chart_code() -> None:
    """`reports.charts` (the display objects, not matplotlib): the Results page builds its charts' display objects on
    the GUI thread as soon as a result arrives; importing the package there cost 35 ms (benchmarks/bench_gui.py)."""
    _prefetch("charts", ("reports.charts",))


def prefetch_data_code() -> None:
    """pandas and SciPy (through the cells and the cost guards), after the first paint: the window starts without them
    (tests/gui/test_startup_light.py), and the set-up page's group estimate needs them on the GUI thread as soon as a
    file is chosen (40 ms of GUI-thread CPU during a 1M-row audit otherwise)."""
    _prefetch("data", ("audit.guards", "audit.stats.cells"))


def run_audit(window: Any, request: dict[str, Any]) -> None:
    from gui import jobs

    prefetch_chart_code()  # the result's charts will need it when the audit ends
    window._last_request = request  # the status panel plans its stages from it; the trust prompt re-runs it
    window.step_label.setText("Starting the audit…")
    window.audit_runner.start(jobs.run_audit_job, request, window.snapshot.path if window.snapshot else None)


def on_finished(window: Any, outcome: Any) -> None:
    window.step_label.setText(f"Audit complete: {outcome.result.summary.sentence()}")
    window.show_outcome(outcome)
    window.refresh_workspace()
    window.audit_finished.emit(outcome)


def show_outcome(window: Any, outcome: Any) -> None:
    """Hand a result to every page. The Results page is filled first; the other pages (and the switch to Results)
    follow in later turns of the event loop, so no single step keeps the window from repainting for long."""
    w = window
    w.outcome = outcome
    w.outcome_workspace = w.snapshot.path if w.snapshot else None
    result = outcome.result
    w.results.set_result(result, outcome.run_id)
    w._update_actions()
    ws = w.snapshot.path if w.snapshot else None
    for step in (
        lambda: w.show_page("results"),
        lambda: w.explanations.set_result(result),
        lambda: w.quality.set_result(result),
        lambda: w.report.set_result(result, outcome.run_id, ws),
        lambda: w.outcome_shown.emit(outcome),
    ):
        QTimer.singleShot(0, w, step)


def on_failed(window: Any, exc: BaseException) -> None:
    from gui.errors import show_error

    window.step_label.setText("The audit did not run.")
    request = window._last_request
    from audit.errors import TrustRequired

    if isinstance(exc, TrustRequired) and request is not None and request.get("model_path"):
        window.ask_trust(request, exc)
    else:
        show_error(window, exc, title="The audit could not run")
    window.audit_failed.emit(exc)


def ask_trust(window: Any, request: dict[str, Any], exc: TrustRequired) -> TrustDialog:
    """Ask whether to trust a pickled model's types; on yes, run again with them trusted. Returns the dialog."""
    from gui.dialogs.trust import TrustDialog

    dlg = TrustDialog(request["model_path"], exc, window)
    dlg.accepted.connect(lambda: window.run_audit(dlg.trusted_request(request)))
    dlg.open()
    window.trust_dialog = dlg
    return dlg


def on_cancelled(window: Any) -> None:
    window.step_label.setText("Audit cancelled. Nothing was recorded.")
    window.audit_cancelled.emit()


def open_run(window: Any, run_id: str) -> None:
    from gui import jobs

    if window.snapshot is not None:
        prefetch_chart_code()
        window.run_loader.start(jobs.load_run, window.snapshot.path, run_id)
