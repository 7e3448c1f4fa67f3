"""Export: write the PDF report (optionally signed), preview it inside the app (QtPdf), open its folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.errors import show_error
from gui.files import choose_save_path, confirm_overwrite
from gui.status import EXPORT_PLAN, StatusPanel
from gui.views.common import FileField, heading, muted
from gui.worker import Runner

PDF_FILTER = "PDF (*.pdf)"
MANIFEST_SUFFIX = ".evidence.json"  # reports.export.manifest_path_for: <stem>.evidence.json beside the PDF

if TYPE_CHECKING:  # QtPdf is optional at run time (show_pdf says so when it is missing)
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtPdfWidgets import QPdfView

if TYPE_CHECKING:
    from audit.result import AuditResult
    from reports.export import ExportedReport


def open_in_system(path: Path) -> bool:
    """Hand a file or folder to the desktop (file manager, PDF reader). Tests replace this."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class ExportView(QWidget):
    exported = Signal(object)  # reports.export.ExportedReport
    preview_ready = Signal(int)  # page count

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("export_view")
        self.result: AuditResult | None = None
        self.run_id: str | None = None
        self.workspace_path: str | None = None
        self.pdf_path: Path | None = None
        self._confirmed: Path | None = None  # the path the user agreed to replace, in the save dialog
        self._doc: QPdfDocument | None = None
        self.runner = Runner("export", self)
        self.runner.finished.connect(self._on_exported)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(lambda: self.status.setText("Export cancelled: nothing was written."))
        self.runner.busy_changed.connect(lambda busy: self.export_button.setEnabled(not busy and self.result is not None))

        lay = QVBoxLayout(self)
        lay.addWidget(heading("Report"))
        self.status: QLabel = muted("Run or open an audit first; then write its PDF report here.")
        self.status.setObjectName("export_status")
        lay.addWidget(self.status)

        box = QGroupBox("Export")
        form = QFormLayout(box)
        self.out_field = FileField("report", "Where to write the PDF")
        self.out_field.browse_requested.connect(self._browse_out)
        form.addRow("PDF file", self.out_field)
        self.share_check = QCheckBox("A copy to hand out: leave out paths, host and account names, and individual rows")
        self.share_check.setObjectName("share_pdf")
        self.share_check.setAccessibleName("Write a shared copy")
        self.share_check.setToolTip(
            "The command line's --share: absolute paths, the operating-system account and host "
            "names and the rows of individual people (local explanations) are left out of the "
            "PDF. Figures, verdicts and hashes are unchanged; the trail keeps the full result."
        )
        form.addRow(self.share_check)
        self.sign_check = QCheckBox("Sign the PDF with a certificate (PKCS#12)")
        self.sign_check.setObjectName("sign_pdf")
        self.sign_check.setAccessibleName("Sign the PDF")
        form.addRow(self.sign_check)
        self.p12_field = FileField("certificate", "Certificate file (.p12 / .pfx)")
        self.p12_field.browse_requested.connect(self._browse_p12)
        self.password = QLineEdit()
        self.password.setObjectName("p12_password")
        self.password.setAccessibleName("Certificate password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Certificate", self.p12_field)
        form.addRow("Password", self.password)
        self.sign_check.toggled.connect(self._update_sign)
        self._update_sign(False)
        buttons = QHBoxLayout()
        self.export_button: QPushButton = QPushButton("Export PDF")
        self.export_button.setObjectName("export_button")
        self.export_button.setAccessibleName("Export the PDF report")
        self.export_button.setToolTip("Write the PDF report (Ctrl+E)")
        self.export_button.clicked.connect(self.export)
        self.export_button.setEnabled(False)
        self.folder_button = QPushButton("Open folder")
        self.folder_button.setObjectName("open_folder")
        self.folder_button.setAccessibleName("Open the report's folder")
        self.folder_button.clicked.connect(self.open_folder)
        self.external_button = QPushButton("Open in PDF reader")
        self.external_button.setAccessibleName("Open the report in the system PDF reader")
        self.external_button.clicked.connect(lambda: self.pdf_path and open_in_system(self.pdf_path))
        for b in (self.folder_button, self.external_button):
            b.setEnabled(False)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        buttons.addWidget(self.folder_button)
        buttons.addWidget(self.external_button)
        form.addRow(buttons)
        # The whole export on one bar: preparing, charts, pages, archiving, signing, writing (see gui.status).
        self.progress_panel = StatusPanel(name="export_progress")
        self.progress_panel.attach(self.runner, EXPORT_PLAN)
        self.progress_panel.label.setObjectName("export_progress_label")
        self.progress_panel.bar.setObjectName("export_progress_bar")
        self.progress_panel.cancel_button.setObjectName("export_cancel")
        self.progress_panel.cancel_button.setAccessibleName("Cancel the export")
        self.progress_panel.label.setAccessibleName("Export step")
        self.progress_panel.bar.setAccessibleName("Export progress")
        form.addRow(self.progress_panel)
        lay.addWidget(box)

        self.preview_holder = QVBoxLayout()
        bar = QHBoxLayout()
        self.preview_label = muted("The exported report is previewed here.")
        self.preview_label.setObjectName("preview_label")
        bar.addWidget(self.preview_label, 1)
        self.zoom_combo = QComboBox()
        self.zoom_combo.setObjectName("preview_zoom")
        self.zoom_combo.setAccessibleName("Preview zoom")
        for text in ("Whole page", "Fit width", "100 %"):
            self.zoom_combo.addItem(text)
        self.zoom_combo.currentIndexChanged.connect(self._apply_zoom)
        self.zoom_combo.setEnabled(False)
        bar.addWidget(self.zoom_combo)
        self.preview_holder.addLayout(bar)
        self.pdf_view: QPdfView | None = None
        lay.addLayout(self.preview_holder, 1)

    def _update_sign(self, on: bool) -> None:
        self.p12_field.setEnabled(on)
        self.password.setEnabled(on)

    def report_paths(self, pdf: str | Path) -> list[Path]:
        """The files an export writes (the PDF and its evidence manifest): what is asked about before replacing."""
        p = Path(pdf)
        return [p, p.with_name(p.stem + MANIFEST_SUFFIX)]

    def _browse_out(self) -> None:
        path = choose_save_path(
            self,
            "Write the report to",
            self.out_field.path() or str(Path.home() / "report.pdf"),
            PDF_FILTER,
            also=(MANIFEST_SUFFIX,),
        )
        if path is not None:
            self.out_field.set_path(str(path), emit=False)
            self._confirmed = path  # the user has just agreed to replace whatever is there

    def _browse_p12(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Certificate", str(Path.home()), "PKCS#12 (*.p12 *.pfx);;All files (*)")
        if path:
            self.p12_field.set_path(path, emit=False)

    def set_workspace(self, workspace_path: str | None) -> None:
        self.workspace_path = workspace_path

    def set_result(self, result: AuditResult | None, run_id: str | None, workspace_path: str | None) -> None:
        self.result, self.run_id, self.workspace_path = result, run_id, workspace_path
        self.export_button.setEnabled(result is not None and not self.runner.busy)
        if result is None:
            return
        folder = Path(workspace_path).parent if workspace_path else Path(result.data.path).parent
        stem = f"attest-report-{run_id}" if run_id else "attest-report"
        self.out_field.set_path(str(folder / f"{stem}.pdf"), emit=False)
        self.status.setText(f"Ready to export the report of {run_id or 'this audit'} ({result.summary.sentence()})")

    def export(self) -> None:
        if self.result is None:
            return
        from gui import jobs

        if not jobs.available("reports.export"):
            self.status.setText("PDF export is not available in this build: the report module (reports.export) is missing.")
            return
        out = self.out_field.path()
        if not out:
            self.status.setText("Choose where to write the PDF first.")
            return
        if not out.lower().endswith(".pdf"):
            out += ".pdf"
            self.out_field.set_path(out, emit=False)
        confirmed, self._confirmed = self._confirmed, None
        agreed = confirmed is not None and Path(out) == confirmed
        if not agreed and not confirm_overwrite(self, self.report_paths(out)):
            self.status.setText("Not exported: the existing report was kept. Choose another file name.")
            return
        sign = self.sign_check.isChecked()
        self.status.setText(f"Writing {Path(out).name}…")
        self.runner.start(
            jobs.export_pdf,
            self.result,
            out,
            self.workspace_path,
            self.run_id,
            self.p12_field.path() if sign else None,
            self.password.text() if sign else None,
            overwrite=True,  # what exists was asked about just above
            share=self.share_check.isChecked(),
        )

    def _on_failed(self, exc: BaseException) -> None:
        self.status.setText("The report was not written.")
        show_error(self, exc, title="Cannot export the report")

    def _on_exported(self, report: ExportedReport) -> None:
        self.pdf_path = Path(report.pdf_path)
        notes = [
            f"{report.pages} pages",
            "signed" if report.signed else "not signed",
            "recorded in the trail" if report.recorded else "not recorded in a trail",
        ]
        if getattr(report, "shared", False):
            notes.append("shared copy")
        self.status.setText(
            f"Report written: {self.pdf_path} ({', '.join(notes)}; SHA-256 {report.pdf_sha256[:16]}…). "
            f"Evidence manifest: {Path(report.manifest_path).name}"
        )
        self.progress_panel.set_text(f"Done: {report.pages} pages written")
        self.folder_button.setEnabled(True)
        self.external_button.setEnabled(True)
        self.exported.emit(report)
        self.show_pdf(self.pdf_path)

    def show_pdf(self, path: Path) -> None:
        try:
            from PySide6.QtPdf import QPdfDocument
            from PySide6.QtPdfWidgets import QPdfView
        except ImportError as exc:
            self.preview_label.setText(preview_unavailable(exc))
            return
        if self.pdf_view is None:
            self._doc = QPdfDocument(self)
            self.pdf_view = QPdfView(self)
            self.pdf_view.setObjectName("pdf_view")
            self.pdf_view.setAccessibleName("Report preview")
            self.pdf_view.setPageMode(QPdfView.PageMode.MultiPage)
            self.pdf_view.setDocument(self._doc)
            self.preview_holder.addWidget(self.pdf_view, 1)
            self.zoom_combo.setEnabled(True)
            self._apply_zoom()
        assert self._doc is not None  # made with the view above
        self._doc.close()
        err = self._doc.load(str(path))
        if err != QPdfDocument.Error.None_:
            self.preview_label.setText(f"The PDF could not be previewed ({err.name}). Use “Open in PDF reader”.")
            return
        pages = self._doc.pageCount()
        self.preview_label.setText(f"Preview of {path.name}: {pages} pages.")
        self.preview_ready.emit(pages)

    def _apply_zoom(self, *_: object) -> None:
        if self.pdf_view is None:
            return
        from PySide6.QtPdfWidgets import QPdfView

        mode = self.zoom_combo.currentIndex()
        if mode == 2:
            self.pdf_view.setZoomMode(QPdfView.ZoomMode.Custom)
            self.pdf_view.setZoomFactor(1.0)
        else:
            self.pdf_view.setZoomMode(QPdfView.ZoomMode.FitInView if mode == 0 else QPdfView.ZoomMode.FitToWidth)

    @property
    def page_count(self) -> int:
        return self._doc.pageCount() if self._doc is not None else 0

    def open_folder(self) -> None:
        if self.pdf_path is not None:
            open_in_system(self.pdf_path.parent)


def preview_unavailable(exc: ImportError) -> str:
    """Why Qt PDF did not load: a missing system library (named, with its package) or a missing PySide6-Addons."""
    from gui.platform_check import install_hint, library_in_import_error

    lib = library_in_import_error(exc)
    if lib is None:
        return "The in-app preview needs Qt PDF (the PySide6-Addons package). Use “Open in PDF reader”."
    hint, _ = install_hint([lib])
    return (
        f"The in-app preview needs the system library {lib}, which is not installed. {hint} Until then, use “Open in PDF reader”."
    )
