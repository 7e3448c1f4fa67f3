"""Tell a model file's format from its bytes (and, where bytes are ambiguous, its extension)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from audit.errors import ModelError

_COMPRESSED = (b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda", b"\x1f\x8b", b"\xfd7zXZ", b"\x04\x22\x4d\x18", b"BZh")


def detect_format(path: Path) -> str:
    """One of skops, pickle, joblib, onnx, lightgbm, xgboost."""
    if not path.exists():
        raise ModelError(f"Model file not found: {path}", "Check the path given to --model.")
    if path.is_dir():
        raise ModelError(f"{path} is a folder, not a model file.", "Point --model at the saved model file itself.")
    if path.stat().st_size == 0:
        raise ModelError(f"Model file {path.name} is empty (0 bytes).", "Save or copy the model again.")
    with open(path, "rb") as fh:
        head = fh.read(4096)
    ext = path.suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                if "schema.json" in zf.namelist():
                    return "skops"
        except zipfile.BadZipFile as exc:
            raise ModelError(
                f"{path.name} is a damaged zip/skops file ({exc}).", "The file may be truncated; save the model again."
            ) from exc
        raise ModelError(f"{path.name} is a zip archive but not a skops model (no schema.json inside).", _FORMATS_HINT)
    if head.startswith(b"\x80"):
        return "joblib" if ext == ".joblib" else "pickle"
    if head.startswith(_COMPRESSED) and ext in {".joblib", ".pkl", ".pickle", ".gz", ".z", ".xz", ".lz4", ".bz2"}:
        return "joblib"
    text = head.lstrip()
    if text.startswith(b"tree\n") or text.startswith(b"tree\r\n"):
        return "lightgbm"
    if text.startswith(b"{") and b'"learner"' in head:
        return "xgboost"
    if ext == ".ubj":
        return "xgboost"
    if ext == ".onnx":
        return "onnx"
    if ext in {".json", ".txt", ".model"}:
        return "xgboost" if ext == ".json" else "lightgbm"
    raise ModelError(f"Cannot tell what kind of model {path.name} is.", _FORMATS_HINT)


_FORMATS_HINT = (
    "Attest reads scikit-learn models saved with skops (.skops), ONNX (.onnx), LightGBM text models, XGBoost JSON/UBJ models, "
    "and pickle/joblib files you explicitly trust (--trust-pickle)."
)
