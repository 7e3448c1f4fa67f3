"""Drive the real window through the main views and save a screenshot of each (for docs/ and for looking at changes).

    xvfb-run -s "-screen 0 1600x1000x24" python -m gui.screenshots docs/ --prefix screenshot-
    QT_QPA_PLATFORM=offscreen python -m gui.screenshots /tmp/shots

Uses a throw-away settings file and data folder, so the user's own workspaces are untouched."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QTimer, SignalInstance
from PySide6.QtGui import QStandardItemModel

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from PySide6.QtWidgets import QWidget

    from gui.views.figure import FigureView


def _wait(signals: SignalInstance | Sequence[SignalInstance], timeout_s: float = 180.0) -> None:
    loop = QEventLoop()
    waited: list[SignalInstance] = [signals] if isinstance(signals, SignalInstance) else list(signals)
    pending = set(range(len(waited)))

    def hit(i: int) -> Callable[..., None]:
        def _(*_a: object) -> None:
            pending.discard(i)
            if not pending:
                loop.quit()

        return _

    for i, s in enumerate(waited):
        s.connect(hit(i))
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    if pending:
        raise TimeoutError(f"timed out waiting for {len(pending)} signal(s)")


def _settle(ms: int = 300) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _drawn(view: FigureView, timeout_s: float = 120.0) -> None:
    """Wait until a FigureView shows its picture (or says why it has none)."""
    import time

    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        _settle(100)
        if view.display() is None or (view.last_png and view.status.text() != "Drawing…"):
            return
    raise TimeoutError(f"{view.objectName()} was not drawn ({view.status.text() or 'no message'})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--prefix", default="")
    ap.add_argument("--dark", action="store_true", help="choose View > Theme > Dark (window and charts)")
    ap.add_argument("--explain-budget", type=float, default=8.0)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="attest-shots-"))

    from gui.app import create_app

    create_app([])
    from gui.main_window import MainWindow
    from gui.settings import Settings

    settings = Settings(tmp / "settings.ini")
    if args.dark:
        settings.set_theme("dark")  # as a user who chose it: the window applies it at start
    w = MainWindow(settings, data_dir=tmp / "data")
    w.resize(1440, 900)
    w.show()
    w.start_up(None)
    _settle()

    def shot(name: str, widget: QWidget | None = None) -> None:
        _settle(400)
        path = args.out / f"{args.prefix}{name}.png"
        (widget or w).grab().save(str(path))
        print(path)

    shot("first-run")
    w.demo_options.update(explain_budget_s=args.explain_budget)
    w.open_demo()
    _wait([w.demo_ready, w.workspace_changed, w.setup.preview_loaded])
    _wait(w.demo_story_ready, 900)  # the demo's audit and its second chapter (gui/demo_flow.py)
    _monitoring_shots(w, shot)
    w.show_page("setup")
    try:
        import audit.explain as _ex

        has_explain = hasattr(_ex, "explain")
    except ImportError:
        has_explain = False
    w.setup.explain_check.setChecked(has_explain)
    w.setup.budget_spin.setValue(args.explain_budget)
    w.setup.bootstrap_spin.setValue(500)
    shot("setup")
    w.setup.open_context_dialog()
    ctx_dlg = w.setup.context_dialog
    assert ctx_dlg is not None  # open_context_dialog just made it
    ctx_dlg.edits["risk_owner"].setPlainText("Head of credit risk")
    shot("context", ctx_dlg)
    ctx_dlg.reject()
    w.setup.request_run()
    _settle(700)
    shot("running")
    _wait(w.outcome_shown, 600)
    w.results.verdicts_table.selectRow(0)
    shot("results")
    rt = w.results.tabs
    rt.setCurrentIndex(rt.indexOf(w.results.forest))
    _drawn(w.results.forest.figure)
    shot("results-forest")
    rt.setCurrentIndex(rt.indexOf(w.results.forest) + 1)
    shot("group-metrics")
    rt.setCurrentIndex(rt.indexOf(w.results.charts))
    _drawn(w.results.charts.figure)
    shot("charts")
    ex = w.explanations
    w.show_page("explanations")
    _drawn(ex.global_figure)
    shot("explanations")
    kinds = ex.global_kind.model()
    assert isinstance(kinds, QStandardItemModel)  # a QComboBox's own model
    if kinds.item(1).isEnabled():
        ex.global_kind.setCurrentIndex(1)
        ex.global_split.setCurrentIndex(min(1, ex.global_split.count() - 1))
        _drawn(ex.global_figure)
        shot("explanations-beeswarm")
    ex.tabs.setCurrentIndex(1)
    _drawn(ex.group_figure)
    shot("explanations-by-group")
    ex.tabs.setCurrentIndex(2)
    _drawn(ex.dep_figure)
    shot("explanations-dependence")
    ex.tabs.setCurrentIndex(3)
    _drawn(ex.waterfall_figure)
    shot("explanations-local")
    ex.tabs.setCurrentIndex(0)
    w.show_page("quality")
    shot("quality")
    w.show_page("trail")
    w.trail.verify()
    _wait(w.trail.verified)
    if w.trail.proxy.rowCount():
        w.trail.table.selectRow(0)
    shot("trail")
    dlg = w.sign_off()
    if dlg is not None:
        dlg.decision_buttons["approve_with_conditions"].setChecked(True)
        dlg.conditions.setPlainText("Re-audit the intersectional groups after the next retraining.")
        shot("signoff", dlg)
        dlg.accept()
        _wait(w.signoff_recorded)
    try:
        import reports.export  # noqa: F401

        w.report.out_field.set_path(str(tmp / "attest-report.pdf"), emit=False)
        w.export_report()
        _wait([w.report.exported, w.report.preview_ready], 300)
    except ImportError:
        w.show_page("report")
    shot("report")
    w.show_page("workspace")
    _settle(800)
    table = w.artifacts.artifacts_table
    for r in range(table.model().rowCount()):
        if table.model().index(r, 0).data() == "model":
            table.selectRow(r)
    _settle(800)
    if w.artifacts.runs_table.model().rowCount():
        w.artifacts.runs_table.selectRow(0)
    shot("workspace")
    w.close()
    return 0


def _monitoring_shots(w, shot) -> None:
    """The demo's second chapter as "Open the demo workspace" leaves it: the Monitoring page with the year of logged
    decisions against the audit (the alert from July), its charts and plan, the comparison and the drift."""
    m = w.monitor
    _settle(800)  # the story's audit outcome reaches the pages (and shows Results) in later turns of the event loop
    w.show_page("monitor")
    shot("monitoring-windows")
    m.tabs.setCurrentIndex(m.tabs.indexOf(m.figure.parentWidget()))
    _drawn(m.figure)
    shot("monitoring")
    m.chart_picker.setCurrentIndex(m.chart_picker.count() - 1)
    _drawn(m.figure)
    shot("monitoring-drift")
    m.tabs.setCurrentIndex(m.tabs.count() - 1)
    shot("monitoring-plan")
    m.tabs.setCurrentIndex(0)
    w.show_page("compare")
    shot("compare")
    w.show_page("drift")
    shot("drift")


if __name__ == "__main__":
    sys.exit(main())
