"""The reminders' jobs in the scheduler, and the break clocks they run on: when each habit's latest session
was and when each reminder last fired here. A new session restarts the break clock of its reminders, and a
job the machine slept through past its grace is recorded as missed."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import datetime

from apscheduler.events import JobExecutionEvent
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler

from handhabit.config.model import Reminder
from handhabit.core.units import format_duration
from handhabit.daemon.answers import SNOOZE_PREFIX
from handhabit.daemon.live_config import LiveConfig
from handhabit.daemon.recorder import Recorder
from handhabit.daemon.triggers import ReminderTrigger
from handhabit.host.clock import utc_now

log = logging.getLogger(__name__)
JOB_PREFIX = "reminder:"


def job_id(reminder: Reminder) -> str:
    return f"{JOB_PREFIX}{reminder.id}"


class ReminderJobs:
    def __init__(self, live: LiveConfig, recorder: Recorder, scheduler: BaseScheduler, lock: threading.Lock,
                 fire: Callable[[str], None]) -> None:
        """`lock` is the daemon's, under which the clocks change; `fire` is what a reminder's job runs."""
        self.live, self.recorder, self.scheduler, self.lock, self.fire = live, recorder, scheduler, lock, fire
        self.last_session: dict[str, datetime] = {}
        self.last_fire: dict[str, datetime] = {}

    def read_clocks(self) -> None:
        store = self.recorder.store
        self.last_session = self.recorder.guarded(lambda: store.last_session_times(utc_now()), {})
        self.last_fire = self.recorder.guarded(lambda: store.last_fired(local_only=True), {})

    def schedule(self) -> None:
        """Jobs by stable ids: a reload replaces each reminder's job and drops those of removed ones."""
        wanted = {job_id(r) for r in self.live.config.reminders}
        for job in self.scheduler.get_jobs():
            if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
                job.remove()
        for reminder in self.live.config.reminders:
            self.scheduler.add_job(
                self.fire, self._trigger(reminder), args=[reminder.id], id=job_id(reminder),
                name=reminder.id, misfire_grace_time=int(reminder.grace.total_seconds()), replace_existing=True,
            )

    def _trigger(self, reminder: Reminder) -> ReminderTrigger:
        return ReminderTrigger(
            reminder, self.live.zone,
            last_session=lambda: self.last_session.get(reminder.habit),
            last_fire=lambda: self.last_fire.get(reminder.id),
        )

    def next_times(self) -> list[tuple[str, datetime]]:
        # Before the scheduler starts, jobs have no next_run_time attribute yet.
        jobs = [j for j in self.scheduler.get_jobs() if getattr(j, "next_run_time", None)]
        return sorted(((j.name, j.next_run_time) for j in jobs), key=lambda item: item[1])

    def status(self) -> str:
        """systemd's STATUS= line, shown by `systemctl --user status handhabit`."""
        nxt = self.next_times()
        if not nxt:
            return "no reminders scheduled"
        name, when = nxt[0]
        local = when.astimezone(self.live.zone)
        today = utc_now().astimezone(self.live.zone).date()
        return f"next: {name} {local:%H:%M}" if local.date() == today else f"next: {name} {local:%a %H:%M}"

    def log_next(self) -> None:
        for name, when in self.next_times():
            log.info("next %s: %s", name, when.astimezone(self.live.zone).strftime("%a %Y-%m-%d %H:%M %Z"))

    def refresh_sessions(self) -> None:
        """Reads the latest session per habit; a new one restarts the break clock of its reminders."""
        latest = self.recorder.guarded(lambda: self.recorder.store.last_session_times(utc_now()), None)
        if latest is None:
            return
        with self.lock:
            changed = {h for h in set(latest) | set(self.last_session) if latest.get(h) != self.last_session.get(h)}
            self.last_session = latest
        for reminder in self.live.config.reminders:
            if reminder.every and reminder.habit in changed:
                with contextlib.suppress(JobLookupError):  # a reload may have just replaced the job
                    self.scheduler.reschedule_job(job_id(reminder), trigger=self._trigger(reminder))

    def on_missed(self, event: JobExecutionEvent) -> None:
        """A reminder (or its snooze) due while the machine slept, found later than its grace."""
        prefix = next((p for p in (JOB_PREFIX, SNOOZE_PREFIX) if event.job_id.startswith(p)), None)
        reminder = self.live.reminder(event.job_id.removeprefix(prefix)) if prefix else None
        if reminder is None:
            return
        due = event.scheduled_run_time.astimezone(self.live.zone).strftime("%H:%M")
        grace = format_duration(reminder.grace)
        self.recorder.record(reminder, "missed", f"due {due}, later than its grace of {grace}", utc_now())
