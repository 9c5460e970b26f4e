"""Issue 9's findings, each as a person met it, through the real CLI: a typo gets one line saying the range
and the record stays as it was; the wall clock set back does not confuse "the newest"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from handhabit.config.default import example_toml
from tests.builders import ROOT, needs_faketime, stored

pytestmark = pytest.mark.process


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HANDHABIT_", "TZ", "FAKETIME"))}
    return {**base, "PYTHONPATH": str(ROOT), "HANDHABIT_DB": str(tmp_path / "hh.db"),
            "HANDHABIT_CONFIG": str(tmp_path / "config.toml"), "XDG_RUNTIME_DIR": str(tmp_path), "TZ": "UTC"}


def hh(env: dict[str, str], *args: str, at: str | None = None) -> subprocess.CompletedProcess[str]:
    """`handhabit ARGS`, at the wall-clock time `at` (libfaketime) when given."""
    clock = ["faketime", at] if at else []
    return subprocess.run([*clock, sys.executable, "-m", "handhabit", *args], env=env, capture_output=True,
                          text=True, timeout=60)


def refused(result: subprocess.CompletedProcess[str], line: str) -> None:
    assert (result.returncode, result.stderr, result.stdout) == (2, f"handhabit: {line}\n", "")


def nothing_poisoned(env: dict[str, str]) -> None:
    """Whatever was typed before, every command still reads the database."""
    for command in (["streak", "--json"], ["export"], ["log"], ["undo"], ["done"]):
        result = hh(env, *command)
        assert result.returncode == 0 and "Traceback" not in result.stderr, (command, result.stderr)


DATES = "(use a date from 1970-01-01 to a year from today)"


@pytest.mark.parametrize(("args", "line"), [
    (["done", "--date", "0226-11-23"], f'"0226-11-23" is out of range {DATES}'),
    (["done", "--at", "0999-06-01T12:00"], '"0999-06-01T12:00" is out of range (use a time from 1970 to 9999)'),
    (["done", "--at", "0001-01-01T00:00"], '"0001-01-01T00:00" is out of range (use a time from 1970 to 9999)'),
    (["done", "--at", "0001-01-01T00:00+05:00"],
     '"0001-01-01T00:00+05:00" is out of range (use a time from 1970 to 9999)'),
    (["skip", "--date", "1969-12-31"], f'"1969-12-31" is out of range {DATES}'),
    (["streak", "--week", "9999-12-31"], f'"9999-12-31" is out of range {DATES}'),
    (["streak", "--week", "0001-01-01"], f'"0001-01-01" is out of range {DATES}'),
    (["pause", "9999999999h"], '"9999999999h" is too long (at most 366 days)'),
    (["pause", "999999999999999999h"], '"999999999999999999h" is too long (at most 366 days)'),
    (["pause", "--until", "9999-01-01T00:00"],
     "--until 9999-01-01T00:00 is more than a year away (a pause lasts at most 366 days)"),
    (["done", "--at", "2026-11-24"],
     "--at 2026-11-24 has no time of day: add one (e.g. 2026-11-24T21:00), or use --date 2026-11-24 for the day"),
    (["done", "--date", ""], '"" is not a date (use YYYY-MM-DD, "today" or "yesterday")'),
    (["done", "--date", "2026-W48-2"], '"2026-W48-2" is not a date (use YYYY-MM-DD, "today" or "yesterday")'),
    (["skip", "--from", "", "--to", "today"], '"" is not a date (use YYYY-MM-DD, "today" or "yesterday")'),
])
def test_a_value_out_of_range_is_one_line_and_records_nothing(
    env: dict[str, str], tmp_path: Path, args: list[str], line: str
) -> None:
    refused(hh(env, *args), line)
    assert stored(tmp_path / "hh.db", "sessions") == [] and stored(tmp_path / "hh.db", "events") == []
    nothing_poisoned(env)


@pytest.mark.parametrize("minutes", ["nan", "NaN", "inf", "-inf", "1e308", "0", "-0", "1441"])
def test_minutes_that_no_session_can_last_are_refused(env: dict[str, str], tmp_path: Path, minutes: str) -> None:
    result = hh(env, "done", "--minutes", minutes)
    assert result.returncode == 2 and result.stderr.startswith("handhabit: Invalid value for '--minutes': ")
    assert "(use a number above 0 and at most 1440)" in result.stderr and len(result.stderr.splitlines()) == 1
    assert stored(tmp_path / "hh.db", "sessions") == []


def test_an_import_with_an_impossible_length_changes_nothing(env: dict[str, str], tmp_path: Path) -> None:
    assert hh(env, "done", "--minutes", "5").returncode == 0
    document = json.loads(hh(env, "export").stdout)
    session = {**document["sessions"][0], "id": "0b6f-far-too-long", "minutes": 1e308}
    backup = tmp_path / "backup.json"
    backup.write_text(json.dumps({**document, "sessions": [session]}))
    before = stored(tmp_path / "hh.db", "sessions")
    refused(hh(env, "import", str(backup)), f"{backup}: sessions[0].minutes: 1e+308 is not a number of minutes a "
                                            "session can last (use a number above 0 and at most 1440, or null)")
    assert stored(tmp_path / "hh.db", "sessions") == before
    assert json.loads(hh(env, "streak", "--json").stdout)["habits"][0]["week_minutes"] == 5.0


@pytest.mark.parametrize(("every", "line"), [
    ("1s", '"1s" is too short (at least 5m)'),
    ("4m59s", '"4m59s" is too short (at least 5m)'),
    ("25h", '"25h" is too long (at most 24h)'),
    ("999999999999999999999h", '"999999999999999999999h" is too long (at most 24h)'),
])
def test_a_break_rhythm_that_would_nag_is_a_config_error(env: dict[str, str], every: str, line: str) -> None:
    config = Path(env["HANDHABIT_CONFIG"])
    config.write_text(example_toml().replace('every = "90m"', f'every = "{every}"'))
    for command in ("check", "run"):
        result = hh(env, command)
        assert result.returncode == 2, command
        assert result.stderr.splitlines()[-1] == f"handhabit: {config}: reminders[0].every: {line}"


def test_a_config_saved_with_a_byte_order_mark_loads(env: dict[str, str]) -> None:
    config = Path(env["HANDHABIT_CONFIG"])
    config.write_bytes(b"\xef\xbb\xbf" + example_toml().encode("utf-8"))
    result = hh(env, "check")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith(f"Config {config} is valid.")


def test_status_says_whether_the_daemon_runs_even_with_a_broken_config(env: dict[str, str]) -> None:
    config = Path(env["HANDHABIT_CONFIG"])
    config.write_text('[[habits]]\nid = "Hand Massage"\n')
    result = hh(env, "status")
    assert result.returncode == 2
    assert result.stdout.startswith("handhabit is not running: ")
    assert result.stderr == (f'handhabit: {config}: habits[0].id: "Hand Massage" may hold only a-z, 0-9 and "-" '
                             '(try "hand-massage")\n')


@needs_faketime
def test_resume_ends_the_pause_after_the_clock_was_set_back(env: dict[str, str]) -> None:
    assert hh(env, "pause", "2h", at="2025-03-10 14:00:00").returncode == 0
    resumed = hh(env, "resume", at="2025-03-10 13:10:00")  # NTP, or a clock fixed by hand, 50 minutes back
    assert resumed.stdout == "Resumed: reminders are on again.\n"
    assert hh(env, "status", at="2025-03-10 13:11:00").stdout.splitlines()[2] == "Not paused."
    again = hh(env, "pause", "1h", at="2025-03-10 13:12:00")
    assert hh(env, "status", at="2025-03-10 13:13:00").stdout.splitlines()[2] == "Paused until Mon 2025-03-10 14:12."
    assert again.returncode == 0


@needs_faketime
def test_undo_takes_back_the_session_recorded_last_not_the_latest_by_the_clock(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert hh(env, "done", "--note", "A", at="2025-03-10 14:00:00").returncode == 0
    assert hh(env, "done", "--note", "B", at="2025-03-10 13:10:00").returncode == 0
    undone = hh(env, "undo", at="2025-03-10 13:12:00")
    assert undone.stdout.splitlines()[0] == "Undid Hand massage at Mon 2025-03-10 13:10 (counted for 2025-03-10)."
    live = [row[7] for row in stored(tmp_path / "hh.db", "sessions") if row[9] is None]  # note, deleted_utc
    assert live == ["A"]
    assert hh(env, "undo", at="2025-03-10 13:13:00").stdout.startswith("Undid Hand massage at Mon 2025-03-10 14:00")


def test_an_imported_session_is_history_not_the_next_undo(env: dict[str, str], tmp_path: Path) -> None:
    assert hh(env, "done", "--note", "mine").returncode == 0
    other = dict(env, HANDHABIT_DB=str(tmp_path / "laptop.db"))
    assert hh(other, "done", "--note", "from the laptop").returncode == 0
    backup = tmp_path / "laptop.json"
    backup.write_text(hh(other, "export").stdout)
    assert hh(env, "import", str(backup)).returncode == 0
    assert hh(env, "undo").returncode == 0
    live = {row[7] for row in stored(tmp_path / "hh.db", "sessions") if row[9] is None}
    assert live == {"from the laptop"}
    assert hh(env, "undo").stdout == "Nothing to undo: no session recorded here is left to undo.\n"


def test_a_number_of_thousands_of_digits_is_one_line_in_a_config_and_an_import(
    env: dict[str, str], tmp_path: Path
) -> None:
    config = Path(env["HANDHABIT_CONFIG"])
    config.write_text(example_toml().replace("sessions = 2", "sessions = " + "9" * 5000))
    result = hh(env, "check")
    assert (result.returncode, result.stderr) == (
        2, f"handhabit: {config}: a number with thousands of digits (no setting needs one: shorten it)\n")
    huge = tmp_path / "huge.json"
    huge.write_text('{"format": "handhabit-export", "version": 1, "sessions": [], "x": ' + "9" * 5000 + "}")
    config.unlink()
    refused(hh(env, "import", str(huge)), f"{huge}: holds a number with thousands of digits (import a file "
                                          "written by `handhabit export --format json`)")
