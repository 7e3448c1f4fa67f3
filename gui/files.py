"""Choosing where to save, and asking before a file is replaced.

Every export of the app (PDF report, group table CSV) goes through `choose_save_path` and `confirm_overwrite`, so no
file is ever replaced without the user saying so. Qt's own file dialog asks before replacing the file the user picked;
the question is asked again here only where the dialog could not have asked: when the suffix was added after it
closed, for a path typed into a field rather than picked, and for the files written beside it (the report's evidence
manifest).

The two blocking calls (`_exec_dialog`, `_ask`) are module functions so tests replace them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget


def _exec_dialog(dialog: QFileDialog) -> str | None:
    """Run the dialog; the chosen path, or None when cancelled."""
    if dialog.exec() and dialog.selectedFiles():
        return dialog.selectedFiles()[0]
    return None


def _ask(parent: QWidget | None, title: str, text: str, informative: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Cancel, parent)
    replace = box.addButton("Replace", QMessageBox.ButtonRole.AcceptRole)
    box.setInformativeText(informative)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)  # Enter never replaces a file by accident
    box.exec()
    return box.clickedButton() is replace


def suffix_of(name_filter: str) -> str:
    """The first suffix a filter such as "PDF (*.pdf)" names ("pdf"), or ""."""
    inner = name_filter.split("(", 1)[1].split(")", 1)[0] if "(" in name_filter else name_filter
    for pattern in inner.split():
        if pattern.startswith("*.") and "*" not in pattern[2:]:
            return pattern[2:]
    return ""


def with_suffix(path: str | Path, suffix: str) -> Path:
    """`path` with `.suffix` added unless it already ends so (case-insensitively)."""
    p = Path(path)
    if suffix and p.suffix.lower() != f".{suffix.lower()}":
        p = p.with_name(f"{p.name}.{suffix}")
    return p


def confirm_overwrite(parent: QWidget | None, paths: Iterable[str | Path], *, asked: Iterable[str | Path] = ()) -> bool:
    """True when none of `paths` exists, or the user agreed to replace the ones that do. `asked`: paths the file dialog
    already asked about (not asked again)."""
    done = {Path(p).resolve() for p in asked}
    existing = [Path(p) for p in paths if Path(p).exists() and Path(p).resolve() not in done]
    if not existing:
        return True
    if any(p.is_dir() for p in existing):
        names = ", ".join(str(p) for p in existing if p.is_dir())
        QMessageBox.warning(parent, "Cannot save here", f"{names} is a folder. Choose a file name.")
        return False
    names = "\n".join(f"• {p}" for p in existing)
    what = "This file exists already" if len(existing) == 1 else "These files exist already"
    return _ask(
        parent,
        "Replace existing file?",
        f"{what}:\n{names}",
        "Replacing it cannot be undone. Choose Cancel to keep it and pick another name.",
    )


def choose_save_path(
    parent: QWidget | None, title: str, suggested: str | Path, name_filter: str, *, also: Iterable[str] = ()
) -> Path | None:
    """Ask where to save: a path with the filter's suffix, or None when the user cancelled or declined to replace a file.

    `also`: suffixes of files written beside the chosen one (e.g. ".evidence.json" for a report's manifest); when one of
    them exists the user is asked about it too."""
    suffix = suffix_of(name_filter)
    dialog = QFileDialog(parent, title, str(suggested))
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setNameFilter(name_filter)
    if suffix:
        dialog.setDefaultSuffix(suffix)
    # The dialog's own "replace?" question stays on (it is off only with DontConfirmOverwrite).
    dialog.setOption(QFileDialog.Option.DontConfirmOverwrite, False)
    picked = _exec_dialog(dialog)
    if not picked:
        return None
    final = with_suffix(picked, suffix)
    asked = [picked] if Path(picked).exists() else []  # the dialog asked about the file the user picked
    beside = [final.with_name(final.name[: -len(final.suffix)] + s) if final.suffix else Path(f"{final}{s}") for s in also]
    if not confirm_overwrite(parent, [final, *beside], asked=asked):
        return None
    return final
