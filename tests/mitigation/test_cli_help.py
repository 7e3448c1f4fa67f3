"""`attest mitigate --help` and `attest adopt --help` answer without loading the engine, fairlearn or pandas."""

from __future__ import annotations

import pytest

from tests.test_cli_start import _start


@pytest.mark.parametrize("argv", [["mitigate", "--help"], ["adopt", "--help"]])
def test_help_loads_no_heavy_library(argv):
    proc, loaded = _start(argv)
    assert proc.returncode == 0, proc.stderr
    assert loaded == []
    assert "--workspace" in proc.stdout


def test_main_help_lists_mitigate():
    proc, _ = _start(["--help"])
    assert "mitigate" in proc.stdout and "adopt" in proc.stdout
