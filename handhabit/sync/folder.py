"""The sync folder on disk: where this device appends its journal lines, and which files of the other
devices there are to read. Files only, no database: the merge is the caller's.

    <root>/devices/<device-id>/2026-11.jsonl    one file a month (UTC), appended to by its device only
    <root>/devices/<device-id>/device.json      {"id": ..., "name": ...}: the name `status` shows

The root is the person's: handhabit never creates it (a missing one is an unmounted drive or a typo, and a
folder made in its place would be synced nowhere), never changes its mode, and writes nothing in it but
`devices/`, whose folders it makes 0700 and its files 0600. Other devices' files are only ever read.

Every failure of the folder is one `SyncFolderError` line that names the folder and the way out; the
caller prints it, and local recording goes on.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from handhabit.config import device_name
from handhabit.paths import private_folder, write_atomically
from handhabit.sync.journal import journals

DEVICES = "devices"
DEVICE_FILE = "device.json"
# What uuid.uuid4() gives: a device's id. Anything else in devices/ (".stfolder", ".stversions", a note the
# person left) is not a device.
DEVICE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ELSEWHERE = "or set [sync] folder in the config to the folder your sync tool shares"


class SyncFolderError(Exception):
    """What went wrong in the sync folder, as one line naming the folder and the fix."""


@dataclass(frozen=True)
class JournalFile:
    """One journal of another device as it is now: `size` and `modified` tell whether it changed since
    it was last read, so a check on the daemon's heartbeat costs a listing, not a reading."""

    device_id: str
    device_name: str  # from its device.json; its id when that is missing or broken
    path: Path
    size: int
    modified: datetime  # UTC


@dataclass(frozen=True)
class Shrunk:
    """`read_from`'s answer when the file now ends before the offset read to last time: the sync tool
    replaced it (another machine's older copy won a conflict, a restore) or it was truncated. The caller
    names it and reads it again from the start; merging is idempotent, so the lines read before cost
    nothing and none are lost. A file replaced by one as long or longer is read on from the offset: a
    journal only grows, so that is the same file with more lines."""

    size: int


@dataclass(frozen=True)
class Folder:
    """The sync folder as this device sees it: its own folder to write, the others' to read. A device
    that never synced has no id yet (`status` reads, so it makes none): every device is another to it,
    and it has no folder to write."""

    root: Path
    device_id: str | None
    device_name: str

    def __post_init__(self) -> None:
        if self.device_id is not None and not DEVICE_ID.fullmatch(self.device_id):
            raise ValueError(f"{self.device_id!r} is not a device id (a lowercase UUID)")

    @property
    def own(self) -> Path:
        if self.device_id is None:
            raise ValueError("a device without an id has no folder of its own")
        return self.root / DEVICES / self.device_id

    def append(self, lines: Sequence[bytes], now: datetime) -> None:
        """Appends whole journal lines (`journal.encode`'s) to this device's file for the UTC month of
        `now`, flushed to the disk before it returns: a change the CLI reported recorded is in the journal
        even if the machine goes down next. Naming the device first means the others never see a journal
        without the name to show for it."""
        if any(len(line) < 2 or line.find(b"\n") != len(line) - 1 for line in lines):
            raise ValueError("a journal line ends in its only newline and holds something before it")
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime: the month of a journal is the UTC month")
        if not lines:
            return
        self._check_root()
        try:
            private_folder(self.own)
            self._name_device()
            _append(self.own / f"{now.astimezone(timezone.utc):%Y-%m}.jsonl", b"".join(lines))
        except OSError as exc:
            raise self._failure(exc, "write") from None

    def others(self) -> list[JournalFile]:
        """Every journal of every other device, conflict copies included, by device id then file name."""
        self._check_root()
        try:
            return [journal for device in _entries(self.root / DEVICES)
                    if device.is_dir() and DEVICE_ID.fullmatch(device.name) and device.name != self.device_id
                    for journal in _journals_of(Path(device.path), device.name)]
        except OSError as exc:
            raise self._failure(exc, "read") from None

    def read_from(self, path: Path, offset: int) -> bytes | Shrunk:
        """The bytes of a journal from `offset` to its end, or `Shrunk` when it now ends before `offset`."""
        try:
            with path.open("rb") as file:
                size = os.fstat(file.fileno()).st_size
                if size < offset:
                    return Shrunk(size)
                file.seek(offset)
                return file.read()
        except OSError as exc:
            raise self._failure(exc, "read") from None

    def _name_device(self) -> None:
        """Writes device.json when it does not say this device's name yet: rewriting it on every append
        would have the sync tool send it to every machine each time."""
        path = self.own / DEVICE_FILE
        held = {"id": self.device_id, "name": self.device_name}
        wanted = (json.dumps(held, ensure_ascii=False, sort_keys=True) + "\n").encode()
        try:
            if path.read_bytes() == wanted:
                return
        except FileNotFoundError:
            pass
        write_atomically(path, wanted)

    def _check_root(self) -> None:
        problem = self._root_problem()
        if problem:
            raise SyncFolderError(problem)

    def _root_problem(self) -> str | None:
        where = f"the sync folder {self.root}"
        try:
            info = self.root.stat()
        except (FileNotFoundError, NotADirectoryError):
            return f"{where} is missing: create it or mount the drive it is on, {_ELSEWHERE}"
        except OSError as exc:
            return f"{where} cannot be reached: {exc.strerror or exc}; {_fix(exc.errno, self.root)}"
        if not stat.S_ISDIR(info.st_mode):
            return f"{where} is not a folder: {_ELSEWHERE.removeprefix('or ')}"
        return None

    def _failure(self, exc: OSError, doing: str) -> SyncFolderError:
        """The line for a failed call, told from where the fault is: the whole folder (gone since it was
        checked, or a file now), a file where handhabit keeps a folder, or the path the call failed on."""
        problem = self._root_problem()
        if problem is None:
            kept = (self.root / DEVICES, *([] if self.device_id is None else [self.own]))
            blocker = next((folder for folder in kept if os.path.lexists(folder) and not os.path.isdir(folder)), None)
            path = exc.filename or self.root
            problem = (f"{blocker} is a file where handhabit keeps a folder: move it out of the sync folder"
                       if blocker else f"cannot {doing} {path}: {exc.strerror or exc}; {_fix(exc.errno, path)}")
        return SyncFolderError(problem)


def _append(path: Path, data: bytes) -> None:
    """Appends `data` under an exclusive lock (this device's CLI and daemon may append at once). When the
    last line was cut off (a crash, a full disk), a newline goes first, so the cut line stays one bad line
    the reader names, instead of swallowing the first new line."""
    created = True
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        created = False
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CLOEXEC)
    try:
        if created:
            os.fchmod(fd, 0o600)  # os.open's mode is narrowed by the umask, and must still let us write
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data
        rest = memoryview(data)
        while rest:  # one write unless the disk fills or a signal comes
            rest = rest[os.write(fd, rest):]
        os.fsync(fd)
    finally:
        os.close(fd)  # and with it the lock
    if created:  # the new file's name is in the folder, so the folder too must reach the disk
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    """A folder's entries, sorted by name; none when it is gone: no device has written yet, or a device's
    folder went away since devices/ was listed, and either way there is nothing to read."""
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda entry: entry.name)
    except FileNotFoundError:
        return []


def _journals_of(folder: Path, device_id: str) -> Iterator[JournalFile]:
    files = {entry.name: entry for entry in _entries(folder) if entry.is_file()}
    name = _name_of(folder, device_id)
    for journal in journals(files):
        try:
            info = files[journal].stat()
        except FileNotFoundError:  # removed since listed (a conflict copy cleaned up): nothing to read
            continue
        modified = datetime.fromtimestamp(info.st_mtime, timezone.utc)
        yield JournalFile(device_id, name, folder / journal, info.st_size, modified)


def _name_of(folder: Path, device_id: str) -> str:
    """The name a device's device.json gives it, held to the rules of `[sync] device`. A missing or broken
    one (half synced, hand-edited, from a newer handhabit) must not stop a sync: the id tells devices apart
    just as well, only less kindly."""
    try:
        held: Any = json.loads((folder / DEVICE_FILE).read_bytes())
        name = held.get("name") if isinstance(held, dict) else None
        return device_name(name) if isinstance(name, str) else device_id
    except (OSError, ValueError, RecursionError):  # ValueError: not UTF-8, not JSON, not a name
        return device_id


def _fix(error: int | None, path: Path | str) -> str:
    if error in (errno.EACCES, errno.EPERM):  # a file or folder not there yet is made in its parent
        held = path if os.path.lexists(path) else os.path.dirname(path)
        return f"give your user read and write access to {held} (chmod u+rwX {held})"
    if error == errno.EROFS:
        return f"it is on a read-only file system: mount it writable, {_ELSEWHERE}"
    if error in (errno.ENOSPC, errno.EDQUOT):
        return "free some space on its disk"
    if error == errno.ENOENT:
        return "it went away while handhabit used it (the sync tool may have replaced it): try again"
    return "check the folder and the disk it is on"
