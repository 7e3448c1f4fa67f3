"""Fixtures for the records tests (outputs, exports, verification, sign-off keys, shared reports)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.records.records_helpers import make_p12


@pytest.fixture
def attest_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "attest-home"
    monkeypatch.setenv("ATTEST_HOME", str(home))
    return home


@pytest.fixture
def certs(tmp_path: Path) -> dict[str, Path]:
    d = tmp_path / "certs"
    d.mkdir()
    return {
        "valid": make_p12(d / "valid.p12"),
        "ec": make_p12(d / "ec.p12", kind="ec"),
        "expired": make_p12(d / "expired.p12", days_from=-60, days_to=-2),
        "future": make_p12(d / "future.p12", days_from=5, days_to=60),
        "keyless": make_p12(d / "keyless.p12", with_key=False),
    }
