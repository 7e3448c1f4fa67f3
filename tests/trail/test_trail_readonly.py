"""Reading commands work on read-only files and read-only media, and write nothing there.

The commands run in a child process that cannot write: as root (which ignores file modes) the child is started by
`setpriv` without CAP_DAC_OVERRIDE, so the folder's and file's modes bind it as they bind any other account. A
read-only bind mount (root only) adds the real thing: EROFS for every write.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from audit.trail import Workspace, verify_export

from .conftest import populate

ROOT = Path(__file__).resolve().parents[2]


def unprivileged(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("as root, file modes bind only without CAP_DAC_OVERRIDE, which needs setpriv (util-linux)")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--", *argv]


def attest(*args: object, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "ATTEST_HOME": str(home)}
    return subprocess.run(
        unprivileged([sys.executable, "-m", "cli.main", *map(str, args)]),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def state(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file in the folder with its mode, modification time and bytes."""
    return {p.name: (p.stat().st_mode, p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.iterdir())}


def lock(folder: Path) -> None:
    for p in folder.iterdir():
        p.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)


@pytest.fixture
def trail(tmp_path: Path, files) -> tuple[Path, str, int]:
    """A populated workspace in its own folder: (path, model id, number of events)."""
    folder = tmp_path / "media"
    folder.mkdir()
    path = folder / "project.attest"
    with Workspace.open(path) as ws:
        populate(ws, files)
        ws.signoff(ws.audit_runs()[0].run_id, "approve")
        model, n = ws.artifact(files["model"]).id, ws.head()[0]
    yield path, model, n
    folder.chmod(0o755)
    for p in folder.iterdir():
        p.chmod(0o644)


def read_everything(path: Path, model: str, n: int, home: Path, out: Path) -> None:
    """trail verify, log, export (JSON to stdout, CSV to a file elsewhere), lineage, files, signoff --pending."""
    r = attest("trail", "verify", "--workspace", path, home=home)
    assert r.returncode == 0 and f"Trail intact: {n} events" in r.stdout, r.stderr
    r = attest("trail", "log", "--workspace", path, home=home)
    assert r.returncode == 0 and r.stdout.count("\n#") + r.stdout.startswith("#") == n, r.stderr
    r = attest("trail", "export", "--format", "json", "--workspace", path, home=home)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert len(data["events"]) == n and verify_export(data) is None
    r = attest("trail", "export", "--format", "csv", "-o", out / "trail.csv", "--workspace", path, home=home)
    assert r.returncode == 0 and (out / "trail.csv").read_text().count("\n") == n + 1, r.stderr
    r = attest("trail", "lineage", model, "--workspace", path, home=home)
    assert r.returncode == 0 and "trained by Dana Kim" in r.stdout and " approve by Dana Kim (ML lead)" in r.stdout, r.stderr
    r = attest("trail", "files", "--workspace", path, home=home)
    assert "ok" in r.stdout and "Traceback" not in r.stderr
    r = attest("signoff", "--pending", "--workspace", path, home=home)
    assert r.returncode == 0 and "No audit runs are waiting" in r.stdout


def test_read_only_file_in_a_read_only_folder(trail, tmp_path: Path) -> None:
    path, model, n = trail
    out = tmp_path / "out"
    out.mkdir()
    lock(path.parent)
    before = state(path.parent)
    read_everything(path, model, n, tmp_path / "home", out)
    assert state(path.parent) == before  # no -wal, -shm or journal, no byte or time changed


def test_writing_is_refused_clearly_on_read_only_media(trail, tmp_path: Path) -> None:
    path, _, _ = trail
    lock(path.parent)
    before = state(path.parent)
    r = attest("trail", "note", "hello", "--workspace", path, home=tmp_path / "home")
    assert r.returncode == 2 and f"error: {path} is read-only, so Attest cannot record anything in it." in r.stderr
    assert "Reading commands (trail log, verify, export) work on read-only files." in r.stderr
    assert state(path.parent) == before


def test_events_still_in_the_write_ahead_log_are_read(tmp_path: Path, files) -> None:
    """A workspace copied while Attest had it open: the newest events are only in `-wal`, which SQLite cannot read
    in place without writing its index; they must be seen all the same."""
    live = tmp_path / "live.attest"
    media = tmp_path / "stick"
    media.mkdir()
    with Workspace.open(live) as ws:
        populate(ws, files)
        model, n = ws.artifact(files["model"]).id, ws.head()[0]
        ws.signoff(ws.audit_runs()[0].run_id, "approve")
        n += 1
        shutil.copyfile(live, media / "project.attest")
        shutil.copyfile(str(live) + "-wal", media / "project.attest-wal")
    assert (media / "project.attest-wal").stat().st_size > 0
    lock(media)
    before = state(media)
    try:
        out = tmp_path / "out"
        out.mkdir()
        read_everything(media / "project.attest", model, n, tmp_path / "home", out)
        assert state(media) == before
    finally:
        media.chmod(0o755)


def test_read_only_file_in_a_writable_folder(trail, tmp_path: Path) -> None:
    path, model, n = trail
    path.chmod(0o444)
    data = path.read_bytes()
    out = tmp_path / "out"
    out.mkdir()
    read_everything(path, model, n, tmp_path / "home", out)
    assert path.read_bytes() == data


def test_read_only_bind_mount(trail, tmp_path: Path) -> None:
    """Real read-only media: every write fails with EROFS, for root too."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("a read-only bind mount needs root")
    path, model, n = trail
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if subprocess.run(["mount", "--bind", str(path.parent), str(mnt)], capture_output=True).returncode != 0:
        pytest.skip("bind mounts are not permitted here")
    try:
        assert subprocess.run(["mount", "-o", "remount,bind,ro", str(mnt)], capture_output=True).returncode == 0
        before = state(mnt)
        out = tmp_path / "out"
        out.mkdir()
        env = {**os.environ, "ATTEST_HOME": str(tmp_path / "home")}
        for args in (["trail", "verify"], ["trail", "log"], ["trail", "lineage", model]):
            r = subprocess.run(
                [sys.executable, "-m", "cli.main", *args, "--workspace", str(mnt / path.name)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert r.returncode == 0, r.stderr
        assert state(mnt) == before
        with Workspace.open(mnt / path.name, readonly=True) as ws:
            assert ws.access == "immutable" and ws.verify().ok and ws.head()[0] == n
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)
