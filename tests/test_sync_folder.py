"""The sync folder on disk (`handhabit.sync.folder`), against real temp folders: what an append leaves in
this device's files and nowhere else, which of the other devices' files are journals to read, how a file
the sync tool shortened is told apart, and that every way the folder can fail is one line with its fix."""

from __future__ import annotations

import errno
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from handhabit.records import Deletion
from handhabit.sync.folder import Folder, JournalFile, Shrunk, SyncFolderError
from handhabit.sync.journal import Position, encode, read_lines
from tests.builders import needs_root, read_only

UTC = timezone.utc
NOV = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
DEC = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
ME = "3f2b8c1e-0d4a-4e6f-9a7b-1c2d3e4f5a6b"
ALICE, BOB = "a11ce0de-7b3c-4d2e-8f1a-0b9c8d7e6f5a", "b0bb1e5a-2c4d-4e6f-a8b9-c0d1e2f3a4b5"
LINES = [encode(Deletion("sessions", f"s-{n}", NOV)) for n in range(4)]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "Sync"
    folder.mkdir()
    return folder


@pytest.fixture
def folder(root: Path) -> Folder:
    return Folder(root, ME, "laptop")


@pytest.fixture
def umask_zero() -> Iterator[None]:
    """The umask that would leave every new file readable by all, unless handhabit sets the modes itself."""
    before = os.umask(0)
    yield
    os.umask(before)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def device(root: Path, device_id: str, files: dict[str, bytes]) -> Path:
    """Another device's folder as the sync tool leaves it."""
    folder = root / "devices" / device_id
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def snapshot(root: Path) -> dict[Path, tuple[bytes, int]]:
    return {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in root.rglob("*") if path.is_file()}


def one_line(failure: pytest.ExceptionInfo[SyncFolderError], *words: str) -> str:
    line = str(failure.value)
    assert "\n" not in line and all(word in line for word in words), line
    return line


# --- append ----------------------------------------------------------------------------------------------

@pytest.mark.usefixtures("umask_zero")
def test_append_makes_its_folders_0700_and_files_0600_whatever_the_umask(root: Path, folder: Folder) -> None:
    root.chmod(0o755)
    folder.append(LINES[:1], NOV)
    own = root / "devices" / ME
    assert (mode(root / "devices"), mode(own)) == (0o700, 0o700)
    assert (mode(own / "2026-11.jsonl"), mode(own / "device.json")) == (0o600, 0o600)
    assert mode(root) == 0o755  # the sync folder is the person's


def test_appends_are_whole_lines_in_the_file_of_their_utc_month(root: Path, folder: Folder) -> None:
    folder.append(LINES[:2], NOV)
    folder.append(LINES[2:3], NOV)
    folder.append(LINES[3:], DEC)
    folder.append(LINES[:1], DEC.astimezone(timezone(timedelta(hours=-5))))  # still December in UTC
    folder.append([], DEC)
    own = root / "devices" / ME
    assert sorted(path.name for path in own.iterdir()) == ["2026-11.jsonl", "2026-12.jsonl", "device.json"]
    assert (own / "2026-11.jsonl").read_bytes() == b"".join(LINES[:3])
    assert (own / "2026-12.jsonl").read_bytes() == LINES[3] + LINES[0]


def test_a_line_cut_off_by_a_crash_gets_its_newline_before_the_next_line(root: Path, folder: Folder) -> None:
    journal = root / "devices" / ME / "2026-11.jsonl"
    folder.append(LINES[:1], NOV)
    with journal.open("ab") as file:
        file.write(LINES[1][:20])
    folder.append(LINES[2:4], NOV)
    assert journal.read_bytes() == LINES[0] + LINES[1][:20] + b"\n" + LINES[2] + LINES[3]
    reading = read_lines(journal.read_bytes(), now=NOV)  # the cut line is the one the reader names
    assert len(reading.changes) == 1 and reading.problem is not None
    assert reading.problem.at == Position(len(LINES[0]), 2)


def test_appends_at_once_from_many_writers_lose_no_line_and_cut_none(root: Path, folder: Folder) -> None:
    """The CLI and the daemon of one device may append at the same moment."""
    lines = [[encode(Deletion("sessions", f"s-{writer}-{n}", NOV)) for n in range(25)] for writer in range(8)]

    def write(mine: list[bytes]) -> None:
        for line in mine:
            folder.append([line], NOV)

    writers = [threading.Thread(target=write, args=(mine,)) for mine in lines]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    data = (root / "devices" / ME / "2026-11.jsonl").read_bytes()
    assert sorted(data.splitlines(keepends=True)) == sorted(line for mine in lines for line in mine)


def test_a_disk_that_fills_mid_line_leaves_a_cut_line_the_next_append_closes(
        root: Path, folder: Folder, monkeypatch: pytest.MonkeyPatch) -> None:
    folder.append(LINES[:1], NOV)
    real_write = os.write
    room = [10]  # bytes left on the disk

    def half_then_full(fd: int, data: bytes) -> int:
        if not room[0]:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written = real_write(fd, bytes(data)[:room[0]])
        room[0] -= written
        return written

    monkeypatch.setattr(os, "write", half_then_full)
    with pytest.raises(SyncFolderError) as failure:
        folder.append(LINES[1:2], NOV)
    one_line(failure, str(root), "No space left", "free some space")
    monkeypatch.setattr(os, "write", real_write)
    folder.append(LINES[2:3], NOV)
    data = (root / "devices" / ME / "2026-11.jsonl").read_bytes()
    assert data == LINES[0] + LINES[1][:10] + b"\n" + LINES[2]


@pytest.mark.parametrize("line", [b"", b"\n", b"{}", b"{}\n{}\n"])
def test_only_whole_single_lines_are_appended(folder: Folder, root: Path, line: bytes) -> None:
    with pytest.raises(ValueError):
        folder.append([LINES[0], line], NOV)
    assert not (root / "devices").exists()


def test_device_json_names_the_device_and_is_rewritten_only_when_the_name_changes(
        root: Path, folder: Folder) -> None:
    named = root / "devices" / ME / "device.json"
    folder.append(LINES[:1], NOV)
    assert json.loads(named.read_text()) == {"id": ME, "name": "laptop"}
    before = named.stat()
    folder.append(LINES[1:2], NOV)
    assert (named.stat().st_ino, named.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    replace(folder, device_name="Büro").append(LINES[2:3], NOV)
    assert json.loads(named.read_text()) == {"id": ME, "name": "Büro"}
    assert [path.name for path in named.parent.iterdir() if path.name.endswith(".tmp")] == []


def test_append_touches_no_other_device_s_files(root: Path, folder: Folder) -> None:
    device(root, ALICE, {"2026-11.jsonl": LINES[0][:5], "device.json": b"{"})
    before = snapshot(root)
    folder.append(LINES, NOV)
    after = snapshot(root)
    assert {path: after[path] for path in before} == before


# --- others ----------------------------------------------------------------------------------------------

def test_others_lists_every_journal_of_every_other_device_and_nothing_else(root: Path, folder: Folder) -> None:
    folder.append(LINES[:1], NOV)  # this device's own journal is not for it to read
    alice = device(root, ALICE, {
        "2026-11.jsonl": LINES[0], "2026-12.jsonl": LINES[1] + LINES[2],
        "2026-11.sync-conflict-20261125-101010-ABCDEFG.jsonl": LINES[3],
        "2026-11 (Bob's conflicted copy 2026-11-25).jsonl": b"",
        ".syncthing.2026-12.jsonl.tmp": LINES[0], "~syncthing~2026-12.jsonl.tmp": LINES[0],
        "device.json": json.dumps({"id": ALICE, "name": "desk at work"}).encode(), "notes.txt": b"x",
    })
    (alice / "2027-01.jsonl").mkdir()  # a folder with a journal's name is not one
    bob = device(root, BOB, {"2026-10.jsonl": LINES[0]})
    os.utime(bob / "2026-10.jsonl", (0, 1_700_000_000))
    for junk in (".stfolder", ".stversions", "not-a-device", ALICE.upper()):
        (root / "devices" / junk).mkdir()
        ((root / "devices" / junk) / "2026-11.jsonl").write_bytes(LINES[0])
    (root / "devices" / "2026-11.jsonl").write_bytes(LINES[0])
    (root / "stray.jsonl").write_bytes(LINES[0])

    listed = folder.others()
    assert [(f.device_id, f.device_name, f.path.name, f.size) for f in listed] == [
        (ALICE, "desk at work", "2026-11 (Bob's conflicted copy 2026-11-25).jsonl", 0),
        (ALICE, "desk at work", "2026-11.jsonl", len(LINES[0])),
        (ALICE, "desk at work", "2026-11.sync-conflict-20261125-101010-ABCDEFG.jsonl", len(LINES[3])),
        (ALICE, "desk at work", "2026-12.jsonl", len(LINES[1] + LINES[2])),
        (BOB, BOB, "2026-10.jsonl", len(LINES[0])),
    ]
    assert listed[-1] == JournalFile(BOB, BOB, bob / "2026-10.jsonl", len(LINES[0]),
                                     datetime.fromtimestamp(1_700_000_000, UTC))


def test_others_is_empty_before_any_device_wrote(folder: Folder) -> None:
    assert folder.others() == []


@pytest.mark.parametrize("held", [
    b"", b"{", b"\xff", b"[]", b'{"id": "x"}', b'{"name": 7}', b'{"name": ""}', b'{"name": "two\\nlines"}',
    json.dumps({"name": "x" * 65}).encode(), b"[" * 100_000,
], ids=["empty", "cut", "not-utf8", "list", "no-name", "number", "blank", "line-break", "too-long", "deep"])
def test_a_broken_device_json_shows_the_id_and_stops_nothing(root: Path, folder: Folder, held: bytes) -> None:
    device(root, ALICE, {"2026-11.jsonl": LINES[0], "device.json": held})
    device(root, BOB, {"2026-11.jsonl": LINES[0], "device.json": b'{"id": "ignored", "name": "home"}'})
    assert [(f.device_id, f.device_name) for f in folder.others()] == [(ALICE, ALICE), (BOB, "home")]


def test_a_device_json_that_is_a_folder_shows_the_id(root: Path, folder: Folder) -> None:
    (device(root, ALICE, {"2026-11.jsonl": LINES[0]}) / "device.json").mkdir()
    assert [f.device_name for f in folder.others()] == [ALICE]


# --- read_from -------------------------------------------------------------------------------------------

def test_read_from_gives_the_bytes_from_an_offset_to_the_end(root: Path, folder: Folder) -> None:
    journal = device(root, ALICE, {"2026-11.jsonl": LINES[0] + LINES[1]}) / "2026-11.jsonl"
    size = len(LINES[0] + LINES[1])
    assert folder.read_from(journal, 0) == LINES[0] + LINES[1]
    assert folder.read_from(journal, len(LINES[0])) == LINES[1]
    assert folder.read_from(journal, size) == b""
    assert folder.read_from(journal, size + 1) == Shrunk(size)


def test_a_file_the_sync_tool_replaced_with_a_shorter_one_is_told_apart(root: Path, folder: Folder) -> None:
    alice = device(root, ALICE, {"2026-11.jsonl": LINES[0] + LINES[1]})
    journal = alice / "2026-11.jsonl"
    offset = len(LINES[0] + LINES[1])
    (alice / "incoming.tmp").write_bytes(LINES[2])
    os.replace(alice / "incoming.tmp", journal)  # as Syncthing puts a new version in place
    assert folder.read_from(journal, offset) == Shrunk(len(LINES[2]))
    assert folder.read_from(journal, 0) == LINES[2]
    with journal.open("r+b") as file:
        file.truncate(3)
    assert folder.read_from(journal, len(LINES[2])) == Shrunk(3)


# --- one line for every way the folder fails -------------------------------------------------------------

def calls(folder: Folder) -> dict[str, Callable[[], object]]:
    """Every call on the folder, so each failure is checked for all three."""
    journal = folder.root / "devices" / ALICE / "2026-11.jsonl"
    return {"append": lambda: folder.append(LINES[:1], NOV), "others": folder.others,
            "read_from": lambda: folder.read_from(journal, 0)}


@pytest.mark.parametrize("call", ["append", "others", "read_from"])
def test_a_missing_folder_is_one_line_and_is_not_made(tmp_path: Path, call: str) -> None:
    folder = Folder(tmp_path / "Sync", ME, "laptop")
    with pytest.raises(SyncFolderError) as failure:
        calls(folder)[call]()
    one_line(failure, str(tmp_path / "Sync"), "is missing", "[sync] folder")
    assert not (tmp_path / "Sync").exists()


@pytest.mark.parametrize("call", ["append", "others", "read_from"])
def test_a_file_in_place_of_the_folder_is_one_line(tmp_path: Path, call: str) -> None:
    (tmp_path / "Sync").write_bytes(b"")
    with pytest.raises(SyncFolderError) as failure:
        calls(Folder(tmp_path / "Sync", ME, "laptop"))[call]()
    one_line(failure, str(tmp_path / "Sync"), "is not a folder", "[sync] folder")


@pytest.mark.parametrize("blocked", ["devices", f"devices/{ME}"])
def test_a_file_where_handhabit_keeps_a_folder_is_one_line_naming_it(
        root: Path, folder: Folder, blocked: str) -> None:
    (root / blocked).parent.mkdir(parents=True, exist_ok=True)
    (root / blocked).write_bytes(b"mine")
    with pytest.raises(SyncFolderError) as failure:
        folder.append(LINES[:1], NOV)
    one_line(failure, f"{root / blocked} is a file", "move it out")
    assert (root / blocked).read_bytes() == b"mine"


def test_a_devices_file_stops_others_in_one_line(root: Path, folder: Folder) -> None:
    (root / "devices").write_bytes(b"mine")
    with pytest.raises(SyncFolderError) as failure:
        folder.others()
    one_line(failure, f"{root / 'devices'} is a file")


def test_a_folder_that_vanishes_between_calls_is_one_line_and_is_not_made_again(
        root: Path, folder: Folder) -> None:
    folder.append(LINES[:1], NOV)
    device(root, ALICE, {"2026-11.jsonl": LINES[0]})
    assert len(folder.others()) == 1
    shutil.rmtree(root)
    for call in calls(folder).values():
        with pytest.raises(SyncFolderError) as failure:
            call()
        one_line(failure, str(root), "is missing")
    assert not root.exists()


@needs_root
def test_a_read_only_folder_is_one_line_with_the_fix(small_disk: Path) -> None:
    folder = Folder(small_disk, ME, "laptop")
    with read_only(small_disk), pytest.raises(SyncFolderError) as failure:
        folder.append(LINES[:1], NOV)
    one_line(failure, f"cannot write {small_disk / 'devices'}", "mount it writable")


@pytest.mark.parametrize(("code", "fix"), [
    (errno.EACCES, "access to {own} (chmod u+rwX {own})"), (errno.EROFS, "mount it writable"),
    (errno.EDQUOT, "free some space"), (errno.EIO, "check the folder and the disk"),
])
def test_a_journal_that_cannot_be_opened_is_one_line_with_the_fix(
        root: Path, folder: Folder, monkeypatch: pytest.MonkeyPatch, code: int, fix: str) -> None:
    """As root, a mode stops no write; the errors a read-only folder, mount or full quota give are made."""
    real_open = os.open

    def refusing(path: str | Path, flags: int, mode: int = 0o777, **kwargs: object) -> int:
        if str(path).endswith(".jsonl"):
            raise OSError(code, os.strerror(code), str(path))
        return real_open(path, flags, mode, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refusing)
    with pytest.raises(SyncFolderError) as failure:
        folder.append(LINES[:1], NOV)
    own = root / "devices" / ME
    one_line(failure, f"cannot write {own / '2026-11.jsonl'}: {os.strerror(code)}", fix.format(own=own))


def test_a_device_that_never_synced_sees_every_device_and_a_blocked_folder_in_one_line(root: Path) -> None:
    device(root, ME, {"2026-11.jsonl": LINES[0]})
    unsynced = Folder(root, None, "desk")
    assert [journal.device_id for journal in unsynced.others()] == [ME]
    shutil.rmtree(root / "devices")
    (root / "devices").write_text("not a folder")
    with pytest.raises(SyncFolderError) as failure:
        unsynced.others()
    one_line(failure, str(root / "devices"), "is a file where handhabit keeps a folder")
