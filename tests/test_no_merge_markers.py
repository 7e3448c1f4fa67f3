"""No file of the project holds a merge's conflict markers: a README or a module that still carries `<<<<<<<` lines is
half of two versions, and a user or a reviewer reads it as written."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(rb"^(<{7} |={7}$|>{7} )", re.MULTILINE)
SKIP = {".git", ".venv", "build", "dist", "__pycache__", ".mypy_cache", ".ruff_cache"}
TEXT = {".py", ".md", ".toml", ".txt", ".sh", ".cfg", ".ini", ".json", ".yml", ".yaml", ".csv", ".svg", ".desktop", ""}


def _files() -> list[Path]:
    out = []
    for p in ROOT.rglob("*"):
        rel = p.relative_to(ROOT)
        if any(part in SKIP for part in rel.parts) or not p.is_file() or p.suffix not in TEXT:
            continue
        out.append(p)
    return out


def test_no_file_holds_conflict_markers():
    found = [str(p.relative_to(ROOT)) for p in _files() if MARKER.search(p.read_bytes())]
    assert not found, f"conflict markers left by a merge in: {found}"


def test_the_check_finds_a_marker(tmp_path):
    text = b"line\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> branch\n"
    assert MARKER.search(text) and not MARKER.search(b"a ======= b\n# ====== heading\n")
