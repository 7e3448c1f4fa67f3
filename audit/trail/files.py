"""Registered files stay where they are: the trail keeps their path, size, SHA-256 and a format guessed without
loading them.

Guessing reads at most the first bytes of a file; nothing is parsed, unpickled or executed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from audit.hashing import sha256_file
from audit.trail.errors import WorkspaceError

_DATASET_EXT = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xls",
}
_MODEL_EXT = {
    ".skops": "skops",
    ".pkl": "pickle",
    ".pickle": "pickle",
    ".joblib": "joblib",
    ".onnx": "onnx",
    ".lgb": "lightgbm",
    ".lgbm": "lightgbm",
    ".ubj": "xgboost",
    ".xgb": "xgboost",
}


@dataclass(frozen=True, slots=True)
class FileFacts:
    path: str  # absolute, symlinks resolved
    sha256: str
    size_bytes: int
    format: str


def _head(path: Path, n: int = 512) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(n)


def guess_dataset_format(path: Path) -> str:
    head = _head(path, 8)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    return _DATASET_EXT.get(path.suffix.lower(), "unknown")


def guess_model_format(path: Path) -> str:
    ext = path.suffix.lower()
    head = _head(path)
    if ext in _MODEL_EXT:
        return _MODEL_EXT[ext]
    if head.startswith(b"PK\x03\x04"):
        return "skops"  # zip container; skops is the only zipped model format Attest reads
    if head[:1] == b"\x80":
        return "pickle"
    if head.startswith(b"tree\n") or b"\nversion=v" in head[:64]:
        return "lightgbm"
    if ext in (".json", ".txt") and b'"learner"' in head:
        return "xgboost"
    return "unknown"


def file_facts(path: str | Path, kind: str) -> FileFacts:
    """Path, size, SHA-256 and format of a file to register; clear errors for missing or unreadable files."""
    p = Path(path).expanduser()
    if not p.exists():
        raise WorkspaceError(
            f"{p} does not exist, so it cannot be registered.", "Check the path (spelling, current folder) and try again."
        )
    if p.is_dir():
        raise WorkspaceError(f"{p} is a folder, not a file.", f"Name the {kind} file inside it.")
    p = p.resolve()
    try:
        sha = sha256_file(p)
        size = os.stat(p).st_size
        if kind == "dataset":
            fmt = guess_dataset_format(p)
        elif kind == "model":
            fmt = guess_model_format(p)
        else:  # reports and other outputs: the extension says enough
            fmt = p.suffix.lstrip(".").lower() or "unknown"
    except OSError as exc:
        raise WorkspaceError(
            f"{p} cannot be read: {exc.strerror or exc}.",
            "Check that you may read the file and that it is not locked by another program.",
        ) from exc
    return FileFacts(path=str(p), sha256=sha, size_bytes=size, format=fmt)


def file_status(path: str, sha256: str) -> str:
    """`ok`, `changed` (the bytes differ from the registered hash) or `missing` (moved or deleted)."""
    p = Path(path)
    if not p.is_file():
        return "missing"
    try:
        return "ok" if sha256_file(p) == sha256 else "changed"
    except OSError:
        return "missing"
