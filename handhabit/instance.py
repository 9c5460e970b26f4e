"""One daemon per user: an exclusive lock on a file in $XDG_RUNTIME_DIR (or the data folder where there
is none). The kernel drops the lock when the process ends, however it ends, so a crash never leaves a
stale lock behind; the file also holds the pid for the message and for `status`."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from handhabit.paths import private_folder, runtime_folder


class AlreadyRunning(Exception):
    def __init__(self, pid: int | None) -> None:
        super().__init__(f"already running as pid {pid}")
        self.pid = pid


def lock_path() -> Path:
    return runtime_folder() / "daemon.lock"


def _pid(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    return int(text) if text.isdigit() else None


@contextmanager
def single_instance(path: Path) -> Iterator[None]:
    """Held for the daemon's lifetime; raises AlreadyRunning when another process holds it."""
    private_folder(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(_pid(fd)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


def running_pid(path: Path) -> int | None:
    """The pid of the daemon holding the lock, or None when none does."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _pid(fd) or 0
        return None  # nobody holds it: the daemon that wrote the pid is gone
    finally:
        os.close(fd)
