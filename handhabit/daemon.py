"""`handhabit run`: the scheduler that turns the config into notifications and events.

A thin shell: when a reminder fires is `schedule`'s answer, whether it should is `habits`' answer;
this module only wires them to APScheduler, the store and a notifier, and survives their failures.
"""

from __future__ import annotations

import logging
import signal
import sqlite3
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from types import FrameType
from typing import TypeVar
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MISSED, EVENT_SCHEDULER_STARTED, JobExecutionEvent, SchedulerEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from handhabit import habits
from handhabit.clock import utc_now
from handhabit.config import Config, Habit, Reminder
from handhabit.notify import LogNotifier, Note, Notifier
from handhabit.records import Event
from handhabit.schedule import UTC, break_still_due
from handhabit.store import Store
from handhabit.tips import tip
from handhabit.triggers import ReminderTrigger
from handhabit.units import format_duration

log = logging.getLogger(__name__)
# The scheduler sleeps on the monotonic clock, which stands still during suspend; waking at least this
# often bounds how late a reminder can be noticed after the machine resumes.
HEARTBEAT = timedelta(seconds=60)
HEARTBEAT_JOB = "heartbeat"
T = TypeVar("T")
F = TypeVar("F")


def job_id(reminder: Reminder) -> str:
    return f"reminder:{reminder.id}"


def compose(reminder: Reminder, habit: Habit, progress: str | None, tip: str) -> Note:
    """Without buttons the note says how to record a session, and it ends with the command that starts
    the routine, so the reminder is one step from done."""
    lines = [
        reminder.message,
        f"Tip: {tip}",
        " · ".join(filter(None, [progress, "done? run: handhabit done"])),
        f"Guided: handhabit guide {reminder.routine or habit.routine}",
    ]
    return Note(summary=habit.name, body="\n".join(lines))


class Daemon:
    def __init__(
        self, config: Config, store: Store, notifier: Notifier, zone: ZoneInfo,
        scheduler_class: type[BaseScheduler] = BlockingScheduler,
    ) -> None:
        """`scheduler_class` lets tests drive the same jobs without blocking their thread."""
        self.config, self.store, self.notifier, self.zone = config, store, notifier, zone
        self.scheduler = scheduler_class(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(max_workers=4)},
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        self._lock = threading.Lock()
        self._last_session: dict[str, datetime] = {}
        self._last_fire: dict[str, datetime] = {}
        self._fired: int | None = None  # reminders fired so far, ever: where the tip rotation stands

    # wiring
    def schedule_jobs(self) -> None:
        self._last_session = self._read(self.store.last_session_times, {})
        self._last_fire = self._read(self.store.last_fired, {})
        for reminder in self.config.reminders:
            self.scheduler.add_job(
                self.fire, self._trigger(reminder), args=[reminder.id], id=job_id(reminder),
                name=reminder.id, misfire_grace_time=int(reminder.grace.total_seconds()), replace_existing=True,
            )
        self.scheduler.add_job(
            self.heartbeat, IntervalTrigger(seconds=HEARTBEAT.total_seconds()), id=HEARTBEAT_JOB,
            misfire_grace_time=None, replace_existing=True,
        )
        self.scheduler.add_listener(self.on_missed, EVENT_JOB_MISSED)

    def _trigger(self, reminder: Reminder) -> ReminderTrigger:
        return ReminderTrigger(
            reminder, self.zone,
            last_session=lambda: self._last_session.get(reminder.habit),
            last_fire=lambda: self._last_fire.get(reminder.id),
        )

    def next_times(self) -> list[tuple[str, datetime]]:
        jobs = [j for j in self.scheduler.get_jobs() if j.id != HEARTBEAT_JOB and j.next_run_time]
        return sorted(((j.name, j.next_run_time) for j in jobs), key=lambda item: item[1])

    def run(self) -> None:
        """Blocks until SIGTERM or SIGINT."""
        self.schedule_jobs()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_stop_signal)
        self.scheduler.add_listener(self._on_started, EVENT_SCHEDULER_STARTED)
        self.scheduler.start()
        self.store.close()
        log.info("handhabit stopped")

    def _on_started(self, event: SchedulerEvent) -> None:
        for name, when in self.next_times():
            log.info("next %s: %s", name, when.astimezone(self.zone).strftime("%a %Y-%m-%d %H:%M %Z"))
        log.info("handhabit is running with %d reminders", len(self.config.reminders))

    def _on_stop_signal(self, signum: int, frame: FrameType | None) -> None:
        log.info("%s received, stopping", signal.Signals(signum).name)
        self.scheduler.shutdown(wait=False)

    # jobs
    def heartbeat(self) -> None:
        self._refresh_sessions()

    def fire(self, reminder_id: str) -> None:
        reminder = next(r for r in self.config.reminders if r.id == reminder_id)
        habit = self.config.habit(reminder.habit)
        now = utc_now()
        self._refresh_sessions()
        if reminder.every and not break_still_due(reminder.every, self._last_session.get(habit.id), now):
            every = format_duration(reminder.every)
            log.info("%s: a session since the last break; the next break is %s after it", reminder.id, every)
            return
        progress = self._progress(habit.id, now)
        if progress is not None and progress.excused:  # `handhabit skip`: no nagging, whatever skip_if_met says
            self._record(reminder, "skipped", f"excused: {progress.text}", now)
            return
        if reminder.skip_if_met and progress is not None and progress.met:
            self._record(reminder, "skipped", f"target met: {progress.text}", now)
            return
        with self._lock:
            if self._fired is None:
                self._fired = self._read(self.store.fired_count, 0)
            self._fired = count = self._fired + 1
        note = compose(reminder, habit, progress.text if progress else None, tip(count))
        try:
            self.notifier.send(note)
            detail = self.notifier.name
        except Exception as exc:  # a broken backend must never stop the reminders
            log.error("%s: notification through %s failed: %s", reminder.id, self.notifier.name, exc)
            LogNotifier().send(note)
            detail = f"{self.notifier.name} failed: {exc}"
        with self._lock:
            self._last_fire[reminder.id] = now
        self._record(reminder, "fired", detail, now)

    def on_missed(self, event: JobExecutionEvent) -> None:
        reminder = next((r for r in self.config.reminders if job_id(r) == event.job_id), None)
        if reminder is None:
            return
        due = event.scheduled_run_time.astimezone(self.zone).strftime("%H:%M")
        grace = format_duration(reminder.grace)
        self._record(reminder, "missed", f"due {due}, later than its grace of {grace}", utc_now())

    # helpers
    def _refresh_sessions(self) -> None:
        """Reads the latest session per habit; a new one restarts the break clock of its reminders."""
        latest = self._read(self.store.last_session_times, None)
        if latest is None:
            return
        with self._lock:
            changed = {h for h in set(latest) | set(self._last_session) if latest.get(h) != self._last_session.get(h)}
            self._last_session = latest
        for reminder in self.config.reminders:
            if reminder.every and reminder.habit in changed:
                self.scheduler.reschedule_job(job_id(reminder), trigger=self._trigger(reminder))

    def _progress(self, habit_id: str, now: datetime) -> habits.Progress | None:
        habit = self.config.habit(habit_id)
        general = self.config.general
        today = habits.logical_date(now, self.zone, general.day_starts_at)
        since = today - timedelta(days=7)
        sessions = self._read(lambda: self.store.sessions(habit_id, since=since), None)
        excuses = self._read(self.store.excuses, None)
        if sessions is None or excuses is None:
            return None
        return habits.progress(
            habit, sessions, excuses, today=today, week_starts_on=general.week_starts_on,
            routine_minutes=self.config.routine(habit.routine).minutes,
        )

    def _record(self, reminder: Reminder, kind: str, detail: str | None, now: datetime) -> None:
        log.info("%s: %s (%s)", reminder.id, kind, detail)
        event = Event(str(uuid.uuid4()), now, reminder.id, reminder.habit, kind, detail)
        self._read(lambda: self.store.add_event(event), None)

    def _read(self, action: Callable[[], T], fallback: F) -> T | F:
        """Runs a store call; a locked, corrupt or full database is logged, never fatal to the daemon."""
        try:
            return action()
        except (sqlite3.Error, OSError) as exc:
            log.error("database %s: %s", self.store.path, exc)
            return fallback
