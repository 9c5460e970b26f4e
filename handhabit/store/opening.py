"""Opening the database: for writing (checked, created or migrated under the write lock) or for reading
(never a single byte written, so a backup works on a full disk or a read-only folder)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from pathlib import Path

from handhabit.host.paths import private_folder
from handhabit.store.schema import Verdict, create_or_migrate, identify, judge, judge_header

BUSY_TIMEOUT_SECONDS = 10.0


def _connect(target: str, uri: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_SECONDS, uri=uri, check_same_thread=True)
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    return conn


def _holds_data(path: Path) -> bool:
    """A missing or empty file is a new database; anything else must prove it is handhabit's first."""
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:
        return False


_headers_read: set[Path] = set()
_reading_headers = threading.Lock()


def _judge_header_once(path: Path) -> None:
    """The header is read with a plain file, before SQLite opens anything (a refused file gets no -wal or
    -shm beside it), and only once in a process: POSIX locks belong to the process, and closing any
    descriptor of the database file drops every lock SQLite holds on it here. A daemon thread reading the
    header while another holds a connection would let a CLI process think itself the last user and reset
    the write-ahead log under the daemon, losing what was recorded."""
    key = path.resolve()
    with _reading_headers:
        if key in _headers_read:
            return
        with path.open("rb") as file:
            judge_header(file.read(100), path)
        _headers_read.add(key)


def _probe(path: Path, mode: str) -> tuple[sqlite3.Connection, Verdict]:
    _judge_header_once(path)
    conn = _connect(f"{path.resolve().as_uri()}?{mode}", uri=True)
    try:
        return conn, judge(identify(conn), path)
    except BaseException:
        conn.close()
        raise


def _pending_changes(path: Path) -> bool:
    """A write-ahead log with content: reading past it would show an old state of the records."""
    try:
        return Path(f"{path}-wal").stat().st_size > 0
    except FileNotFoundError:
        return False


def _read_connection(path: Path) -> tuple[sqlite3.Connection, Verdict]:
    """Read-only; where SQLite cannot set up its shared-memory file for that (a read-only folder, a full
    disk), the file is read as unchangeable, which is exact as long as no write-ahead log is pending."""
    try:
        return _probe(path, "mode=ro")
    except sqlite3.OperationalError:
        if _pending_changes(path):
            raise
        return _probe(path, "immutable=1")


def _empty() -> sqlite3.Connection:
    """No database yet: the same tables, empty, in memory, so a read shows "no records" and creates nothing."""
    conn = _connect(":memory:")
    create_or_migrate(conn, Verdict.EMPTY)
    return conn


def open_for_reading(path: Path) -> sqlite3.Connection:
    """An older handhabit's database is read as it is: the first command that writes migrates it."""
    if not _holds_data(path):
        return _empty()
    conn, verdict = _read_connection(path)
    if verdict is Verdict.EMPTY:
        conn.close()
        return _empty()
    return conn


def open_for_writing(path: Path) -> sqlite3.Connection:
    """Refuses a file that is not handhabit's before it opens it for writing, then creates or migrates the
    schema under BEGIN IMMEDIATE (the write lock first, so first uses at once wait in turn instead of
    failing "database is locked"), and only then turns on WAL, which needs no transaction open."""
    private_folder(path.parent)
    if _holds_data(path):
        probe, _ = _probe(path, "mode=ro")
        probe.close()
    with contextlib.suppress(FileExistsError):  # a new database is private from its first byte
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    with _reading_headers:  # made here, or judged by SQLite below: no thread of this process reads it again
        _headers_read.add(path.resolve())
    conn = _connect(str(path))
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            create_or_migrate(conn, judge(identify(conn), path))
            conn.execute("COMMIT")
        except BaseException:
            conn.rollback()
            raise
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = wal")
        conn.execute("PRAGMA foreign_keys = ON")
        _narrow(path)
    except BaseException:
        conn.close()
        raise
    return conn


def _narrow(path: Path) -> None:
    """A database handhabit uses is readable by its owner only, also one an older version made 0644."""
    with contextlib.suppress(OSError):
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
