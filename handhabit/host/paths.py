"""Where the config and the database live when no option or environment variable says (XDG on Linux), and
the folders handhabit makes for them: a health record is for its owner's eyes only."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

import platformdirs

APP = "handhabit"
# A file another program or machine may have put there: opened without following a link, and without
# waiting on a FIFO's writer.
READ_FOREIGN = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def default_config_path() -> Path:
    return platformdirs.user_config_path(APP) / "config.toml"


def default_db_path() -> Path:
    return platformdirs.user_data_path(APP) / "handhabit.db"


def runtime_folder() -> Path:
    """Where the daemon's lock lives: the session's runtime folder, else the data folder."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return Path(runtime) / APP if runtime else platformdirs.user_data_path(APP)


def _own_folders() -> set[Path]:
    return {platformdirs.user_config_path(APP), platformdirs.user_data_path(APP), runtime_folder()}


def private_folder(folder: Path) -> None:
    """Creates `folder` and every missing folder above it 0700, whatever the umask says. An existing folder
    is narrowed to 0700 only when it is one of handhabit's own (`~/.local/share/handhabit`, ...): a folder
    the person chose for `--db` is theirs to set."""
    missing = []
    here = folder
    while not here.exists() and here != here.parent:
        missing.append(here)
        here = here.parent
    for created in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            created.mkdir(mode=0o700)
            created.chmod(0o700)  # mkdir's mode is masked by the umask
    if not missing and folder in _own_folders():
        with contextlib.suppress(OSError):  # not the owner, or a read-only mount: leave it
            if folder.stat().st_mode & 0o077:
                folder.chmod(0o700)


def write_atomically(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Temp file in the same folder, then a rename: a full disk or a crash never leaves a truncated file, and
    a reader (another process, a sync tool) sees the old file or the new one, never half of it."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def read_small(path: Path, most: int) -> bytes | None:
    """A small regular file's bytes, read without following a link or waiting on a FIFO: for files another
    program or machine may have put there. None for anything else (missing, another kind of file, larger
    than `most`, unreadable)."""
    try:
        fd = os.open(path, READ_FOREIGN)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        data = os.read(fd, most + 1)
        return data if len(data) <= most else None
    except OSError:
        return None
    finally:
        os.close(fd)
