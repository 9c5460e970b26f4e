"""What went wrong with the database, as one line a person can act on.

SQLite's own messages ("disk I/O error", "unable to open database file") do not say whether the disk is
full, the folder is read-only or the file belongs to another program, and each of those has another fix.
The daemon logs these lines and keeps running; the CLI prints them and exits 1.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from pathlib import Path

# Python 3.10's sqlite3 has no error names: its messages tell the same.
_MESSAGES = (
    ("database or disk is full", "SQLITE_FULL"),
    ("readonly database", "SQLITE_READONLY"),
    ("file is not a database", "SQLITE_NOTADB"),
    ("database disk image is malformed", "SQLITE_CORRUPT"),
    ("database is locked", "SQLITE_BUSY"),
    ("unable to open database file", "SQLITE_CANTOPEN"),
    ("disk i/o error", "SQLITE_IOERR"),
)
_FULL = (errno.ENOSPC, errno.EDQUOT)
_DENIED = (errno.EACCES, errno.EPERM, errno.EROFS)
BACKUP = "`handhabit export` still makes a backup"


class StoreError(Exception):
    """A database problem, already worded for the person; nothing half-written stays behind it."""


class NotHandhabit(StoreError):
    """The file at --db is not a handhabit database, or one from a newer handhabit: it is left as it is."""


class InvalidRecord(StoreError):
    """A record that must not be stored: every command has to be able to read back what the store keeps."""


def not_sqlite(path: Path) -> NotHandhabit:
    return NotHandhabit(f"{path} is not a handhabit database (nor any SQLite database): it was left as it is "
                        "(give --db your handhabit database, or a new file)")


def _code(exc: sqlite3.Error) -> str:
    name = getattr(exc, "sqlite_errorname", None)
    if isinstance(name, str):
        return name
    text = str(exc).lower()
    return next((code for fragment, code in _MESSAGES if fragment in text), "SQLITE_ERROR")


def _nearly_full(folder: Path) -> bool:
    try:
        return shutil.disk_usage(folder).free < 1024 * 1024
    except OSError:
        return False


def _read_only_mount(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _existing(path: Path) -> Path:
    """The nearest folder that exists, for asking about the disk under a path not yet created."""
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _why_not_writable(path: Path) -> str:
    folder = _existing(path)
    if _read_only_mount(folder):
        return f"the file system holding {folder} is mounted read-only"
    return "permission denied"


def translate(exc: sqlite3.Error | OSError, path: Path) -> StoreError:
    """The line for what happened to `path`: disk full, not writable, not a database, damaged, locked."""
    folder = _existing(path)
    if isinstance(exc, OSError):
        if exc.errno in _FULL:
            return StoreError(f"the disk holding {path} is full: nothing was written (free some space; {BACKUP})")
        if exc.errno in _DENIED:
            where = Path(exc.filename or path)
            return StoreError(f"cannot write {where}: {_why_not_writable(where)} (nothing was written)")
        return StoreError(f"{path}: {exc.strerror or exc}")
    code = _code(exc)
    if code == "SQLITE_FULL" or (code.startswith("SQLITE_IOERR") and _nearly_full(folder)):
        return StoreError(f"the disk holding {path} is full: nothing was written (free some space; {BACKUP})")
    if code.startswith("SQLITE_READONLY"):
        return StoreError(f"cannot write {path}: {_why_not_writable(path)} (nothing was written; {BACKUP})")
    if code.startswith("SQLITE_CANTOPEN"):
        if not folder.exists() or not os.access(folder, os.X_OK):
            return StoreError(f"cannot open {path}: permission denied on {folder}")
        if path.exists():
            return StoreError(f"cannot write {path}: {_why_not_writable(path)} (nothing was written; {BACKUP})")
        return StoreError(f"cannot create {path}: {_why_not_writable(path)}")
    if code.startswith("SQLITE_NOTADB"):
        return not_sqlite(path)
    if code.startswith("SQLITE_CORRUPT"):
        return StoreError(f"{path} is damaged ({exc}): restore a backup (`handhabit import`), or try "
                          f"`sqlite3 {path} .recover`")
    if code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StoreError(f"{path} stayed locked by another program: try again in a moment")
    if code.startswith("SQLITE_IOERR"):
        return StoreError(f"{path}: the disk reported an error ({exc}): nothing was written")
    return StoreError(f"database {path}: {exc}")
