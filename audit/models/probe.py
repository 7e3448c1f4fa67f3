"""Open a native model file in a child process first, so that a damaged file cannot abort Attest itself.

LightGBM aborts the process ("terminate called without an active exception") on a text model damaged inside a tree, and
XGBoost segfaults when a tree's child or feature index points outside the model. Neither raises an exception Python can
catch. The child loads the file, checks every reachable tree node of an XGBoost model, and scores one row; its death by a
signal is reported as a damaged file (exit 2), never as Attest's own crash.

The child is `audit.models.probe_child`.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from audit.errors import ModelError

_PROBED: set[tuple[str, str]] = set()  # (path, sha256) already opened safely in this process
_NAMES = {"lightgbm": "LightGBM", "xgboost": "XGBoost", "onnx": "ONNX"}
_HINTS = {
    "lightgbm": "Copy the file again from its source, or save it again with booster.save_model().",
    "xgboost": "Copy the file again from its source, or save it again with booster.save_model('model.json').",
    "onnx": "Copy the file again from its source, or export the model to ONNX again.",
}


def probe(fmt: str, path: Path, sha256: str) -> None:
    """Raise ModelError when opening `path` kills, hangs or fails in a child process; return when it is safe to open here."""
    if (str(path), sha256) in _PROBED:
        return
    root = str(Path(__file__).resolve().parents[2])  # the folder holding the `audit` package
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    timeout = 60 + path.stat().st_size / 20e6  # generous: loading a 500 MB model takes ~20 s
    child = subprocess.Popen(
        [sys.executable, "-m", "audit.models.probe_child", fmt, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        encoding="utf-8",
        errors="replace",
    )  # a library may echo the file's own (non-UTF-8) bytes
    importlib.import_module(fmt if fmt != "onnx" else "onnxruntime")  # meanwhile: the import both sides pay, in parallel
    try:
        out, err = child.communicate(timeout=timeout)
        proc = subprocess.CompletedProcess(child.args, child.returncode, out, err)
    except subprocess.TimeoutExpired as exc:
        child.kill()
        child.communicate()
        raise ModelError(
            f"Opening {path.name} as a {_NAMES[fmt]} model did not finish within {timeout:.0f} s: the file is damaged "
            "(a tree that loops) or far larger than it looks.",
            _HINTS[fmt],
        ) from exc
    if proc.returncode < 0:
        name = signal.Signals(-proc.returncode).name
        said = [ln.split("[Fatal]", 1)[1].strip() for ln in proc.stderr.splitlines() if "[Fatal]" in ln]
        raise ModelError(
            f"{path.name} is a damaged {_NAMES[fmt]} model: the {_NAMES[fmt]} library crashed while reading it ({name}"
            + (f"; it said: {said[0][:200]}" if said else "")
            + "). "
            "Attest opened it in a separate process, so nothing else was affected.",
            _HINTS[fmt],
        )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    report = (
        json.loads(lines[-1]) if lines else {"error": _last_line(proc.stderr) or f"the check ended with code {proc.returncode}"}
    )
    if not report.get("ok"):
        raise ModelError(f"{path.name} is not a readable {_NAMES[fmt]} model ({report['error']}).", _HINTS[fmt])
    _PROBED.add((str(path), sha256))


def _last_line(text: str) -> str:
    # XGBoost appends a C++ backtrace ("[bt] (8) ...") to its messages: keep the first meaningful line only.
    keep = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith(("[bt]", "Stack trace"))]
    # ...and its "[07:10:44] /__w/xgboost/src/tree/tree_model.cc:1075: " source-location prefix.
    return re.sub(r"^\[[\d:]+\] \S+:\d+: ", "", keep[0])[:300] if keep else ""


def short_error(exc: BaseException) -> str:
    """A native library's exception message without its C++ backtrace."""
    return _last_line(str(exc)) or type(exc).__name__
