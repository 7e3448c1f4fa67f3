"""Run with an installed Attest's python: its in-app PDF preview (gui.views.export, on Qt PDF) shows a report.

    PREFIX/lib/attest/venv/bin/python release/preview_check.py REPORT.pdf

Run as a file, so `gui` comes from the installed environment, not from a checkout; checks that the bundle's Qt PDF
part of PySide6-Addons (release/slim_qt.py) is enough for the preview."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from gui.views.export import ExportView


def main() -> int:
    from pypdf import PdfReader

    import gui

    pdf = Path(sys.argv[1])
    pages = len(PdfReader(pdf).pages)

    if "site-packages" not in Path(gui.__file__).resolve().parts:
        raise SystemExit("gui was imported from the checkout, not from the installed environment")
    app = QApplication.instance() or QApplication([])
    view = ExportView()
    view.show_pdf(pdf)
    app.processEvents()
    shown = view.page_count
    print(f"In-app preview: {shown} of {pages} pages of {pdf.name} ({view.preview_label.text()})")
    return 0 if shown == pages and view.pdf_view is not None else 1


if __name__ == "__main__":
    sys.exit(main())
