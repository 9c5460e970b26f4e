"""The config a command runs on, as a person meets it on the first day: a typo in one reminder must not stop
the record (only `check` and `run` insist on the whole file), and `status` shows what the running daemon
runs, saying how the file on disk differs from it, end to end through the CLI and a real daemon."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from handhabit.config.default import example_toml
from handhabit.daemon.running_config import CARD_MOST, card_path, publish, read
from tests.builders import Running, daemon_env, handhabit, write_config
from tests.desktop import wait_for

pytestmark = pytest.mark.process


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The example config, its bedtime reminder's time mistyped."""
    config = tmp_path / "config.toml"
    text = example_toml()
    assert text.count('"22:30"') == 1
    config.write_text(text.replace('"22:30"', '"25:00"'))
    return daemon_env(tmp_path, config)


def test_a_typo_in_one_reminder_leaves_the_record_usable(env: dict[str, str], tmp_path: Path) -> None:
    config = env["HANDHABIT_CONFIG"]
    problem = f'{config}: reminders[1].at[0]: "25:00" is not a time of day (use "HH:MM", e.g. "09:00")'
    warning = f"handhabit: warning: {problem}; left out until fixed (`handhabit check` lists it all)\n"
    commands = [("done", "--minutes", "5"), ("log",), ("streak",), ("status",), ("skip", "--date", "yesterday"),
                ("unskip", "--date", "yesterday"), ("export", "-o", str(tmp_path / "backup.json")), ("undo",),
                ("done",)]
    for command in commands:
        result = handhabit(env, *command)
        said = "" if command[0] == "export" else warning  # export reads the database alone
        assert (result.returncode, result.stderr) == (0, said), command
    assert "hand-massage  done" in handhabit(env, "log").stdout
    (habit,) = json.loads(handhabit(env, "streak", "--json").stdout)["habits"]
    assert sum(day["sessions"] for day in habit["days"]) == 1  # done, undone, done again
    assert "work-break" in handhabit(env, "status").stdout  # the reminders without a problem are still shown

    for command in ("check", "run"):  # these two insist on the whole file
        result = handhabit(env, command)
        assert result.returncode == 2, command
        assert result.stderr == f"handhabit: {problem}\n"


def test_a_problem_in_what_the_record_needs_still_stops_every_command(env: dict[str, str]) -> None:
    config = Path(env["HANDHABIT_CONFIG"])
    config.write_text(config.read_text().replace('day_starts_at = "04:00"', 'day_starts_at = "4 am"'))
    for command in ("done", "streak", "status"):
        result = handhabit(env, command)
        assert result.returncode == 2, command
        assert result.stderr.splitlines()[0].startswith(f"handhabit: {config}: general.day_starts_at: "), result.stderr
    assert not Path(env["HANDHABIT_DB"]).exists()  # nothing was recorded with a day of the wrong length


def test_status_shows_what_the_running_daemon_runs_and_how_the_file_differs(tmp_path: Path) -> None:
    """Every step runs well inside the daemon's first minute, before its heartbeat looks at the file."""
    config = write_config(tmp_path, backend="log", reminders=("work-break", "tock"))
    env = daemon_env(tmp_path, config)
    daemon = Running(env, tmp_path / "daemon.log")
    try:
        wait_for(lambda: "handhabit is running" in daemon.log, 15, "the daemon to start")
        ran = config.read_text()

        def status() -> list[str]:
            result = handhabit(env, "status")
            assert (result.returncode, result.stderr) == (0, ""), result.stderr
            lines = result.stdout.splitlines()
            assert lines[0] == f"handhabit is running (pid {daemon.process.pid})."
            assert lines[1].startswith(f"Config: {config}, as the daemon read it ")
            assert [line.split()[-1] for line in lines if line.startswith("  ")] == ["tock", "work-break"]
            return lines

        assert status()[2] == "Not paused."

        write_config(tmp_path, backend="log", reminders=("work-break",))  # the file changed; not yet taken
        assert status()[2] == ("The config file has changed since: the daemon takes it within a minute "
                               "(`systemctl --user reload handhabit` at once).")

        config.write_text(ran.replace('every = "5m"', 'every = "5 min"', 1))
        assert status()[2] == (f'The config file has changed since and has errors, so the daemon keeps what it runs: '
                               f'{config}: reminders[0].every: "5 min" is not a duration (e.g. "45s", "10m", "1h30m").')

        config.unlink()  # not the built-in default's reminders: the daemon keeps its own
        assert status()[2] == (f"The config file {config} is gone: the daemon keeps running what it read (restore "
                               "the file, or `handhabit init` writes the example there).")
    finally:
        assert daemon.stop() == 0
    stopped = handhabit(env, "status").stdout.splitlines()
    assert stopped[1] == f"Config: the built-in default; database: {env['HANDHABIT_DB']}."


def test_status_of_a_daemon_on_the_built_in_default_tells_a_new_file_apart(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"  # not there: the daemon runs the built-in default
    env = daemon_env(tmp_path, config)
    daemon = Running(env, tmp_path / "daemon.log")
    try:
        wait_for(lambda: "handhabit is running" in daemon.log, 15, "the daemon to start")
        lines = handhabit(env, "status").stdout.splitlines()
        assert lines[1].startswith("Config: the built-in default, as the daemon read it ")
        assert lines[2] == "Not paused."
        # the built-in default's reminders, in an order that depends on today
        assert {line.split()[-1] for line in lines if line.startswith("  ")} == {"work-break", "bedtime"}
        write_config(tmp_path, backend="log", reminders=("tock",))
        lines = handhabit(env, "status").stdout.splitlines()
        assert lines[2] == (f"The config file {config} is new: the daemon takes it within a minute "
                            "(`systemctl --user reload handhabit` at once).")
        assert "tock" not in "\n".join(lines)  # not yet what runs
    finally:
        assert daemon.stop() == 0


def test_a_card_the_running_daemon_did_not_write_is_not_believed(tmp_path: Path) -> None:
    """A card a crashed daemon left, or any file in its place, is no word on what runs: status shows the file."""
    db = tmp_path / "hh.db"
    publish(db, tmp_path / "config.toml", "[[habits]]\nid = \"x\"\n", datetime(2026, 12, 4, tzinfo=timezone.utc))
    assert read(db, os.getpid()) is not None
    assert read(db, os.getpid() + 1) is None  # another daemon's
    for junk in (b"", b"{", b"[]", json.dumps({"pid": os.getpid()}).encode(),
                 json.dumps({"pid": os.getpid(), "source": "/c", "text": None, "loaded_at": "x"}).encode(),
                 b"{" + b" " * (CARD_MOST + 1) + b"}"):
        card_path(db).write_bytes(junk)
        assert read(db, os.getpid()) is None, junk[:40]
    card_path(db).unlink()
    os.mkfifo(card_path(db))  # no wait on a FIFO's writer
    assert read(db, os.getpid()) is None
