"""The `attest` command. With no arguments it opens the desktop app; subcommands run headless.

Imports stay inside handlers so that `attest --help` and the window open fast."""

from __future__ import annotations

import argparse
import sys
import traceback
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from audit.errors import AttestError


def build_parser() -> argparse.ArgumentParser:
    from cli import audit_cmd, compare_cmd, demo_cmd, drift_cmd, mitigate_cmd, monitor_cmd, report_cmd, trail_cmds, verify_cmd

    parser = argparse.ArgumentParser(
        prog="attest", description="Attest: offline AI governance audits (fairness, explanations, trail, report)."
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    audit_cmd.add_parser(sub)
    demo_cmd.add_parser(sub)
    report_cmd.add_parser(sub)
    trail_cmds.add_parsers(sub)
    verify_cmd.add_parser(sub)
    compare_cmd.add_parser(sub)
    drift_cmd.add_parser(sub)
    mitigate_cmd.add_parsers(sub)
    monitor_cmd.add_parser(sub)
    return parser


def _version() -> str:
    """The installed distribution's version, as `audit.run.attest_version` reports it in every result.

    Read here rather than imported from `audit.run`, which loads numpy, scipy and pandas (seconds, for one line)."""
    from importlib import metadata

    try:
        return metadata.version("attest")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _report(exc: AttestError) -> int:
    print(f"error: {exc.message}", file=sys.stderr)
    if exc.hint:
        print(f"  How to fix: {exc.hint}", file=sys.stderr)
    return 2


def _open_window(argv: list[str]) -> int:
    # Qt aborts the process (exit 134) with a misleading "reinstalling may fix this" when its platform plugin's system
    # libraries are missing, so they are checked first; the check runs ldd, not Qt, and costs ~20 ms.
    from gui.platform_check import check_window_platform, library_in_import_error, missing_libraries_error

    check_window_platform()
    try:
        from gui.app import run_gui  # Qt only: the window paints before the engine is imported
    except ImportError as exc:  # Qt's own libraries need one that is missing (e.g. libEGL.so.1)
        lib = library_in_import_error(exc)
        if lib is None:
            raise
        raise missing_libraries_error([lib], needed_by="Qt") from exc
    return run_gui(argv)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from audit.errors import AttestError, Cancelled

    if not argv or (len(argv) == 1 and argv[0].endswith(".attest")):
        try:
            return _open_window(argv)
        except AttestError as exc:
            return _report(exc)

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        print(f"attest {_version()}")
        return 0
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args))
    except AttestError as exc:
        return _report(exc)
    except (Cancelled, KeyboardInterrupt):
        print("cancelled", file=sys.stderr)
        return 130
    except Exception:  # a bug, not bad input: show everything needed to report it
        print("internal error: Attest hit a bug. Please report it with the details below.", file=sys.stderr)
        traceback.print_exc()
        return 3


if __name__ == "__main__":
    sys.exit(main())
