"""The answers of a notification's buttons (done, snooze, skip), recorded at once, and the snoozes they and
`handhabit snooze` record, scheduled as jobs of their own. A snooze is an event in the database, so it
outlives a restart and a lost signal: the jobs are made again from the events."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.date import DateTrigger

from handhabit.core import habits, snoozes
from handhabit.core.records import UTC, Session
from handhabit.daemon.live_config import LiveConfig
from handhabit.daemon.recorder import Recorder
from handhabit.host.clock import utc_now
from handhabit.notify.note import Answer, Answering, Note, Notifier

log = logging.getLogger(__name__)
SNOOZE_PREFIX = "snooze:"


class Answers:
    def __init__(self, live: LiveConfig, recorder: Recorder, scheduler: BaseScheduler,
                 fire: Callable[[str, str], None], refresh_sessions: Callable[[], None]) -> None:
        """`fire` is the daemon's, which a snooze's job goes through when it ends; `refresh_sessions`
        restarts the break clocks after a session done from the notification."""
        self.live, self.recorder, self.scheduler = live, recorder, scheduler
        self.fire, self.refresh_sessions = fire, refresh_sessions
        self.snoozed: dict[str, datetime] = {}  # reminder id -> when its scheduled snooze ends

    def listen(self, notifiers: Sequence[Notifier]) -> None:
        for notifier in notifiers:
            if isinstance(notifier, Answering):
                notifier.answers_to(self.answer)

    def answer(self, answer: Answer) -> None:
        """A button pressed on a reminder, recorded at once."""
        note, now = answer.note, answer.at
        if answer.action == "done":
            self._done(note, now)
        elif answer.action == "snooze":
            self._snooze(note.reminder, note.habit, now, now + self.live.config.notify.snooze)
        elif answer.action == "skip":
            self.recorder.event(note.reminder, note.habit, "skipped", "skipped from the notification", now)

    def _done(self, note: Note, now: datetime) -> None:
        """The session counts for the logical day of the reminder that was pressed, not of the press: a
        bedtime reminder answered after midnight is the evening's session. A reminder left on screen for
        days is answered for today: a session is counted at most a day from when it was done."""
        zone, day_starts_at = self.live.zone, self.live.config.general.day_starts_at
        today = habits.logical_date(now, zone, day_starts_at)
        day = habits.logical_date(note.due or now, zone, day_starts_at)
        if not timedelta(0) <= today - day <= timedelta(days=1):
            day = today
        session = Session(str(uuid.uuid4()), note.habit, now, zone.key, day, None, "notification", None, now)
        log.info("%s: done from the notification: a session of %s for %s", note.reminder, note.habit, day)
        self.recorder.guarded(lambda: self.recorder.store.add_session(session), None)
        self.refresh_sessions()

    def _snooze(self, reminder_id: str, habit_id: str, now: datetime, until: datetime) -> None:
        event = snoozes.snooze_event(str(uuid.uuid4()), now, reminder_id, habit_id, until)
        log.info("%s: snoozed from the notification", reminder_id)
        self.recorder.guarded(lambda: self.recorder.store.add_event(event), None)
        self.check_snoozes()

    def check_snoozes(self) -> None:
        """Schedules the snoozes recorded by a button or `handhabit snooze` that are still to come; at
        start, on SIGUSR1 and on the heartbeat, so a snooze outlives a restart and a lost signal."""
        now = utc_now()
        store = self.recorder.store
        events = self.recorder.guarded(lambda: store.events(since=now - snoozes.LOOKBACK, local_only=True), None)
        if events is None:
            return
        for reminder_id, until in snoozes.pending(events, now).items():
            reminder = self.live.reminder(reminder_id)
            if reminder is None or self.snoozed.get(reminder_id) == until:
                continue
            self.snoozed[reminder_id] = until
            log.info("%s: snoozed until %s", reminder_id, until.astimezone(self.live.zone).strftime("%H:%M:%S"))
            self.scheduler.add_job(
                self._fire_snoozed, DateTrigger(until, timezone=UTC), args=[reminder_id],
                id=f"{SNOOZE_PREFIX}{reminder_id}", name=reminder_id, replace_existing=True,
                misfire_grace_time=int(reminder.grace.total_seconds()),
            )

    def _fire_snoozed(self, reminder_id: str) -> None:
        self.snoozed.pop(reminder_id, None)
        self.fire(reminder_id, "snoozed")

    def end_snooze(self, reminder_id: str) -> None:
        """The reminder comes by its schedule: a snooze of it has nothing left to do."""
        if self.snoozed.pop(reminder_id, None) is not None:
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(f"{SNOOZE_PREFIX}{reminder_id}")
