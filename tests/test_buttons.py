"""The reminder's buttons through a real notification server: `handhabit run` on the dbus backend under
dunst, each button pressed through dunst's own context menu, and what the database and the CLI then say."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.builders import Running, daemon_env, due_soon, handhabit, write_config
from tests.desktop import Desktop, desktop, needs_desktop, wait_for

pytestmark = [needs_desktop, pytest.mark.desktop]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return daemon_env(tmp_path, write_config(tmp_path, snooze="5s"))


def events(env: dict[str, str], kind: str) -> list[tuple[str, str]]:
    """(reminder, detail) of each event of `kind`, in the order recorded."""
    if not Path(env["HANDHABIT_DB"]).exists():
        return []
    with sqlite3.connect(env["HANDHABIT_DB"]) as db:
        return db.execute("SELECT reminder, detail FROM events WHERE kind = ? ORDER BY seq", (kind,)).fetchall()


@contextmanager
def reminded(env: dict[str, str], tmp_path: Path, reminders: tuple[str, ...] = ("work-break",)) -> Iterator[
        tuple[Desktop, Running]]:
    """The daemon under dunst, from the moment the first reminder shows."""
    due_soon(Path(env["HANDHABIT_DB"]), reminders)
    with desktop(env) as rig:
        daemon = Running(rig.env, tmp_path / "daemon.log")
        try:
            wait_for(rig.displayed, 20, "the reminder in dunst")
            yield rig, daemon
        finally:
            assert daemon.stop() == 0, daemon.log
        assert "Traceback" not in daemon.log, daemon.log


def test_done_on_the_notification_records_a_session_for_the_reminders_day(
    env: dict[str, str], tmp_path: Path
) -> None:
    with reminded(env, tmp_path) as (rig, daemon):
        assert "notifications go through the dbus backend" in daemon.log
        rig.invoke("Done")
        menu = rig.menus()[-1]["lines"]
        assert [line.split(" (")[0] for line in menu] == ["#Done", "#Snooze 5 s", "#Skip"]
        wait_for(lambda: sqlite3.connect(env["HANDHABIT_DB"]).execute("SELECT count(*) FROM sessions").fetchone()[0],
                 10, "the session")
        (note,) = [n for n in rig.history() if n["appname"] == "handhabit"]
    # with buttons, the line that says how to record a session is gone
    assert "handhabit done" not in note["body"] and "0 of 2 today" in note["body"]
    ((source, day),) = sqlite3.connect(env["HANDHABIT_DB"]).execute("SELECT source, logical_date FROM sessions")
    summary = json.loads(handhabit(env, "streak", "--json").stdout)
    (habit,) = summary["habits"]
    today = next(d for d in habit["days"] if d["date"] == summary["today"])
    assert (source, day, today["sessions"]) == ("notification", summary["today"], 1)


def test_snooze_brings_the_reminder_back_after_the_snooze(env: dict[str, str], tmp_path: Path) -> None:
    with reminded(env, tmp_path) as (rig, _daemon):
        rig.invoke("Snooze")
        wait_for(lambda: events(env, "snoozed"), 5, "the snooze recorded")
        wait_for(lambda: rig.displayed() == 0, 5, "the snoozed reminder to close")
        wait_for(rig.displayed, 10, "the reminder back after 5 s")
    fired = [detail for _, detail in events(env, "fired")]
    assert fired[-1] == "dbus (snoozed)", fired
    assert len(events(env, "snoozed")) == 1


def test_skip_records_the_skip_and_nothing_done(env: dict[str, str], tmp_path: Path) -> None:
    with reminded(env, tmp_path) as (rig, _daemon):
        rig.invoke("Skip")
        wait_for(lambda: events(env, "skipped"), 5, "the skip recorded")
    assert events(env, "skipped") == [("work-break", "skipped from the notification")]
    assert sqlite3.connect(env["HANDHABIT_DB"]).execute("SELECT count(*) FROM sessions").fetchone() == (0,)


def test_a_habit_has_one_reminder_on_screen_and_markup_shows_literally(env: dict[str, str], tmp_path: Path) -> None:
    write_config(tmp_path, reminders=("work-break", "stretch"), message="Palms <b>up</b> & circle")
    with reminded(env, tmp_path, ("work-break", "stretch")) as (rig, _daemon):
        wait_for(lambda: len(events(env, "fired")) >= 2, 15, "both reminders fired")
        assert rig.displayed() == 1
        notes = [n for n in rig.history() if n["appname"] == "handhabit"]
        said = rig.dunst_said()
    assert len(notes) == 1
    # sent escaped, as the server reads markup; so dunst shows the text as typed, not "Palms up" in bold
    assert notes[0]["body"].splitlines()[0] == "Palms &lt;b&gt;up&lt;/b&gt; &amp; circle"
    assert "Unable to parse markup" not in said
