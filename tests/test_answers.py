"""What the daemon does with a pressed button, a snooze and a person who is away, in process against a real
SQLite store; the clock is set with time-machine. The same paths through real DBus services are in
test_buttons (dunst) and test_away (fake logind, screen saver and idle monitor)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, datetime, timedelta

import time_machine
from apscheduler.schedulers.background import BackgroundScheduler

from handhabit.config.model import Config, Notify
from handhabit.core.records import Event
from handhabit.core.snoozes import snooze_event
from handhabit.daemon.answers import SNOOZE_PREFIX
from handhabit.daemon.coordinator import Daemon
from handhabit.notify.note import Answer, Note
from handhabit.store import Store
from tests.builders import BEDTIME, BERLIN, BREAK, FakeNotifier, at_berlin, config_of, kinds
from tests.desktop import wait_for


def with_notify(config: Config, **changes: object) -> Config:
    return replace(config, notify=replace(Notify(), **changes))  # type: ignore[arg-type]


class FakePresence:
    """Away or not as the test says; remembers whether the daemon asked to hear of the return."""

    def __init__(self, away: str | None = None) -> None:
        self.why, self.watching = away, False

    def away(self) -> str | None:
        return self.why

    def watch_for_return(self, wanted: bool) -> None:
        self.watching = wanted

    def set_away_after(self, away_after: timedelta) -> None:
        pass

    def close(self) -> None:
        pass


def fired_note(daemon: Daemon, notifier: FakeNotifier, reminder: str, at: datetime) -> Note:
    with time_machine.travel(at, tick=False):
        daemon.fire(reminder)
    return notifier.notes[-1]


def test_done_counts_for_the_day_of_the_reminder_not_of_the_press(store: Store) -> None:
    notifier = FakeNotifier()
    daemon = Daemon(config_of(BEDTIME), store, notifier, BERLIN)
    note = fired_note(daemon, notifier, "bedtime", at_berlin(2025, 3, 10, 22, 30))
    pressed = at_berlin(2025, 3, 11, 5, 0)  # the next morning, past the 04:00 day start
    with time_machine.travel(pressed, tick=False):
        daemon.answer(Answer("done", note, pressed))
    (session,) = store.sessions()
    assert (session.habit, session.logical_date, session.at_utc, session.source) == (
        "hand-massage", date(2025, 3, 10), pressed, "notification")
    with time_machine.travel(at_berlin(2025, 3, 10, 23, 0), tick=False):  # the progress line sees it
        daemon.fire("bedtime")
    assert "1 of 2 today" in notifier.notes[-1].body(buttons=True)


def test_skip_is_recorded_as_an_event_and_nothing_as_done(store: Store) -> None:
    notifier = FakeNotifier()
    daemon = Daemon(config_of(BEDTIME), store, notifier, BERLIN)
    note = fired_note(daemon, notifier, "bedtime", at_berlin(2025, 3, 10, 22, 30))
    with time_machine.travel(at_berlin(2025, 3, 10, 22, 31), tick=False):
        daemon.answer(Answer("skip", note, at_berlin(2025, 3, 10, 22, 31)))
    assert kinds(store)[-1] == ("bedtime", "skipped", "skipped from the notification")
    assert store.sessions() == []


def test_snooze_fires_the_same_reminder_again_after_the_snooze(store: Store) -> None:
    notifier = FakeNotifier()
    config = with_notify(config_of(replace(BEDTIME, skip_if_met=False)), snooze=timedelta(seconds=1))
    daemon = Daemon(config, store, notifier, BERLIN, BackgroundScheduler)
    daemon.schedule_jobs()
    daemon.scheduler.start()
    try:
        daemon.fire("bedtime")
        now = datetime.now().astimezone()
        daemon.answer(Answer("snooze", notifier.notes[-1], now))
        wait_for(lambda: len(notifier.notes) == 2, 5, "the snoozed reminder")
    finally:
        daemon.scheduler.shutdown(wait=False)
    assert [kind for _, kind, _ in kinds(store)] == ["fired", "snoozed", "fired"]
    assert kinds(store)[-1][2] == "fake (snoozed)"


def test_a_snooze_outlives_a_restart_and_ends_when_the_reminder_comes_by_its_schedule(store: Store) -> None:
    now = at_berlin(2025, 3, 10, 22, 35)
    until = now + timedelta(minutes=10)
    store.add_event(Event("f1", at_berlin(2025, 3, 10, 22, 30), "bedtime", "hand-massage", "fired", "fake"))
    store.add_event(snooze_event("s1", now, "bedtime", "hand-massage", until))
    with time_machine.travel(now, tick=False):
        daemon = Daemon(config_of(BEDTIME), store, FakeNotifier(), BERLIN, BackgroundScheduler)
        daemon.schedule_jobs()
        daemon.scheduler.start(paused=True)
        try:
            job = daemon.scheduler.get_job(f"{SNOOZE_PREFIX}bedtime")
            assert job is not None and job.next_run_time == until
            daemon.fire("bedtime")  # by its schedule: the snooze has nothing left to do
            assert daemon.scheduler.get_job(f"{SNOOZE_PREFIX}bedtime") is None
        finally:
            daemon.scheduler.shutdown(wait=False)


def test_a_break_due_while_away_is_held_once_and_fires_once_on_return(store: Store) -> None:
    notifier, presence = FakeNotifier(), FakePresence("the screen is locked")
    daemon = Daemon(config_of(BREAK), store, notifier, BERLIN, BackgroundScheduler)
    daemon.presence = presence
    daemon.scheduler.start()
    try:
        for minute in (0, 30):  # two of its slots pass while away: one `held`
            with time_machine.travel(at_berlin(2025, 3, 10, 10, minute), tick=False):
                daemon.fire("work-break")
        assert notifier.notes == [] and presence.watching
        assert kinds(store) == [("work-break", "held", "the screen is locked")]
        presence.why = None
        with time_machine.travel(at_berlin(2025, 3, 10, 11, 0), tick=False):
            daemon.on_back()
            wait_for(lambda: len(notifier.notes) == 1, 5, "the held reminder")
        daemon.on_back()  # a second return with nothing held shows nothing
    finally:
        daemon.scheduler.shutdown(wait=True)
    assert len(notifier.notes) == 1 and not presence.watching
    assert kinds(store)[-1] == ("work-break", "fired", "fake (back)")


def test_a_held_break_whose_window_closed_is_missed_on_return(store: Store) -> None:
    notifier, presence = FakeNotifier(), FakePresence("idle for 7 min")
    daemon = Daemon(config_of(BREAK), store, notifier, BERLIN)
    daemon.presence = presence
    with time_machine.travel(at_berlin(2025, 3, 10, 17, 0), tick=False):
        daemon.fire("work-break")
    presence.why = None
    with time_machine.travel(at_berlin(2025, 3, 10, 18, 0), tick=False):
        daemon.on_back()
    assert notifier.notes == []
    assert kinds(store) == [("work-break", "held", "idle for 7 min"),
                            ("work-break", "missed", "held while away until after its window closed at 17:30")]


def test_fixed_time_reminders_and_hold_while_away_false_are_never_held(store: Store) -> None:
    notifier = FakeNotifier()
    daemon = Daemon(with_notify(config_of(BEDTIME, BREAK), hold_while_away=False), store, notifier, BERLIN)
    daemon.presence = FakePresence("the screen is locked")
    with time_machine.travel(at_berlin(2025, 3, 10, 10, 0), tick=False):
        daemon.fire("work-break")
    daemon.config = config_of(BEDTIME, BREAK)  # hold_while_away on: the bedtime reminder still comes
    with time_machine.travel(at_berlin(2025, 3, 10, 22, 30), tick=False):
        daemon.fire("bedtime")
    assert [kind for _, kind, _ in kinds(store)] == ["fired", "fired"]


def test_answers_from_two_threads_at_once_lose_nothing(store: Store) -> None:
    """The bus handler thread records while a reminder job records: the store takes both."""
    notifier = FakeNotifier()
    daemon = Daemon(config_of(BEDTIME), store, notifier, BERLIN)
    note = fired_note(daemon, notifier, "bedtime", at_berlin(2025, 3, 10, 22, 30))
    pressed = at_berlin(2025, 3, 10, 22, 35)
    threads = [threading.Thread(target=daemon.answer, args=(Answer("done", note, pressed),)) for _ in range(4)]
    with time_machine.travel(pressed, tick=False):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(store.sessions()) == 4


def test_done_on_a_reminder_left_on_screen_for_days_counts_for_today(store: Store) -> None:
    notifier = FakeNotifier()
    daemon = Daemon(config_of(BEDTIME), store, notifier, BERLIN)
    note = fired_note(daemon, notifier, "bedtime", at_berlin(2025, 3, 10, 22, 30))
    pressed = at_berlin(2025, 3, 13, 9, 0)
    with time_machine.travel(pressed, tick=False):
        daemon.answer(Answer("done", note, pressed))
    assert [s.logical_date for s in store.sessions()] == [date(2025, 3, 13)]
