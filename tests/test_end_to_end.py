"""The whole main path through real parts: `handhabit run` notifies through dunst, the CLI records."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.builders import MESSAGE, Running, daemon_env, due_soon, handhabit, write_config
from tests.desktop import Desktop, desktop, needs_desktop, wait_for


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return daemon_env(tmp_path, write_config(tmp_path))


def shown(rig: Desktop) -> list[dict[str, str]]:
    return [n for n in rig.history() if n["appname"] == "handhabit"]


def first_reminder_in_dunst(env: dict[str, str], log: Path) -> tuple[list[dict[str, str]], str]:
    """A reminder due within seconds, the daemon run under dunst until it shows: what dunst shows, and
    the daemon's log."""
    due_soon(Path(env["HANDHABIT_DB"]))
    with desktop(env) as rig:
        daemon = Running(rig.env, log)
        try:
            wait_for(rig.displayed, 20, "the reminder in dunst")
        finally:
            assert daemon.stop() == 0, daemon.log
        return shown(rig), daemon.log


@pytest.mark.desktop
@needs_desktop
@pytest.mark.parametrize(
    ("backend", "progress"),
    [("auto", ["0 of 2 today"]),  # DBus with buttons: Done is on the notification
     ("plyer", ["0 of 2 today · done? run: handhabit done"])],  # notify-send: no buttons, the command instead
)
def test_reminder_reaches_dunst_then_done_shows_in_streak(
    env: dict[str, str], tmp_path: Path, backend: str, progress: list[str]
) -> None:
    write_config(tmp_path, backend=backend)
    notes, log = first_reminder_in_dunst(env, tmp_path / "daemon.log")
    assert notes, "no notification from handhabit"
    assert notes[0]["summary"] == "Hand massage"
    body = notes[0]["body"].splitlines()
    assert body[0] == MESSAGE and body[1].startswith("Tip: ")
    assert body[2:] == [*progress, "Guided: handhabit guide desk-break"]
    used = "dbus" if backend == "auto" else backend
    assert f"notifications go through the {used} backend" in log

    with sqlite3.connect(env["HANDHABIT_DB"]) as db:
        details = {row[0] for row in db.execute("SELECT detail FROM events WHERE kind = 'fired'")}
    assert used in details

    done = handhabit(env, "done")
    assert done.returncode == 0, done.stderr
    assert "1 of 2 today" in done.stdout
    summary = json.loads(handhabit(env, "streak", "--json").stdout)
    (habit,) = summary["habits"]
    today = next(day for day in habit["days"] if day["date"] == summary["today"])
    assert (habit["week_sessions"], today["sessions"], today["credit"], today["met"]) == (1, 1, 0.5, False)


@pytest.mark.desktop
@needs_desktop
def test_texts_starting_with_a_dash_reach_dunst_intact(env: dict[str, str], tmp_path: Path) -> None:
    """notify-send would read them as options without `--`, fail, and the reminder would vanish."""
    write_config(tmp_path, message="-v: stretch your fingers.", habit_name="--hands")
    notes, log = first_reminder_in_dunst(env, tmp_path / "daemon.log")
    assert [(n["summary"], n["body"].splitlines()[0]) for n in notes] == [("--hands", "-v: stretch your fingers.")]
    assert "failed" not in log


@pytest.mark.process
def test_without_any_backend_reminders_go_to_the_log_and_the_daemon_keeps_running(
    env: dict[str, str], tmp_path: Path
) -> None:
    write_config(tmp_path, reminders=("work-break", "stretch"))
    due_soon(Path(env["HANDHABIT_DB"]), ("work-break", "stretch"))
    daemon = Running(env, tmp_path / "daemon.log")
    try:
        wait_for(lambda: daemon.count("reminder: Hand massage") >= 2, 20, "two reminders in the log")
        assert daemon.process.poll() is None
    finally:
        assert daemon.stop() == 0
    log = daemon.log
    assert "no desktop notifications here: reminders go to the log" in log
    assert f"reminder: Hand massage: {MESSAGE} / Tip: " in log
    assert "/ 0 of 2 today · done? run: handhabit done / Guided: handhabit guide desk-break" in log
    assert "Traceback" not in log


def skipped_events(env: dict[str, str]) -> list[str]:
    if not Path(env["HANDHABIT_DB"]).exists():
        return []
    with sqlite3.connect(env["HANDHABIT_DB"]) as db:
        return [row[0] for row in db.execute("SELECT detail FROM events WHERE kind = 'skipped'")]


@pytest.mark.desktop
@needs_desktop
def test_a_skipped_day_keeps_the_desktop_quiet(env: dict[str, str], tmp_path: Path) -> None:
    write_config(tmp_path, reminders=("work-break", "stretch"))
    skip = handhabit(env, "skip", "--reason", "sore wrist")
    assert skip.returncode == 0, skip.stderr
    assert "0 of 2 today (excused)" in skip.stdout
    due_soon(Path(env["HANDHABIT_DB"]), ("work-break", "stretch"))
    with desktop(env) as rig:
        daemon = Running(rig.env, tmp_path / "daemon.log")
        try:
            wait_for(lambda: len(skipped_events(env)) >= 2, 20, "two held reminders")
        finally:
            assert daemon.stop() == 0, daemon.log
        assert shown(rig) == []
    assert skipped_events(env)[0] == "excused: 0 of 2 today (excused)"


@pytest.mark.process
def test_snooze_from_the_command_line_brings_the_reminder_back(env: dict[str, str], tmp_path: Path) -> None:
    """`handhabit snooze` records the snooze and signals the daemon, which schedules it at once."""
    write_config(tmp_path, backend="log")
    due_soon(Path(env["HANDHABIT_DB"]))
    daemon = Running(env, tmp_path / "daemon.log")
    try:
        wait_for(lambda: daemon.count("reminder: Hand massage") == 1, 20, "the first reminder")
        snooze = handhabit(env, "snooze", "5s")
        assert snooze.returncode == 0, snooze.stderr
        assert snooze.stdout.startswith("Snoozed: Hand massage (work-break) comes back at ")
        wait_for(lambda: daemon.count("reminder: Hand massage") == 2, 15, "the snoozed reminder")
    finally:
        assert daemon.stop() == 0, daemon.log
    with sqlite3.connect(env["HANDHABIT_DB"]) as db:
        kinds = [row for row in db.execute("SELECT kind, detail FROM events WHERE detail != 'an earlier run' "
                                           "AND reminder = 'work-break' ORDER BY seq")]
    assert [kind for kind, _ in kinds] == ["fired", "snoozed", "fired"]
    assert kinds[-1][1] == "log (snoozed)"
