"""`attest --version` and `attest --help` answer at once: they never load the engine, Qt or reportlab.

Behaviour, not timing: a start-up that imports pandas or PySide6 takes seconds on a cold disk, whatever the machine.
Each case runs in a fresh interpreter, since the test process itself has long imported everything."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "numpy", "scipy", "sklearn", "shap", "PySide6", "reportlab", "pyarrow", "audit.run")

# Runs `main(argv)` as the `attest` script would, then reports on stderr (stdout holds the help text) which heavy
# modules got loaded; argparse's --help ends in SystemExit, which is caught so the report still gets written.
_PROBE = """
import json, sys
from cli.main import main
argv = json.loads(sys.argv[1])
try:
    rc = main(argv)
except SystemExit as exc:
    rc = exc.code or 0
heavy = json.loads(sys.argv[2])
sys.stderr.write("LOADED=" + json.dumps(sorted(m for m in heavy if m in sys.modules)) + "\\n")
sys.exit(rc)
"""


def _start(argv: list[str]) -> tuple[subprocess.CompletedProcess, list[str]]:
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(argv), json.dumps(HEAVY)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    marker = [line for line in proc.stderr.splitlines() if line.startswith("LOADED=")]
    assert marker, proc.stderr
    return proc, json.loads(marker[-1][len("LOADED=") :])


@pytest.mark.parametrize(
    "argv",
    [
        ["--version"],
        ["--help"],
        ["audit", "--help"],
        ["demo", "--help"],
        ["report", "--help"],
        ["trail", "--help"],
        ["verify-report", "--help"],
    ],
)
def test_version_and_help_load_no_heavy_library(argv):
    proc, loaded = _start(argv)
    assert proc.returncode == 0, proc.stderr
    assert loaded == []


def test_version_is_the_one_results_record():
    from audit.run import attest_version

    proc, _ = _start(["--version"])
    assert proc.stdout.strip() == f"attest {attest_version()}"


def test_help_lists_every_subcommand():
    proc, _ = _start(["--help"])
    for name in ("audit", "demo", "report", "register", "trail", "signoff", "verify-report"):
        assert name in proc.stdout


def test_importtime_of_version_shows_no_heavy_module():
    # The same question asked of the interpreter's own import log, for `python -m cli.main --version` as documented.
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "cli.main", "--version"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "argparse" in imported, proc.stderr  # the log was read: the parser's own import is in it
    roots = {name.split(".")[0] for name in imported}
    assert roots.isdisjoint({"pandas", "numpy", "sklearn", "PySide6", "reportlab"}), sorted(roots)
