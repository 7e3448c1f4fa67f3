"""Opens the main window and every dialog at its default size and prints their sizes as JSON (one object on stdout).

Run by tests/gui/test_fits_laptop.py in its own process, on Qt's offscreen platform with a 1920x1200 screen, so a
window is measured at the size it asks for, not at a size a small screen forced on it.
    python -m tests.gui.fit_probe SETTINGS_DIR
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace


def _measure(app, w) -> dict:
    from PySide6.QtWidgets import QDialogButtonBox

    if hasattr(w, "open") and w is not None and not w.isVisible():
        w.open()
    for _ in range(5):
        app.processEvents()
    frame = w.frameGeometry()
    inside = w.rect()
    boxes = [b for b in w.findChildren(QDialogButtonBox) if b.isVisible()]
    # Every button box lies wholly inside the window: its buttons are on screen whenever the window is.
    buttons_inside = all(
        inside.contains(b.mapTo(w, b.rect().topLeft())) and inside.contains(b.mapTo(w, b.rect().bottomRight())) for b in boxes
    )
    return {
        "frame": [frame.width(), frame.height()],
        "buttons_inside": buttons_inside,
        "minimum": [w.minimumSize().width(), w.minimumSize().height()],
    }


def probe(folder: Path) -> dict:
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance() or QApplication([])
    from audit.errors import TrustRequired
    from gui.dialogs.context import ContextDialog
    from gui.dialogs.identity import IdentityDialog
    from gui.dialogs.note import NoteDialog
    from gui.dialogs.register import RegisterDialog
    from gui.dialogs.signoff import SignoffDialog
    from gui.dialogs.training import TrainingDialog
    from gui.dialogs.trust import TrustDialog
    from gui.errors import CrashDialog, show_message
    from gui.main_window import MainWindow
    from gui.settings import Settings

    screen = app.primaryScreen().availableGeometry()
    out: dict = {"screen": [screen.width(), screen.height()]}
    w = MainWindow(Settings(folder / "settings.ini"), data_dir=folder / "appdata")
    w.show()
    out["main_window"] = _measure(app, w)
    out["main_window"]["minimum_hint"] = [w.minimumSizeHint().width(), w.minimumSizeHint().height()]

    arts = [
        SimpleNamespace(
            id=f"{'ds' if i % 2 else 'model'}-{i:012x}",
            kind="dataset" if i % 2 else "model",
            name=f"a rather long registered name number {i}",
            version=str(i),
            path=f"/data/projects/credit/{i}.csv",
        )
        for i in range(40)
    ]
    long_text = "A sentence that goes on for a while, as error messages sometimes do. " * 12
    dialogs = {
        "identity": lambda: IdentityDialog("project", "dana@laptop", "", "", "Dana Kim", demo_persona="Jordan Blake", parent=w),
        "register_dataset": lambda: RegisterDialog("dataset", str(folder), w),
        "register_model": lambda: RegisterDialog("model", str(folder), w),
        "note": lambda: NoteDialog([(a.id, f"{a.kind}: {a.name}") for a in arts], w),
        "training": lambda: _training(TrainingDialog(arts, "Dana Kim", w)),
        "signoff": lambda: SignoffDialog(
            "run-0123456789ab", long_text, "Dana Kim", "Compliance officer", key_file=str(folder / "signoff-key.json"), parent=w
        ),
        "context": lambda: ContextDialog({}, w),
        "trust": lambda: TrustDialog(
            str(folder / "model.skops"),
            TrustRequired("untrusted", sha256="ab" * 32, untrusted=tuple(f"package.module.Type{i}" for i in range(30))),
            w,
        ),
        "message": lambda: show_message(w, "The audit could not run", long_text, hint=long_text),
        "crash": lambda: CrashDialog(RuntimeError(long_text), w),
        "replace_question": lambda: QMessageBox(
            QMessageBox.Icon.Question,
            "Replace the file?",
            f"{folder / ('x' * 200)}.csv exists already. Replace it?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            w,
        ),
    }
    for name, make in dialogs.items():
        dlg = make()
        out[name] = _measure(app, dlg)
        dlg.close()
        app.processEvents()
    w.close()
    return out


def _training(dlg):
    for i in range(12):  # a long parameter list, and several training files
        dlg.add_param(f"parameter_{i}", str(i))
    for _ in range(4):
        dlg.add_dataset_row()
    return dlg


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        result = probe(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tmp))
    print(json.dumps(result))
