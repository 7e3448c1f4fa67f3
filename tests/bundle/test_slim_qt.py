"""The bundle's Qt PDF wheel: only QtPdf and QtPdfWidgets with their Qt libraries, upstream bytes, same input same output."""

from __future__ import annotations

import base64
import hashlib
import zipfile

from release import slim_qt
from tests.bundle.wheels import make_wheel

FILES = {
    "PySide6/__init__.py": b"# init\n",
    "PySide6/QtPdf.abi3.so": b"pdf-module",
    "PySide6/QtPdf.pyi": b"stub",
    "PySide6/QtPdfWidgets.abi3.so": b"pdfwidgets-module",
    "PySide6/QtWebEngineCore.abi3.so": b"web" * 1000,
    "PySide6/Qt3DCore.pyi": b"stub3d",
    "PySide6/Qt/lib/libQt6Pdf.so.6": b"\x7fELF pdf",
    "PySide6/Qt/lib/libQt6PdfWidgets.so.6": b"\x7fELF pdfw",
    "PySide6/Qt/lib/libQt6WebEngineCore.so.6": b"\x7fELF web" * 1000,
    "PySide6/Qt/resources/icudtl.dat": b"icu",
    "PySide6/include/QtPdf/pyside6_qtpdf_python.h": b"h",
    "PySide6/include/QtCharts/pyside6_qtcharts_python.h": b"h",
}


def _upstream(tmp_path):
    (tmp_path / "up").mkdir()
    return make_wheel(tmp_path / "up", "pyside6_addons", "6.11.3", FILES, tag="cp310-abi3-manylinux_2_34_x86_64")


def test_keeps_qt_pdf_and_drops_the_rest(tmp_path):
    up = _upstream(tmp_path)
    out = slim_qt.derive(up, tmp_path)
    assert out.name == "pyside6_addons-6.11.3+qtpdf-cp310-abi3-manylinux_2_34_x86_64.whl"
    with zipfile.ZipFile(out) as zf, zipfile.ZipFile(up) as uz:
        names = set(zf.namelist())
        payload = {n for n in names if ".dist-info/" not in n}
        assert payload == {
            "PySide6/__init__.py",
            "PySide6/QtPdf.abi3.so",
            "PySide6/QtPdf.pyi",
            "PySide6/QtPdfWidgets.abi3.so",
            "PySide6/Qt/lib/libQt6Pdf.so.6",
            "PySide6/Qt/lib/libQt6PdfWidgets.so.6",
            "PySide6/include/QtPdf/pyside6_qtpdf_python.h",
        }
        assert all(zf.read(n) == uz.read(n) for n in payload)  # files unchanged
        meta = zf.read("pyside6_addons-6.11.3+qtpdf.dist-info/METADATA").decode()
        assert "Version: 6.11.3+qtpdf" in meta.splitlines()
        # pip checks RECORD on install: every file listed with its real hash and size
        record = zf.read("pyside6_addons-6.11.3+qtpdf.dist-info/RECORD").decode().splitlines()
        listed = {line.split(",")[0]: line.split(",")[1:] for line in record}
        assert set(listed) == names
        for n, (digest, size) in listed.items():
            if n.endswith("RECORD"):
                continue
            data = zf.read(n)
            assert digest == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert int(size) == len(data)


def test_same_upstream_gives_the_same_bytes(tmp_path):
    up = _upstream(tmp_path)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = slim_qt.derive(up, tmp_path / "a"), slim_qt.derive(up, tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()
