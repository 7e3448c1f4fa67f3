"""What a packager gets from `pip wheel .`: a wheel carrying the licence, built without setuptools warnings."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("audit", "reports", "gui", "cli", "resources")


@pytest.mark.slow
def test_wheel_carries_the_licence_and_builds_without_warnings(tmp_path):
    # Built from a copy: pip builds in the source tree and would leave build/ and *.egg-info behind in the checkout.
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, src / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path / "whl"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-w", str(out)], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    log = proc.stdout + proc.stderr
    assert "Warning" not in log and "deprecated" not in log, log

    (wheel,) = out.glob("attest-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        (licence,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        assert zf.read(licence) == (ROOT / "LICENSE").read_bytes()
        meta = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["license"]
    assert f"License-Expression: {declared}" in meta.splitlines()
    assert "License-File: LICENSE" in meta.splitlines()
    assert not any(n.startswith(("tests/", "benchmarks/")) for n in names)
