"""Entry point of the desktop app: `run_gui(argv) -> int`.

Only Qt is imported at module level: pandas, the audit engine and matplotlib load later, in the worker or on first use,
so the window paints within a fraction of a second."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

APP_NAME = "Attest"
_T0 = time.perf_counter()

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget


def create_app(argv: list[str] | None = None) -> QApplication:
    from gui.wheel_guard import install_wheel_guard

    app = QApplication.instance()
    if app is not None:
        install_wheel_guard(app)  # type: ignore[arg-type]
        return app  # type: ignore[return-value]
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    app = QApplication([sys.argv[0] if sys.argv else "attest", *(argv or [])])
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName("attest")
    install_wheel_guard(app)  # scrolling a page never changes a number box or drop-down it passes over
    theme = os.environ.get("ATTEST_THEME", "").lower()  # default: follow the system's light or dark scheme
    if theme == "dark":
        apply_dark_palette(app)
    elif theme == "light":
        app.styleHints().setColorScheme(Qt.ColorScheme.Light)
    return app


def apply_dark_palette(app: QApplication) -> None:
    """A dark Fusion palette, for systems that do not report a dark scheme to Qt (and for screenshots)."""
    from PySide6.QtGui import QColor, QPalette

    from gui.theme import outlined_fusion

    app.setStyle(outlined_fusion())
    app.styleHints().setColorScheme(Qt.ColorScheme.Dark)
    p = QPalette()
    R, G = QPalette.ColorRole, QPalette.ColorGroup
    for role, color in (
        (R.Window, "#2b2d31"),
        (R.WindowText, "#e6e6e6"),
        (R.Base, "#1e1f22"),
        (R.AlternateBase, "#26282c"),
        (R.ToolTipBase, "#3a3d42"),
        (R.ToolTipText, "#f0f0f0"),
        (R.Text, "#e6e6e6"),
        (R.Button, "#34373c"),
        (R.ButtonText, "#e6e6e6"),
        (R.BrightText, "#ff6b6b"),
        (R.Link, "#8ab4f8"),
        (R.Highlight, "#3d6bb3"),
        (R.HighlightedText, "#ffffff"),
        (R.PlaceholderText, "#9aa0a6"),
    ):
        p.setColor(role, QColor(color))
    for role in (R.WindowText, R.Text, R.ButtonText):
        p.setColor(G.Disabled, role, QColor("#7c8087"))
    app.setPalette(p)


class _FirstPaint(QObject):
    """Start-up probe: prints seconds from process start to the main window's first paint, then quits."""

    def __init__(self, target: QWidget, quit_after: bool) -> None:
        super().__init__(target)
        self._quit = quit_after
        target.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            print(f"ATTEST_FIRST_PAINT {time.perf_counter() - _T0:.4f}", flush=True)
            if self._quit:
                QTimer.singleShot(0, QCoreApplication.quit)
        return False


def run_gui(argv: list[str] | None = None) -> int:
    """Open the main window on the last workspace (or the first-run screen) and run the event loop."""
    argv = list(sys.argv[1:] if argv is None else argv)
    app = create_app(argv)
    from gui.errors import install_excepthook
    from gui.main_window import MainWindow
    from gui.settings import Settings

    settings_path = os.environ.get("ATTEST_SETTINGS")
    window = MainWindow(Settings(settings_path) if settings_path else Settings())
    probe = os.environ.get("ATTEST_STARTUP_PROBE")
    if probe:
        _FirstPaint(window, quit_after=probe == "quit")
    install_excepthook()
    window.show()
    workspace = next((a for a in argv if a.endswith(".attest")), None)
    QTimer.singleShot(0, lambda: window.start_up(Path(workspace) if workspace else None))
    if not probe:
        from gui.processes import warm_up

        QTimer.singleShot(300, warm_up)  # after the first paint: start the worker processes in the background
    code = app.exec()
    from gui.processes import shutdown_processes

    shutdown_processes()
    return code


if __name__ == "__main__":
    sys.exit(run_gui())
