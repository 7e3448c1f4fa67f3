"""The same hostile inputs as test_monitor_bad_inputs.py and test_drift_bad_inputs.py through `--engine duckdb`: the
same exit 2, the same message and hint, nothing written or recorded."""

from __future__ import annotations

import pytest

from tests.bad_inputs import test_drift_bad_inputs as drift_bad
from tests.bad_inputs import test_monitor_bad_inputs as monitor_bad

d = monitor_bad.d  # the module's files
drift_files = pytest.fixture(scope="module", name="drift_files")(drift_bad.d.__wrapped__)  # type: ignore[attr-defined]


@pytest.mark.parametrize("extra, expected", [pytest.param(a, e, id=i) for i, a, e in monitor_bad.BAD])
def test_bad_monitor_input_gives_the_same_clear_error_out_of_core(extra, expected, d, tmp_path, capsys):
    monitor_bad.test_bad_monitor_input_gives_clear_error([*extra, "--engine", "duckdb"], expected, d, tmp_path, capsys)


@pytest.mark.parametrize("argv, expected", [pytest.param(a, e, id=i) for i, a, e in drift_bad.BAD])
def test_bad_drift_input_gives_the_same_clear_error_out_of_core(argv, expected, drift_files, tmp_path, capsys):
    drift_bad.test_bad_drift_input_gives_clear_error([*argv, "--engine", "duckdb"], expected, drift_files, tmp_path, capsys)
