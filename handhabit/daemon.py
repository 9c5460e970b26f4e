"""`handhabit run`: the scheduler that turns the config into notifications and events.

A thin shell: when a reminder fires is `schedule`'s answer, whether it should is `habits`' answer;
this module only wires them to APScheduler, the store and a notifier, and survives their failures.
It also speaks to systemd (readiness, reload, stop, watchdog) and reloads its config on SIGHUP or when
the file changes, keeping the last good config when the new one is broken or the file is gone. Its
scheduler (`steady`) keeps the jobs on time when the wall clock steps.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TypeVar
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MISSED, EVENT_SCHEDULER_STARTED, JobExecutionEvent, SchedulerEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger

from handhabit import habits, readiness
from handhabit.clock import utc_now
from handhabit.clock import zone as configured_zone
from handhabit.config import Config, ConfigError, Habit, Reminder, load
from handhabit.notify import LogNotifier, Note, Notifier, choose
from handhabit.pauses import PAUSED, RESUMED, paused_until
from handhabit.records import Event
from handhabit.schedule import UTC, break_still_due
from handhabit.steady import SteadyScheduler
from handhabit.store import Store, StoreError
from handhabit.tips import tip
from handhabit.triggers import ReminderTrigger
from handhabit.units import format_duration

log = logging.getLogger(__name__)
# Feeds systemd's watchdog (WatchdogSec=3min) and notices new sessions and a changed config file.
HEARTBEAT = timedelta(seconds=60)
HEARTBEAT_JOB = "heartbeat"
JOB_PREFIX = "reminder:"
T = TypeVar("T")
F = TypeVar("F")


def job_id(reminder: Reminder) -> str:
    return f"{JOB_PREFIX}{reminder.id}"


def _stamp(path: Path | None) -> tuple[int, int] | None:
    """What tells a changed config file: its mtime and size (None: no file, the built-in default)."""
    try:
        info = path.stat() if path is not None else None
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size) if info is not None else None


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
        scheduler_class: Callable[..., BaseScheduler] = SteadyScheduler, config_path: Path | None = None,
    ) -> None:
        """`scheduler_class` lets tests drive the same jobs without blocking their thread, or with a short
        wait; `config_path` is where a reload reads from (None: never reload)."""
        self.config, self.store, self.notifier, self.zone = config, store, notifier, zone
        self.config_path = config_path
        self._config_stamp = _stamp(config_path)
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
        self._schedule_reminders()
        self.scheduler.add_job(
            self.heartbeat, IntervalTrigger(seconds=HEARTBEAT.total_seconds(), timezone=UTC), id=HEARTBEAT_JOB,
            misfire_grace_time=None, replace_existing=True,
        )
        self.scheduler.add_listener(self.on_missed, EVENT_JOB_MISSED)

    def _schedule_reminders(self) -> None:
        """Jobs by stable ids: a reload replaces each reminder's job and drops those of removed ones."""
        wanted = {job_id(r) for r in self.config.reminders}
        for job in self.scheduler.get_jobs():
            if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
                job.remove()
        for reminder in self.config.reminders:
            self.scheduler.add_job(
                self.fire, self._trigger(reminder), args=[reminder.id], id=job_id(reminder),
                name=reminder.id, misfire_grace_time=int(reminder.grace.total_seconds()), replace_existing=True,
            )

    def _trigger(self, reminder: Reminder) -> ReminderTrigger:
        return ReminderTrigger(
            reminder, self.zone,
            last_session=lambda: self._last_session.get(reminder.habit),
            last_fire=lambda: self._last_fire.get(reminder.id),
        )

    def next_times(self) -> list[tuple[str, datetime]]:
        # Before the scheduler starts, jobs have no next_run_time attribute yet.
        jobs = [j for j in self.scheduler.get_jobs() if j.id != HEARTBEAT_JOB and getattr(j, "next_run_time", None)]
        return sorted(((j.name, j.next_run_time) for j in jobs), key=lambda item: item[1])

    def status(self) -> str:
        """systemd's STATUS= line, shown by `systemctl --user status handhabit`."""
        nxt = self.next_times()
        if not nxt:
            return "no reminders scheduled"
        name, when = nxt[0]
        local = when.astimezone(self.zone)
        today = utc_now().astimezone(self.zone).date()
        return f"next: {name} {local:%H:%M}" if local.date() == today else f"next: {name} {local:%a %H:%M}"

    def run(self) -> None:
        """Blocks until SIGTERM or SIGINT; SIGHUP reloads the config."""
        self.schedule_jobs()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_stop_signal)
        signal.signal(signal.SIGHUP, self._on_reload_signal)
        self.scheduler.add_listener(self._on_started, EVENT_SCHEDULER_STARTED)
        self.scheduler.start()
        self.store.close()
        log.info("handhabit stopped")

    def _on_started(self, event: SchedulerEvent) -> None:
        self._log_next()
        log.info("handhabit is running with %d reminders", len(self.config.reminders))
        readiness.notify("READY=1", f"STATUS={self.status()}")

    def _log_next(self) -> None:
        for name, when in self.next_times():
            log.info("next %s: %s", name, when.astimezone(self.zone).strftime("%a %Y-%m-%d %H:%M %Z"))

    def _on_stop_signal(self, signum: int, frame: FrameType | None) -> None:
        log.info("%s received, stopping", signal.Signals(signum).name)
        readiness.notify("STOPPING=1")
        self.scheduler.shutdown(wait=False)

    def _on_reload_signal(self, signum: int, frame: FrameType | None) -> None:
        # A signal handler interrupts the main thread anywhere, possibly inside the scheduler's lock:
        # the reload runs on a thread of its own, which takes the locks like any job.
        threading.Thread(target=self.reload, args=("SIGHUP",), name="reload", daemon=True).start()

    def reload(self, why: str) -> bool:
        """Reads the config again; a broken one is logged and recorded, and the last good one stays. So
        does the person's config when its file is gone: the built-in default is for a first start, and
        would replace their reminders with ones they never chose."""
        readiness.reloading()
        self._config_stamp = _stamp(self.config_path)
        try:
            config = self._load()
        except ConfigError as exc:
            for line in exc.lines:
                log.error("%s", line)
            log.error("reload (%s) failed: keeping the config that was running", why)
            return self._keep(exc.lines[0] if exc.lines else why, "the new config has errors")
        if config.source is None and self.config.source is not None:
            log.warning("reload (%s): the config file %s is gone, keeping the config that was running; restore "
                        "the file, or run `handhabit init` to write the example config there", why, self.config_path)
            return self._keep(f"{self.config_path}: the config file is gone", "the config file is gone")
        if config.notify.backend != self.config.notify.backend:
            self.notifier = choose(config.notify.backend)
        with self._lock:
            self.config, self.zone = config, configured_zone(config.general, warn=log.warning)
        self._schedule_reminders()
        log.info("config reloaded (%s): %s, %d reminders", why, config.source or "built-in default",
                 len(config.reminders))
        self._log_next()
        self._record_daemon("reloaded", why)
        readiness.notify("READY=1", f"STATUS={self.status()}")
        return True

    def _keep(self, detail: str, note: str) -> bool:
        """A reload that changed nothing: recorded for `handhabit log`, and systemd hears the daemon runs on."""
        self._record_daemon("reload-failed", detail)
        readiness.notify("READY=1", f"STATUS={self.status()} ({note})")
        return False

    def _load(self) -> Config:
        if self.config_path is None:
            raise ConfigError(["no config file to reload"])
        return load(self.config_path)

    # jobs
    def heartbeat(self) -> None:
        self._refresh_sessions()
        if self.config_path is not None and _stamp(self.config_path) != self._config_stamp:
            self.reload("the config file changed")
        if readiness.watchdog_wanted():
            readiness.notify("WATCHDOG=1")

    def fire(self, reminder_id: str) -> None:
        reminder = next((r for r in self.config.reminders if r.id == reminder_id), None)
        if reminder is None:  # removed by a reload while its job was starting
            return
        habit = self.config.habit(reminder.habit)
        now = utc_now()
        self._refresh_sessions()
        until = paused_until(self._read(lambda: self.store.latest_of(PAUSED, RESUMED), None), now)
        if until is not None:
            self._record(reminder, "skipped", f"paused until {until.astimezone(self.zone):%a %H:%M}", now)
            return
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
        readiness.notify(f"STATUS={self.status()}")

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
                with contextlib.suppress(JobLookupError):  # a reload may have just replaced the job
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

    def _record_daemon(self, kind: str, detail: str | None) -> None:
        event = Event(str(uuid.uuid4()), utc_now(), None, None, kind, detail)
        self._read(lambda: self.store.add_event(event), None)

    def _read(self, action: Callable[[], T], fallback: F) -> T | F:
        """Runs a store call; a locked, corrupt or full database is logged, never fatal to the daemon."""
        try:
            return action()
        except StoreError as exc:
            log.error("%s", exc)
            return fallback
