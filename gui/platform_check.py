"""Before Qt opens the window on Linux: are the system libraries of its xcb platform plugin installed?

Without them Qt prints "no Qt platform plugin could be initialized. Reinstalling the application may fix this problem"
and aborts (exit 134), when the fix is a handful of Debian packages. So the `attest` command asks `ldd` first, names
what is missing and the apt-get line, and exits 2. No Qt here: this runs before PySide6 is loaded.

The package of each library comes from resources/system-packages.txt, the list ./dev installs from.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources, util
from pathlib import Path

from audit.errors import AttestError

_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found\s*$")
# dlopen's wording, which Python passes on in the ImportError of an extension module.
_DLOPEN = re.compile(r"(\S+\.so(?:\.\d+)*): cannot open shared object file")


class SystemLibrariesMissing(AttestError):
    """Qt needs system libraries that are not installed (CLI exit code 2)."""

    def __init__(self, message: str, hint: str = "", *, libraries: tuple[str, ...] = (), packages: tuple[str, ...] = ()) -> None:
        super().__init__(message, hint)
        self.libraries = libraries
        self.packages = packages


@dataclass(frozen=True)
class SystemPackage:
    name: str
    role: str
    libraries: tuple[str, ...]


def read_system_packages(text: str | None = None) -> list[SystemPackage]:
    """The Debian packages Attest needs, from resources/system-packages.txt (or `text` in the same format)."""
    if text is None:
        text = resources.files("resources").joinpath("system-packages.txt").read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        name, role, libs = [*fields, "", "-"][:3]
        out.append(SystemPackage(name, role, () if libs == "-" else tuple(libs.split(","))))
    return out


def parse_ldd(text: str) -> list[str]:
    """The libraries `ldd` reports as "not found", each once, in the order they first appear."""
    seen: list[str] = []
    for line in text.splitlines():
        m = _NOT_FOUND.match(line)
        if m and m.group(1) not in seen:
            seen.append(m.group(1))
    return seen


def library_in_import_error(exc: BaseException) -> str | None:
    """The shared library an ImportError of a Qt module could not open (e.g. libgssapi_krb5.so.2), if it says so."""
    m = _DLOPEN.search(str(exc))
    return m.group(1) if m else None


def packages_for(libraries: Iterable[str], packages: list[SystemPackage] | None = None) -> tuple[list[str], list[str]]:
    """(Debian packages providing `libraries`, libraries no package in the list provides), both in order, no repeats."""
    by_lib = {lib: p.name for p in (read_system_packages() if packages is None else packages) for lib in p.libraries}
    found: list[str] = []
    unknown: list[str] = []
    for lib in libraries:
        pkg = by_lib.get(lib)
        if pkg is None and lib not in unknown:
            unknown.append(lib)
        elif pkg is not None and pkg not in found:
            found.append(pkg)
    return found, unknown


def install_hint(libraries: list[str], packages: list[SystemPackage] | None = None) -> tuple[str, tuple[str, ...]]:
    """The how-to-fix sentence for missing `libraries`, and the packages it names."""
    found, unknown = packages_for(libraries, packages)
    parts = []
    if found:
        parts.append(f"On Debian or Ubuntu, install them with: sudo apt-get install {' '.join(found)}")
    if unknown:
        parts.append(
            "Attest's list does not say which package provides "
            + ", ".join(unknown)
            + "; find it with: apt-file search "
            + unknown[0]
        )
    return ". ".join(parts) + ".", tuple(found)


def missing_libraries_error(
    libraries: list[str], packages: list[SystemPackage] | None = None, *, needed_by: str = "Qt's X11 (xcb) platform plugin"
) -> SystemLibrariesMissing:
    """The error the `attest` command prints when the window's libraries are missing."""
    hint, found = install_hint(libraries, packages)
    message = (
        f"The desktop window cannot open: {needed_by} needs system libraries that are not installed: {', '.join(libraries)}."
    )
    hint += " The commands (attest audit, attest demo, attest --help) work without them."
    return SystemLibrariesMissing(message, hint, libraries=tuple(libraries), packages=found)


def uses_xcb(env: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Whether Qt will open the window through its xcb plugin: on Linux, QT_QPA_PLATFORM unset or xcb.

    Unset in a Wayland session, Qt tries its Wayland plugin first; then an xcb problem may never matter, so no check."""
    if not platform.startswith("linux"):
        return False
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    if not chosen:
        return env.get("XDG_SESSION_TYPE", "").lower() != "wayland"
    return chosen.split(":", 1)[0] == "xcb"


def xcb_plugin() -> Path | None:
    """PySide6's libqxcb.so, found without importing PySide6 (whose import would load the Qt libraries)."""
    spec = util.find_spec("PySide6")
    for root in (spec.submodule_search_locations or []) if spec else []:
        path = Path(root) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if path.is_file():
            return path
    return None


def run_ldd(path: Path) -> str | None:
    """`ldd path`'s output, or None when ldd is not there or fails (then Qt gets its chance, and its own message)."""
    ldd = shutil.which("ldd")
    if not ldd:
        return None
    try:
        proc = subprocess.run([ldd, str(path)], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def check_window_platform(env: Mapping[str, str] | None = None) -> None:
    """Raise SystemLibrariesMissing (or AttestError with no display) when Qt's xcb window could not open."""
    env = os.environ if env is None else env
    if not uses_xcb(env):
        return
    plugin = xcb_plugin()
    output = run_ldd(plugin) if plugin else None
    missing = parse_ldd(output) if output else []
    if missing:
        raise missing_libraries_error(missing)
    if not env.get("DISPLAY"):
        raise AttestError(
            "The desktop window cannot open: there is no X11 display (DISPLAY is not set).",
            "Start Attest from a desktop session (or over ssh -X). On a server, use the commands: attest --help.",
        )
