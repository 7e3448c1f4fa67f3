"""Derive the Qt PDF part of PySide6-Addons: the only add-on module Attest imports (gui/views/export.py's preview).

PySide6-Addons is 175 MB compressed (438 MB installed), most of it Qt WebEngine, 3D and Multimedia; QtPdf and
QtPdfWidgets with their two Qt libraries are 2.6 MB of it, and link only to Qt libraries that PySide6-Essentials ships.
The derived wheel holds the upstream files byte for byte (every other module left out), is versioned
`<upstream>+qtpdf` (PEP 440's local label: it still satisfies `PySide6-Addons==<upstream>`), and is deterministic:
the same upstream wheel gives the same bytes, so its hash can be checked by anyone who derives it again. The SBOM
records the upstream wheel's hash as its ancestor."""

from __future__ import annotations

import base64
import hashlib
import re
import zipfile
from pathlib import Path

LOCAL_LABEL = "qtpdf"
# Python modules of the add-ons that Attest imports; the Qt libraries they need (ldd, against PySide6-Essentials).
KEPT_MODULES = ("QtPdf", "QtPdfWidgets")
KEPT_QT_FILES = ("PySide6/Qt/lib/libQt6Pdf.so.6", "PySide6/Qt/lib/libQt6PdfWidgets.so.6")
_MODULE_FILE = re.compile(r"PySide6/(Qt\w+)\.(abi3\.so|pyi)$")
_MODULE_INCLUDE = re.compile(r"PySide6/include/(Qt\w+)/")


def kept(name: str) -> bool:
    """Whether a member of the upstream wheel goes into the derived one."""
    if name.startswith("PySide6/Qt/"):
        return name in KEPT_QT_FILES
    m = _MODULE_FILE.match(name) or _MODULE_INCLUDE.match(name)
    if m is not None:
        return m.group(1) in KEPT_MODULES
    return True


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def derive(upstream: Path, out_dir: Path) -> Path:
    """Write the derived wheel into out_dir and return its path."""
    name, version, *rest = upstream.name[: -len(".whl")].split("-")
    new_version = f"{version}+{LOCAL_LABEL}"
    old_info, new_info = f"{name}-{version}.dist-info/", f"{name}-{new_version}.dist-info/"
    target = out_dir / f"{name}-{new_version}-{'-'.join(rest)}.whl"
    records: list[str] = []
    with zipfile.ZipFile(upstream) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == old_info + "RECORD" or not kept(info.filename):
                continue
            data = src.read(info)
            filename = info.filename
            if filename.startswith(old_info):
                filename = new_info + filename[len(old_info) :]
                if filename.endswith("/METADATA"):
                    data = re.sub(rb"(?m)^Version: .*$", f"Version: {new_version}".encode(), data, count=1)
            out = zipfile.ZipInfo(filename, date_time=info.date_time)  # upstream times: same input, same bytes
            out.external_attr = info.external_attr  # keeps the executable bits of the libraries
            out.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(out, data)
            records.append(_record_line(filename, data))
        record = new_info + "RECORD"
        body = ("\n".join([*records, f"{record},,"]) + "\n").encode()
        out = zipfile.ZipInfo(record, date_time=(2020, 1, 1, 0, 0, 0))
        out.compress_type = zipfile.ZIP_DEFLATED
        dst.writestr(out, body)
    return target
