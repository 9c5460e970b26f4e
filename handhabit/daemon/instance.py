"""One daemon per user session and one per database: an exclusive lock on a file in $XDG_RUNTIME_DIR (or
the data folder where there is none), and another beside the database. The session's lock alone would let
a login with another runtime folder (SSH, `sudo -u`, a script) start a second daemon on the same records,
and every reminder would come twice. The kernel drops a lock when the process ends, however it ends, so a
crash never leaves a stale lock behind; each file also holds the pid for the message, `status` and
`snooze`."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from handhabit.host.paths import private_folder, runtime_folder

# What keeps a lock from being made beside a database in a folder handhabit may read but not write.
_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)


class AlreadyRunning(Exception):
    """`database` is the database whose lock found the other daemon; None for the session's lock."""

    def __init__(self, pid: int | None, database: Path | None) -> None:
        super().__init__(f"already running as pid {pid}")
        self.pid = pid
        self.database = database


class CannotLock(Exception):
    def __init__(self, path: Path, error: OSError) -> None:
        super().__init__(f"cannot create the daemon's lock at {path}: {error.strerror or error}")
        self.errno = error.errno


def lock_path() -> Path:
    return runtime_folder() / "daemon.lock"


def database_lock_path(db: Path) -> Path:
    """Beside the database's real file, so a symlink or a relative --db finds the same lock."""
    real = db.resolve()
    return real.with_name(f"{real.name}.daemon.lock")


def _pid(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    return int(text) if text.isdigit() else None


def _take(path: Path, database: Path | None) -> int:
    """The open lock file, locked, with this process's pid in it."""
    try:
        private_folder(path.parent)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise CannotLock(path, exc) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pid = _pid(fd)
        os.close(fd)
        raise AlreadyRunning(pid, database) from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    except OSError as exc:
        os.close(fd)
        raise CannotLock(path, exc) from None
    return fd


@contextmanager
def one_daemon(db: Path, warn: Callable[[str], None]) -> Iterator[None]:
    """Held for the daemon's lifetime; raises AlreadyRunning when another daemon holds either lock, and
    CannotLock naming the file that could not be made. Beside a database in a read-only folder no lock can
    be made, and no record written either; the reminders still come, so the daemon goes on with the
    session's lock alone and `warn` says what that leaves open."""
    with contextlib.ExitStack() as held:
        held.callback(os.close, _take(lock_path(), None))
        beside = database_lock_path(db)
        try:
            held.callback(os.close, _take(beside, db))
        except CannotLock as exc:
            if exc.errno not in _READ_ONLY:
                raise
            pid = None
            with contextlib.suppress(OSError):  # a lock made before the folder became read-only
                pid = running_pid(beside)
            if pid is not None:
                raise AlreadyRunning(pid or None, db) from None
            warn(f"{exc}: the folder is read-only, so a second daemon on this database started with another "
                 "$XDG_RUNTIME_DIR (an SSH login, sudo -u) would not be refused")
        yield


def running_pid(path: Path) -> int | None:
    """The pid of the daemon holding the lock, 0 when its file holds none, None when no daemon does."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _pid(fd) or 0
        return None  # nobody holds it: the daemon that wrote the pid is gone
    finally:
        os.close(fd)


def daemon_pid(db: Path) -> int | None:
    """The daemon of this database, whatever runtime folder it was started with, else this session's
    (which serves another database: still the one daemon of this user)."""
    found = running_pid(database_lock_path(db))
    return found if found is not None else running_pid(lock_path())
