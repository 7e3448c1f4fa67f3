"""`attest register|trail|signoff` through `cli.trail_cmds.add_parsers`, as `cli/main.py` wires them."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from audit.trail import Workspace
from cli.trail_cmds import add_parsers

from .conftest import populate, raw


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="attest")
    add_parsers(parser.add_subparsers())
    args = parser.parse_args([str(a) for a in argv])
    rc = args.func(args)
    out, err = capsys.readouterr()
    return rc, out, err


def test_every_command_takes_workspace() -> None:
    parser = argparse.ArgumentParser(prog="attest")
    add_parsers(parser.add_subparsers())
    for argv in (
        ["register", "dataset", "x"],
        ["register", "model", "x"],
        ["register", "training", "--model", "m", "--dataset", "d"],
        ["trail", "log"],
        ["trail", "verify"],
        ["trail", "export", "--format", "csv"],
        ["trail", "whoami"],
        ["trail", "files"],
        ["trail", "lineage", "x"],
        ["trail", "note", "x"],
        ["signoff"],
    ):
        args = parser.parse_args([*argv, "--workspace", "w.attest"])
        assert args.workspace == "w.attest" and callable(args.func)


def test_register_log_verify_export(capsys, ws_path: Path, files, tmp_path: Path) -> None:
    w = ("--workspace", ws_path)
    rc, out, _ = run(capsys, "trail", "whoami", "--set-name", "Dana Kim", "--set-role", "ML lead", *w)
    assert rc == 0 and "Dana Kim" in out and "ML lead" in out
    rc, out, _ = run(capsys, "register", "dataset", files["train"], "--name", "credit", "--version", "3", *w)
    assert rc == 0 and "Registered ds-" in out
    ds = out.split()[-1]
    rc, out, _ = run(capsys, "register", "dataset", files["train"], *w)
    assert rc == 0 and "already registered" in out
    rc, out, _ = run(
        capsys,
        "register",
        "training",
        "--model",
        files["model"],
        "--dataset",
        ds,
        "--param",
        "max_depth=6",
        "--param",
        "solver=lbfgs",
        "--code-version",
        "abc",
        *w,
    )
    assert rc == 0 and "trained by Dana Kim" in out
    with Workspace.open(ws_path) as ws:
        assert ws.events(kind="training_recorded")[0].payload["params"] == {"max_depth": 6, "solver": "lbfgs"}
    rc, out, _ = run(capsys, "trail", "log", *w)
    assert rc == 0 and out.count("\n#") + out.startswith("#") == 4 and "training_recorded" in out
    rc, out, _ = run(capsys, "trail", "log", "--artifact", ds, "--json", *w)
    lines = [json.loads(x) for x in out.splitlines()]
    assert [x["kind"] for x in lines] == ["dataset_registered", "training_recorded"] and "hash" in lines[0]
    rc, out, _ = run(capsys, "trail", "log", "--actor", "nobody", *w)
    assert "No events match" in out
    rc, out, _ = run(capsys, "trail", "verify", *w)
    assert rc == 0 and "Trail intact: 4 events" in out
    out_csv = tmp_path / "trail.csv"
    rc, _, err = run(capsys, "trail", "export", "--format", "csv", "--output", out_csv, *w)
    assert rc == 0 and "Exported 4 events" in err and out_csv.read_text().startswith("seq,time,kind")
    rc, out, _ = run(capsys, "trail", "export", "--format", "json", *w)
    assert rc == 0 and len(json.loads(out)["events"]) == 4
    rc, out, _ = run(capsys, "trail", "lineage", files["model"], *w)
    assert rc == 0 and "trained by Dana Kim" in out
    rc, out, _ = run(capsys, "trail", "files", *w)
    assert rc == 0 and out.count(": ok") == 2
    files["train"].write_text("changed\n")
    rc, out, _ = run(capsys, "trail", "files", *w)
    assert rc == 1 and "CHANGED" in out


def test_verify_fails_and_names_the_event(capsys, ws_path: Path, files) -> None:
    with Workspace.open(ws_path) as ws:
        populate(ws, files)
    raw(ws_path).execute("DELETE FROM events WHERE seq = 3")
    rc, _out, err = run(capsys, "trail", "verify", "--workspace", ws_path)
    assert rc == 1 and "NOT intact" in err and "event #3 was removed" in err


def test_signoff_commands(capsys, ws_path: Path, files) -> None:
    with Workspace.open(ws_path) as ws:
        run_id = populate(ws, files)
    w = ("--workspace", ws_path)
    rc, out, _ = run(capsys, "signoff", "--pending", *w)
    assert rc == 0 and run_id in out
    rc, _, err = run(capsys, "signoff", run_id, *w)
    assert rc == 2 and "needs a decision" in err and "How to fix:" in err
    rc, _, err = run(capsys, "signoff", run_id, "--decision", "approve_with_conditions", *w)
    assert rc == 2 and "must state the conditions" in err
    rc, _, err = run(capsys, "signoff", run_id, "--decision", "approve", "--reviewer", "Ann Lee", *w)
    assert rc == 2 and "--reviewer and --role are no longer accepted" in err and "whoami --set-name" in err
    rc, out, _ = run(capsys, "signoff", run_id, "--decision", "approve-with-conditions", "--conditions", "monitor monthly", *w)
    assert rc == 0 and "approve with conditions by Dana Kim (ML lead): monitor monthly" in out
    assert "not signed: recorded by OS account" in out
    rc, out, _ = run(capsys, "signoff", *w)
    assert "No audit runs are waiting" in out


def test_errors_are_clear_and_exit_2(capsys, tmp_path: Path, files) -> None:
    bogus = tmp_path / "notes.attest"
    bogus.write_text("not a database")
    rc, _out, err = run(capsys, "trail", "log", "--workspace", bogus)
    assert rc == 2 and err.startswith("error: ") and "not an SQLite database" in err and "How to fix:" in err
    rc, _, err = run(capsys, "register", "dataset", tmp_path / "missing.csv", "--workspace", tmp_path / "w.attest")
    assert rc == 2 and "does not exist" in err
    rc, _, err = run(capsys, "trail", "verify", "--workspace", tmp_path / "absent.attest")
    assert rc == 2 and "There is no workspace" in err
    rc, _, err = run(
        capsys,
        "register",
        "training",
        "--model",
        files["model"],
        "--dataset",
        files["train"],
        "--param",
        "oops",
        "--workspace",
        tmp_path / "w.attest",
    )
    assert rc == 2 and "KEY=VALUE" in err
    rc, _, err = run(capsys, "trail", "whoami", "--set-role", "ML lead", "--workspace", tmp_path / "w.attest")
    assert rc == 2 and "display name is needed" in err


def test_default_workspace_is_used_without_flag(capsys, attest_home: Path) -> None:
    rc, out, _ = run(capsys, "trail", "note", "first note")
    assert rc == 0 and (attest_home / "default.attest").exists()
    rc, out, _ = run(capsys, "trail", "log")
    assert "first note" in out


def test_module_import_is_light() -> None:
    import subprocess
    import sys

    code = "import sys, cli.trail_cmds; print(sorted(m for m in ('audit.trail', 'sqlite_utils', 'pandas') if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2], check=True
    ).stdout
    assert out.strip() == "[]"
