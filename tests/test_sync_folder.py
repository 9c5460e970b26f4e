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

from handhabit.core.records import Deletion
from handhabit.interchange.journal import Position, encode, read_lines
from handhabit.sync.folder import Folder, JournalFile, Listing, Shrunk, SyncFolderError
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
    reading = read_lines(journal.read_bytes(), now=NOV)  # the cut line is passed over, the rest is read
    assert len(reading.changes) == 3 and reading.problem is None
    assert [problem.at for problem in reading.passed_over] == [Position(len(LINES[0]), 2)]


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


def test_a_disk_that_fills_mid_line_has_the_append_taken_back(
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
    assert data == LINES[0] + LINES[2]  # no reader ever sees half of the line that did not fit


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

    listed = folder.others().journals
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
    assert folder.others() == Listing([], [])


@pytest.mark.parametrize("held", [
    b"", b"{", b"\xff", b"[]", b'{"id": "x"}', b'{"name": 7}', b'{"name": ""}', b'{"name": "two\\nlines"}',
    json.dumps({"name": "x" * 65}).encode(), b"[" * 100_000,
], ids=["empty", "cut", "not-utf8", "list", "no-name", "number", "blank", "line-break", "too-long", "deep"])
def test_a_broken_device_json_shows_the_id_and_stops_nothing(root: Path, folder: Folder, held: bytes) -> None:
    device(root, ALICE, {"2026-11.jsonl": LINES[0], "device.json": held})
    device(root, BOB, {"2026-11.jsonl": LINES[0], "device.json": b'{"id": "ignored", "name": "home"}'})
    assert [(f.device_id, f.device_name) for f in folder.others().journals] == [(ALICE, ALICE), (BOB, "home")]


def test_a_device_json_that_is_a_folder_shows_the_id(root: Path, folder: Folder) -> None:
    (device(root, ALICE, {"2026-11.jsonl": LINES[0]}) / "device.json").mkdir()
    assert [f.device_name for f in folder.others().journals] == [ALICE]


# --- read_from -------------------------------------------------------------------------------------------

def test_read_from_gives_the_bytes_from_an_offset_to_the_end(root: Path, folder: Folder) -> None:
    journal = device(root, ALICE, {"2026-11.jsonl": LINES[0] + LINES[1]}) / "2026-11.jsonl"
    size = len(LINES[0] + LINES[1])
    assert folder.read_from(journal, 0, 1 << 20) == LINES[0] + LINES[1]
    assert folder.read_from(journal, len(LINES[0]), 1 << 20) == LINES[1]
    assert folder.read_from(journal, 0, 5) == LINES[0][:5]  # a piece at a time
    assert folder.read_from(journal, size, 1 << 20) == b""
    assert folder.read_from(journal, size + 1, 1 << 20) == Shrunk(size)


def test_a_file_the_sync_tool_replaced_with_a_shorter_one_is_told_apart(root: Path, folder: Folder) -> None:
    alice = device(root, ALICE, {"2026-11.jsonl": LINES[0] + LINES[1]})
    journal = alice / "2026-11.jsonl"
    offset = len(LINES[0] + LINES[1])
    (alice / "incoming.tmp").write_bytes(LINES[2])
    os.replace(alice / "incoming.tmp", journal)  # as Syncthing puts a new version in place
    assert folder.read_from(journal, offset, 1 << 20) == Shrunk(len(LINES[2]))
    assert folder.read_from(journal, 0, 1 << 20) == LINES[2]
    with journal.open("r+b") as file:
        file.truncate(3)
    assert folder.read_from(journal, len(LINES[2]), 1 << 20) == Shrunk(3)


# --- one line for every way the folder fails -------------------------------------------------------------

def calls(folder: Folder) -> dict[str, Callable[[], object]]:
    """Every call on the folder, so each failure is checked for all three."""
    journal = folder.root / "devices" / ALICE / "2026-11.jsonl"
    return {"append": lambda: folder.append(LINES[:1], NOV), "others": folder.others,
            "read_from": lambda: folder.read_from(journal, 0, 1 << 20)}


@pytest.mark.parametrize("call", ["append", "others", "read_from"])
def test_a_folder_whose_parent_is_missing_too_is_one_line_and_is_not_made(tmp_path: Path, call: str) -> None:
    """An unmounted drive or a typo: a folder made in its place would be synced nowhere."""
    folder = Folder(tmp_path / "drive" / "handhabit", ME, "laptop")
    with pytest.raises(SyncFolderError) as failure:
        calls(folder)[call]()
    one_line(failure, str(tmp_path / "drive" / "handhabit"), "is missing", "[sync] folder")
    assert not (tmp_path / "drive").exists()


@pytest.mark.usefixtures("umask_zero")
def test_handhabit_makes_its_own_folder_inside_a_synced_folder_that_exists(tmp_path: Path) -> None:
    """`folder = "~/Sync/handhabit"` with Syncthing's `~/Sync` there: no warning, no step for the person."""
    shared = tmp_path / "Sync"
    shared.mkdir(mode=0o755)
    folder = Folder(shared / "handhabit", ME, "laptop")
    assert folder.others() == Listing([], [])  # reading makes nothing
    assert not (shared / "handhabit").exists()
    folder.append(LINES[:1], NOV)
    assert mode(shared / "handhabit") == 0o700
    assert (shared / "handhabit" / "devices" / ME / "2026-11.jsonl").read_bytes() == LINES[0]


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
    assert len(folder.others().journals) == 1
    shutil.rmtree(root.parent)  # the drive it was on is gone
    for call in calls(folder).values():
        with pytest.raises(SyncFolderError) as failure:
            call()
        one_line(failure, str(root), "is missing")
    assert not root.exists()


@needs_root
@pytest.mark.process
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
    assert [journal.device_id for journal in unsynced.others().journals] == [ME]
    shutil.rmtree(root / "devices")
    (root / "devices").write_text("not a folder")
    with pytest.raises(SyncFolderError) as failure:
        unsynced.others()
    one_line(failure, str(root / "devices"), "is a file where handhabit keeps a folder")


# --- what another device's folder may hold: only regular files are read, never blocking, never much ------

def within(seconds: float, call: Callable[[], object]) -> object:
    """`call`'s answer, or a failed test when it blocks (a FIFO opened without O_NONBLOCK waits for ever)."""
    answer: list[object] = []

    def calling() -> None:
        try:
            answer.append(call())
        except Exception as exc:  # raised again on the test's thread
            answer.append(exc)

    worker = threading.Thread(target=calling, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still blocked after {seconds} s"
    if isinstance(answer[0], Exception):
        raise answer[0]
    return answer[0]


def test_a_device_json_that_is_a_fifo_or_leads_to_dev_zero_is_passed_over_at_once(root: Path, folder: Folder) -> None:
    os.mkfifo(device(root, ALICE, {"2026-11.jsonl": LINES[0]}) / "device.json")
    (device(root, BOB, {"2026-11.jsonl": LINES[1]}) / "device.json").symlink_to("/dev/zero")
    listing = within(5, folder.others)
    assert isinstance(listing, Listing)
    assert [(f.device_id, f.device_name) for f in listing.journals] == [(ALICE, ALICE), (BOB, BOB)]


def test_only_regular_journal_files_are_listed_and_read(root: Path, folder: Folder, tmp_path: Path) -> None:
    alice = device(root, ALICE, {"2026-11.jsonl": LINES[0]})
    os.mkfifo(alice / "2026-10.jsonl")
    (alice / "2026-09.jsonl").symlink_to("/dev/zero")
    (tmp_path / "secret.jsonl").write_bytes(LINES[1])
    (alice / "2026-08.jsonl").symlink_to(tmp_path / "secret.jsonl")  # a link out of the sync folder
    listing = within(5, folder.others)
    assert isinstance(listing, Listing)
    assert [f.path.name for f in listing.journals] == ["2026-11.jsonl"]
    (alice / "2026-11.jsonl").unlink()
    os.mkfifo(alice / "2026-11.jsonl")  # replaced after it was listed
    with pytest.raises(SyncFolderError) as failure:
        within(5, lambda: folder.read_from(alice / "2026-11.jsonl", 0, 1 << 20))
    one_line(failure, str(alice / "2026-11.jsonl"), "is not a file")


def test_a_device_folder_that_is_a_link_is_not_followed(root: Path, folder: Folder, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "2026-11.jsonl").write_bytes(LINES[0])
    (root / "devices").mkdir()
    (root / "devices" / ALICE).symlink_to(elsewhere)
    assert folder.others() == Listing([], [])


def test_a_device_folder_or_journal_that_cannot_be_read_is_one_line_and_the_rest_is_listed(
        root: Path, folder: Folder, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root a mode stops no read: the error another user's mode 000 gives is made here; the test of
    `handhabit sync` run as another user (test_sync.py) shows it with real modes."""
    alice = device(root, ALICE, {"2026-11.jsonl": LINES[0]})
    device(root, BOB, {"2026-11.jsonl": LINES[1]})
    real_scandir = os.scandir

    def refusing(path: str | Path) -> object:
        if str(path) == str(alice):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    listing = folder.others()
    assert [f.device_id for f in listing.journals] == [BOB]
    assert len(listing.problems) == 1
    assert f"cannot read {alice}: Permission denied" in listing.problems[0]
    assert f"chmod u+rX {alice}" in listing.problems[0] and "write" not in listing.problems[0]


# --- this device's folder: writes never follow a link out of it -------------------------------------------

def test_a_journal_of_this_device_replaced_by_a_link_is_never_written_through(
        root: Path, folder: Folder, tmp_path: Path) -> None:
    folder.append(LINES[:1], NOV)
    own = root / "devices" / ME / "2026-11.jsonl"
    target = tmp_path / "bashrc"
    target.write_bytes(b"# mine\n")
    own.unlink()
    own.symlink_to(target)
    with pytest.raises(SyncFolderError) as failure:
        folder.append(LINES[1:2], NOV)
    one_line(failure, f"{own} is a link", "remove the link")
    assert target.read_bytes() == b"# mine\n"


@pytest.mark.parametrize("linked", ["devices", f"devices/{ME}"])
def test_a_folder_of_this_device_replaced_by_a_link_is_never_written_through(
        root: Path, folder: Folder, tmp_path: Path, linked: str) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / linked).parent.mkdir(parents=True, exist_ok=True)
    (root / linked).symlink_to(elsewhere)
    with pytest.raises(SyncFolderError) as failure:
        folder.append(LINES[:1], NOV)
    one_line(failure, f"{root / linked} is a link", "remove the link")
    assert list(elsewhere.rglob("*")) == []


def test_a_device_json_of_this_device_that_is_a_fifo_or_link_is_replaced_not_read_or_followed(
        root: Path, folder: Folder, tmp_path: Path) -> None:
    own = root / "devices" / ME
    own.mkdir(parents=True)
    os.mkfifo(own / "device.json")
    within(5, lambda: folder.append(LINES[:1], NOV))
    assert json.loads((own / "device.json").read_text())["name"] == "laptop"
    target = tmp_path / "profile"
    target.write_bytes(b"mine")
    (own / "device.json").unlink()
    (own / "device.json").symlink_to(target)
    folder.append(LINES[1:2], NOV)
    assert target.read_bytes() == b"mine" and not (own / "device.json").is_symlink()
