"""Which types in a skops file Attest loads without asking, which it loads only when the user trusts them, and which never.

skops trusts its own defaults (scikit-learn's public estimators, builtin primitives and containers, NumPy arrays). Any other
type it reports through `get_untrusted_types`. Attest adds a short list of exact, reviewed names that plain scikit-learn
pipelines need (tree structures, calibration internals, dtypes); each one is a data holder or a pure function whose call
cannot reach the file system, the network or the interpreter. Names are compared whole, never by prefix: any callable
reachable under `builtins.` or `numpy.` would otherwise be enough to run code.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from audit.errors import ModelError

# Seen in `skops.io.get_untrusted_types` of fitted pipelines (scikit-learn 1.5-1.7): trees, forests, gradient boosting
# (also with categorical features), calibrated classifiers, column transformers with one-hot and ordinal encoders.
REVIEWED_TYPES: frozenset[str] = frozenset(
    {
        "numpy.dtype",
        "numpy.bool_",
        "numpy.int8",
        "numpy.int16",
        "numpy.int32",
        "numpy.int64",
        "numpy.uint8",
        "numpy.uint16",
        "numpy.uint32",
        "numpy.uint64",
        "numpy.float16",
        "numpy.float32",
        "numpy.float64",
        "numpy.str_",
        "builtins.slice",
        "builtins.frozenset",
        "builtins.complex",
        "builtins.bytes",
        "builtins.bytearray",
        "sklearn.tree._tree.Tree",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        # HistGradientBoosting with categorical features stores `partial(check_array, ...)`; skops reports the wrapped
        # function as its own type, so a partial around anything else is still refused.
        "functools.partial",
        "sklearn.utils.validation.check_array",
    }
)

# Never loaded, even when the user asks: no model needs them and each one can run code, read or write files.
_NEVER_MODULES = (
    "os",
    "posix",
    "nt",
    "subprocess",
    "sys",
    "shutil",
    "socket",
    "importlib",
    "runpy",
    "code",
    "codeop",
    "pty",
    "ctypes",
    "marshal",
    "pickle",
    "_pickle",
    "joblib",
    "dill",
    "cloudpickle",
    "io",
    "pathlib",
    "tempfile",
    "multiprocessing",
    "threading",
    "signal",
    "webbrowser",
    "urllib",
    "http",
    "ftplib",
    "smtplib",
    "telnetlib",
    "asyncio",
    "pdb",
    "bdb",
    "inspect",
    "gc",
    "types",
    "operator",
    "functools.reduce",
    "numpy.ctypeslib",
    "numpy.lib.npyio",
    "numpy.lib.format",
    "numpy.distutils",
    "numpy.f2py",
    "numpy.testing",
    "scipy.io",
    "scipy.weave",
    "sklearn.externals",
    "sklearn.utils._testing",
)
_NEVER_BUILTINS = frozenset(
    {
        "exec",
        "eval",
        "compile",
        "getattr",
        "setattr",
        "delattr",
        "__import__",
        "open",
        "input",
        "globals",
        "locals",
        "vars",
        "breakpoint",
        "help",
        "exit",
        "quit",
        "memoryview",
        "type",
        "object",
        "classmethod",
        "staticmethod",
        "property",
        "super",
        "print",
        "dir",
        "id",
        "hash",
    }
)
_NEVER_NUMPY = frozenset(
    {
        "load",
        "save",
        "savez",
        "savez_compressed",
        "savetxt",
        "loadtxt",
        "genfromtxt",
        "fromfile",
        "tofile",
        "memmap",
        "fromregex",
        "DataSource",
        "frompyfunc",
        "vectorize",
        "piecewise",
        "apply_along_axis",
        "apply_over_axes",
        "fromfunction",
    }
)


def never_trusted(name: str) -> bool:
    """A type or callable Attest refuses even with --trust-type: code execution, file or process access, attribute walks."""
    parts = name.split(".")
    if any(p.startswith("__") and p.endswith("__") for p in parts[1:]):
        return True  # dunder attributes (__globals__, __subclasses__, __builtins__...) are how getattr chains escape
    if any(name == m or name.startswith(m + ".") for m in _NEVER_MODULES):
        return True
    if parts[0] == "builtins" and len(parts) > 1 and parts[1] in _NEVER_BUILTINS:
        return True
    if parts[0] == "numpy" and parts[-1] in _NEVER_NUMPY:
        return True
    return False


def classify(untrusted: list[str], user_trusted: tuple[str, ...]) -> tuple[list[str], list[str], list[str]]:
    """Split skops' untrusted types into (refused outright, needing the user's trust, trusted by the user)."""
    refused = sorted(t for t in set(untrusted) if never_trusted(t))
    rest = [t for t in dict.fromkeys(untrusted) if t not in refused and t not in REVIEWED_TYPES]
    needed = sorted(t for t in rest if t not in user_trusted)
    by_user = sorted(t for t in rest if t in user_trusted)
    return refused, needed, by_user


# A genuine skops file of a large forest holds a schema of a few MB and arrays of a few hundred MB.
MAX_SCHEMA_BYTES = 64 * 2**20
MAX_TOTAL_BYTES = 4 * 2**30
MAX_MEMBERS = 200_000


def check_zip_limits(path: Path) -> None:
    """Refuse a skops zip whose declared contents are larger than any real model before anything is inflated.

    The declared sizes are enough: zipfile never inflates a member past its declared size (and then fails its CRC)."""
    hint = "Ask for the model again from its source; a genuine skops file of a scikit-learn model is far smaller."
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ModelError(
            f"{path.name} is a damaged zip/skops file ({exc}).", "The file may be truncated; save the model again."
        ) from exc
    if len(infos) > MAX_MEMBERS:
        raise ModelError(f"{path.name} holds {len(infos):,} files; a skops model holds far fewer (limit {MAX_MEMBERS:,}).", hint)
    total = 0
    for info in infos:
        total += info.file_size
        if info.filename == "schema.json" and info.file_size > MAX_SCHEMA_BYTES:
            raise ModelError(
                f"{path.name}: its schema.json inflates to {info.file_size / 2**20:,.0f} MiB "
                f"(limit {MAX_SCHEMA_BYTES // 2**20} MiB).",
                hint,
            )
    if total > MAX_TOTAL_BYTES:
        raise ModelError(f"{path.name} inflates to {total / 2**30:,.1f} GiB (limit {MAX_TOTAL_BYTES // 2**30} GiB).", hint)
