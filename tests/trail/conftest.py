"""Fixtures for the trail tests. Every test gets its own ATTEST_HOME, so nothing touches the real data folder."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from audit.trail import Workspace


@pytest.fixture(autouse=True)
def attest_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "attest-home"
    monkeypatch.setenv("ATTEST_HOME", str(home))
    return home


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    return tmp_path / "project.attest"


@pytest.fixture
def ws(ws_path: Path):
    with Workspace.open(ws_path) as w:
        yield w


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    d = tmp_path / "files"
    d.mkdir()
    train = d / "train.csv"
    train.write_text("age,income,approved\n31,42000,1\n45,38000,0\n")
    holdout = d / "holdout.csv"
    holdout.write_text("age,income,approved\n29,51000,1\n")
    model = d / "model.skops"
    model.write_bytes(b"PK\x03\x04" + bytes(range(200)))
    return {"train": train, "holdout": holdout, "model": model}


def result_pair(obj: dict | None = None) -> tuple[str, str]:
    text = json.dumps(obj or {"verdict": "pass", "checks": [1, 2, 3]})
    return text, hashlib.sha256(text.encode()).hexdigest()


def populate(ws: Workspace, files: dict[str, Path]) -> str:
    """A small believable history; returns the audit run id."""
    ws.set_identity("Dana Kim", "ML lead")
    ws.record_training(files["model"], [files["train"]], params={"max_depth": 6}, code_version="abc123")
    text, sha = result_pair()
    run = ws.record_audit(
        {"target": "approved"}, text, sha, ws.artifact(files["model"]).sha256, [ws.artifact(files["train"]).sha256]
    )
    ws.add_note("audit reviewed in weekly meeting")
    return run


def raw(path: Path) -> sqlite3.Connection:
    """Plain sqlite3 with every trigger dropped: what someone editing the file by hand can do."""
    conn = sqlite3.connect(path, isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    return conn
