"""Writing output files without destroying input or leaving half a file (used by the CLI, the report and the app).

- `check_outputs` refuses, before any work starts, an output that is an input of the run (the same file by device and
  inode, so hard links, symlinks and other spellings of a path are caught), a folder, a device or pipe, two outputs on
  one path, and an existing file unless the user asked to replace it (`force`).
- `Staged` writes each file to a temporary file in the same folder (flushed and fsync'ed), and renames all of them
  into place only when every one was written; on any failure the temporary files are removed and the old files stay.
- `spreadsheet_safe` neutralises cells a spreadsheet would run as a formula (OWASP's CSV-injection rule).
"""

from __future__ import annotations

import errno
import io
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING

from audit.errors import InputError

if TYPE_CHECKING:
    from typing_extensions import Buffer  # collections.abc.Buffer from Python 3.12

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class OutputError(InputError):
    """An output file cannot be written where the user asked (CLI exit code 2); nothing was written."""


def spreadsheet_safe(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text: strings starting with = + - @ TAB or CR get a leading `'`.
    Non-strings (numbers written by the program itself) are returned as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when both paths exist and are the same file (device and inode), however they are spelled."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def existing_outputs(paths: Iterable[str | Path]) -> list[Path]:
    """The outputs that exist already (what the app asks about before replacing them)."""
    return [Path(p) for p in paths if Path(p).exists()]


def check_outputs(
    outputs: Mapping[str, str | Path], inputs: Mapping[str, str | Path | None], *, force: bool = False
) -> dict[str, Path]:
    """Refuse unusable output paths before any work starts; returns each output's path to write (symlinks followed).

    `outputs`: what the user calls each output (e.g. "--json") -> path. `inputs`: what each input is called
    (e.g. "the evaluation data (--data)") -> path; None values are ignored."""
    resolved: dict[str, Path] = {}
    for label, raw in outputs.items():
        p = Path(raw).expanduser()
        if p.is_dir():
            raise OutputError(
                f"{label} {p} is a folder, not a file.", f"Name a file inside it, e.g. {label} {p / _example(label)}."
            )
        for what, source in inputs.items():
            if source is not None and same_file(p, source):
                raise OutputError(
                    f"{label} {p} is {what} of this run: writing there would destroy it. Nothing was written.",
                    f"Choose another file name for {label}.",
                )
        if p.exists():
            mode = p.stat().st_mode
            if not stat.S_ISREG(mode):
                raise OutputError(
                    f"{label} {p} is not a regular file (a device, pipe or socket).", f"Name an ordinary file for {label}."
                )
            if not force:
                raise OutputError(
                    f"{label} {p} exists already; it was left as it is.",
                    "Add --force to replace it, or choose another file name.",
                )
        if p.parent.exists() and not p.parent.is_dir():
            raise OutputError(f"{label} {p}: {p.parent} is a file, not a folder.", f"Choose another path for {label}.")
        target = p.resolve() if p.is_symlink() else p.absolute()
        for other, q in resolved.items():
            if q == target or same_file(q, target):
                raise OutputError(f"{other} and {label} name the same file, {p}.", "Give each output its own file.")
        resolved[label] = target
    return resolved


def _example(label: str) -> str:
    return {"--json": "result.json", "--pdf": "report.pdf", "--out": "report.pdf"}.get(label, "output")


def describe_os_error(path: Path, exc: OSError) -> OutputError:
    """An OS error while writing `path` as a message and a hint for people."""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = "Free some disk space (or choose another drive), then run again."
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "Choose a folder you may write to."
    else:
        hint = "Check the drive and the path, then run again."
    return OutputError(
        f"{path} could not be written: {reason}. Nothing was written there, and any file that was there before is unchanged.",
        hint,
    )


class Staged:
    """Several output files that appear together or not at all.

    with Staged() as out:
        out.add(json_path, data)
        out.add(pdf_path, pdf)
    # both renamed into place here; on an exception inside the block, neither was
    """

    def __init__(self) -> None:
        self._items: list[tuple[Path, Path]] = []  # (temporary, final)
        self._done: list[tuple[Path, Path | None]] = []  # (final, backup of what it replaced)

    def add(self, path: str | Path, data: bytes) -> None:
        final = Path(path)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp")
        except OSError as exc:
            self.discard()
            raise describe_os_error(final, exc) from exc
        self._items.append((Path(tmp), final))
        try:
            with os.fdopen(fd, "wb") as fh:
                _write_all(fh.fileno(), data)
                os.fsync(fh.fileno())
        except OSError as exc:
            self.discard()
            raise describe_os_error(final, exc) from exc

    def commit(self, *, keep_backups: bool = False) -> None:
        """Rename every file into place. `keep_backups`: keep the files they replace until `finish()`, so that
        `rollback()` can restore them (e.g. when a later step, like recording in the trail, fails)."""
        try:
            for tmp, final in self._items:
                backup = _backup(final) if keep_backups else None
                os.replace(tmp, final)
                self._done.append((final, backup))
        except OSError as exc:
            self.rollback()
            self.discard()
            raise describe_os_error(final, exc) from exc
        for folder in {final.parent for _, final in self._items}:
            _fsync_dir(folder)
        self._items.clear()

    def rollback(self) -> None:
        """Take committed files back: restore what they replaced, remove what was new."""
        for final, backup in reversed(self._done):
            try:
                if backup is not None:
                    os.replace(backup, final)
                else:
                    final.unlink(missing_ok=True)
            except OSError:
                pass
        self._done.clear()

    def finish(self) -> None:
        """Drop the backups `commit(keep_backups=True)` kept."""
        for _, backup in self._done:
            if backup is not None:
                backup.unlink(missing_ok=True)
        self._done.clear()

    def discard(self) -> None:
        for tmp, _ in self._items:
            try:
                tmp.unlink()
            except FileNotFoundError:
                pass
        self._items.clear()

    def __enter__(self) -> Staged:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()


def _backup(final: Path) -> Path | None:
    """A second name for the file at `final` (a hard link, else a copy), or None when there is none."""
    if not final.exists():
        return None
    fd, name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".bak")
    os.close(fd)
    backup = Path(name)
    try:
        backup.unlink()
        os.link(final, backup)
    except OSError:
        import shutil

        shutil.copy2(final, backup)
    return backup


def atomic_write(path: str | Path, data: bytes) -> None:
    """Write one file completely or not at all (temporary file, fsync, rename)."""
    with Staged() as out:
        out.add(path, data)


@contextmanager
def atomic_text(path: str | Path, *, encoding: str = "utf-8", newline: str = "") -> Iterator[IO[str]]:
    """A text file written as a stream (a large export never sits in memory) that appears only when complete."""
    final = Path(path)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp")
    except OSError as exc:
        raise describe_os_error(final, exc) from exc
    try:
        with io.TextIOWrapper(io.BufferedWriter(_FdWriter(fd), 1 << 16), encoding=encoding, newline=newline) as fh:
            yield fh
            fh.flush()
            os.fsync(fd)
        os.replace(tmp, final)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise describe_os_error(final, exc) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(final.parent)


def write_private(path: str | Path, data: bytes) -> None:
    """Create a new file only its owner may read (a key), never replacing one: a link, not a rename, puts it in place."""
    final = Path(path)
    fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_all(fh.fileno(), data)
            os.fsync(fh.fileno())
        os.link(tmp, final)  # fails if `final` exists: an existing key is never replaced
        _fsync_dir(final.parent)
    except FileExistsError:
        raise OutputError(f"{final} exists already; it was left as it is.", "Move it away first.") from None
    except OSError as exc:
        raise describe_os_error(final, exc) from exc
    finally:
        Path(tmp).unlink(missing_ok=True)


class _FdWriter(io.RawIOBase):
    """A file descriptor written with `os.write`, as every output here is (one path to test a full disk on)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def writable(self) -> bool:
        return True

    def write(self, data: Buffer) -> int:
        return os.write(self._fd, data)

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX); folders cannot be opened for fsync on Windows."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
