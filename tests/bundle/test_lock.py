"""The lock files: exact versions with hashes for every package, no GPU libraries, and pins inside pyproject's ranges."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from release.lockfile import normalize, read_lock

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "locks" / "linux-x86_64-py311.txt"
DEV = ROOT / "locks" / "linux-x86_64-py311-dev.txt"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _requirements(extra: str | None = None) -> list[Requirement]:
    specs = PROJECT["dependencies"] if extra is None else PROJECT["optional-dependencies"][extra]
    return [Requirement(s) for s in specs]


@pytest.mark.parametrize("lock", [RUNTIME, DEV], ids=["runtime", "dev"])
def test_every_pin_is_exact_and_hashed(lock):
    pins = read_lock(lock)
    assert len(pins) > 50
    for pin in pins:
        assert pin.hashes and all(len(h) == 64 for h in pin.hashes), pin.name
    assert len({p.name for p in pins}) == len(pins)


@pytest.mark.parametrize("lock", [RUNTIME, DEV], ids=["runtime", "dev"])
def test_no_gpu_libraries(lock):
    names = {p.name for p in read_lock(lock)}
    assert not [n for n in names if n.startswith("nvidia-") or "cuda" in n]
    assert "xgboost-cpu" in names and "xgboost" not in names


def test_lock_pins_every_dependency_within_its_range():
    runtime = {p.name: p.version for p in read_lock(RUNTIME)}
    dev = {p.name: p.version for p in read_lock(DEV)}
    for req in _requirements():
        assert req.specifier.contains(runtime[normalize(req.name)]), (req, runtime.get(normalize(req.name)))
    for req in _requirements("dev"):
        assert req.specifier.contains(dev[normalize(req.name)]), req


def test_dev_lock_is_the_runtime_lock_plus_the_test_packages():
    runtime = {(p.name, p.version) for p in read_lock(RUNTIME)}
    dev = {(p.name, p.version) for p in read_lock(DEV)}
    assert runtime <= dev  # the tests run against exactly the versions users install
    extra = {n for n, _ in dev - runtime}
    assert {"pytest", "hypothesis", "statsmodels", "skl2onnx"} <= extra


def test_read_lock_refuses_a_pin_without_hash(tmp_path):
    lock = tmp_path / "l.txt"
    lock.write_text("numpy==2.0.0 \\\n    --hash=sha256:" + "a" * 64 + "\n    # via x\npandas==2.2.0\n")
    with pytest.raises(ValueError, match="pandas has no --hash"):
        read_lock(lock)


def test_dev_installs_from_the_lock_with_hashes():
    dev = (ROOT / "dev").read_text(encoding="utf-8")
    assert '--require-hashes -r "$DEV_LOCK"' in dev and "--no-deps -e ." in dev
    assert 'cat "$DEV_LOCK" pyproject.toml | sha256sum' in dev  # a changed lock re-installs
