"""`attest compare --help`, `attest drift --help` and `attest monitor --help` answer without loading the engine, Qt or
reportlab."""

from __future__ import annotations

import pytest

from tests.test_cli_start import _start


@pytest.mark.parametrize("argv", [["compare", "--help"], ["drift", "--help"], ["monitor", "--help"]])
def test_help_loads_no_heavy_library(argv):
    proc, loaded = _start(argv)
    assert proc.returncode == 0, proc.stderr
    assert loaded == []
    assert argv[0] in proc.stdout
