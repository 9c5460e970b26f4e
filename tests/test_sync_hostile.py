"""Sync against what another device, another program or a crash can leave in the shared folder, through the
real CLI and daemon in real homes: FIFOs and links where files belong, files another user's sync tool left
unreadable, lines cut by a full disk or a crash, clocks that run ahead, dishonest deletion marks, content
far larger than handhabit writes, and a copied database that shares this installation's id. In each, the
rest of the folder is merged, nothing recorded is lost, and what went wrong is one line naming the file or
the device."""

from __future__ import annotations

import json
import os
import resource
import shutil
import stat
import subprocess
import sys
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from handhabit.core.records import Deletion, Session
from handhabit.interchange.journal import encode
from tests.builders import Running, needs_root
from tests.test_sync import Home

pytestmark = pytest.mark.process

UTC = timezone.utc
Homes = tuple[Home, Home, Path]


@pytest.fixture
def homes(tmp_path: Path) -> Homes:
    """Two machines, "laptop" and "desk", and the folder they share."""
    shared = tmp_path / "Sync"
    shared.mkdir()
    return Home(tmp_path, "laptop", shared), Home(tmp_path, "desk", shared), shared


def own_folder(home: Home, folder: Path) -> Path:
    """The device folder a home writes to, after its first sync."""
    home.ok("sync")
    mine = [path.parent for path in (folder / "devices").glob("*/device.json")
            if json.loads(path.read_text())["name"] == home.root.name]
    assert len(mine) == 1
    return mine[0]


def forged_device(folder: Path, lines: list[bytes], name: str = "forger") -> Path:
    """A device folder as another program might leave it: its journal holds `lines` as they are."""
    device = folder / "devices" / str(uuid.uuid4())
    device.mkdir(parents=True)
    (device / "device.json").write_text(json.dumps({"id": device.name, "name": name}))
    (device / "2026-11.jsonl").write_bytes(b"".join(lines))
    return device


def session_of(habit: str = "hand-massage", at: datetime | None = None, note: str | None = None) -> Session:
    at = at or datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    return Session(str(uuid.uuid4()), habit, at, "Europe/Berlin", (at + timedelta(hours=1) - timedelta(hours=4)).date(),
                   None, "cli", note, at)


def warnings(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("handhabit: warning: ")]


def timed(home: Home, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.monotonic()
    result = home.run(*args)
    return result, time.monotonic() - start


# --- 1. a FIFO or a link to /dev/zero as another device's device.json -------------------------------------

def test_a_device_json_that_is_a_fifo_or_leads_to_dev_zero_stalls_no_command(homes: Homes, tmp_path: Path) -> None:
    a, b, folder = homes
    a.ok("done", "hand-massage")
    laptop = own_folder(a, folder)
    (laptop / "device.json").unlink()
    os.mkfifo(laptop / "device.json")
    result, took = timed(b, "sync")
    assert result.returncode == 0 and took < 15, (result.stderr, took)
    assert f"From {laptop.name}: 1 session." in result.stdout  # its id stands in for the name it cannot read
    result, took = timed(b, "status")
    assert result.returncode == 0 and took < 15 and f"{laptop.name} last wrote" in result.stdout

    (laptop / "device.json").unlink()
    (laptop / "device.json").symlink_to("/dev/zero")
    for command in ("status", "sync"):
        result, took = timed(b, command)
        assert result.returncode == 0 and took < 15, (command, result.stderr)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert peak_kib < 300 * 1024, f"a child grew to {peak_kib // 1024} MiB"

    daemon = Running(b.env, tmp_path / "daemon.log")
    try:
        deadline = time.monotonic() + 20
        while "handhabit is running" not in daemon.log and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "handhabit is running" in daemon.log, daemon.log
    finally:
        assert daemon.stop() == 0  # SIGTERM is heard: nothing blocks on the FIFO


# --- 4. what cannot be read is passed over, the rest merged --------------------------------------------------

def as_another_user(home: Home) -> None:
    """Runs the home's commands without root's power to read any file, so modes count as for a person:
    root keeps its uid (and its Python) but loses CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH."""
    if os.geteuid() == 0:
        assert shutil.which("setpriv"), "setpriv (util-linux) is on every Debian"

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--",
                                   sys.executable, "-m", "handhabit", *args], env=home.env, capture_output=True,
                                  text=True, timeout=60)

        home.run = run  # type: ignore[method-assign]


def test_an_unreadable_journal_or_device_folder_is_one_line_and_every_other_file_is_merged(homes: Homes) -> None:
    a, b, folder = homes
    a.ok("done", "hand-massage")
    laptop = own_folder(a, folder)
    shut_file = forged_device(folder, [encode(session_of("stretch"))], "phone")
    shut_folder = forged_device(folder, [encode(session_of("stretch"))], "tablet")
    (shut_file / "2026-11.jsonl").chmod(0)
    shut_folder.chmod(0)
    as_another_user(b)
    try:
        result = b.run("sync")
    finally:
        shut_folder.chmod(0o700)
    assert result.returncode == 0, result.stderr
    assert "From laptop: 1 session." in result.stdout  # a third device's files are merged all the same
    told = warnings(result)
    assert len(told) == 2, result.stderr
    assert any(f"cannot read {shut_file / '2026-11.jsonl'}: Permission denied" in line for line in told)
    assert any(f"cannot read {shut_folder}: Permission denied" in line for line in told)
    assert all("chmod u+rX" in line and "write" not in line for line in told)
    assert b.today() == (1, False) and laptop.is_dir()


# --- 3. a line cut by a full disk or a crash ------------------------------------------------------------------

@needs_root
def test_a_full_sync_folder_leaves_no_half_line_and_everything_arrives_when_there_is_room(
        small_disk: Path, tmp_path: Path) -> None:
    shared = small_disk / "Sync"
    shared.mkdir()
    a, b = Home(tmp_path, "laptop", shared), Home(tmp_path, "desk", shared)
    a.ok("done", "hand-massage")
    journal = next((shared / "devices").glob("*/*.jsonl"))
    filler = small_disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:  # the disk full to the last byte
        while os.write(fd, b"\0" * 512):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    result = a.run("done", "hand-massage", "--note", "n" * 6000)
    assert result.returncode == 0 and result.stdout.startswith("Recorded")
    assert "not yet in the sync folder" in result.stderr and "free some space" in result.stderr
    assert journal.read_bytes().endswith(b"\n") and journal.read_bytes().count(b"\n") == 1  # taken back whole
    filler.unlink()
    a.ok("done", "stretch")
    synced = b.run("sync")
    assert (synced.returncode, warnings(synced)) == (0, []), synced.stderr
    assert "From laptop: 3 sessions." in synced.stdout
    assert b.today() == (2, False) and b.today("stretch") == (1, False)


def test_a_line_a_crash_cut_is_passed_over_once_and_the_rest_of_the_file_is_read(homes: Homes) -> None:
    a, b, folder = homes
    a.ok("done", "hand-massage")
    journal = next(own_folder(a, folder).glob("*.jsonl"))
    with journal.open("ab") as file:  # the machine went down half way through a line
        file.write(encode(session_of())[:40])
    a.ok("done", "stretch")  # the writer closes the cut line and goes on
    first = b.run("sync")
    assert first.returncode == 0 and "From laptop: 2 sessions." in first.stdout
    told = warnings(first)
    assert len(told) == 1 and f"{journal}: line 2" in told[0] and "passed over" in told[0]
    assert (b.today(), b.today("stretch")) == ((1, False), (1, False))
    a.ok("done", "stretch")
    again = b.run("sync")
    assert (warnings(again), "From laptop: 1 session." in again.stdout) == ([], True)  # said once


# --- 8. no write follows a link out of the sync folder; 14. its own folder is made --------------------------

def test_a_journal_of_this_device_replaced_by_a_link_is_never_written_through(homes: Homes) -> None:
    a, _, folder = homes
    a.ok("done", "hand-massage")
    journal = next(own_folder(a, folder).glob("*.jsonl"))
    mine = a.root / "notes.txt"
    mine.write_text("my own file\n")
    journal.unlink()
    journal.symlink_to(mine)
    result = a.run("done", "stretch")
    assert result.returncode == 0 and result.stdout.startswith("Recorded")
    assert len(warnings(result)) == 1 and f"{journal} is a link" in result.stderr
    assert mine.read_text() == "my own file\n"


def test_the_sync_folder_is_made_inside_a_synced_folder_that_exists(tmp_path: Path) -> None:
    synced = tmp_path / "Sync"  # Syncthing's default folder
    synced.mkdir()
    a, b = Home(tmp_path, "laptop", synced / "handhabit"), Home(tmp_path, "desk", synced / "handhabit")
    for command in ("status", "sync"):
        assert "missing" not in b.ok(command)
    result = a.run("done", "hand-massage")
    assert (result.returncode, result.stderr) == (0, "")
    assert stat.S_IMODE((synced / "handhabit").stat().st_mode) == 0o700
    assert "From laptop: 1 session." in b.ok("sync")
    gone = Home(tmp_path, "phone", tmp_path / "drive" / "handhabit")  # the folder above is missing: one line
    result = gone.run("done", "hand-massage")
    assert result.returncode == 0 and len(warnings(result)) == 1 and "is missing" in result.stderr
    assert not (tmp_path / "drive").exists()


# --- 9. a clock that runs ahead; 10. deletion marks that cannot be honest; 12. size limits ----------------

def test_deletion_marks_that_cannot_be_honest_are_refused_naming_the_device(homes: Homes) -> None:
    _, b, folder = homes
    b.ok("done", "hand-massage")
    b.ok("done", "stretch")
    b.ok("sync")
    ids = [row["id"] for row in json.loads(b.ok("export"))["sessions"]]
    now = datetime.now(UTC)
    forged_device(folder, [
        *(encode(Deletion("sessions", sid, datetime(1970, 1, 1, tzinfo=UTC))) for sid in ids),
        encode(Deletion("sessions", ids[0], now + timedelta(days=30))),
        encode(Deletion("sessions", ids[1], now - timedelta(days=3))),  # before the session was done
    ])
    result = b.run("sync")
    assert result.returncode == 0
    assert (b.today(), b.today("stretch")) == ((1, False), (1, False))  # nothing hidden
    told = " ".join(warnings(result))
    assert "cannot be when it was deleted" in told and "deletion mark from forger refused" in told
    assert all(line.endswith("; from forger") for line in warnings(result) if "cannot be when" in line)
    assert b.ok("undo").startswith("Undid stretch")  # and undo still finds them


def test_an_honest_mark_a_few_minutes_before_its_session_is_taken(homes: Homes) -> None:
    """Two machines' clocks differ by minutes: an undo there may look a little older than the session."""
    a, b, folder = homes
    a.ok("done", "hand-massage")
    a.ok("sync")
    (session,) = json.loads(a.ok("export"))["sessions"]
    at = datetime.fromisoformat(session["at_utc"].replace("Z", "+00:00"))
    forged_device(folder, [encode(Deletion("sessions", session["id"], at - timedelta(minutes=3)))], "skewed")
    assert (b.run("sync").returncode, b.today()) == (0, (0, False))


def test_content_far_larger_than_handhabit_writes_is_refused_in_a_short_line_each(homes: Homes) -> None:
    _, b, folder = homes
    huge = session_of(note="x" * 10_000_000)
    long = session_of(note="y" * 20_000)
    fine = session_of()
    marks = [encode(Deletion("sessions", f"never-recorded-{n}", datetime.now(UTC))) for n in range(10_050)]
    forged_device(folder, [encode(huge), encode(long), encode(fine), *marks])
    result = b.run("sync")
    assert result.returncode == 0 and "From forger: 1 session." in result.stdout
    told = warnings(result)
    assert len(told) == 3 and all(len(line) < 400 for line in told), [line[:200] for line in told]
    assert "bytes long" in told[0] and "is 20,000 characters long (use at most 10,000" in told[1]
    assert "50 deletion marks from forger refused" in told[2]
    pending = subprocess.run([sys.executable, "-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1])"
                              ".execute('SELECT count(*) FROM sync_pending').fetchone()[0])", str(b.root / "hh.db")],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert pending == "10000"
    assert os.path.getsize(b.root / "hh.db") < 5_000_000


# --- 7. two installations with one id ------------------------------------------------------------------------

def test_a_copied_database_is_told_and_a_new_id_sets_both_apart(homes: Homes, tmp_path: Path) -> None:
    a, b, folder = homes
    a.ok("done", "hand-massage")
    a.ok("sync")
    copy = Home(tmp_path, "new-laptop", folder)  # a backup restored on a new machine: the same id
    shutil.copy(a.root / "hh.db", copy.root / "hh.db")
    copy.ok("done", "stretch")
    result = a.run("sync")
    assert result.returncode == 0
    assert any("another installation writes as this device" in line and "handhabit sync --new-id" in line
               for line in warnings(result)), result.stderr
    assert a.today("stretch") == (1, False)  # its records are merged meanwhile

    renewed = copy.ok("sync", "--new-id")
    assert "This installation is now device" in renewed
    a.ok("done", "hand-massage")
    assert warnings(a.run("sync")) == []
    assert warnings(copy.run("sync")) == []
    b.ok("sync")
    assert (b.today(), b.today("stretch")) == ((2, False), (1, False))
    assert (copy.today(), copy.today("stretch")) == ((2, False), (1, False))
    devices = [json.loads(p.read_text())["name"] for p in (folder / "devices").glob("*/device.json")]
    assert sorted(devices) == ["laptop", "new-laptop"]


def test_a_session_from_a_clock_a_day_ahead_counts_for_its_day(homes: Homes) -> None:
    _, b, folder = homes
    ahead = session_of(at=datetime.now(UTC).replace(microsecond=0) + timedelta(hours=23))
    forged_device(folder, [encode(ahead)], "fast-clock")
    result = b.run("sync")
    assert result.returncode == 0 and "From fast-clock: 1 session." in result.stdout
    assert any("the clock of fast-clock runs ahead" in line for line in warnings(result))
    days = {d["date"]: d["sessions"] for d in json.loads(b.ok("streak", "hand-massage", "--json"))["habits"][0]["days"]}
    assert days.get(ahead.logical_date.isoformat(), 1) == 1 and isinstance(ahead.logical_date, date)
