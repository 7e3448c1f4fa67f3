"""The main window's actions, menus and toolbar: what each action is called, its shortcut, and when it is enabled.

Kept apart from `gui.main_window` so the window only composes pages and wires jobs; everything here reads the window's
state (its runners, snapshot and shown outcome) and calls the window's slots. Entry points: `build_actions(window)` once,
`update_actions(window)` whenever a job starts or ends or the shown run or workspace changes, `rebuild_recent(window)`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QMessageBox


def make_action(
    window: Any, text: str, slot: Callable[[], object], shortcut: Any = None, name: str = "", tip: str = ""
) -> QAction:
    """An action owned by the window (so its shortcut works on every page), named for tests and accessibility."""
    a = QAction(text, window)
    if shortcut is not None:
        a.setShortcut(QKeySequence(shortcut))
    if tip:
        a.setStatusTip(tip)
        a.setToolTip(tip)
    a.setObjectName(name or text)
    a.triggered.connect(slot)
    window.addAction(a)
    return a


def build_actions(window: Any) -> None:
    """Create the window's actions (as `window.act_*`), the menu bar and the toolbar."""
    from gui.main_window import PAGES

    K = QKeySequence.StandardKey
    w = window

    def act(*args: Any, **kwargs: Any) -> QAction:
        return make_action(w, *args, **kwargs)

    w.act_new = act("&New workspace…", w.new_workspace, K.New, "new_workspace", "Create a workspace file")
    w.act_open = act("&Open workspace…", w.choose_workspace, K.Open, "open_workspace", "Open a workspace file")
    w.act_demo = act("Open the &demo workspace", w.open_demo, "Ctrl+Shift+D", "open_demo")
    w.act_refresh = act(
        "&Refresh", w.refresh_workspace, K.Refresh, "refresh", "Re-read the workspace and re-check its files on disk"
    )
    w.act_quit = act("&Quit", w.close, K.Quit, "quit")
    w.act_run = act("&Run audit", w.setup.request_run, "Ctrl+R", "run_audit", "Run the audit set up on the Set-up page")
    w.act_cancel = act("&Cancel", w.cancel_jobs, "Esc", "cancel", "Stop the running job")
    w.act_signoff = act(
        "&Sign off…", lambda: w.sign_off(), "Ctrl+Shift+S", "sign_off", "Record a reviewer's decision on the current run"
    )
    w.act_export = act("&Export PDF…", w.export_report, "Ctrl+E", "export_pdf", "Write the PDF report")
    w.act_rerun = act(
        "Re-run &with this set-up",
        w.rerun_setup,
        None,
        "rerun_setup",
        "Load the shown run's recorded set-up into the Set-up page, and say what changed",
    )
    w.act_verify = act("&Verify trail", w.verify_trail, "Ctrl+Shift+V", "verify_trail", "Re-check the trail's hash chain")
    w.act_about = act("&About Attest", w.about, K.HelpContents, "about")

    m = w.menuBar()
    fm = m.addMenu("&File")
    for a in (w.act_new, w.act_open):
        fm.addAction(a)
    w.recent_menu = fm.addMenu("Open &recent")
    fm.addAction(w.act_demo)
    fm.addSeparator()
    fm.addAction(w.act_refresh)
    fm.addSeparator()
    fm.addAction(w.act_quit)
    am = m.addMenu("&Audit")
    for a in (w.act_run, w.act_cancel, w.act_signoff, w.act_export, w.act_rerun):
        am.addAction(a)
    tm = m.addMenu("&Trail")
    tm.addAction(w.act_verify)
    vm = m.addMenu("&View")
    for i, (key, title) in enumerate(PAGES):
        vm.addAction(act(title, lambda _=False, k=key: w.show_page(k), f"Ctrl+{i + 1}", f"page_{key}"))
    vm.addSeparator()
    build_theme_menu(w, vm.addMenu("T&heme"))
    hm = m.addMenu("&Help")
    hm.addAction(w.act_about)

    tb = w.addToolBar("Main")
    tb.setObjectName("main_toolbar")
    tb.setMovable(False)
    tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    for a in (w.act_open, w.act_run, w.act_cancel, w.act_signoff, w.act_export, w.act_verify):
        tb.addAction(a)
    rebuild_recent(w)


def update_actions(window: Any) -> None:
    """Enable each action only when it can act on the open workspace and the run shown (with a tooltip saying why not)."""
    w = window
    busy = w.audit_runner.busy
    here = w.outcome is not None and w.outcome_workspace == (w.snapshot.path if w.snapshot else None)
    has_run = here and w.outcome.run_id is not None
    w.act_run.setEnabled(not busy)
    w.act_cancel.setEnabled(busy or any(r.busy for r in (w.ws_runner, w.demo_runner, w.drift.runner, w.monitor.runner)))
    w.act_demo.setEnabled(not w.demo_runner.busy)  # a second demo would retrain the model file the story is reading
    w.act_signoff.setEnabled(has_run and w.snapshot is not None)
    w.act_signoff.setToolTip(
        "Record a reviewer's decision on the shown run"
        if has_run
        else "No recorded run of the open workspace is shown: run an audit or open a run first"
    )
    w.act_export.setEnabled(here)
    w.act_export.setToolTip("Write the PDF report" if here else "No run of the open workspace is shown")
    w.act_rerun.setEnabled(w.outcome is not None and not busy)
    w.act_verify.setEnabled(w.snapshot is not None)
    w.act_refresh.setEnabled(w.snapshot is not None)
    w.setup.set_running(busy)


def rebuild_recent(window: Any) -> None:
    """File > Open recent: the remembered workspaces, and a way to forget them."""
    menu = window.recent_menu
    menu.clear()
    recent = window.settings.recent_workspaces()
    for p in recent:
        a = menu.addAction(p)
        a.triggered.connect(lambda _=False, path=p: window.open_workspace(path))
    menu.setEnabled(bool(recent))
    if recent:
        menu.addSeparator()
        clear = menu.addAction("Clear the list")
        clear.triggered.connect(lambda: clear_recent(window))


def clear_recent(window: Any) -> None:
    window.settings.clear_recent()
    rebuild_recent(window)
    window.welcome.set_recent([])


def navigation(pages: tuple[tuple[str, str], ...]) -> QListWidget:
    """The page list at the window's left; each item's tooltip names the View menu's shortcut for it."""
    nav = QListWidget()
    nav.setObjectName("navigation")
    nav.setAccessibleName("Pages")
    for i, (key, title) in enumerate(pages):
        item = QListWidgetItem(title)
        item.setData(Qt.ItemDataRole.UserRole, key)
        item.setToolTip(f"{title} (Ctrl+{i + 1})")
        nav.addItem(item)
    nav.setFixedWidth(max(150, nav.sizeHintForColumn(0) + 40))
    nav.setSpacing(2)
    return nav


def show_about(window: Any) -> None:
    from gui.errors import app_version, show_message

    show_message(
        window,
        "About Attest",
        f"Attest {app_version()}: an offline workbench for AI governance audits.",
        hint="",
        icon=QMessageBox.Icon.Information,
    )


def build_theme_menu(window: Any, menu: Any) -> None:
    """View > Theme: Light / Dark / Follow the system, one checked; the choice is saved and applied at once (charts too)."""
    from gui import theme

    menu.setObjectName("theme_menu")
    group = QActionGroup(window)
    group.setExclusive(True)
    window.theme_actions = {}
    chosen = window.settings.theme()
    for key, text in theme.CHOICES:
        a = QAction(text, window)
        a.setObjectName(f"theme_{key}")
        a.setCheckable(True)
        a.setChecked(key == chosen)
        a.setStatusTip(
            {
                "light": "Light window and charts",
                "dark": "Dark window and charts",
                "system": "Follow the system's light or dark scheme",
            }[key]
        )
        a.triggered.connect(lambda _=False, k=key: choose_theme(window, k))
        group.addAction(a)
        menu.addAction(a)
        window.theme_actions[key] = a


def apply_saved_theme(settings: Any) -> None:
    """At start-up, before any page is built (pages take colours from the palette): the theme chosen last time;
    "system" leaves the palette the app started with alone."""
    from gui import theme

    if settings.theme() != "system":
        theme.apply_theme(settings.theme())


def choose_theme(window: Any, choice: str) -> None:
    from gui import theme

    window.settings.set_theme(choice)
    window.settings.sync()
    window.theme_actions[choice].setChecked(True)
    theme.apply_theme(choice)
