"""Suite-wide: never write to the real user's data folder."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_attest_home(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("ATTEST_HOME", str(tmp_path_factory.mktemp("attest-home")))
