"""The sync folder on disk: where this device appends its journal lines, and which files of the other
devices there are to read. Files only, no database: the merge is the caller's.

    <root>/devices/<device-id>/2026-11.jsonl    one file a month (UTC), appended to by its device only
    <root>/devices/<device-id>/device.json      {"id": ..., "name": ...}: the name `status` shows

The root is the person's: handhabit creates it only where the folder above it exists (`~/Sync/handhabit` in
the `~/Sync` Syncthing shares), never where that is missing too (an unmounted drive or a typo: a folder made
in its place would be synced nowhere), never changes its mode, and writes nothing in it but `devices/`, whose
folders it makes 0700 and its files 0600. It writes only through real folders and files of its own, never
through a link a sync tool or another program left there.

Other devices' files are only ever read, and only as regular files opened without following links and
without blocking: a FIFO, a device node or a link to `/dev/zero` in their place is passed over, a
`device.json` is read up to a few KiB. One device's folder or file that cannot be read is one line in the
listing's problems, and the others are read all the same.

Every failure of the folder is one `SyncFolderError` line that names the folder and the way out; the
caller prints it, and local recording goes on.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from handhabit.core.units import device_name
from handhabit.host.paths import READ_FOREIGN, private_folder, read_small, write_atomically
from handhabit.interchange.journal import journals

DEVICES = "devices"
DEVICE_FILE = "device.json"
# What uuid.uuid4() gives: a device's id. Anything else in devices/ (".stfolder", ".stversions", a note the
# person left) is not a device.
DEVICE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DEVICE_FILE_MOST = 4096  # device.json holds an id and a name of at most 64 characters: far less than this
_ELSEWHERE = "or set [sync] folder in the config to the folder your sync tool shares"
_NOT_YET = "not yet"  # the sync folder is not made yet, but the folder above it is there to make it in


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
class Listing:
    """The other devices' journals that can be read, and one line for each folder or file that cannot
    (another user's sync tool left it unreadable): those are passed over, the rest is merged."""

    journals: list[JournalFile]
    problems: list[str]


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
        self._check_root(create=True)
        try:
            self._own_folders_are_real()
            private_folder(self.own)
            self._name_device()
            _append(self.own / f"{now.astimezone(timezone.utc):%Y-%m}.jsonl", b"".join(lines))
        except OSError as exc:
            raise self._failure(exc, "write") from None

    def others(self) -> Listing:
        """Every journal of every other device, conflict copies included, by device id then file name. A
        sync folder not made yet, in a folder that exists, has none."""
        if self._check_root(create=False):
            return Listing([], [])
        journals: list[JournalFile] = []
        problems: list[str] = []
        try:
            devices = _entries(self.root / DEVICES)
        except OSError as exc:
            raise self._failure(exc, "read") from None
        for device in devices:
            if not (DEVICE_ID.fullmatch(device.name) and device.name != self.device_id and _is_folder(device)):
                continue
            try:
                journals += _journals_of(Path(device.path), device.name, problems)
            except OSError as exc:
                problems.append(_unreadable(exc, device.path))
        return Listing(journals, problems)

    def mine(self) -> list[JournalFile]:
        """This device's own journals: read back to see whether another installation writes there too (a
        copied database keeps its id)."""
        if self.device_id is None or self._check_root(create=False):
            return []
        try:
            return list(_journals_of(self.own, self.device_id, [])) if os.path.isdir(self.own) else []
        except OSError as exc:
            raise self._failure(exc, "read") from None

    def read_from(self, path: Path, offset: int, most: int) -> bytes | Shrunk:
        """At most `most` bytes of a journal from `offset` on, or `Shrunk` when it now ends before `offset`.
        One file that cannot be read (a mode another user's sync tool left, a FIFO or a link in its place)
        is a `SyncFolderError` about that file alone."""
        try:
            fd = os.open(path, READ_FOREIGN)
        except OSError as exc:
            raise self._read_failure(exc, path) from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise SyncFolderError(f"{path} is not a file: passed over (a sync tool or another program left "
                                      "something else in its place; remove it)")
            if info.st_size < offset:
                return Shrunk(info.st_size)
            return os.pread(fd, most, offset)
        except OSError as exc:
            raise self._read_failure(exc, path) from None
        finally:
            os.close(fd)

    def standing(self) -> str:
        """How the folder stands for the next sync, as `check` says it: there, to be made by that sync, or
        the problem that would stop it. It only looks: `check` makes nothing."""
        problem = self._root_problem(create=False)
        if problem is None:
            return "the folder is there"
        return "the folder is not there yet: the first sync makes it" if problem is _NOT_YET else problem

    def _read_failure(self, exc: OSError, path: Path) -> SyncFolderError:
        """A file of another device that cannot be read is its own problem, unless the whole folder went."""
        return SyncFolderError(self._gone() or _unreadable(exc, path))

    def _gone(self) -> str | None:
        """What is wrong with the folder as a whole after a call in it failed: a folder that went away
        meanwhile is missing, whether or not it could be made again."""
        problem = self._root_problem(create=False)
        return self._missing() if problem is _NOT_YET else problem

    def _missing(self) -> str:
        return f"the sync folder {self.root} is missing: create it or mount the drive it is on, {_ELSEWHERE}"

    def _own_folders_are_real(self) -> None:
        """`devices/` and this device's folder are real folders: a link there would lead the appends out
        of the sync folder, to a file of the person's or another device's journal."""
        for folder in (self.root / DEVICES, self.own):
            if os.path.islink(folder):
                raise SyncFolderError(f"{folder} is a link where handhabit keeps a folder of its own: remove the "
                                      "link (handhabit writes only into real folders)")

    def _name_device(self) -> None:
        """Writes device.json when it does not say this device's name yet: rewriting it on every append
        would have the sync tool send it to every machine each time. The rename puts a new file in place of
        whatever was there, a link included."""
        path = self.own / DEVICE_FILE
        held = {"id": self.device_id, "name": self.device_name}
        wanted = (json.dumps(held, ensure_ascii=False, sort_keys=True) + "\n").encode()
        if read_small(path, DEVICE_FILE_MOST) != wanted:
            write_atomically(path, wanted)

    def _check_root(self, create: bool) -> bool:
        """Raises the folder's problem; True when the folder is not there yet but may be made (`create`
        makes it)."""
        problem = self._root_problem(create)
        if problem is _NOT_YET:
            return True
        if problem:
            raise SyncFolderError(problem)
        return False

    def _root_problem(self, create: bool = False) -> str | None:
        where = f"the sync folder {self.root}"
        try:
            info = self.root.stat()
        except (FileNotFoundError, NotADirectoryError):
            if not os.path.isdir(self.root.parent):
                return self._missing()
            if not create:
                return _NOT_YET
            try:
                private_folder(self.root)
            except OSError as exc:
                return f"cannot create {where}: {exc.strerror or exc}; {_fix(exc.errno, self.root)}"
            return None
        except OSError as exc:
            return f"{where} cannot be reached: {exc.strerror or exc}; {_fix(exc.errno, self.root)}"
        if not stat.S_ISDIR(info.st_mode):
            return f"{where} is not a folder: {_ELSEWHERE.removeprefix('or ')}"
        return None

    def _failure(self, exc: OSError, doing: str) -> SyncFolderError:
        """The line for a failed call, told from where the fault is: the whole folder (gone since it was
        checked, or a file now), a file where handhabit keeps a folder, or the path the call failed on."""
        problem = self._gone()
        if problem is None:
            kept = (self.root / DEVICES, *([] if self.device_id is None else [self.own]))
            blocker = next((folder for folder in kept if os.path.lexists(folder) and not os.path.isdir(folder)), None)
            path = exc.filename or self.root
            problem = (f"{blocker} is a file where handhabit keeps a folder: move it out of the sync folder"
                       if blocker else f"cannot {doing} {path}: {exc.strerror or exc}; {_fix(exc.errno, path)}")
        return SyncFolderError(problem)


def _append(path: Path, data: bytes) -> None:
    """Appends `data` under an exclusive lock (this device's CLI and daemon may append at once), opened
    without following a link. An append that fails part way (a full disk) is taken back, so no reader
    ever sees half a line of it; the caller sends it again later. When the last line was cut off anyway (a
    crash mid-write), a newline goes first, so the cut line stays one bad line the readers pass over,
    instead of swallowing the first new line."""
    flags = os.O_RDWR | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC
    created = True
    try:
        fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        created = False
        fd = _open_own(path, flags)
    try:
        if created:
            os.fchmod(fd, 0o600)  # os.open's mode is narrowed by the umask, and must still let us write
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data
        try:
            rest = memoryview(data)
            while rest:  # one write unless the disk fills or a signal comes
                rest = rest[os.write(fd, rest):]
            os.fsync(fd)
        except OSError:
            with contextlib.suppress(OSError):  # shortening frees space; a file that cannot be is closed next time
                os.ftruncate(fd, size)
                os.fsync(fd)
            raise
    finally:
        os.close(fd)  # and with it the lock
    if created:  # the new file's name is in the folder, so the folder too must reach the disk
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _open_own(path: Path, flags: int) -> int:
    try:
        return os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SyncFolderError(f"{path} is a link where handhabit keeps a journal of its own: remove the link "
                                  "(handhabit writes only into its own files)") from None
        raise


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    """A folder's entries, sorted by name; none when it is gone: no device has written yet, or a device's
    folder went away since devices/ was listed, and either way there is nothing to read."""
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda entry: entry.name)
    except FileNotFoundError:
        return []


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _journals_of(folder: Path, device_id: str, problems: list[str]) -> list[JournalFile]:
    """A device's journals that are regular files (a link, a FIFO or a folder with a journal's name is no
    journal); one that cannot be looked at is a line in `problems`."""
    files = {entry.name: entry for entry in _entries(folder)}
    name = _name_of(folder, device_id)
    found = []
    for journal in journals(files):
        try:
            info = files[journal].stat(follow_symlinks=False)
        except FileNotFoundError:  # removed since listed (a conflict copy cleaned up): nothing to read
            continue
        except OSError as exc:
            problems.append(_unreadable(exc, folder / journal))
            continue
        if stat.S_ISREG(info.st_mode):
            modified = datetime.fromtimestamp(info.st_mtime, timezone.utc)
            found.append(JournalFile(device_id, name, folder / journal, info.st_size, modified))
    return found


def _name_of(folder: Path, device_id: str) -> str:
    """The name a device's device.json gives it, held to the rules of `[sync] device`. A missing or broken
    one (half synced, hand-edited, from a newer handhabit, a FIFO or a link to /dev/zero) must not stop a
    sync: the id tells devices apart just as well, only less kindly."""
    data = read_small(folder / DEVICE_FILE, DEVICE_FILE_MOST)
    if data is None:
        return device_id
    try:
        held: Any = json.loads(data)
        name = held.get("name") if isinstance(held, dict) else None
        return device_name(name) if isinstance(name, str) else device_id
    except (ValueError, RecursionError):  # ValueError: not UTF-8, not JSON, not a name
        return device_id


def _unreadable(exc: OSError, path: Path | str) -> str:
    """Another device's file or folder that cannot be read: passed over until it can. Only read access is
    wanted: handhabit never writes another device's files."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        fix = f"let your user read it (chmod u+rX {path}, or have the sync tool keep the files readable)"
    elif exc.errno == errno.ELOOP:
        fix = "it is a link, which handhabit does not follow in the sync folder"
    else:
        fix = "check the folder and the disk it is on"
    return f"cannot read {path}: {exc.strerror or exc}; passed over until then: {fix}"


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
