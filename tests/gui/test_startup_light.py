"""The window paints before any data library is loaded: pandas and SciPy cost about half a second, which a user
waits for at every start (the start-up goal is 1.5 s; bench_gui.py measures it). A module the first window needs
that imports them at its top (the engines package, the cost guards) shows up here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "scipy", "sklearn", "shap", "matplotlib", "duckdb", "pyarrow")


def test_first_paint_loads_no_data_library(tmp_path):
    code = (
        f"import sys; from gui.app import run_gui; run_gui([]); print('HEAVY', sorted(k for k in {HEAVY!r} if k in sys.modules))"
    )
    env = dict(os.environ, ATTEST_STARTUP_PROBE="quit", ATTEST_SETTINGS=str(tmp_path / "a.ini"), QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert "ATTEST_FIRST_PAINT" in out.stdout, out.stderr[-2000:]
    heavy = next(line for line in out.stdout.splitlines() if line.startswith("HEAVY"))
    assert heavy == "HEAVY []", heavy
