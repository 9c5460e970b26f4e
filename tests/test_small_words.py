"""The small words and exit codes a newcomer meets on the first day (issue 18): counts read as English
("1 reminder"), a command with nothing to do is no failure, `export -o` says what it wrote, `check` shows
sync, and every DATE option says which words it takes. Through the CLI and a real daemon."""

from __future__ import annotations

import csv
import json
import re
import signal
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from handhabit.core.units import WEEKDAYS
from tests.builders import Running, daemon_env, daytime_zone, handhabit, write_config
from tests.desktop import wait_for

pytestmark = pytest.mark.process


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return daemon_env(tmp_path, write_config(tmp_path))


def ok(env: dict[str, str], *args: str) -> str:
    result = handhabit(env, *args)
    assert (result.returncode, result.stderr) == (0, ""), (args, result.stderr)
    return result.stdout


def test_the_daemon_counts_one_reminder_as_one_reminder(env: dict[str, str], tmp_path: Path) -> None:
    daemon = Running(env, tmp_path / "daemon.log")
    try:
        wait_for(lambda: "is running with" in daemon.log, 15, "the daemon to start")
        daemon.process.send_signal(signal.SIGHUP)
        wait_for(lambda: "config reloaded" in daemon.log, 15, "the daemon to reload")
    finally:
        assert daemon.stop() == 0
    assert "handhabit is running with 1 reminder\n" in daemon.log
    assert f"config reloaded (SIGHUP): {env['HANDHABIT_CONFIG']}, 1 reminder\n" in daemon.log
    assert "1 reminders" not in daemon.log


def test_a_routine_of_one_step_and_a_summary_of_one_day_and_one_week(tmp_path: Path) -> None:
    """A habit due on today's weekday alone, and one a week: with a session of each today, the heatmap's
    one due day and one week are met, whatever the date."""
    zone = daytime_zone()
    today = WEEKDAYS[datetime.now(ZoneInfo(zone)).weekday()]
    config = tmp_path / "config.toml"
    config.write_text(f"""
[general]
timezone = "{zone}"
day_starts_at = "00:00"

[[habits]]
id = "stretch"
days = ["{today}"]
target = {{ sessions = 1, per = "day" }}
routine = "shake"

[[habits]]
id = "soak"
target = {{ sessions = 1, per = "week" }}
routine = "shake"

[[routines]]
id = "shake"
steps = [{{ name = "Shake out", seconds = 30 }}]
""")
    env = daemon_env(tmp_path, config)
    assert "  shake: shake, 30 s, 1 step\n" in ok(env, "check")
    ok(env, "done", "stretch")
    ok(env, "done", "soak")
    shown = ok(env, "streak", "--weeks", "1")
    assert "1 of 1 due day met" in shown and "1 of 1 week met" in shown


def test_a_command_with_nothing_to_do_is_no_failure(env: dict[str, str]) -> None:
    """Nothing to undo, take back, resume, restore or snooze: each says so on one line and exits 0."""
    assert ok(env, "undo") == "Nothing to undo: no session recorded here is left to undo.\n"
    assert ok(env, "unskip").endswith("nothing to take back.\n")
    assert ok(env, "resume").startswith("Not paused: ")
    assert ok(env, "restore").startswith("Nothing to restore: ")
    assert ok(env, "snooze").startswith("Nothing to snooze: ")
    ok(env, "done")
    assert ok(env, "undo").startswith("Undid ")
    assert ok(env, "undo").startswith("Nothing to undo: ")


def test_export_to_a_file_says_what_it_wrote(env: dict[str, str], tmp_path: Path) -> None:
    ok(env, "done", "--minutes", "5")
    ok(env, "done", "--minutes", "6")
    ok(env, "undo")
    ok(env, "skip", "--date", "yesterday")
    backup, sheet = tmp_path / "backup.json", tmp_path / "hands.csv"

    said = ok(env, "export", "-o", str(backup))
    written = json.loads(backup.read_text())
    assert (len(written["sessions"]), len(written["excuses"])) == (2, 1)  # the undone one stays in a backup
    assert said == f"Exported 2 sessions, 1 excuse and {len(written['events'])} events to {backup}.\n"

    said = ok(env, "export", "--format", "csv", "-o", str(sheet))
    assert len(list(csv.DictReader(sheet.open()))) == 1  # a spreadsheet gets only what counts
    assert said == f"Exported 1 session to {sheet}.\n"

    assert ok(env, "export").startswith("{")  # on standard output the data alone, for a pipe


def test_check_shows_sync(env: dict[str, str], tmp_path: Path) -> None:
    config = Path(env["HANDHABIT_CONFIG"])
    plain = config.read_text()
    off = "\nSync: off (set [sync] folder in the config to share the record with your other machines).\n"
    assert ok(env, "check").endswith(off)

    shared = tmp_path / "Sync"
    folder = shared / "handhabit"
    config.write_text(plain + f'\n[sync]\nfolder = "{folder}"\ndevice = "laptop"\n')
    assert ok(env, "check").endswith(f'\nSync: {folder} as "laptop"; the sync folder {folder} is missing: create '
                                     "it or mount the drive it is on, or set [sync] folder in the config to the "
                                     "folder your sync tool shares.\n")
    shared.mkdir()
    assert ok(env, "check").endswith(f'\nSync: {folder} as "laptop"; the folder is not there yet: the first sync '
                                     "makes it.\n")
    folder.mkdir()
    assert ok(env, "check").endswith(f'\nSync: {folder} as "laptop"; the folder is there.\n')


@pytest.mark.parametrize("command", [("done",), ("skip",), ("unskip",), ("streak",)])
def test_every_date_option_says_it_takes_today_and_yesterday(env: dict[str, str], command: tuple[str]) -> None:
    options = re.split(r"\n  (?=-)", ok(env, *command, "--help"))  # an option's help goes on indented further
    dates = [" ".join(option.split()) for option in options if re.match(r"--[a-z]+ DATE ", option)]
    assert dates
    for option in dates:
        assert "YYYY-MM-DD" in option and "today" in option and "yesterday" in option, option
