"""Every runtime dependency is there for the product: imported by audit/, reports/, gui/ or cli/ (or used through a
package that is, as named below), and the test-only packages are in the dev extra, never imported by the product."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

from release.lockfile import normalize

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("audit", "reports", "gui", "cli")
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

# Distribution name -> the top-level module it provides, where the two differ.
IMPORT_NAME = {
    "pyside6-essentials": "PySide6",
    "scikit-learn": "sklearn",
    "sqlite-utils": "sqlite_utils",
    "charset-normalizer": "charset_normalizer",
    "python-bidi": "bidi",
    "arabic-reshaper": "arabic_reshaper",
    "xgboost-cpu": "xgboost",
    "import-linter": "importlinter",
    "pytest-qt": "pytestqt",
}
# Used without an import statement of its own: (file, text in it that shows the use).
INDIRECT = {
    "pyside6-addons": ("gui/views/export.py", "from PySide6.QtPdf import"),  # QtPdf ships in the add-ons
    "pyarrow": ("audit/datasets.py", "read_parquet"),  # pandas' Parquet engine
    "openpyxl": ("audit/datasets.py", 'engine="openpyxl"'),  # pandas' Excel engine
    "rl-accel": ("reports/pdf.py", "from reportlab"),  # reportlab's C accelerators, loaded by reportlab when present
}
# Required for a feature still being built on another branch (none today). An entry the product imports is checked
# like any other.
PLANNED: dict[str, str] = {}


def product_imports() -> set[str]:
    found: set[str] = set()
    for pkg in PRODUCT:
        for path in (ROOT / pkg).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
    return found


def _module(dist: str) -> str:
    return IMPORT_NAME.get(dist, dist.replace("-", "_"))


def test_every_runtime_dependency_is_used_by_the_product():
    imported = product_imports()
    unused = []
    for spec in PROJECT["dependencies"]:
        dist = normalize(Requirement(spec).name)
        if dist in INDIRECT:
            file, text = INDIRECT[dist]
            assert text in (ROOT / file).read_text(encoding="utf-8"), f"{dist}: {file} no longer has {text!r}"
        elif _module(dist) not in imported and (dist not in PLANNED or _module(dist) in imported):
            unused.append(dist)
    assert not unused, f"runtime dependencies no product module imports (move them to an extra or drop them): {unused}"


def test_test_only_packages_are_in_the_dev_extra_and_not_imported_by_the_product():
    runtime = {normalize(Requirement(s).name) for s in PROJECT["dependencies"]}
    dev = {normalize(Requirement(s).name) for s in PROJECT["optional-dependencies"]["dev"]}
    assert {"pytest", "pytest-qt", "hypothesis", "statsmodels", "skl2onnx", "import-linter"} <= dev
    assert not runtime & dev
    imported = product_imports()
    assert not [d for d in dev if _module(d) in imported], "the product imports a test-only package"
