"""install.sh from an unpacked bundle: checks SHA256SUMS first, installs only the bundle's wheels into PREFIX, puts
PREFIX/bin/attest and (on request) the launcher in place, and its uninstall.sh removes all of it.

A small bundle of two real wheels stands in for the 82 of the real one (.ci/run installs that one offline)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from release.sbom import sha256_file
from tests.bundle.wheels import make_wheel

ROOT = Path(__file__).resolve().parents[2]
FAKE_MAIN = b"import tinydep\ndef main():\n    print('attest 9.9', tinydep.VALUE)\n"


def _bundle(tmp_path: Path) -> Path:
    stage = tmp_path / "attest-offline-9.9-linux-x86_64-py311"
    (stage / "wheels").mkdir(parents=True)
    dep = make_wheel(stage / "wheels", "tinydep", "1.0", {"tinydep.py": b"VALUE = 42\n"})
    make_wheel(
        stage / "wheels",
        "attest",
        "9.9",
        {"attest_fake.py": FAKE_MAIN},
        entry_points="[console_scripts]\nattest = attest_fake:main\n",
    )
    (stage / "requirements.lock").write_text(f"tinydep==1.0 --hash=sha256:{sha256_file(dep)}\n")
    for name in ("install.sh", "attest.desktop", "attest.svg"):
        shutil.copy2(ROOT / "release" / name, stage / name)
    shutil.copy2(ROOT / "resources" / "system-packages.txt", stage / "system-packages.txt")
    (stage / "sbom.cdx.json").write_text("{}")
    (stage / "SHA256SUMS").write_text(
        "".join(f"{sha256_file(p)}  {p.relative_to(stage)}\n" for p in sorted(stage.rglob("*")) if p.is_file())
    )
    return stage


def _install(stage: Path, *args: str, home: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "XDG_"))}
    env.update(HOME=str(home), PYTHON=sys.executable)
    return subprocess.run(["bash", str(stage / "install.sh"), *args], capture_output=True, text=True, env=env, timeout=600)


@pytest.mark.slow
def test_installs_the_bundle_with_launcher_and_uninstalls(tmp_path):
    stage, prefix, home = _bundle(tmp_path), tmp_path / "pfx", tmp_path / "home"
    proc = _install(stage, str(prefix), "--desktop", home=home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run = subprocess.run([str(prefix / "bin" / "attest")], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "attest 9.9 42"  # the entry point, with its dependency from the bundle
    share = prefix / "share" if os.getuid() == 0 else home / ".local" / "share"
    launcher = (share / "applications" / "attest.desktop").read_text()
    assert f"Exec={prefix}/bin/attest" in launcher.splitlines()
    assert f"Icon={share}/icons/hicolor/scalable/apps/attest.svg" in launcher.splitlines()
    assert (share / "icons/hicolor/scalable/apps/attest.svg").read_bytes() == (ROOT / "release/attest.svg").read_bytes()
    assert "Uninstall with:" in proc.stdout

    again = _install(stage, str(prefix), home=home)  # a second install replaces the first
    assert again.returncode == 0 and "Replacing the Attest installed" in again.stdout, again.stderr

    subprocess.run([str(prefix / "lib" / "attest" / "uninstall.sh")], check=True, capture_output=True)
    assert not (prefix / "bin" / "attest").exists() and not (prefix / "lib" / "attest").exists()
    assert not (share / "applications" / "attest.desktop").exists()


def test_a_changed_file_stops_the_install_before_anything_is_written(tmp_path):
    stage, prefix = _bundle(tmp_path), tmp_path / "pfx"
    wheel = next((stage / "wheels").glob("tinydep-*.whl"))
    wheel.write_bytes(wheel.read_bytes() + b"\0")
    proc = _install(stage, str(prefix), home=tmp_path)
    assert proc.returncode != 0
    assert "damaged or was changed" in proc.stderr and "tinydep-1.0-py3-none-any.whl" in proc.stdout + proc.stderr
    assert not prefix.exists()


def test_refuses_a_prefix_holding_something_else(tmp_path):
    stage, prefix = _bundle(tmp_path), tmp_path / "pfx"
    (prefix / "lib" / "attest").mkdir(parents=True)
    (prefix / "lib" / "attest" / "precious.txt").write_text("keep")
    proc = _install(stage, str(prefix), home=tmp_path)
    assert proc.returncode != 0 and "was not made by this installer" in proc.stderr
    assert (prefix / "lib" / "attest" / "precious.txt").read_text() == "keep"


def test_usage_without_prefix(tmp_path):
    proc = _install(_bundle(tmp_path), home=tmp_path)
    assert proc.returncode == 2 and "usage:" in proc.stderr
