"""When Qt's window cannot load its system libraries, `attest` names them and the apt-get line and exits 2 (not Qt's abort)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gui import platform_check as pc

ROOT = Path(__file__).resolve().parent.parent

# ldd's output for libqxcb.so on a Debian 12 machine without libxcb-icccm4 and libxcb-keysyms1 (taken from one); the
# transitive libraries repeat, as ldd prints them once per library that needs them.
LDD_TWO_MISSING = """\
\tlinux-vdso.so.1 (0x00007ffd2a5f1000)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/plugins/platforms/../../lib/libQt6XcbQpa.so.6 (0x00007f02f3c3e000)
\tlibxkbcommon-x11.so.0 => /lib/x86_64-linux-gnu/libxkbcommon-x11.so.0 (0x00007f02f3b5b000)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f02f3b54000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-util.so.1 => /lib/x86_64-linux-gnu/libxcb-util.so.1 (0x00007f02f3b4c000)
\tlibxcb-keysyms.so.1 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f02f1a00000)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f02f3c9b000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
"""
LDD_ALL_THERE = "\n".join(line for line in LDD_TWO_MISSING.splitlines() if "not found" not in line)


def test_parse_ldd_lists_each_missing_library_once_in_order():
    assert pc.parse_ldd(LDD_TWO_MISSING) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert pc.parse_ldd(LDD_ALL_THERE) == []
    assert pc.parse_ldd("") == []


def test_message_names_the_libraries_the_packages_and_the_command():
    exc = pc.missing_libraries_error(pc.parse_ldd(LDD_TWO_MISSING))
    assert isinstance(exc, pc.AttestError)
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in exc.message
    assert "Reinstall" not in str(exc)
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1." in exc.hint
    assert exc.packages == ("libxcb-icccm4", "libxcb-keysyms1")


def test_a_library_outside_the_list_is_named_with_a_way_to_find_its_package():
    exc = pc.missing_libraries_error(["libxcb-cursor.so.0", "libfoo.so.9"])
    assert "sudo apt-get install libxcb-cursor0." in exc.hint
    assert "apt-file search libfoo.so.9" in exc.hint
    assert exc.packages == ("libxcb-cursor0",)


def test_the_list_maps_every_library_the_issue_names_to_its_debian_package():
    # The libraries of Qt's xcb plugin and of the PDF preview (issue 13), with the package Debian 12 ships each in.
    expected = {
        "libxcb-cursor.so.0": "libxcb-cursor0",
        "libxcb-icccm.so.4": "libxcb-icccm4",
        "libxcb-image.so.0": "libxcb-image0",
        "libxcb-keysyms.so.1": "libxcb-keysyms1",
        "libxcb-render-util.so.0": "libxcb-render-util0",
        "libxcb-shape.so.0": "libxcb-shape0",
        "libxcb-util.so.1": "libxcb-util1",
        "libxcb-xkb.so.1": "libxcb-xkb1",
        "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
        "libgssapi_krb5.so.2": "libgssapi-krb5-2",
    }
    for lib, pkg in expected.items():
        assert pc.packages_for([lib]) == ([pkg], []), lib
    assert "python3-venv" in [p.name for p in pc.read_system_packages()]


def test_dev_installs_the_same_list():
    # ./dev reads the first column of the file; the names it would install are the names the app suggests.
    script = 'cd "$1" && eval "$(sed -n \'/^\\[ -r resources/,/^mapfile/p\' dev)" && printf \'%s\\n\' "${SYSTEM_PACKAGES[@]}"'
    out = subprocess.run(["bash", "-c", script, "_", str(ROOT)], capture_output=True, text=True, check=True).stdout
    assert out.split() == [p.name for p in pc.read_system_packages()]
    assert {"libxcb-icccm4", "libgssapi-krb5-2", "python3-venv", "qpdf"} <= set(out.split())


def test_read_system_packages_skips_comments_and_reads_libraries():
    text = "# header\n\npkg-a  window  liba.so.1,liba-x.so.1   # why\npkg-b tools -\n"
    got = pc.read_system_packages(text)
    assert [(p.name, p.role, p.libraries) for p in got] == [
        ("pkg-a", "window", ("liba.so.1", "liba-x.so.1")),
        ("pkg-b", "tools", ()),
    ]


def test_library_named_by_an_import_error():
    err = ImportError("libgssapi_krb5.so.2: cannot open shared object file: No such file or directory")
    assert pc.library_in_import_error(err) == "libgssapi_krb5.so.2"
    assert pc.library_in_import_error(ImportError("No module named 'PySide6.QtPdf'")) is None


@pytest.mark.parametrize(
    "env, platform, expected",
    [
        ({}, "linux", True),
        ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
        ({"QT_QPA_PLATFORM": "xcb:nomitshm"}, "linux", True),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ({"QT_QPA_PLATFORM": "wayland"}, "linux", False),
        ({"XDG_SESSION_TYPE": "wayland"}, "linux", False),
        ({}, "darwin", False),
        ({}, "win32", False),
    ],
)
def test_only_an_xcb_window_on_linux_is_checked(env, platform, expected):
    assert pc.uses_xcb(env, platform) is expected


def test_check_raises_on_missing_libraries_and_passes_when_all_are_there(monkeypatch, tmp_path):
    plugin = tmp_path / "libqxcb.so"
    monkeypatch.setattr(pc, "xcb_plugin", lambda: plugin)
    monkeypatch.setattr(pc, "uses_xcb", lambda env: True)
    monkeypatch.setattr(pc, "run_ldd", lambda path: LDD_TWO_MISSING if path == plugin else None)
    with pytest.raises(pc.SystemLibrariesMissing) as info:
        pc.check_window_platform({"DISPLAY": ":0"})
    assert info.value.libraries == ("libxcb-icccm.so.4", "libxcb-keysyms.so.1")
    monkeypatch.setattr(pc, "run_ldd", lambda path: LDD_ALL_THERE)
    pc.check_window_platform({"DISPLAY": ":0"})  # nothing missing, a display: Qt goes ahead
    with pytest.raises(pc.AttestError, match="DISPLAY is not set"):
        pc.check_window_platform({})


def test_real_ldd_on_the_installed_plugin_agrees_with_dpkg():
    # The same question asked on this machine two ways: ldd's "not found" lines, and which of the window's packages
    # dpkg says are absent. A fresh machine and a complete one must both agree.
    plugin = pc.xcb_plugin()
    assert plugin is not None, "PySide6 ships Qt/plugins/platforms/libqxcb.so"
    missing = pc.parse_ldd(pc.run_ldd(plugin) or "")
    absent = {
        p.name
        for p in pc.read_system_packages()
        if p.role == "window" and subprocess.run(["dpkg", "-s", p.name], capture_output=True).returncode != 0
    }
    found, unknown = pc.packages_for(missing)
    assert unknown == []
    assert set(found) <= absent


def test_attest_without_arguments_exits_2_with_the_message(tmp_path):
    # The real entry point on a Linux machine, its xcb plugin pointed at a fake ldd that reports two libraries missing.
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "ldd").write_text("#!/bin/sh\ncat <<'EOF'\n" + LDD_TWO_MISSING + "EOF\n")
    (fake / "ldd").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "XDG_SESSION_TYPE")}
    env.update(PATH=f"{fake}{os.pathsep}{env.get('PATH', '')}", DISPLAY=":99")
    proc = subprocess.run([sys.executable, "-m", "cli.main"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in proc.stderr
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in proc.stderr
    assert proc.stdout == ""


def test_pdf_preview_names_the_missing_system_library_not_the_addons():
    from gui.views.export import preview_unavailable

    text = preview_unavailable(ImportError("libgssapi_krb5.so.2: cannot open shared object file: No such file or directory"))
    assert "libgssapi_krb5.so.2" in text and "sudo apt-get install libgssapi-krb5-2" in text
    assert "PySide6-Addons" not in text
    assert "PySide6-Addons" in preview_unavailable(ImportError("No module named 'PySide6.QtPdf'"))
