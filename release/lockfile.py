"""Read a pip lock file written by `./dev lock` (uv pip compile --generate-hashes): name, exact version, hashes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_REQ = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")
_HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")


def normalize(name: str) -> str:
    """PEP 503 name: what the registry, pip and purls compare (PySide6_Addons, pyside6-addons and PySide6.Addons agree)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Pin:
    name: str  # normalized
    version: str
    hashes: tuple[str, ...]  # sha256 hex of every file the registry has for this version


def read_lock(path: Path) -> list[Pin]:
    """The pins of a lock file, in file order. A requirement continues over lines ending in a backslash."""
    pins: list[Pin] = []
    text = path.read_text(encoding="utf-8")
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        m = _REQ.match(block)
        if m is None:
            continue
        hashes = tuple(_HASH.findall(block))
        if not hashes:
            raise ValueError(f"{path}: {m.group(1)} has no --hash line; regenerate the lock with ./dev lock")
        pins.append(Pin(normalize(m.group(1)), m.group(2), hashes))
    return pins


def wheel_name_version(filename: str) -> tuple[str, str]:
    """(normalized name, version) of a wheel file name (PEP 427: name-version[-build]-python-abi-platform.whl)."""
    parts = filename[: -len(".whl")].split("-")
    return normalize(parts[0]), parts[1]
