"""`./dev bundle [--with EXTRA] [--full-qt]`: the offline installer for Linux x86_64 / CPython 3.11.

Writes dist/attest-offline-<version>-linux-x86_64-py311.tar.gz (and its .sha256) holding Attest's wheel, one wheel per
locked dependency (checked against the lock's hashes), requirements.lock (those wheels' hashes), install.sh,
attest.desktop with its icon, system-packages.txt, a CycloneDX SBOM (sbom.cdx.json) and SHA256SUMS of all of it.
Runs on any connected machine with python3 and pip: the wheels are asked for by platform, not taken from the running
interpreter. Downloads are kept in build/wheels (shared with ./dev), so a second build downloads nothing."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from pathlib import Path

from release import slim_qt
from release.lockfile import Pin, read_lock, wheel_name_version
from release.sbom import Ancestor, build_sbom, sha256_file

ROOT = Path(__file__).resolve().parent.parent
TAG = "linux-x86_64-py311"
# Debian 12 has glibc 2.36: a wheel for any manylinux up to that runs there. pip takes the list as given.
PLATFORMS = [f"manylinux_2_{m}_x86_64" for m in range(36, 16, -1)] + [
    "manylinux2014_x86_64",
    "manylinux2010_x86_64",
    "manylinux1_x86_64",
]
SOURCES = ("pyproject.toml", "README.md", "LICENSE")
PACKAGES = ("audit", "reports", "gui", "cli", "resources")


def _pip_env() -> dict[str, str]:
    # Only the lock's index and hashes count: a machine's pip.conf (find-links, constraints) must not change the set.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    return env


def download(lock: Path, cache: Path) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "-q",
        "--no-deps",
        "--only-binary",
        ":all:",
        "--require-hashes",
        "--python-version",
        "3.11",
        "--implementation",
        "cp",
        "--abi",
        "cp311",
        "-d",
        str(cache),
        "-r",
        str(lock),
    ]
    for p in PLATFORMS:
        cmd += ["--platform", p]
    subprocess.run(cmd, check=True, env=_pip_env())


def locked_wheels(pins: list[Pin], cache: Path, strict: bool = True) -> dict[str, Path]:
    """The wheel in the cache for each pin, whose hash the lock lists (several files of one version may lie there).
    A pin with none stops the build (strict) or is left out."""
    by_key: dict[tuple[str, str], list[Path]] = {}
    for w in cache.glob("*.whl"):
        by_key.setdefault(wheel_name_version(w.name), []).append(w)
    out: dict[str, Path] = {}
    for pin in pins:
        good = [w for w in by_key.get((pin.name, pin.version), []) if sha256_file(w) in pin.hashes]
        if good:
            out[pin.name] = sorted(good)[0]
        elif strict:
            raise SystemExit(f"no wheel of {pin.name}=={pin.version} with a locked hash in {cache}")
    return out


def build_attest_wheel(out: Path) -> Path:
    # From a copy of the sources: building in the checkout would leave build/ and *.egg-info behind.
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        for name in SOURCES:
            shutil.copy2(ROOT / name, src / name)
        for pkg in PACKAGES:
            shutil.copytree(ROOT / pkg, src / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(src)],
            check=True,
            env={**_pip_env(), "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "315532800")},
        )
    (wheel,) = out.glob("attest-*.whl")
    return wheel


def _tar_filter(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mtime = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))
    return info


def write_archive(stage: Path, target: Path) -> None:
    """A gzip'd tar with sorted names, fixed owners and times: the same files give the same archive. Level 1: the
    wheels are compressed already, and a higher level costs minutes for a few kilobytes."""
    tmp = target.with_suffix(".part")
    with (
        open(tmp, "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for path in sorted(stage.rglob("*")):
            tar.add(path, arcname=f"{stage.name}/{path.relative_to(stage)}", recursive=False, filter=_tar_filter)
    tmp.replace(target)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="./dev bundle", description=__doc__.splitlines()[0])
    ap.add_argument("--with", dest="extra", metavar="EXTRA", help="also bundle an optional extra (its lock in locks/)")
    ap.add_argument(
        "--full-qt",
        action="store_true",
        help="ship PySide6-Addons whole (+173 MB) instead of its Qt PDF part, the only add-on Attest uses",
    )
    ap.add_argument("--cache", type=Path, default=ROOT / "build" / "wheels", help="download cache (default build/wheels)")
    ap.add_argument("--out", type=Path, default=ROOT / "dist")
    args = ap.parse_args(argv)

    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    lock = ROOT / "locks" / (f"{TAG}-{args.extra}.txt" if args.extra else f"{TAG}.txt")
    if not lock.exists():
        raise SystemExit(
            f"no lock for the extra {args.extra!r} ({lock.relative_to(ROOT)}); the extras: "
            + ", ".join(p.stem[len(TAG) + 1 :] for p in sorted((ROOT / "locks").glob(f"{TAG}-*.txt")))
        )
    pins = read_lock(lock)
    t0 = time.monotonic()
    args.cache.mkdir(parents=True, exist_ok=True)
    # The cache is checked by hash first: asking the index about 80 packages takes minutes on a slow line.
    missing = len(pins) - len(locked_wheels(pins, args.cache, strict=False))
    if missing:
        print(f"Downloading {missing} of the {len(pins)} wheels of {lock.relative_to(ROOT)} into {args.cache}...", flush=True)
        download(lock, args.cache)
    wheels = locked_wheels(pins, args.cache)
    print(f"  {len(pins)} locked wheels ready in {time.monotonic() - t0:.0f} s ({missing} downloaded)", flush=True)

    name = f"attest-offline-{version}{'-' + args.extra if args.extra else ''}-{TAG}"
    work = ROOT / "build" / "bundle"
    shutil.rmtree(work, ignore_errors=True)
    stage = work / name
    (stage / "wheels").mkdir(parents=True)
    t0 = time.monotonic()
    app_wheel = build_attest_wheel(stage / "wheels")
    print(f"  built {app_wheel.name} in {time.monotonic() - t0:.0f} s", flush=True)

    ancestors: dict[str, Ancestor] = {}
    lock_lines = [f"# Attest {version}: the wheels in wheels/, one hash each (from {lock.relative_to(ROOT)}).", ""]
    bundled: list[Path] = []
    for pin in pins:
        src = wheels[pin.name]
        if pin.name == "pyside6-addons" and not args.full_qt:
            dst = slim_qt.derive(src, stage / "wheels")
            ancestors[dst.name] = Ancestor(
                src.name,
                sha256_file(src),
                "Only the QtPdf and QtPdfWidgets modules and their two Qt libraries, files "
                "unchanged (release/slim_qt.py); the rest of PySide6-Addons is not used by Attest.",
            )
        else:
            dst = stage / "wheels" / src.name
            shutil.copy2(src, dst)
        _, ver = wheel_name_version(dst.name)
        lock_lines.append(f"{pin.name}=={ver} --hash=sha256:{sha256_file(dst)}")
        bundled.append(dst)
    (stage / "requirements.lock").write_text("\n".join(lock_lines) + "\n", encoding="utf-8")

    shutil.copy2(ROOT / "release" / "install.sh", stage / "install.sh")
    shutil.copy2(ROOT / "release" / "attest.desktop", stage / "attest.desktop")
    shutil.copy2(ROOT / "release" / "attest.svg", stage / "attest.svg")
    shutil.copy2(ROOT / "resources" / "system-packages.txt", stage / "system-packages.txt")
    epoch = int(os.environ["SOURCE_DATE_EPOCH"]) if "SOURCE_DATE_EPOCH" in os.environ else None
    sbom = build_sbom(app_wheel, bundled, ancestors, epoch)
    (stage / "sbom.cdx.json").write_text(json.dumps(sbom, indent=2) + "\n", encoding="utf-8")
    sums = [f"{sha256_file(p)}  {p.relative_to(stage)}" for p in sorted(stage.rglob("*")) if p.is_file()]
    (stage / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")

    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / f"{name}.tar.gz"
    t0 = time.monotonic()
    write_archive(stage, target)
    print(f"  archive written in {time.monotonic() - t0:.0f} s", flush=True)
    (args.out / f"{target.name}.sha256").write_text(f"{sha256_file(target)}  {target.name}\n", encoding="utf-8")
    wheels_mb = sum(p.stat().st_size for p in (stage / "wheels").iterdir()) / 1e6
    print(
        f"Wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: "
        f"{target.stat().st_size / 1e6:.0f} MB archived ({len(bundled) + 1} wheels, {wheels_mb:.0f} MB), "
        f"and {target.name}.sha256"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
