"""Snoozing a reminder: the pure core (`snoozes.pending`, `snoozes.snoozable`) with explicit instants in
real zones, and `handhabit snooze` as a person types it: the real CLI in a subprocess, its clock set by
libfaketime, a real SQLite file and, where it matters, a stand-in daemon holding the lock. `handhabit pause`
is here too: its end is told as a snooze's is."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time as wall
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from handhabit.config.loading import load
from handhabit.config.model import SNOOZE_MOST, ConfigError, Reminder
from handhabit.core.records import Event, event_flaws, utc_text
from handhabit.core.snoozes import LOOKBACK, NothingToSnooze, pending, snoozable, snooze_event
from handhabit.store import Store
from tests.builders import handhabit_at, needs_faketime

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
ROOT = Path(__file__).resolve().parent.parent
FOUR = time(4, 0)
BREAK = Reminder("work-break", "hand-massage", "Hand break.", frozenset(range(7)), every=timedelta(minutes=90),
                 between=(time(9), time(17, 30)))
BEDTIME = Reminder("bedtime", "hand-massage", "Bedtime.", frozenset(range(7)), at=(time(22, 30),))
STRETCH = Reminder("stretch", "finger-stretches", "Stretch.", frozenset(range(7)), at=(time(12, 0),))
REMINDERS = (BREAK, BEDTIME, STRETCH)


def berlin(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


def event(kind: str, at: datetime, reminder: str | None = "work-break", detail: str | None = None) -> Event:
    habit = {"stretch": "finger-stretches"}.get(reminder or "", "hand-massage")
    return Event(str(uuid4()), at, reminder, habit if reminder else None, kind, detail)


def fired(at: datetime, reminder: str = "work-break") -> Event:
    return event("fired", at, reminder, "log")


def snoozed(at: datetime, until: datetime, reminder: str = "work-break") -> Event:
    return snooze_event(str(uuid4()), at, reminder, "hand-massage", until)


def why(result: Event | NothingToSnooze) -> str:
    assert isinstance(result, NothingToSnooze), result
    return result.reason


# The pure core: snooze_event and the record check


def test_a_snooze_event_names_the_reminder_and_keeps_when_it_comes_back() -> None:
    now = berlin(2025, 3, 10, 14, 5)
    made = snooze_event("e1", now, "work-break", "hand-massage", now + timedelta(minutes=10, microseconds=7))
    assert made == Event("e1", now, "work-break", "hand-massage", "snoozed", "2025-03-10T13:15:00Z")
    assert event_flaws(made, now) == []


@pytest.mark.parametrize(("made", "field", "problem"), [
    (Event("e1", berlin(2025, 3, 10, 14), None, None, "snoozed", "2025-03-10T13:15:00Z"), "reminder", "is missing"),
    (Event("e1", berlin(2025, 3, 10, 14), "bedtime", None, "snoozed", "soon"), "detail",
     '"soon" is not when the reminder comes back'),
    (Event("e1", berlin(2025, 3, 10, 14), "bedtime", None, "snoozed", None), "detail",
     '"None" is not when the reminder comes back'),
    (Event("e1", berlin(2025, 3, 10, 14), None, None, "paused", "soon"), "detail", '"soon" is not when the pause ends'),
])
def test_a_snooze_without_a_reminder_or_an_instant_is_refused(made: Event, field: str, problem: str) -> None:
    found = event_flaws(made)
    assert [(f.field, f.problem) for f in found] == [(field, problem)]


# pending: what the daemon schedules again


def test_a_snooze_to_come_is_pending_until_it_ends() -> None:
    at, until = berlin(2025, 3, 10, 14, 5), berlin(2025, 3, 10, 14, 15)
    events = [fired(berlin(2025, 3, 10, 14)), snoozed(at, until)]
    assert pending(events, at) == {"work-break": until}
    assert pending(events, until - timedelta(seconds=1)) == {"work-break": until}
    assert pending(events, until) == {}
    assert pending([], at) == {}


def test_a_snooze_that_fired_is_done_but_one_fired_before_it_is_not() -> None:
    at, until = berlin(2025, 3, 10, 14, 5), berlin(2025, 3, 10, 18)
    snooze = snoozed(at, until)
    assert pending([fired(at - timedelta(minutes=5)), snooze], at) == {"work-break": until}
    assert pending([snooze, fired(at + timedelta(minutes=1))], at + timedelta(minutes=2)) == {}
    assert pending([snooze, fired(at + timedelta(minutes=1), "bedtime")], at) == {"work-break": until}


def test_the_newest_snooze_of_a_reminder_replaces_the_older_ones() -> None:
    first, second = berlin(2025, 3, 10, 14, 5), berlin(2025, 3, 10, 14, 7)
    later, sooner = berlin(2025, 3, 10, 16), berlin(2025, 3, 10, 14, 30)
    assert pending([snoozed(second, sooner), snoozed(first, later)], second) == {"work-break": sooner}
    assert pending([snoozed(first, sooner), snoozed(second, later)], second) == {"work-break": later}
    # snoozed again for seconds, which have passed: the longer first snooze does not come back
    assert pending([snoozed(first, later), snoozed(second, second + timedelta(seconds=5))],
                   second + timedelta(minutes=1)) == {}
    # at the same instant, the one recorded later counts
    assert pending([snoozed(first, later), snoozed(first, sooner)], first) == {"work-break": sooner}


def test_each_reminder_has_its_own_snooze_and_other_events_do_not_count() -> None:
    now = berlin(2025, 3, 10, 14, 5)
    events = [
        snoozed(now, now + timedelta(minutes=10)),
        snoozed(now, now + timedelta(hours=3), "bedtime"),
        event("paused", now, None, utc_text(now + timedelta(hours=1))),
        event("skipped", now + timedelta(seconds=1), "work-break", "target met: 2 of 2 today"),
        event("snoozed", now, "stretch", "garbage that the store would refuse"),
    ]
    assert pending(events, now) == {"work-break": now + timedelta(minutes=10), "bedtime": now + timedelta(hours=3)}


def test_the_events_of_the_lookback_hold_every_snooze_to_come() -> None:
    assert LOOKBACK >= SNOOZE_MOST


# snoozable: what `handhabit snooze` acts on


def test_the_most_recent_fire_is_snoozable() -> None:
    now = berlin(2025, 3, 10, 14, 20)
    newest = fired(berlin(2025, 3, 10, 14), "stretch")
    events = [fired(berlin(2025, 3, 10, 12, 30)), newest, fired(berlin(2025, 3, 10, 9), "bedtime")]
    assert snoozable(events, REMINDERS, {}, now, BERLIN, FOUR) == newest


def test_nothing_to_snooze_before_any_reminder_fired() -> None:
    now = berlin(2025, 3, 10, 14)
    reason = why(snoozable([event("paused", now, None, utc_text(now))], REMINDERS, {}, now, BERLIN, FOUR))
    assert reason == "no reminder has fired yet"


@pytest.mark.parametrize(("fire", "now", "today"), [
    # the day starts at 04:00: late evening and the small hours are one day
    (berlin(2025, 3, 10, 22, 30), berlin(2025, 3, 11, 1, 0), True),
    (berlin(2025, 3, 11, 3, 59), berlin(2025, 3, 11, 4, 0), False),
    (berlin(2025, 3, 11, 4, 0), berlin(2025, 3, 11, 4, 1), True),
    (berlin(2025, 3, 10, 13, 0), berlin(2025, 3, 11, 13, 0), False),
    # across the spring change (2025-03-30 02:00 CET -> 03:00 CEST): a 23-hour day
    (berlin(2025, 3, 29, 23, 0), berlin(2025, 3, 30, 3, 30), True),
    (berlin(2025, 3, 30, 1, 30), berlin(2025, 3, 30, 3, 59), True),
    (berlin(2025, 3, 30, 3, 59), berlin(2025, 3, 30, 4, 0), False),
    # across the autumn change (2025-10-26 03:00 CEST -> 02:00 CET): a 25-hour day
    (datetime(2025, 10, 26, 0, 30, tzinfo=UTC), datetime(2025, 10, 26, 2, 30, tzinfo=UTC), True),  # 02:30 CEST..03:30
    (datetime(2025, 10, 26, 2, 30, tzinfo=UTC), datetime(2025, 10, 26, 3, 0, tzinfo=UTC), False),  # 03:30..04:00 CET
])
def test_only_a_fire_of_the_current_logical_day_is_snoozable(fire: datetime, now: datetime, today: bool) -> None:
    result = snoozable([fired(fire)], REMINDERS, {}, now, BERLIN, FOUR)
    if today:
        assert isinstance(result, Event) and result.at_utc == fire
    else:
        assert why(result).startswith("no reminder has fired today (the last was work-break, on ")


def test_the_day_start_and_zone_come_from_the_caller() -> None:
    fire = datetime(2025, 3, 9, 5, 30, tzinfo=NEW_YORK)  # the US change: 02:00 EST -> 03:00 EDT that morning
    now = datetime(2025, 3, 9, 6, 30, tzinfo=NEW_YORK)
    assert isinstance(snoozable([fired(fire)], REMINDERS, {}, now, NEW_YORK, FOUR), Event)
    assert why(snoozable([fired(fire)], REMINDERS, {}, now, NEW_YORK, time(6, 0))) == (
        "no reminder has fired today (the last was work-break, on Sun 2025-03-09 05:30)")
    assert isinstance(snoozable([fired(fire)], REMINDERS, {}, now, NEW_YORK, time(0, 0)), Event)


def test_nothing_to_snooze_when_its_reminder_left_the_config() -> None:
    fire, now = berlin(2025, 3, 10, 14), berlin(2025, 3, 10, 14, 5)
    events = [fired(fire - timedelta(hours=1)), fired(fire, "old-break")]
    assert why(snoozable(events, REMINDERS, {}, now, BERLIN, FOUR)) == (
        "old-break, the last reminder to fire (at 14:00), is no longer in the config")


def test_a_session_of_its_habit_after_the_fire_leaves_nothing_to_snooze() -> None:
    fire, now = berlin(2025, 3, 10, 14), berlin(2025, 3, 10, 14, 20)
    session = {"hand-massage": berlin(2025, 3, 10, 14, 10)}
    assert why(snoozable([fired(fire)], REMINDERS, session, now, BERLIN, FOUR)) == (
        "work-break fired at 14:00, and you recorded a session at 14:10 after it")
    before = {"hand-massage": berlin(2025, 3, 10, 13, 50)}
    assert isinstance(snoozable([fired(fire)], REMINDERS, before, now, BERLIN, FOUR), Event)
    other_habit = {"finger-stretches": berlin(2025, 3, 10, 14, 10)}
    assert isinstance(snoozable([fired(fire)], REMINDERS, other_habit, now, BERLIN, FOUR), Event)


def test_the_times_in_a_reason_are_local_across_a_clock_change() -> None:
    fire = berlin(2025, 3, 30, 1, 30)  # CET
    session = {"hand-massage": berlin(2025, 3, 30, 3, 10)}  # CEST, 40 minutes later
    assert session["hand-massage"] - fire == timedelta(minutes=40)
    assert why(snoozable([fired(fire)], REMINDERS, session, berlin(2025, 3, 30, 3, 20), BERLIN, FOUR)) == (
        "work-break fired at 01:30, and you recorded a session at 03:10 after it")


def test_a_skip_after_the_fire_leaves_nothing_to_snooze() -> None:
    fire, now = fired(berlin(2025, 3, 10, 14)), berlin(2025, 3, 10, 14, 20)
    skip = event("skipped", berlin(2025, 3, 10, 14, 2), "work-break", "from the notification")
    assert why(snoozable([fire, skip], REMINDERS, {}, now, BERLIN, FOUR)) == (
        "work-break fired at 14:00, and it was skipped at 14:02")
    earlier_skip = event("skipped", berlin(2025, 3, 10, 12, 30), "work-break", "target met: 2 of 2 today")
    other_skip = event("skipped", berlin(2025, 3, 10, 14, 2), "bedtime", "from the notification")
    assert snoozable([earlier_skip, fire, other_skip], REMINDERS, {}, now, BERLIN, FOUR) == fire


def test_a_snoozed_reminder_may_be_snoozed_again() -> None:
    fire, now = fired(berlin(2025, 3, 10, 14)), berlin(2025, 3, 10, 14, 20)
    events = [fire, snoozed(berlin(2025, 3, 10, 14, 5), berlin(2025, 3, 10, 14, 30))]
    assert snoozable(events, REMINDERS, {}, now, BERLIN, FOUR) == fire
    came_back = fired(berlin(2025, 3, 10, 14, 30))
    assert snoozable([*events, came_back], REMINDERS, {}, berlin(2025, 3, 10, 14, 31), BERLIN, FOUR) == came_back


# `handhabit snooze` through the real CLI

CONFIG = """
[general]
timezone = "Europe/Berlin"
{notify}
[[habits]]
id = "hand-massage"
name = "Hand massage"
target = {{ sessions = 2, per = "day" }}

[[reminders]]
id = "work-break"
habit = "hand-massage"
every = "90m"
between = ["09:00", "17:30"]
routine = "desk-break"

[[reminders]]
id = "bedtime"
habit = "hand-massage"
at = ["22:30"]
"""
NOT_RUNNING = ("handhabit is not running, so nothing will come back: start it with `handhabit service install` "
               "(or `handhabit run`).")
FIRE = "2025-03-10 13:00:00"  # 14:00 in Berlin, as faketime (TZ=UTC) reads it
SOON = "2025-03-10 13:05:00"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "config.toml").write_text(CONFIG.format(notify=""))
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HANDHABIT_", "TZ", "FAKETIME"))}
    return {**base, "PYTHONPATH": str(ROOT), "HANDHABIT_DB": str(tmp_path / "hh.db"),
            "HANDHABIT_CONFIG": str(tmp_path / "config.toml"), "XDG_RUNTIME_DIR": str(tmp_path), "TZ": "UTC"}


def hh(env: dict[str, str], *args: str, at: str = SOON) -> subprocess.CompletedProcess[str]:
    return handhabit_at(env, at, *args)


def seed(env: dict[str, str], *events: Event) -> None:
    store = Store(Path(env["HANDHABIT_DB"]))
    try:
        for made in events:
            store.add_event(made)
    finally:
        store.close()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def snoozes(env: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """The snoozed events as stored, read with plain sqlite3."""
    with sqlite3.connect(env["HANDHABIT_DB"]) as db:
        return list(db.execute("SELECT at_utc, reminder, habit, detail FROM events WHERE kind = 'snoozed' "
                               "ORDER BY rowid"))


def event_count(env: dict[str, str]) -> int:
    if not Path(env["HANDHABIT_DB"]).exists():
        return 0
    with sqlite3.connect(env["HANDHABIT_DB"]) as db:
        return int(db.execute("SELECT count(*) FROM events").fetchone()[0])


@needs_faketime
@pytest.mark.process
def test_snooze_after_a_fire_records_the_snooze_and_says_when_it_comes_back(env: dict[str, str]) -> None:
    seed(env, fired(utc(FIRE), "bedtime"), fired(utc(FIRE) + timedelta(seconds=30)))
    result = hh(env, "snooze", "25m")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "Snoozed: Hand massage (work-break) comes back at Mon 2025-03-10 14:30.", NOT_RUNNING]
    assert snoozes(env) == [("2025-03-10T13:05:00Z", "work-break", "hand-massage", "2025-03-10T13:30:00Z")]


@needs_faketime
@pytest.mark.process
def test_status_and_log_show_the_snooze(env: dict[str, str]) -> None:
    seed(env, fired(utc(FIRE) + timedelta(seconds=30)))
    assert hh(env, "snooze", "25m").returncode == 0
    status = hh(env, "status").stdout.splitlines()
    assert "  Mon 2025-03-10 14:30  work-break (snoozed)" in status
    assert "until Mon 2025-03-10 14:30" in hh(env, "log").stdout


@needs_faketime
@pytest.mark.process
def test_snoozing_again_replaces_when_it_comes_back(env: dict[str, str]) -> None:
    seed(env, fired(utc(FIRE)))
    assert hh(env, "snooze", "1h").returncode == 0
    again = hh(env, "snooze", "45s", at="2025-03-10 13:06:00")
    assert again.stdout.splitlines()[0] == "Snoozed: Hand massage (work-break) comes back at 14:06:45, in 45 s."
    store = Store(Path(env["HANDHABIT_DB"]), writable=False)
    try:
        events = store.events(since=utc(FIRE))
    finally:
        store.close()
    assert pending(events, utc("2025-03-10 13:06:00")) == {"work-break": utc("2025-03-10 13:06:45")}


@needs_faketime
@pytest.mark.process
def test_a_short_snooze_says_its_seconds_and_the_log_says_the_same_time(env: dict[str, str]) -> None:
    Path(env["HANDHABIT_CONFIG"]).write_text(CONFIG.format(notify='[notify]\nsnooze = "30s"\n'))
    seed(env, fired(utc(FIRE)))
    default = hh(env, "snooze", at="2025-03-10 13:38:50")  # 14:38:50 in Berlin
    assert default.stdout.splitlines()[0] == "Snoozed: Hand massage (work-break) comes back at 14:39:20, in 30 s."
    named = hh(env, "snooze", "45s", at="2025-03-10 13:39:10")
    assert named.stdout.splitlines()[0] == "Snoozed: Hand massage (work-break) comes back at 14:39:55, in 45 s."
    log = hh(env, "log", at="2025-03-10 13:39:20").stdout.splitlines()
    assert [line.split("snoozed")[1].strip() for line in log if "snoozed" in line] == [
        "until Mon 2025-03-10 14:39:20", "until Mon 2025-03-10 14:39:55"]


@needs_faketime
@pytest.mark.process
def test_a_short_pause_says_its_seconds_and_a_clock_time_past_today_says_tomorrow(env: dict[str, str]) -> None:
    short = hh(env, "pause", "45s", at="2025-03-10 10:32:10")  # 11:32:10 in Berlin
    assert short.stdout == "Paused: no reminders until 11:32:55, in 45 s (`handhabit resume` ends it sooner).\n"
    assert "until Mon 2025-03-10 11:32:55" in hh(env, "log", at="2025-03-10 10:32:20").stdout
    tomorrow = hh(env, "pause", "--until", "10:00", at="2025-03-10 10:32:10")
    assert tomorrow.stdout == (
        "Paused: no reminders until Tue 2025-03-11 10:00, tomorrow (`handhabit resume` ends it sooner).\n")
    later = hh(env, "pause", "--until", "16:00", at="2025-03-10 10:32:10")
    assert later.stdout == "Paused: no reminders until Mon 2025-03-10 16:00 (`handhabit resume` ends it sooner).\n"


@needs_faketime
@pytest.mark.parametrize(("notify", "until"), [
    ("", "2025-03-10T13:15:00Z"),  # the built-in 10m
    ('[notify]\nsnooze = "7m"\n', "2025-03-10T13:12:00Z"),
    ('[notify]\nsnooze = "5s"\n', "2025-03-10T13:05:05Z"),
])
@pytest.mark.process
def test_the_default_snooze_comes_from_the_config(env: dict[str, str], notify: str, until: str) -> None:
    Path(env["HANDHABIT_CONFIG"]).write_text(CONFIG.format(notify=notify))
    seed(env, fired(utc(FIRE)))
    assert hh(env, "snooze").returncode == 0
    assert snoozes(env) == [("2025-03-10T13:05:00Z", "work-break", "hand-massage", until)]


@needs_faketime
@pytest.mark.process
def test_snooze_before_any_reminder_fired_says_so(env: dict[str, str]) -> None:
    result = hh(env, "snooze")
    assert (result.returncode, result.stdout, result.stderr) == (0, "Nothing to snooze: no reminder has fired yet.\n",
                                                                  "")
    assert event_count(env) == 0


@needs_faketime
@pytest.mark.process
def test_nothing_to_snooze_from_yesterday(env: dict[str, str]) -> None:
    seed(env, fired(utc(FIRE)))
    result = hh(env, "snooze", at="2025-03-11 03:30:00")  # 04:30 in Berlin: the new day has begun
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == ("Nothing to snooze: no reminder has fired today (the last was work-break, on "
                             "Mon 2025-03-10 14:00).\n")
    assert snoozes(env) == []
    assert hh(env, "snooze", at="2025-03-11 02:30:00").stdout.startswith("Snoozed: ")  # 03:30: still the 10th


@needs_faketime
@pytest.mark.process
def test_nothing_to_snooze_after_a_session(env: dict[str, str]) -> None:
    seed(env, fired(utc(FIRE)))
    assert hh(env, "done", at="2025-03-10 13:10:00").returncode == 0
    result = hh(env, "snooze", at="2025-03-10 13:15:00")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        "Nothing to snooze: work-break fired at 14:00, and you recorded a session at 14:10 after it.\n")
    assert snoozes(env) == []


@needs_faketime
@pytest.mark.process
def test_nothing_to_snooze_after_a_skip_from_the_notification(env: dict[str, str]) -> None:
    seed(env, fired(utc(FIRE)), event("skipped", utc("2025-03-10 13:01:00"), "work-break", "notification"))
    result = hh(env, "snooze")
    assert result.stdout == "Nothing to snooze: work-break fired at 14:00, and it was skipped at 14:01.\n"
    assert (result.returncode, snoozes(env)) == (0, [])


@needs_faketime
@pytest.mark.process
def test_nothing_to_snooze_when_the_reminder_left_the_config(env: dict[str, str]) -> None:
    seed(env, fired(utc(FIRE), "old-break"))
    result = hh(env, "snooze")
    assert result.stdout == (
        "Nothing to snooze: old-break, the last reminder to fire (at 14:00), is no longer in the config.\n")
    assert (result.returncode, snoozes(env)) == (0, [])


@needs_faketime
@pytest.mark.parametrize(("duration", "line"), [
    ("0s", '"0s" is zero (a duration must be longer than 0s)'),
    ("2s", '"2s" is too short (at least 5s)'),
    ("25h", '"25h" is too long (at most 24h)'),
    ("abc", '"abc" is not a duration (e.g. "45s", "10m", "1h30m")'),
    ("10", '"10" is not a duration (try "10m")'),
])
@pytest.mark.process
def test_a_bad_duration_is_one_line_and_records_nothing(env: dict[str, str], duration: str, line: str) -> None:
    seed(env, fired(utc(FIRE)))
    result = hh(env, "snooze", duration)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"handhabit: {line}\n")
    assert (event_count(env), snoozes(env)) == (1, [])


@needs_faketime
@pytest.mark.process
def test_the_bounds_themselves_are_accepted(env: dict[str, str]) -> None:
    seed(env, fired(utc(FIRE)))
    assert hh(env, "snooze", "5s").returncode == 0
    assert hh(env, "snooze", "24h").returncode == 0
    assert [row[3] for row in snoozes(env)] == ["2025-03-10T13:05:05Z", "2025-03-11T13:05:00Z"]


FAKE_DAEMON = """
import os, signal, sys, time
from pathlib import Path
from handhabit.daemon.instance import one_daemon

heard = Path(sys.argv[1])
signal.signal(signal.SIGUSR1, lambda *_: heard.write_text("SIGUSR1"))
with one_daemon(Path(os.environ["HANDHABIT_DB"]), warn=print):
    Path(sys.argv[2]).write_text("ready")
    deadline = time.monotonic() + 30
    while not heard.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
"""


def wait_for_file(path: Path, seconds: float) -> bool:
    deadline = wall.monotonic() + seconds
    while not path.exists() and wall.monotonic() < deadline:
        wall.sleep(0.05)
    return path.exists()


@needs_faketime
@pytest.mark.process
def test_the_running_daemon_is_told_at_once(env: dict[str, str], tmp_path: Path) -> None:
    seed(env, fired(utc(FIRE)))
    heard, ready = tmp_path / "heard", tmp_path / "ready"
    daemon = subprocess.Popen([sys.executable, "-c", FAKE_DAEMON, str(heard), str(ready)], env=env)
    try:
        assert wait_for_file(ready, 15), "the stand-in daemon did not take the lock"
        result = hh(env, "snooze", "10m")
        assert (result.returncode, result.stderr) == (0, "")
        assert result.stdout == "Snoozed: Hand massage (work-break) comes back at Mon 2025-03-10 14:15.\n"
        assert wait_for_file(heard, 15), "the daemon got no SIGUSR1"
        assert daemon.wait(timeout=15) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()


@needs_faketime
@pytest.mark.process
def test_nothing_to_snooze_tells_no_daemon(env: dict[str, str], tmp_path: Path) -> None:
    heard, ready = tmp_path / "heard", tmp_path / "ready"
    daemon = subprocess.Popen([sys.executable, "-c", FAKE_DAEMON, str(heard), str(ready)], env=env)
    try:
        assert wait_for_file(ready, 15)
        assert hh(env, "snooze").stdout == "Nothing to snooze: no reminder has fired yet.\n"
        assert not wait_for_file(heard, 1)
    finally:
        daemon.kill()
        daemon.wait()


# the bound in the config


@pytest.mark.parametrize(("text", "problem"), [
    ('snooze = "4s"', 'notify.snooze: "4s" is too short (at least 5s)'),
    ('snooze = "25h"', 'notify.snooze: "25h" is too long (at most 24h)'),
    ('away_after = "30s"', 'notify.away_after: "30s" is too short (at least 1m)'),
])
def test_the_config_bounds_the_snooze_and_away_after(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.format(notify=f"[notify]\n{text}\n"))
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert caught.value.lines == [f"{path}: {problem}"]


@pytest.mark.parametrize(("text", "length"), [("5s", timedelta(seconds=5)), ("24h", timedelta(hours=24))])
def test_the_config_takes_a_snooze_of_seconds_to_a_day(tmp_path: Path, text: str, length: timedelta) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.format(notify=f'[notify]\nsnooze = "{text}"\n'))
    assert load(path).notify.snooze == length
