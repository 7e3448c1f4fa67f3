"""The public surface of `audit.trail` is what `__all__` says, and the package stays free of Qt and network code."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import audit.trail as trail
from audit.trail import Workspace

PKG = Path(trail.__file__).parent
FORBIDDEN = re.compile(r"^\s*(from|import)\s+(PySide6|shiboken6|reportlab|socket|requests|httpx|urllib|http)\b", re.M)


def test_all_names_exist() -> None:
    assert sorted(trail.__all__) == sorted(set(trail.__all__))
    assert all(hasattr(trail, name) for name in trail.__all__)


def test_no_qt_network_or_eager_sqlite_utils_imports() -> None:
    for path in [*PKG.glob("*.py"), PKG.parents[1] / "cli" / "trail_cmds.py"]:
        text = path.read_text(encoding="utf-8")
        assert not FORBIDDEN.search(text), path
        top_level = [line for line in text.splitlines() if re.match(r"^(from|import) sqlite_utils", line)]
        assert not top_level, f"{path.name}: sqlite-utils imports pandas; import it where a migration runs"


def test_signatures_the_rest_of_attest_relies_on() -> None:
    params = lambda f: list(inspect.signature(f).parameters)  # noqa: E731
    assert params(Workspace.record_audit) == ["self", "spec", "result_json", "result_sha256", "model_sha256",
                                              "dataset_sha256s"]
    assert params(Workspace.signoff)[:7] == ["self", "run_id", "reviewer", "role", "decision", "conditions",
                                             "comment"]
    assert params(Workspace.record_report) == ["self", "run_id", "pdf_path", "pdf_sha256", "manifest_sha256"]
    for name in ("get_result_json", "open_signoffs", "head_hash", "events", "lineage", "check_files", "verify",
                 "set_identity", "register_dataset", "register_model", "record_training"):
        assert callable(getattr(Workspace, name))
    assert params(trail.record_training)[:3] == ["workspace", "model_path", "dataset_paths"]
