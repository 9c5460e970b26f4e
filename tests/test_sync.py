"""Two installations (two homes, two databases) sharing one sync folder, through the real CLI: what one
records, the other shows after `handhabit sync`; a folder that fails is one line and loses nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import ROOT

pytestmark = pytest.mark.process

CONFIG = """[general]
timezone = "Europe/Berlin"

[sync]
folder = "{folder}"
device = "{name}"

[[habits]]
id = "hand-massage"
target = {{ sessions = 1, per = "day" }}

[[habits]]
id = "stretch"
"""


class Home:
    """One machine: its own config, database and runtime folder; the sync folder is shared."""

    def __init__(self, tmp_path: Path, name: str, folder: Path) -> None:
        self.root = tmp_path / name
        self.root.mkdir(mode=0o700)
        (self.root / "config.toml").write_text(CONFIG.format(folder=folder, name=name))
        base = {k: v for k, v in os.environ.items() if not k.startswith(("HANDHABIT_", "DBUS_"))}
        self.env = {**base, "HANDHABIT_CONFIG": str(self.root / "config.toml"),
                    "HANDHABIT_DB": str(self.root / "hh.db"), "XDG_RUNTIME_DIR": str(self.root),
                    "PYTHONPATH": str(ROOT), "TZ": "Europe/Berlin"}

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "handhabit", *args], env=self.env, capture_output=True,
                              text=True, timeout=60)

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert (result.returncode, result.stderr) == (0, ""), (args, result.stderr)
        return result.stdout

    def today(self, habit: str = "hand-massage") -> tuple[int, bool]:
        report = json.loads(self.ok("streak", habit, "--json"))
        day = next(d for d in report["habits"][0]["days"] if d["date"] == report["today"])
        return day["sessions"], day["excused"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The shared folder, on a "drive" whose folder goes away as an unmounted drive's would."""
    shared = tmp_path / "drive" / "Sync"
    shared.mkdir(parents=True)
    return shared


@pytest.fixture
def a(tmp_path: Path, folder: Path) -> Home:
    return Home(tmp_path, "laptop", folder)


@pytest.fixture
def b(tmp_path: Path, folder: Path) -> Home:
    return Home(tmp_path, "desk", folder)


def test_a_session_an_undo_a_skip_and_an_unskip_travel(a: Home, b: Home) -> None:
    a.ok("done", "hand-massage")
    assert "From laptop: 1 session." in b.ok("sync")
    assert b.today() == (1, False)
    a.ok("undo")
    assert "From laptop: 1 taken back." in b.ok("sync")
    assert b.today() == (0, False)
    b.ok("skip", "hand-massage", "--reason", "sick")
    a.ok("sync")
    assert a.today() == (0, True)
    b.ok("unskip", "hand-massage")
    a.ok("sync")
    assert a.today() == (0, False)
    assert "nothing new" in b.ok("sync")  # merging again changes nothing


def test_both_recording_at_once_lose_nothing(a: Home, b: Home) -> None:
    runs = [subprocess.Popen([sys.executable, "-m", "handhabit", "done", "stretch", "--note", f"{home.root.name}{n}"],
                             env=home.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for n in range(4) for home in (a, b)]
    assert [run.wait(timeout=60) for run in runs] == [0] * 8
    a.ok("sync")
    b.ok("sync")
    assert a.today("stretch") == b.today("stretch") == (8, False)


def test_the_history_from_before_sync_goes_once(a: Home, b: Home, folder: Path) -> None:
    config = a.root / "config.toml"
    with_sync = config.read_text()
    config.write_text(with_sync.replace(f'folder = "{folder}"', ""))
    a.ok("done", "hand-massage")
    a.ok("done", "stretch")
    config.write_text(with_sync)
    assert "Sent 2 changes" in a.ok("sync")
    assert "From laptop: 2 sessions." in b.ok("sync")
    assert "Sent 0 changes" in a.ok("sync")


def test_a_missing_folder_is_one_line_and_what_was_recorded_goes_later(a: Home, b: Home, folder: Path) -> None:
    drive = folder.parent
    drive.rename(drive.with_name("away"))
    result = a.run("done", "hand-massage")
    assert result.returncode == 0 and result.stdout.startswith("Recorded")
    assert result.stderr.count("\n") == 1 and "the sync folder" in result.stderr and "missing" in result.stderr
    assert a.run("sync").returncode == 1
    drive.with_name("away").rename(drive)
    assert "Sent 1 change" in a.ok("sync")
    assert b.today() == (0, False)
    b.ok("sync")
    assert b.today() == (1, False)


def test_a_line_of_a_newer_version_is_named_and_the_rest_of_its_file_waits(a: Home, b: Home, folder: Path) -> None:
    a.ok("done", "hand-massage")
    journal = next((folder / "devices").glob("*/*.jsonl"))
    with journal.open("ab") as file:
        file.write(b'{"session":{},"v":99}\n')
    a.ok("done", "stretch")
    result = b.run("sync")
    assert result.returncode == 0
    assert f"{journal}: line 2" in result.stderr and result.stderr.count("\n") == 1
    assert (b.today(), b.today("stretch")) == ((1, False), (0, False))  # nothing after the line is taken


def test_undo_on_one_machine_takes_back_what_the_other_just_recorded(a: Home, b: Home) -> None:
    a.ok("done", "hand-massage")
    b.ok("sync")
    assert b.ok("undo").startswith("Undid hand-massage")
    assert a.today() == (1, False)
    a.ok("sync")
    assert a.today() == (0, False)
    a.ok("done", "hand-massage")  # and a record taken back never comes back, whatever is merged later
    b.ok("sync")
    assert b.today() == (1, False)


def test_status_names_the_folder_and_when_each_other_device_last_wrote(a: Home, b: Home, folder: Path) -> None:
    assert f'Sync: {folder} as "desk"; no other device has written there yet.' in b.ok("status")
    a.ok("done", "hand-massage")
    line = next(line for line in b.ok("status").splitlines() if line.startswith("Sync:"))
    assert line.startswith(f'Sync: {folder} as "desk"; laptop last wrote ')
    folder.parent.rename(folder.parent.with_name("away"))
    assert "the sync folder" in next(line for line in b.ok("status").splitlines() if line.startswith("Sync:"))


def test_a_line_still_syncing_waits_and_a_file_the_sync_tool_shortened_is_read_again(a: Home, b: Home,
                                                                                     folder: Path) -> None:
    a.ok("done", "hand-massage")
    journal = next((folder / "devices").glob("*/*.jsonl"))
    whole = journal.read_bytes()
    a.ok("done", "stretch")
    grown = journal.read_bytes()
    journal.write_bytes(grown[:-10])  # the second line only partly here yet
    assert "From laptop: 1 session." in b.ok("sync")
    journal.write_bytes(grown)
    assert "From laptop: 1 session." in b.ok("sync")  # the rest of the line, now whole
    journal.write_bytes(whole)  # an older copy won: the file is shorter than what was read
    result = b.run("sync")
    assert result.returncode == 0 and result.stderr.count("\n") == 1
    assert "shorter than when it was last read" in result.stderr
    assert (b.today(), b.today("stretch")) == ((1, False), (1, False))  # nothing lost, nothing doubled
