"""Opening a workspace file: what is checked before anything is written, read-only access, and SQLite's errors as
messages for people.

Nothing here knows about events beyond the `chain_head` table: this is the layer between a path and a connection.
A file that is not an Attest workspace, or that a newer Attest wrote, is never modified. Reading works on read-only
files and read-only media: SQLite's `mode=ro` first, else `immutable=1`, else (a write-ahead log that cannot be read
in place) a private copy, so a reading command never needs write access.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from audit.trail.errors import WorkspaceError
from audit.trail.schema import APPLICATION_ID, SCHEMA_VERSION, NewerSchema, migrate

ENV_HOME = "ATTEST_HOME"
BUSY_TIMEOUT_S = 10.0
_SQLITE_MAGIC = b"SQLite format 3\x00"
# Primary result codes meaning "cannot read it in place without writing": READONLY (its extended forms, e.g.
# READONLY_DIRECTORY, READONLY_RECOVERY) and CANTOPEN (no -shm file and no way to create one).
_NEEDS_FALLBACK = (8, 14)


def default_workspace_path() -> Path:
    """`$ATTEST_HOME/default.attest`, else `default.attest` in the user's data directory."""
    return data_folder() / "default.attest"


def data_folder() -> Path:
    """Attest's per-user data folder: `$ATTEST_HOME`, else the platform's user data directory."""
    home = os.environ.get(ENV_HOME)
    if home:
        return Path(home).expanduser().absolute()
    import platformdirs

    return Path(platformdirs.user_data_dir("Attest", appauthor=False))


@dataclass
class Opened:
    """An open connection and what it takes to close it (a private copy is removed with it)."""

    path: Path
    conn: sqlite3.Connection
    readonly: bool
    how: str = "read-write"  # read-write | read-only | immutable | copy
    _cleanup: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        self.conn.close()
        for fn in self._cleanup:
            fn()
        self._cleanup.clear()


def resolve_path(path: str | Path | None) -> tuple[Path, bool]:
    """The absolute path of a workspace (None = the default one) and whether it is the default."""
    is_default = path is None
    p = (default_workspace_path() if path is None else Path(path).expanduser()).absolute()
    if p.is_dir():
        raise WorkspaceError(
            f"{p} is a folder, not a workspace file.", f"Name a file inside it, e.g. --workspace {p / 'project.attest'}."
        )
    return p, is_default


def open_file(path: str | Path | None, *, create: bool, readonly: bool) -> Opened:
    """Open (and, unless `readonly` or `create=False`, create or upgrade) the workspace at `path`."""
    p, is_default = resolve_path(path)
    needs_setup = inspect(p, readonly=readonly, create=create)
    if needs_setup:
        if not p.exists():
            if is_default:
                p.parent.mkdir(parents=True, exist_ok=True)
            elif not p.parent.is_dir():
                raise WorkspaceError(
                    f"The folder {p.parent} does not exist, so {p.name} cannot be created there.",
                    "Create the folder first, or choose another path for --workspace.",
                )
        check_writable(p)
        with sql_errors(p):
            setup = sqlite3.connect(p, timeout=BUSY_TIMEOUT_S)
            try:
                migrate(setup)
            except NewerSchema as exc:
                raise newer_error(p, exc.version) from None
            finally:
                setup.close()
    elif not readonly:
        check_writable(p)
    if readonly:
        opened = connect_readonly(p, check_same_thread=False)
    else:
        with sql_errors(p):
            conn = sqlite3.connect(p, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA synchronous=FULL")  # acknowledged = on disk, even if the power goes
        opened = Opened(p, conn, readonly=False)
    try:
        with sql_errors(p):
            opened.conn.execute("SELECT 1 FROM chain_head").fetchone()
    except BaseException:
        opened.close()
        raise
    return opened


def check_can_record(path: str | Path | None) -> Path:
    """Everything `open_file(path, create=True)` would refuse, checked without writing anything (so that a run
    refused for its workspace leaves no file behind). Returns the workspace's absolute path."""
    p, is_default = resolve_path(path)
    inspect(p, readonly=False, create=True)
    if p.exists():
        check_writable(p)
    elif p.parent.is_dir():
        check_writable(p)
    elif not is_default:
        raise WorkspaceError(
            f"The folder {p.parent} does not exist, so {p.name} cannot be created there.",
            "Create the folder first, or choose another path for --workspace.",
        )
    return p


def connect_readonly(p: Path, *, check_same_thread: bool = True, glance: bool = False) -> Opened:
    """A connection that never writes to `p`'s file or folder (see the module docstring for the order tried).

    `glance`: a few reads of a file that is probably closed: read it as it is (`immutable=1`, no locks and no -shm
    or -wal files left beside it) when no write-ahead log holds anything."""
    uri = p.as_uri()
    if glance and not _has_log(p):
        with sql_errors(p):
            conn = _connect_uri(uri + "?mode=ro&immutable=1", check_same_thread)
        return Opened(p, conn, readonly=True, how="immutable")
    try:
        conn = _connect_uri(uri + "?mode=ro", check_same_thread)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return Opened(p, conn, readonly=True, how="read-only")
        except BaseException:
            conn.close()
            raise
    except sqlite3.Error as exc:
        if _code(exc) not in _NEEDS_FALLBACK:
            raise translate(exc, p) from exc
    wal = Path(str(p) + "-wal")
    if not _has_log(p):  # everything is in the main file: read it as it is, with no locks and no side files
        with sql_errors(p):
            conn = _connect_uri(uri + "?mode=ro&immutable=1", check_same_thread)
        return Opened(p, conn, readonly=True, how="immutable")
    # Committed events still sit in the log, which SQLite cannot read here without writing its index (-shm):
    # read a private copy of the file and its log instead.
    tmp = tempfile.mkdtemp(prefix="attest-readonly-")
    try:
        copy = Path(tmp) / p.name
        shutil.copyfile(p, copy)
        shutil.copyfile(wal, Path(str(copy) + "-wal"))
        with sql_errors(p):
            conn = _connect_uri(copy.as_uri() + "?mode=ro", check_same_thread)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise WorkspaceError(f"{p} cannot be read: {exc.strerror or exc}.", "Check that you may read the file.") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Opened(p, conn, readonly=True, how="copy", _cleanup=[lambda: shutil.rmtree(tmp, ignore_errors=True)])


def _connect_uri(uri: str, check_same_thread: bool) -> sqlite3.Connection:
    """A read-only connection by URI (`mode=ro`, perhaps `immutable=1`), in autocommit mode like every other."""
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=check_same_thread)


def _has_log(p: Path) -> bool:
    wal = Path(str(p) + "-wal")
    try:
        return wal.is_file() and wal.stat().st_size > 0
    except OSError:
        return False


def inspect(p: Path, *, readonly: bool, create: bool) -> bool:
    """Check an existing file without writing to it. True when it must be created or upgraded first."""
    if not p.exists():
        if readonly or not create:
            raise WorkspaceError(
                f"There is no workspace at {p}.",
                "Check the path given to --workspace; any `attest register ...` command creates it.",
            )
        return True
    try:
        with open(p, "rb") as fh:
            head = fh.read(100)
    except OSError as exc:
        raise WorkspaceError(f"{p} cannot be read: {exc.strerror or exc}.", "Check that you may read the file.") from exc
    if not head:
        if p.suffix != ".attest":
            raise WorkspaceError(
                f"{p} is an empty file, not an Attest workspace.",
                "Name a *.attest file, or a new path to create a workspace there.",
            )
        if readonly:
            raise WorkspaceError(f"{p} is empty: it holds no trail yet.", "Record something in it first.")
        return True
    if not head.startswith(_SQLITE_MAGIC):
        raise WorkspaceError(
            f"{p} is not an Attest workspace (it is not an SQLite database); it was left untouched.",
            "Name a *.attest file created by Attest, or a new path to create a workspace there.",
        )
    opened = connect_readonly(p, glance=True)
    try:
        ro = opened.conn
        app = ro.execute("PRAGMA application_id").fetchone()[0]
        version = ro.execute("PRAGMA user_version").fetchone()[0]
        tables = ro.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise translate(exc, p) from exc
    finally:
        opened.close()
    if app == 0 and tables == 0 and p.suffix == ".attest" and not readonly:
        return True  # an empty SQLite file named *.attest: initialise it
    if app != APPLICATION_ID:
        raise WorkspaceError(
            f"{p} is an SQLite database but not an Attest workspace; it was left untouched.",
            "Name a *.attest file created by Attest, or a new path to create a workspace there.",
        )
    if version > SCHEMA_VERSION:
        raise newer_error(p, version)
    if version < SCHEMA_VERSION:
        if readonly:
            raise WorkspaceError(
                f"{p} was made by an older Attest and must be upgraded before it can be read.",
                "Open it once without read-only mode (e.g. `attest trail whoami`) to upgrade it.",
            )
        return True
    return False


def check_writable(p: Path) -> None:
    """Refuse early, and clearly, when the file or its folder is read-only. The file's mode bits are honoured even
    for accounts (root) that could write anyway: a file marked read-only was meant to stay as it is."""
    if p.exists() and (not os.access(p, os.W_OK) or not p.stat().st_mode & 0o222):
        raise WorkspaceError(
            f"{p} is read-only, so Attest cannot record anything in it.",
            f"Make it writable (e.g. `chmod u+w '{p}'`), or choose another workspace with "
            "--workspace. Reading commands (trail log, verify, export) work on read-only files.",
        )
    if not os.access(p.parent, os.W_OK):
        raise WorkspaceError(
            f"The folder {p.parent} is read-only, so the workspace there cannot be written "
            "(SQLite keeps its write-ahead log next to the file).",
            "Move the workspace to a writable folder, or make the folder writable. Reading "
            "commands (trail log, verify, export) work on read-only media.",
        )


def newer_error(p: Path, version: int) -> WorkspaceError:
    return WorkspaceError(
        f"{p} was created by a newer Attest (workspace schema {version}; this Attest reads up to "
        f"{SCHEMA_VERSION}). It was left untouched.",
        "Update Attest to open this workspace, or use another one with --workspace.",
    )


@contextmanager
def sql_errors(p: Path, writing: bool = False) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise translate(exc, p, writing) from exc


def _code(exc: sqlite3.Error) -> int:
    return (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF


def translate(exc: sqlite3.Error, p: Path, writing: bool = False) -> WorkspaceError:
    """sqlite3 errors as messages for people. Every write is one transaction, so none of these leaves a half-write."""
    code = _code(exc)
    text = str(exc)
    lost = " The event was not recorded; the trail is as it was." if writing else ""
    if code == 13 or "disk is full" in text:
        return WorkspaceError(f"The disk holding {p} is full.{lost}", "Free some disk space, then try again.")
    if code == 8 or "readonly" in text:
        return WorkspaceError(
            f"{p} is read-only, so Attest cannot record anything in it.{lost}",
            "Make the file and its folder writable, or choose another workspace with --workspace.",
        )
    if code in (5, 6) or "locked" in text:
        return WorkspaceError(
            f"{p} is busy: another program kept it locked for more than {BUSY_TIMEOUT_S:.0f} s.{lost}",
            "Wait for the other Attest process to finish, then try again.",
        )
    if code in (11, 26) or "not a database" in text or "malformed" in text:
        return WorkspaceError(
            f"{p} is damaged or not an Attest workspace; it was left untouched.",
            "Restore it from a backup (check the backup with `attest trail verify`), or name another workspace.",
        )
    if code == 14:
        return WorkspaceError(f"{p} cannot be opened.", "Check that the folder exists and that you may read it.")
    if code == 10:
        return WorkspaceError(
            f"Reading or writing {p} failed (I/O error).{lost}",
            "Check the drive or network share holding the workspace, then try again.",
        )
    if code == 19 and "attest:" in text:
        return WorkspaceError(
            f"The workspace refused the write ({text.removeprefix('attest: ')}).{lost}",
            "The trail is append-only: record a new event (e.g. a note) instead of changing one.",
        )
    return WorkspaceError(f"Workspace {p}: {text}.{lost}", "If this persists, check the file with `attest trail verify`.")
