"""`handhabit run`: the scheduler that turns the config into notifications and events.

A thin shell: when a reminder fires is `schedule`'s answer, whether it should is `habits`' answer;
this module only wires them to APScheduler, the store and a notifier, and survives their failures.
It also speaks to systemd (readiness, reload, stop, watchdog) and reloads its config on SIGHUP or when
the file changes, keeping the last good config when the new one is broken or the file is gone. Its
scheduler (`steady`) keeps the jobs on time when the wall clock steps. On a desktop it takes the
answers of the notification's buttons, holds break reminders while the person is away (`holding`) and
wakes at once after a suspend; the DBus conversations behind these live in `desktop/`.

With a sync folder set (`[sync]`), it sends what it records there on its heartbeat and after a fire, and
merges the other devices' changes at start, on the heartbeat when one of their journals changed, and just
before it decides a reminder: a session done on another machine puts off this machine's reminder. Only
this machine's own events (snoozes, fires) drive its reminders; sessions count from every device. A folder
that fails is a line when it starts failing and one when it works again, and the reminders go on.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Protocol, TypeVar
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MISSED, EVENT_SCHEDULER_STARTED, JobExecutionEvent, SchedulerEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.date import DateTrigger

from handhabit.config import Config, ConfigError, Habit, Reminder, Sync, load
from handhabit.core import habits, holding, snoozes
from handhabit.core.pauses import PAUSED, RESUMED, paused_until
from handhabit.core.records import Event, Session
from handhabit.core.schedule import UTC, break_still_due
from handhabit.core.tips import tip
from handhabit.core.units import counted, format_duration
from handhabit.daemon import readiness, running_config
from handhabit.daemon.steady import SteadyScheduler
from handhabit.daemon.triggers import ReminderTrigger
from handhabit.host.clock import utc_now
from handhabit.host.clock import zone as configured_zone
from handhabit.notify.backends import Answer, Answering, Note, Notifier, choose, deliver
from handhabit.store import Store, StoreError
from handhabit.sync import rounds
from handhabit.sync.folder import Folder, JournalFile, Listing, SyncFolderError

if TYPE_CHECKING:
    from handhabit.desktop.buses import Buses

log = logging.getLogger(__name__)
JOB_PREFIX = "reminder:"
SNOOZE_PREFIX = "snooze:"
BACK_PREFIX = "back:"
T = TypeVar("T")
F = TypeVar("F")


def job_id(reminder: Reminder) -> str:
    return f"{JOB_PREFIX}{reminder.id}"


class Presence(Protocol):
    """Whether the person is at the machine (`desktop.presence`)."""

    def away(self) -> str | None: ...

    def watch_for_return(self, wanted: bool) -> None: ...

    def set_away_after(self, away_after: timedelta) -> None: ...

    def close(self) -> None: ...


class AlwaysPresent:
    """Where nothing tells presence (no desktop, or `hold_while_away = false`): nothing is ever held."""

    def away(self) -> str | None:
        return None

    def watch_for_return(self, wanted: bool) -> None:
        pass

    def set_away_after(self, away_after: timedelta) -> None:
        pass

    def close(self) -> None:
        pass


def _stamp(path: Path | None) -> tuple[int, int] | None:
    """What tells a changed config file: its mtime and size (None: no file, the built-in default)."""
    try:
        info = path.stat() if path is not None else None
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size) if info is not None else None


def _mark(journal: JournalFile) -> tuple[int, datetime]:
    """What tells a journal changed since it was merged: its size and time, from the listing alone."""
    return journal.size, journal.modified


def compose(reminder: Reminder, habit: Habit, progress: str | None, tip: str, due: datetime | None = None,
            snooze: timedelta = timedelta(minutes=10)) -> Note:
    return Note(summary=habit.name, message=reminder.message, tip=tip, progress=progress,
                routine=reminder.routine or habit.routine, reminder=reminder.id, habit=habit.id, due=due,
                snooze=snooze)


class Daemon:
    def __init__(
        self, config: Config, store: Store, notifier: Notifier | Sequence[Notifier], zone: ZoneInfo,
        scheduler_class: Callable[..., BaseScheduler] = SteadyScheduler, config_path: Path | None = None,
        buses: Buses | None = None,
    ) -> None:
        """`notifier` may be a backend or the backends in the order they stand in for each other;
        `scheduler_class` lets tests drive the same jobs without blocking their thread, or with a short
        wait (it is given the heartbeat, which only SteadyScheduler runs: with APScheduler's own
        schedulers a test calls `heartbeat` itself); `config_path` is where a reload reads from (None:
        never reload); `buses` is the desktop (None: no buttons' answers, presence or suspend signals)."""
        self.config, self.store, self.zone = config, store, zone
        self.notifiers = (notifier,) if not isinstance(notifier, Sequence) else tuple(notifier)
        self.config_path, self.buses = config_path, buses
        self.presence: Presence = AlwaysPresent()
        self._held: dict[str, datetime] = {}  # reminder id -> when it was first held
        self._config_stamp = _stamp(config_path)
        self.scheduler = scheduler_class(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(max_workers=4)},
            job_defaults={"coalesce": True, "max_instances": 1},
            heartbeat=self.heartbeat,
        )
        self._lock = threading.Lock()
        self._last_session: dict[str, datetime] = {}
        self._last_fire: dict[str, datetime] = {}
        self._fired: int | None = None  # reminders fired so far, ever: where the tip rotation stands
        self._snoozed: dict[str, datetime] = {}  # reminder id -> when its scheduled snooze ends
        self._syncing = threading.Lock()  # one sync step at a time: two sends at once would write a batch twice
        self._folder: Folder | None = None  # the sync folder as last built (None: not yet, or sync is off)
        self._seen: dict[Path, tuple[int, datetime]] = {}  # the other devices' journals as merged last
        self._sync_trouble: str | None = None  # the line the folder fails with, while it fails
        self._problems_told: set[str] = set()  # the journals' bad lines already logged at WARNING
        store.journaling = config.sync.folder is not None  # what the daemon records goes out when sync is on

    # wiring
    def schedule_jobs(self) -> None:
        self.sync()
        self._last_session = self._read(lambda: self.store.last_session_times(utc_now()), {})
        self._last_fire = self._read(lambda: self.store.last_fired(local_only=True), {})
        self._schedule_reminders()
        self._listen(self.notifiers)
        self.check_snoozes()
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
        jobs = [j for j in self.scheduler.get_jobs() if getattr(j, "next_run_time", None)]
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

    def watch_desktop(self) -> None:
        """Presence (when break reminders are to be held) and suspend, where the buses offer them."""
        if self.buses is None:
            return
        system = self.buses.system()
        if system is not None:
            from handhabit.desktop.sleep import watch_sleep

            watch_sleep(system, on_sleep=lambda: log.info("the machine is going to sleep"), on_wake=self.woke)
        self._watch_presence()

    def _watch_presence(self) -> None:
        if self.buses is None or not self.config.notify.hold_while_away or not isinstance(self.presence, AlwaysPresent):
            return
        from handhabit.desktop.presence import Presence as DesktopPresence

        presence = DesktopPresence(self.buses.session(), self.buses.system(), self.config.notify.away_after,
                                   on_back=self.on_back)
        presence.start()
        self.presence = presence

    def run(self) -> None:
        """Blocks until SIGTERM or SIGINT; SIGHUP reloads the config, SIGUSR1 re-reads the snoozes."""
        self.schedule_jobs()
        self.watch_desktop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_stop_signal)
        signal.signal(signal.SIGHUP, self._on_reload_signal)
        signal.signal(signal.SIGUSR1, self._on_snooze_signal)
        self.scheduler.add_listener(self._on_started, EVENT_SCHEDULER_STARTED)
        self.scheduler.start()
        self.presence.close()
        self._send_out(utc_now())  # what the last jobs recorded
        running_config.withdraw(self.store.path)
        self.store.close()
        log.info("handhabit stopped")

    def _on_started(self, event: SchedulerEvent) -> None:
        self._log_next()
        log.info("handhabit is running with %s", counted(len(self.config.reminders), "reminder"))
        self._publish()
        readiness.notify("READY=1", f"STATUS={self.status()}")

    def _publish(self) -> None:
        """`status` shows what runs: the config as loaded, which a broken or deleted file does not replace."""
        try:
            running_config.publish(self.store.path, self.config.source, self.config.text, utc_now())
        except OSError as exc:
            log.info("cannot tell `handhabit status` the running config (%s): it shows the file's",
                     exc.strerror or exc)

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

    def _on_snooze_signal(self, signum: int, frame: FrameType | None) -> None:
        """`handhabit snooze` recorded a snooze: schedule it now rather than at the next heartbeat."""
        threading.Thread(target=self.check_snoozes, name="snoozes", daemon=True).start()

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
            self.notifiers = tuple(choose(config.notify.backend, self.buses))
            self._listen(self.notifiers)
        with self._lock:
            before, self.config = self.config.sync, config
            self.zone = configured_zone(config.general, warn=log.warning)
        if config.sync != before:
            self._sync_changed(config.sync)
        self.presence.set_away_after(config.notify.away_after)
        self._watch_presence()
        self._schedule_reminders()
        log.info("config reloaded (%s): %s, %s", why, config.source or "built-in default",
                 counted(len(config.reminders), "reminder"))
        self._log_next()
        self._record_daemon("reloaded", why)
        self._publish()
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
        """Once a minute, on the scheduler's own thread (`steady`): restarts the break clock of a habit
        with a new session, schedules a snooze whose signal was lost, reloads a changed config file and
        feeds systemd's watchdog (WatchdogSec=3min), which thereby hears that the loop itself is alive.
        What could hold it up (a database locked for its busy timeout, a reload that waits for the
        desktop) delays the reminders due meanwhile by that long, never loses them."""
        self.sync()
        self._refresh_sessions()
        self.check_snoozes()
        if self.config_path is not None and _stamp(self.config_path) != self._config_stamp:
            self.reload("the config file changed")
        if readiness.watchdog_wanted():
            readiness.notify("WATCHDOG=1")

    def fire(self, reminder_id: str, why: str = "due") -> None:
        """`why` is "due" (its schedule), "snoozed" or "back" (held while the person was away)."""
        reminder = self._reminder(reminder_id)
        if reminder is None:  # removed by a reload while its job was starting
            return
        habit = self.config.habit(reminder.habit)
        now = utc_now()
        if why == "due":
            self._end_snooze(reminder.id)  # it comes by its schedule: a snooze of it has nothing left to do
        self._take_in(now)  # a session done on another machine since the last heartbeat counts
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
        verdict = holding.when_due(reminder, self.presence.away(), self.config.notify.hold_while_away)
        if verdict.outcome is holding.Outcome.HOLD:
            self._hold(reminder, verdict.reason, now)
            return
        with self._lock:
            if self._fired is None:
                self._fired = self._read(self.store.fired_count, 0)
            self._fired = count = self._fired + 1
        note = compose(reminder, habit, progress.text if progress else None, tip(count), now, self.config.notify.snooze)
        detail = deliver(self.notifiers, note)
        with self._lock:
            self._last_fire[reminder.id] = now
            self._held.pop(reminder.id, None)
        self._record(reminder, "fired", detail if why == "due" else f"{detail} ({why})", now)
        self._send_out(now)
        readiness.notify(f"STATUS={self.status()}")

    # away and back
    def _hold(self, reminder: Reminder, why: str | None, now: datetime) -> None:
        """Recorded once however many of its slots pass while the person is away; it comes once on return."""
        with self._lock:
            first = reminder.id not in self._held
            self._held.setdefault(reminder.id, now)
        if first:
            self._record(reminder, "held", why, now)
        self.presence.watch_for_return(True)

    def on_back(self) -> None:
        """The person is back (unlocked, active again): each held reminder comes once, if still in time."""
        now = utc_now()
        with self._lock:
            held, self._held = self._held, {}
        if not held:
            return
        self.presence.watch_for_return(False)
        for reminder_id, since in held.items():
            reminder = self._reminder(reminder_id)
            if reminder is None:
                continue
            verdict = holding.when_back(reminder, self.zone, since, now)
            if verdict.outcome is holding.Outcome.MISSED:
                self._record(reminder, "missed", verdict.reason, now)
            else:
                self.scheduler.add_job(self.fire, args=[reminder.id, "back"], id=f"{BACK_PREFIX}{reminder.id}",
                                       replace_existing=True, misfire_grace_time=None)

    def woke(self) -> None:
        """logind says the machine woke: the scheduler's wait ran on a clock that stood still in suspend,
        so it is woken now to fire what is within its grace and record the rest as missed."""
        log.info("the machine woke from sleep: catching up on the reminders")
        self.scheduler.wakeup()

    # the buttons
    def _listen(self, notifiers: Sequence[Notifier]) -> None:
        for notifier in notifiers:
            if isinstance(notifier, Answering):
                notifier.answers_to(self.answer)

    def answer(self, answer: Answer) -> None:
        """A button pressed on a reminder, recorded at once."""
        note, now = answer.note, answer.at
        if answer.action == "done":
            self._done(note, now)
        elif answer.action == "snooze":
            self._snooze(note.reminder, note.habit, now, now + self.config.notify.snooze)
        elif answer.action == "skip":
            self._event(note.reminder, note.habit, "skipped", "skipped from the notification", now)

    def _done(self, note: Note, now: datetime) -> None:
        """The session counts for the logical day of the reminder that was pressed, not of the press: a
        bedtime reminder answered after midnight is the evening's session. A reminder left on screen for
        days is answered for today: a session is counted at most a day from when it was done."""
        today = habits.logical_date(now, self.zone, self.config.general.day_starts_at)
        day = habits.logical_date(note.due or now, self.zone, self.config.general.day_starts_at)
        if not timedelta(0) <= today - day <= timedelta(days=1):
            day = today
        session = Session(str(uuid.uuid4()), note.habit, now, self.zone.key, day, None, "notification", None, now)
        log.info("%s: done from the notification: a session of %s for %s", note.reminder, note.habit, day)
        self._read(lambda: self.store.add_session(session), None)
        self._refresh_sessions()

    def _snooze(self, reminder_id: str, habit_id: str, now: datetime, until: datetime) -> None:
        event = snoozes.snooze_event(str(uuid.uuid4()), now, reminder_id, habit_id, until)
        log.info("%s: snoozed from the notification", reminder_id)
        self._read(lambda: self.store.add_event(event), None)
        self.check_snoozes()

    def check_snoozes(self) -> None:
        """Schedules the snoozes recorded by a button or `handhabit snooze` that are still to come; at
        start, on SIGUSR1 and on the heartbeat, so a snooze outlives a restart and a lost signal."""
        now = utc_now()
        events = self._read(lambda: self.store.events(since=now - snoozes.LOOKBACK, local_only=True), None)
        if events is None:
            return
        for reminder_id, until in snoozes.pending(events, now).items():
            reminder = self._reminder(reminder_id)
            if reminder is None or self._snoozed.get(reminder_id) == until:
                continue
            self._snoozed[reminder_id] = until
            log.info("%s: snoozed until %s", reminder_id, until.astimezone(self.zone).strftime("%H:%M:%S"))
            self.scheduler.add_job(
                self._fire_snoozed, DateTrigger(until, timezone=UTC), args=[reminder_id],
                id=f"{SNOOZE_PREFIX}{reminder_id}", name=reminder_id, replace_existing=True,
                misfire_grace_time=int(reminder.grace.total_seconds()),
            )

    def _fire_snoozed(self, reminder_id: str) -> None:
        self._snoozed.pop(reminder_id, None)
        self.fire(reminder_id, "snoozed")

    def _end_snooze(self, reminder_id: str) -> None:
        if self._snoozed.pop(reminder_id, None) is not None:
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(f"{SNOOZE_PREFIX}{reminder_id}")

    def on_missed(self, event: JobExecutionEvent) -> None:
        """A reminder (or its snooze) due while the machine slept, found later than its grace."""
        prefix = next((p for p in (JOB_PREFIX, SNOOZE_PREFIX) if event.job_id.startswith(p)), None)
        reminder = self._reminder(event.job_id.removeprefix(prefix)) if prefix else None
        if reminder is None:
            return
        due = event.scheduled_run_time.astimezone(self.zone).strftime("%H:%M")
        grace = format_duration(reminder.grace)
        self._record(reminder, "missed", f"due {due}, later than its grace of {grace}", utc_now())

    # sync
    def sync(self) -> None:
        """A round with the sync folder when one is set: this device's outbox out, then whatever changed in
        the other devices' journals (told by a listing, not a reading) merged in."""
        now = utc_now()
        self._send_out(now)
        self._take_in(now)

    def _send_out(self, now: datetime) -> None:
        self._with_folder("send", lambda folder: rounds.send(self.store, folder, now))

    def _take_in(self, now: datetime) -> None:
        """Merges the other devices' journals whose size or time changed since they were last merged; a
        merge that brought sessions restarts the break clocks (`_refresh_sessions`)."""

        def take_in(folder: Folder) -> None:
            listing = rounds.every_journal(folder)
            changed = [journal for journal in listing.journals if self._seen.get(journal.path) != _mark(journal)]
            if not changed and not listing.problems:
                return
            done = rounds.receive(self.store, folder, now, Listing(changed, listing.problems))
            with self._lock:
                self._seen.update((journal.path, _mark(journal)) for journal in changed)
            for line in done.problems:
                told = line in self._problems_told
                self._problems_told.add(line)
                log.log(logging.DEBUG if told else logging.WARNING, "sync: %s", line)
            brought = {name: +counts for name, counts in done.received.items() if +counts}
            for name, counts in sorted(brought.items()):
                log.info("sync: from %s: %s", name, ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())))
            if any(counts["sessions"] or counts["deleted"] for counts in brought.values()):
                self._refresh_sessions()

        self._with_folder("merge", take_in)

    def _with_folder(self, doing: str, step: Callable[[Folder], object]) -> None:
        """Runs a sync step when sync is on; a failing folder or database is one line when it starts
        failing (or fails otherwise), one when it works again, and DEBUG in between: never fatal."""
        settings = self.config.sync
        if settings.folder is None:
            return
        with self._syncing:
            try:
                if self._folder is None or self._folder.device_id != self.store.known_device_id():
                    self._folder = rounds.folder_of(self.store, settings)  # new, or `sync --new-id` ran
                step(self._folder)
            except (SyncFolderError, StoreError) as exc:
                line = str(exc)
                level = logging.DEBUG if line == self._sync_trouble else logging.WARNING
                log.log(level, "sync (%s) failed, recording here meanwhile: %s", doing, line)
                self._sync_trouble = line
                return
            if self._sync_trouble is not None:
                log.info("sync works again with %s", settings.folder)
                self._sync_trouble = None

    def _sync_changed(self, settings: Sync) -> None:
        """A reload turned sync on or off, or moved its folder: the store journals only while it is on, and
        a new folder is merged from scratch of what was seen (the database keeps where each file was read)."""
        self.store.journaling = settings.folder is not None
        with self._syncing:
            self._folder, self._sync_trouble = None, None
            self._seen.clear()
            self._problems_told.clear()
        if settings.folder is None:
            log.info("sync is off")
            return
        log.info("sync with %s as %s", settings.folder, settings.device)
        self.sync()

    # helpers
    def _refresh_sessions(self) -> None:
        """Reads the latest session per habit; a new one restarts the break clock of its reminders."""
        latest = self._read(lambda: self.store.last_session_times(utc_now()), None)
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
        days = self._read(lambda: self.store.day_totals(habit_id, since=since), None)
        excuses = self._read(self.store.excuses, None)
        if days is None or excuses is None:
            return None
        return habits.progress(
            habit, days, excuses, today=today, week_starts_on=general.week_starts_on,
            routine_minutes=self.config.routine(habit.routine).minutes,
        )

    def _reminder(self, reminder_id: str) -> Reminder | None:
        return next((r for r in self.config.reminders if r.id == reminder_id), None)

    def _record(self, reminder: Reminder, kind: str, detail: str | None, now: datetime) -> None:
        self._event(reminder.id, reminder.habit, kind, detail, now)

    def _event(self, reminder_id: str, habit_id: str, kind: str, detail: str | None, now: datetime) -> None:
        log.info("%s: %s (%s)", reminder_id, kind, detail)
        event = Event(str(uuid.uuid4()), now, reminder_id, habit_id, kind, detail)
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
