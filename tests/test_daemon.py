"""The daemon's jobs against a real SQLite store, with a fake notifier where speed matters and
time-machine where the clock must move (suspend: a reminder late within grace fires, later is missed)."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from functools import partial
from pathlib import Path

import pytest
import time_machine
from apscheduler.schedulers.background import BackgroundScheduler

from handhabit.core.pauses import pause_event, resume_event
from handhabit.core.records import Event, Excuse, Session
from handhabit.core.tips import TIPS
from handhabit.daemon.coordinator import Daemon, compose
from handhabit.daemon.steady import Reading, SteadyScheduler, read_clocks
from handhabit.store import Store
from tests.builders import BEDTIME, BERLIN, BREAK, HABIT, FakeNotifier, at_berlin, config_of, kinds, scheduler_running


def session(at: datetime) -> Session:
    return Session(str(uuid.uuid4()), "hand-massage", at, "Europe/Berlin",
                   (at.astimezone(BERLIN) - timedelta(hours=4)).date(), None, "cli", None, at)


def test_fire_notifies_with_habit_message_and_progress(store: Store) -> None:
    notifier = FakeNotifier()
    daemon = Daemon(config_of(BEDTIME), store, notifier, BERLIN)
    with time_machine.travel(at_berlin(2025, 3, 10, 22, 30), tick=False):
        store.add_session(session(at_berlin(2025, 3, 10, 8, 0)))
        daemon.fire("bedtime")
    (note,) = notifier.notes
    assert note.summary == "Hand massage"
    assert note.body(buttons=False) == (f"Bedtime hand massage.\nTip: {TIPS[1]}\n"
                                        "1 of 2 today · done? run: handhabit done\nGuided: handhabit guide classic")
    assert note.body(buttons=True) == (f"Bedtime hand massage.\nTip: {TIPS[1]}\n"
                                       "1 of 2 today\nGuided: handhabit guide classic")
    assert (note.reminder, note.habit, note.due) == ("bedtime", "hand-massage", at_berlin(2025, 3, 10, 22, 30))
    assert kinds(store) == [("bedtime", "fired", "fake")]


def test_met_target_skips_the_reminder_and_says_why(store: Store) -> None:
    notifier = FakeNotifier()
    daemon = Daemon(config_of(BEDTIME), store, notifier, BERLIN)
    with time_machine.travel(at_berlin(2025, 3, 11, 0, 30), tick=False):  # still Monday's logical day
        store.add_session(session(at_berlin(2025, 3, 10, 8, 0)))
        store.add_session(session(at_berlin(2025, 3, 10, 20, 0)))
        daemon.fire("bedtime")
    assert notifier.notes == []
    assert kinds(store) == [("bedtime", "skipped", "target met: 2 of 2 today")]


def test_an_excused_day_holds_every_reminder(store: Store) -> None:
    notifier = FakeNotifier()
    always = replace(BEDTIME, skip_if_met=False)
    daemon = Daemon(config_of(always), store, notifier, BERLIN)
    store.add_excuse(Excuse("e1", "*", date(2025, 3, 10), date(2025, 3, 12), "sick"))
    for day in (10, 13):
        with time_machine.travel(at_berlin(2025, 3, day, 22, 30), tick=False):
            daemon.fire("bedtime")
    progress_lines = [n.body(buttons=False).splitlines()[2] for n in notifier.notes]
    assert progress_lines == ["0 of 2 today · done? run: handhabit done"]
    assert kinds(store) == [("bedtime", "skipped", "excused: 0 of 2 today (excused)"), ("bedtime", "fired", "fake")]


def test_a_pause_holds_reminders_until_it_ends_or_is_resumed(store: Store) -> None:
    notifier = FakeNotifier()
    daemon = Daemon(config_of(BEDTIME), store, notifier, BERLIN)
    store.add_event(pause_event("p1", at_berlin(2025, 3, 10, 22, 0), at_berlin(2025, 3, 10, 23, 0)))
    for minute in (22 * 60 + 30, 23 * 60 + 30):
        with time_machine.travel(at_berlin(2025, 3, 10, minute // 60, minute % 60), tick=False):
            daemon.fire("bedtime")
    store.add_event(pause_event("p2", at_berlin(2025, 3, 11, 22, 0), at_berlin(2025, 3, 12, 4, 0)))
    store.add_event(resume_event("r1", at_berlin(2025, 3, 11, 22, 10)))
    with time_machine.travel(at_berlin(2025, 3, 11, 22, 30), tick=False):
        daemon.fire("bedtime")
    assert [k for k in kinds(store) if k[0]] == [
        ("bedtime", "skipped", "paused until Mon 23:00"), ("bedtime", "fired", "fake"), ("bedtime", "fired", "fake")]
    assert len(notifier.notes) == 2


def test_a_session_since_the_last_break_postpones_the_break(store: Store) -> None:
    notifier = FakeNotifier()
    daemon = Daemon(config_of(BREAK), store, notifier, BERLIN, BackgroundScheduler)
    with time_machine.travel(at_berlin(2025, 3, 10, 10, 30), tick=False):
        daemon.schedule_jobs()
        daemon.scheduler.start(paused=True)
        try:
            store.add_session(session(at_berlin(2025, 3, 10, 10, 15)))
            daemon.fire("work-break")
            next_times = daemon.next_times()
        finally:
            daemon.scheduler.shutdown(wait=False)
    assert notifier.notes == []
    assert kinds(store) == []
    assert next_times == [("work-break", at_berlin(2025, 3, 10, 11, 45))]


def test_broken_backend_falls_back_to_the_log_and_records_the_fire(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    daemon = Daemon(config_of(BEDTIME), store, FakeNotifier(fail=True), BERLIN)
    with caplog.at_level(logging.INFO), time_machine.travel(at_berlin(2025, 3, 10, 22, 30), tick=False):
        daemon.fire("bedtime")
    assert "bedtime: notification through fake failed: the notification server went away" in caplog.text
    assert "reminder: Hand massage: Bedtime hand massage." in caplog.text
    assert kinds(store) == [("bedtime", "fired", "fake failed: the notification server went away")]


def test_corrupt_database_is_logged_and_the_reminder_still_fires(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "hh.db"
    path.write_bytes(b"this is not a database" * 100)
    notifier = FakeNotifier()
    daemon = Daemon(config_of(BEDTIME), Store(path), notifier, BERLIN)
    with caplog.at_level(logging.ERROR):
        daemon.fire("bedtime")
    assert [n.summary for n in notifier.notes] == ["Hand massage"]
    assert f"{path} is not a handhabit database (nor any SQLite database): it was left as it is" in caplog.text
    assert path.read_bytes() == b"this is not a database" * 100


def test_locked_database_waits_instead_of_failing(store: Store) -> None:
    """A CLI holding a write lock for a moment must not make the daemon lose the event."""
    store.add_event(Event("first", datetime(2025, 3, 10, tzinfo=timezone.utc), None, None, "fired", None))
    other = sqlite3.connect(store.path, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    releaser = threading.Timer(1.0, other.commit)
    releaser.start()
    daemon = Daemon(config_of(BEDTIME), store, FakeNotifier(), BERLIN)
    daemon.fire("bedtime")
    releaser.join()
    other.close()
    assert [e.kind for e in store.events()] == ["fired", "fired"]


def test_compose_without_progress_names_the_reminders_routine() -> None:
    note = compose(BREAK, HABIT, None, "Breathe.")
    assert note.body(buttons=False) == ("Hand break.\nTip: Breathe.\ndone? run: handhabit done\n"
                                        "Guided: handhabit guide desk-break")
    assert note.body(buttons=True) == "Hand break.\nTip: Breathe.\nGuided: handhabit guide desk-break"


def test_tips_rotate_and_go_on_after_a_restart(store: Store) -> None:
    notifier = FakeNotifier()
    for day in range(10, 15):
        with time_machine.travel(at_berlin(2025, 3, day, 22, 30), tick=False):
            Daemon(config_of(BEDTIME), store, notifier, BERLIN).fire("bedtime")  # a restart every evening
    tips = [n.body(buttons=False).splitlines()[1].removeprefix("Tip: ") for n in notifier.notes]
    assert tips == list(TIPS[1:6])  # in turn: never the same twice in a row


def wait_for_event(store: Store, seconds: float = 5) -> list[tuple[str | None, str, str | None]]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = kinds(store)
        if found:
            return found
        time.sleep(0.05)
    return []


class Machine:
    """The clocks as a suspend moves them: the wall clock and CLOCK_BOOTTIME go on together, while the
    monotonic clock that the scheduler's wait runs on stands still. Both move under one lock, so the
    scheduler never reads one moved without the other."""

    def __init__(self, traveller: time_machine.Traveller) -> None:
        self.traveller, self.slept, self.lock = traveller, 0.0, threading.Lock()

    def suspend(self, duration: timedelta) -> None:
        with self.lock:
            self.traveller.shift(duration)
            self.slept += duration.total_seconds()

    def read(self) -> Reading:
        with self.lock:
            real = read_clocks()
            return Reading(real.wall, real.steady + self.slept, real.awake)


@pytest.mark.parametrize(
    ("asleep", "expected"),
    [
        (timedelta(minutes=20), ("bedtime", "fired", "fake")),  # woke 22:45: 15 min late, within 30m grace
        (timedelta(hours=3), ("bedtime", "missed", "due 22:30, later than its grace of 30m")),
    ],
)
def test_after_suspend_a_reminder_fires_once_within_grace_else_is_missed(
    store: Store, asleep: timedelta, expected: tuple[str, str, str]
) -> None:
    notifier = FakeNotifier()
    with time_machine.travel(at_berlin(2025, 3, 10, 22, 25), tick=True) as traveller:
        machine = Machine(traveller)
        scheduler = partial(SteadyScheduler, cap=0.2, clocks=machine.read)
        daemon = Daemon(config_of(BEDTIME), store, notifier, BERLIN, scheduler)
        with scheduler_running(daemon):
            machine.suspend(asleep)  # no wakeup(): the capped wait notices the resume by itself
            assert wait_for_event(store) == [expected]
            time.sleep(0.3)
            assert len(store.events()) == 1, "a reminder fires once after a gap, never once per missed run"
    assert len(notifier.notes) == (1 if expected[1] == "fired" else 0)


def test_restart_keeps_the_break_rhythm_from_the_last_fire(store: Store) -> None:
    store.add_event(Event("e", at_berlin(2025, 3, 10, 10, 30), "work-break", "hand-massage", "fired", "fake"))
    daemon = Daemon(config_of(BREAK), store, FakeNotifier(), BERLIN, BackgroundScheduler)
    with time_machine.travel(at_berlin(2025, 3, 10, 11, 0), tick=False):
        daemon.schedule_jobs()
        daemon.scheduler.start(paused=True)
        try:
            (name, when), = daemon.next_times()
        finally:
            daemon.scheduler.shutdown(wait=False)
    assert (name, when) == ("work-break", at_berlin(2025, 3, 10, 12, 0))


def test_a_new_session_moves_the_next_break(store: Store) -> None:
    daemon = Daemon(config_of(BREAK), store, FakeNotifier(), BERLIN, BackgroundScheduler)
    with time_machine.travel(at_berlin(2025, 3, 10, 11, 0), tick=False):
        daemon.schedule_jobs()
        daemon.scheduler.start(paused=True)
        try:
            assert daemon.next_times() == [("work-break", at_berlin(2025, 3, 10, 12, 0))]
            store.add_session(session(at_berlin(2025, 3, 10, 11, 0)))
            daemon.heartbeat()
            assert daemon.next_times() == [("work-break", at_berlin(2025, 3, 10, 12, 30))]
        finally:
            daemon.scheduler.shutdown(wait=False)


def test_date_helper_is_stable() -> None:
    assert session(at_berlin(2025, 3, 11, 0, 30)).logical_date == date(2025, 3, 10)
