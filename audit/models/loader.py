"""`load_model`: detect the format, load it safely, and bind it to the audit's positive label."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audit.hashing import sha256_file
from audit.models import native, sklearn_like
from audit.models.base import LoadedModel
from audit.models.detect import detect_format
from audit.models.probe import probe


def load_model(
    path: str | Path,
    *,
    positive_label: Any,
    trust_pickle: bool = False,
    trusted_types: tuple[str, ...] = (),
    threshold: float | None = None,
) -> LoadedModel:
    """Load a binary classifier. Pickle/joblib need `trust_pickle`; skops types outside sklearn/numpy/scipy need
    `trusted_types`."""
    path = Path(path)
    fmt = detect_format(path)
    sha = sha256_file(path)
    base: dict[str, Any] = {"path": str(path.resolve()), "format": fmt, "sha256": sha, "size_bytes": path.stat().st_size}
    if fmt in ("lightgbm", "xgboost", "onnx"):
        native.check_complete(fmt, path)  # a cut-short file gets its precise message before the child opens it
        probe(fmt, path, sha)  # a damaged native file kills a child process, not Attest
    if fmt == "lightgbm":
        return native.load_lightgbm(path, dict(base, trusted=False), positive_label, threshold)
    if fmt == "xgboost":
        return native.load_xgboost(path, dict(base, trusted=False), positive_label, threshold)
    if fmt == "onnx":
        return native.load_onnx(path, dict(base, trusted=False), positive_label, threshold)
    if fmt == "skops":
        est, used = sklearn_like.load_skops(path, sha, trusted_types)
        base.update(trusted=bool(used), trusted_types=used)
    else:
        est = sklearn_like.load_pickle(path, sha, trust_pickle)
        base.update(trusted=True)
    base["library_versions"] = sklearn_like.versions()
    return sklearn_like.bind_estimator(est, base, positive_label, threshold)


def from_estimator(
    estimator: Any, *, positive_label: Any = 1, threshold: float | None = None, name: str = "<in memory>"
) -> LoadedModel:
    """Wrap a fitted in-memory estimator (tests, training pipelines) exactly as a loaded file would be."""
    base: dict[str, Any] = {
        "path": name,
        "format": "memory",
        "sha256": "",
        "size_bytes": 0,
        "trusted": False,
        "library_versions": sklearn_like.versions(),
    }
    return sklearn_like.bind_estimator(estimator, base, positive_label, threshold)
