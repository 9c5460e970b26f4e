"""The CLI as a person types it: `python -m handhabit ...` on a real SQLite file in a temp dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from handhabit.config.default import example_toml

pytestmark = pytest.mark.process

ROOT = Path(__file__).parent.parent


@pytest.fixture
def env(home: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def hh(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "handhabit", *args], env=env, capture_output=True, text=True,
                          timeout=60)


def test_no_arguments_prints_help(env: dict[str, str]) -> None:
    result = hh(env)
    assert result.returncode == 0
    assert "Usage: handhabit" in result.stdout
    for command in ("run", "check", "init", "done", "undo", "streak"):
        assert f"  {command}" in result.stdout


def test_check_on_the_builtin_default_explains_the_schedule(env: dict[str, str], home: Path) -> None:
    result = hh(env, "check")
    assert result.returncode == 0, result.stderr
    config_path = home / "xdg_config_home" / "handhabit" / "config.toml"
    assert f"No config file at {config_path}: using the built-in default" in result.stdout
    assert "hand-massage: Hand massage, 2 sessions a day, daily; routine classic (5 min)" in result.stdout
    assert "work-break (hand-massage): every 1h30m between 09:00 and 17:30, weekdays" in result.stdout
    assert "bedtime (hand-massage): at 22:30, daily" in result.stdout
    next_lines = [line for line in result.stdout.splitlines() if line.strip().startswith("next:")]
    assert len(next_lines) == 2
    assert all(line.count(",") == 4 for line in next_lines)  # five fire times each


def test_init_writes_the_example_and_refuses_to_overwrite(env: dict[str, str], home: Path) -> None:
    path = home / "xdg_config_home" / "handhabit" / "config.toml"
    first = hh(env, "init")
    assert first.returncode == 0, first.stderr
    assert path.read_text() == example_toml()
    path.write_text(path.read_text() + "\n# mine\n")
    again = hh(env, "init")
    assert again.returncode == 1
    assert again.stderr == f"handhabit: {path} already exists (use --force to overwrite it)\n"
    assert path.read_text().endswith("# mine\n")
    assert hh(env, "init", "--force").returncode == 0
    assert path.read_text() == example_toml()
    checked = hh(env, "check")
    assert f"Config {path} is valid." in checked.stdout


def test_bad_config_exits_2_with_one_line_per_problem(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[[habits]]\nid = "h"\n[[reminders]]\nid = "r"\nhabit = "h"\nevery = "90"\nbetween = ["9", "17:00"]\n'
    )
    for command in ("check", "run"):
        result = hh(env, "--config", str(path), command)
        assert result.returncode == 2, command
        assert result.stderr.splitlines() == [
            f'handhabit: {path}: reminders[0].every: "90" is not a duration (try "90m")',
            f'handhabit: {path}: reminders[0].between: "9" is not a time of day (use "HH:MM", e.g. "09:00")',
        ]
        assert result.stdout == ""
    path.write_text('[[habits]]\nid = "h"\ntarget = { sessions = 0 }\n')  # what the record needs is wrong
    for command in ("check", "done", "streak"):
        result = hh(env, "--config", str(path), command)
        assert result.returncode == 2, command
        assert result.stderr == f"handhabit: {path}: habits[0].target.sessions: must be 1 or more, got 0\n"


def test_done_undo_and_streak_json(env: dict[str, str], home: Path) -> None:
    done = hh(env, "done", "--minutes", "6", "--note", "after lunch")
    assert done.returncode == 0, done.stderr
    assert "Recorded Hand massage, 6 min, at " in done.stdout
    assert "Hand massage: 1 of 2 today" in done.stdout
    backfill = hh(env, "done", "--date", "yesterday")
    assert backfill.returncode == 0, backfill.stderr
    summary = json.loads(hh(env, "streak", "--json").stdout)
    assert set(summary) == {"today", "week", "habits"}
    (habit,) = summary["habits"]
    assert habit["id"] == "hand-massage" and habit["target"] == {"sessions": 2, "per": "day"}
    assert len(habit["days"]) == 7
    today = next(day for day in habit["days"] if day["date"] == summary["today"])
    assert (today["sessions"], today["minutes"]) == (1, 6.0)

    undo = hh(env, "undo")
    assert undo.returncode == 0
    assert undo.stdout.startswith("Undid Hand massage at ")
    assert hh(env, "undo").returncode == 0
    nothing = hh(env, "undo")
    assert (nothing.returncode, nothing.stdout) == (0, "Nothing to undo: no session recorded here is left to undo.\n")
    summary = json.loads(hh(env, "streak", "--json").stdout)
    assert summary["habits"][0]["week_sessions"] == 0


def test_the_database_is_private(env: dict[str, str], home: Path) -> None:
    assert hh(env, "done").returncode == 0
    db = home / "xdg_data_home" / "handhabit" / "handhabit.db"
    assert oct(db.stat().st_mode & 0o777) == "0o600"
    assert oct(db.parent.stat().st_mode & 0o777) == "0o700"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["done", "nails"], 'handhabit: no habit "nails" in the config (known: hand-massage)'),
        (["done", "--at", "2999-01-01T10:00"], "handhabit: --at 2999-01-01T10:00 is in the future"),
        (["done", "--at", "2025-03-11T21:00", "--date", "2025-03-11"], "handhabit: give --at or --date, not both"),
        (["done", "--date", "11.03.2025"],
         'handhabit: "11.03.2025" is not a date (use YYYY-MM-DD, "today" or "yesterday")'),
        (["done", "--at", "tonight"], 'handhabit: "tonight" is not a date and time (use e.g. 2025-03-11T21:00)'),
        (["done", "--minutes", "-5"],
         "handhabit: Invalid value for '--minutes': -5 is not a number of minutes a session can last "
             "(use a number above 0 and at most 1440) (see `handhabit done --help`)"),
        (["streak", "--week", "soon"], 'handhabit: "soon" is not a date (use YYYY-MM-DD, "today" or "yesterday")'),
        (["frobnicate"], "handhabit: No such command 'frobnicate'. (see `handhabit --help`)"),
    ],
)
def test_user_mistakes_are_one_line_exit_2_and_change_nothing(
    env: dict[str, str], home: Path, args: list[str], message: str
) -> None:
    result = hh(env, *args)
    assert (result.returncode, result.stderr) == (2, message + "\n")
    assert not (home / "xdg_data_home" / "handhabit" / "handhabit.db").exists()


def test_done_backfills_an_exact_time_for_its_logical_day(env: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[general]\ntimezone = "Europe/Berlin"\n[[habits]]\nid = "hand-massage"\n')
    result = hh(env, "--config", str(config), "done", "--at", "2025-03-11T00:30")
    assert result.returncode == 0, result.stderr
    assert "counts for Mon 2025-03-10" in result.stdout
    week = json.loads(hh(env, "--config", str(config), "streak", "--json", "--week", "2025-03-10").stdout)
    monday = week["habits"][0]["days"][0]
    assert (week["week"], monday["date"], monday["sessions"]) == (
        {"start": "2025-03-10", "end": "2025-03-16"}, "2025-03-10", 1)


def test_corrupt_database_is_one_line_and_untouched(env: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "broken.db"
    db.write_bytes(b"garbage" * 200)
    result = hh(env, "--db", str(db), "done")
    assert result.returncode == 1
    assert result.stderr == (f"handhabit: {db} is not a handhabit database (nor any SQLite database): it was left "
                             "as it is (give --db your handhabit database, or a new file)\n")
    assert len(result.stderr.splitlines()) == 1
    assert db.read_bytes() == b"garbage" * 200


def test_a_reader_that_leaves_early_gets_no_error_message(env: dict[str, str], home: Path) -> None:
    # `handhabit export | head`: once the reader has gone, handhabit stops quietly.
    assert hh(env, "done").returncode == 0
    read, write = os.pipe()
    os.close(read)
    try:
        result = subprocess.run([sys.executable, "-m", "handhabit", "export"], env=env, stdout=write,
                                stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write)
    assert (result.returncode, result.stderr) == (1, "")


def test_a_session_keeps_its_day_after_the_machine_changes_zone(env: dict[str, str], home: Path) -> None:
    # 23:00 on Monday in New York is 05:00 on Tuesday in Berlin: flying home must not move it.
    new_york = hh({**env, "TZ": "America/New_York"}, "done", "--at", "2025-03-10T23:00")
    assert "counts for Mon 2025-03-10" in new_york.stdout, new_york.stderr
    berlin = json.loads(hh({**env, "TZ": "Europe/Berlin"}, "streak", "--json", "--week", "2025-03-10").stdout)
    assert [day["sessions"] for day in berlin["habits"][0]["days"][:2]] == [1, 0]
    assert "Europe/Berlin" in hh({**env, "TZ": "Europe/Berlin"}, "check").stdout
