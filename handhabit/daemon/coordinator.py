"""`handhabit run`: the scheduler that turns the config into notifications and events.

A thin shell: when a reminder fires is `schedule`'s answer, whether it should is `firing`'s; this module
only wires them to APScheduler, the store and a notifier, and survives their failures. It also speaks to
systemd (readiness, reload, stop, watchdog), and its scheduler (`steady`) keeps the jobs on time when the
wall clock steps. The daemon's other jobs each have a part of their own that it wires together: reloading
the config (`reloading`), the buttons' answers and the snoozes (`answers`), holding break reminders while
the person is away (`away`), the rounds with a sync folder (`sync_rounds`), and the store calls and events
they all record (`recorder`). On a desktop it wakes at once after a suspend; the DBus conversations behind
these live in `desktop/`.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MISSED, EVENT_SCHEDULER_STARTED, JobExecutionEvent, SchedulerEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import BaseScheduler

from handhabit.config.model import Config, Habit, Reminder
from handhabit.core import firing, habits
from handhabit.core.pauses import PAUSED, RESUMED, paused_until
from handhabit.core.progress import Progress
from handhabit.core.records import UTC
from handhabit.core.tips import tip
from handhabit.core.units import counted
from handhabit.daemon import readiness, running_config
from handhabit.daemon.answers import Answers
from handhabit.daemon.away import Away, Presence
from handhabit.daemon.live_config import LiveConfig
from handhabit.daemon.recorder import Recorder
from handhabit.daemon.reloading import Reloading
from handhabit.daemon.reminder_jobs import ReminderJobs
from handhabit.daemon.steady import SteadyScheduler
from handhabit.daemon.sync_rounds import SyncRounds
from handhabit.host.clock import utc_now
from handhabit.host.clock import zone as configured_zone
from handhabit.notify.backends import choose, deliver
from handhabit.notify.note import Answer, Note, Notifier
from handhabit.store import Store

if TYPE_CHECKING:
    from handhabit.desktop.buses import Buses

log = logging.getLogger(__name__)


def compose(reminder: Reminder, habit: Habit, progress: str | None, tip: str, due: datetime | None = None,
            snooze: timedelta = timedelta(minutes=10)) -> Note:
    return Note(summary=habit.name, message=reminder.message, tip=tip, progress=progress,
                routine=reminder.routine or habit.routine, reminder=reminder.id, habit=habit.id, due=due,
                snooze=snooze)


def _progress(live: LiveConfig, recorder: Recorder, habit_id: str, now: datetime) -> Progress | None:
    """The habit's standing, which the targets' gates read: None when the database cannot tell it."""
    config, store = live.config, recorder.store
    habit = config.habit(habit_id)
    general = config.general
    today = habits.logical_date(now, live.zone, general.day_starts_at)
    since = today - timedelta(days=7)
    days = recorder.guarded(lambda: store.day_totals(habit_id, since=since), None)
    excuses = recorder.guarded(store.excuses, None)
    if days is None or excuses is None:
        return None
    return habits.progress(
        habit, days, excuses, today=today, week_starts_on=general.week_starts_on,
        routine_minutes=config.routine(habit.routine).minutes,
    )


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
        self.live, self.store = LiveConfig(config, zone), store
        self.notifiers = (notifier,) if not isinstance(notifier, Sequence) else tuple(notifier)
        self.buses = buses
        self.recorder = Recorder(store)
        self.reloading = Reloading(config_path, store.path, self.recorder, self.status)
        self.scheduler = scheduler_class(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(max_workers=4)},
            job_defaults={"coalesce": True, "max_instances": 1},
            heartbeat=self.heartbeat,
        )
        self._lock = threading.Lock()  # the state the jobs, the answers and the reloads share across threads
        self.jobs = ReminderJobs(self.live, self.recorder, self.scheduler, self._lock, self.fire)
        self._fired: int | None = None  # reminders fired so far, ever: where the tip rotation stands
        self.away = Away(self.live, self.recorder, self.scheduler, self._lock, self.fire)
        self.answers = Answers(self.live, self.recorder, self.scheduler, self.fire, self.jobs.refresh_sessions)
        self.sync_rounds = SyncRounds(self.live, store, self._lock, self.jobs.refresh_sessions)
        store.journaling = config.sync.folder is not None  # what the daemon records goes out when sync is on

    @property
    def config(self) -> Config:
        return self.live.config

    @config.setter
    def config(self, config: Config) -> None:
        self.live.config = config

    @property
    def zone(self) -> ZoneInfo:
        return self.live.zone

    @property
    def presence(self) -> Presence:
        return self.away.presence

    @presence.setter
    def presence(self, presence: Presence) -> None:
        self.away.presence = presence

    # wiring
    def schedule_jobs(self) -> None:
        self.sync_rounds.sync()
        self.jobs.read_clocks()
        self.jobs.schedule()
        self.answers.listen(self.notifiers)
        self.check_snoozes()
        self.scheduler.add_listener(self.on_missed, EVENT_JOB_MISSED)

    def next_times(self) -> list[tuple[str, datetime]]:
        return self.jobs.next_times()

    def status(self) -> str:
        return self.jobs.status()

    def watch_desktop(self) -> None:
        """Presence (when break reminders are to be held) and suspend, where the buses offer them."""
        if self.buses is None:
            return
        system = self.buses.system()
        if system is not None:
            from handhabit.desktop.sleep import watch_sleep

            watch_sleep(system, on_sleep=lambda: log.info("the machine is going to sleep"), on_wake=self.woke)
        self.away.watch(self.buses)

    def run(self) -> None:
        """Blocks until SIGTERM or SIGINT; SIGHUP reloads the config, SIGUSR1 re-reads the snoozes."""
        self.schedule_jobs()
        self.watch_desktop()
        _answer_signals(self)
        self.scheduler.add_listener(self._on_started, EVENT_SCHEDULER_STARTED)
        self.scheduler.start()
        self.presence.close()
        self.sync_rounds.send_out(utc_now())  # what the last jobs recorded
        running_config.withdraw(self.store.path)
        self.store.close()
        log.info("handhabit stopped")

    def _on_started(self, event: SchedulerEvent) -> None:
        self.jobs.log_next()
        log.info("handhabit is running with %s", counted(len(self.config.reminders), "reminder"))
        self.reloading.publish(self.config)
        readiness.notify("READY=1", f"STATUS={self.status()}")

    def reload(self, why: str) -> bool:
        """Reads the config again (`reloading`) and, when it is good, puts it in force everywhere at once."""
        config = self.reloading.read(why, self.config)
        if config is None:
            return False
        if config.notify.backend != self.config.notify.backend:
            self.notifiers = tuple(choose(config.notify.backend, self.buses))
            self.answers.listen(self.notifiers)
        with self._lock:
            before, self.live.config = self.config.sync, config
            self.live.zone = configured_zone(config.general, warn=log.warning)
        if config.sync != before:
            self.sync_rounds.changed(config.sync)
        self.presence.set_away_after(config.notify.away_after)
        self.away.watch(self.buses)
        self.jobs.schedule()
        log.info("config reloaded (%s): %s, %s", why, config.source or "built-in default",
                 counted(len(config.reminders), "reminder"))
        self.jobs.log_next()
        self.recorder.record_daemon("reloaded", why)
        self.reloading.publish(config)
        readiness.notify("READY=1", f"STATUS={self.status()}")
        return True

    # jobs
    def heartbeat(self) -> None:
        """Once a minute, on the scheduler's own thread (`steady`): restarts the break clock of a habit
        with a new session, schedules a snooze whose signal was lost, reloads a changed config file and
        feeds systemd's watchdog (WatchdogSec=3min), which thereby hears that the loop itself is alive.
        What could hold it up (a database locked for its busy timeout, a reload that waits for the
        desktop) delays the reminders due meanwhile by that long, never loses them."""
        self.sync_rounds.sync()
        self.jobs.refresh_sessions()
        self.check_snoozes()
        if self.reloading.file_changed():
            self.reload("the config file changed")
        if readiness.watchdog_wanted():
            readiness.notify("WATCHDOG=1")

    def fire(self, reminder_id: str, why: str = "due") -> None:
        """`why` is "due" (its schedule), "snoozed" or "back" (held while the person was away). What is read
        here is what `firing` decides on; what it decides is recorded, logged or shown here."""
        reminder = self.live.reminder(reminder_id)
        if reminder is None:  # removed by a reload while its job was starting
            return
        habit = self.config.habit(reminder.habit)
        now = utc_now()
        if why == "due":
            self.answers.end_snooze(reminder.id)  # it comes by its schedule: a snooze of it has nothing left to do
        self.sync_rounds.take_in(now)  # a session done on another machine since the last heartbeat counts
        self.jobs.refresh_sessions()
        until = paused_until(self.recorder.guarded(lambda: self.store.latest_of(PAUSED, RESUMED), None), now)
        progress = _progress(self.live, self.recorder, habit.id, now)
        decision = firing.decide(reminder, progress, until, self.jobs.last_session.get(habit.id), self.presence.away(),
                                 self.config.notify.hold_while_away, now, self.zone)
        if decision.action is firing.Action.SKIP:
            self.recorder.record(reminder, "skipped", decision.text, now)
            return
        if decision.action is firing.Action.QUIET:
            log.info("%s: %s", reminder.id, decision.text)
            return
        if decision.action is firing.Action.HOLD:
            self.away.hold(reminder, decision.text, now)
            return
        with self._lock:
            if self._fired is None:
                self._fired = self.recorder.guarded(self.store.fired_count, 0)
            self._fired = count = self._fired + 1
        note = compose(reminder, habit, progress.text if progress else None, tip(count), now, self.config.notify.snooze)
        detail = deliver(self.notifiers, note)
        with self._lock:
            self.jobs.last_fire[reminder.id] = now
            self.away.held.pop(reminder.id, None)
        self.recorder.record(reminder, "fired", detail if why == "due" else f"{detail} ({why})", now)
        self.sync_rounds.send_out(now)
        readiness.notify(f"STATUS={self.status()}")

    def on_missed(self, event: JobExecutionEvent) -> None:
        self.jobs.on_missed(event)

    # the surface the CLI and the desktop call
    def answer(self, answer: Answer) -> None:
        self.answers.answer(answer)

    def check_snoozes(self) -> None:
        self.answers.check_snoozes()

    def on_back(self) -> None:
        self.away.on_back()

    def woke(self) -> None:
        """logind says the machine woke: the scheduler's wait ran on a clock that stood still in suspend,
        so it is woken now to fire what is within its grace and record the rest as missed."""
        log.info("the machine woke from sleep: catching up on the reminders")
        self.scheduler.wakeup()


def _answer_signals(daemon: Daemon) -> None:
    """SIGTERM and SIGINT stop, SIGHUP reloads the config, SIGUSR1 (from `handhabit snooze`) re-reads the
    snoozes. A signal handler interrupts the main thread anywhere, possibly inside the scheduler's lock:
    a reload or a snooze runs on a thread of its own, which takes the locks like any job."""

    def stop(signum: int, frame: FrameType | None) -> None:
        log.info("%s received, stopping", signal.Signals(signum).name)
        readiness.notify("STOPPING=1")
        daemon.scheduler.shutdown(wait=False)

    def reload(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=daemon.reload, args=("SIGHUP",), name="reload", daemon=True).start()

    def snoozes(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=daemon.check_snoozes, name="snoozes", daemon=True).start()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    signal.signal(signal.SIGHUP, reload)
    signal.signal(signal.SIGUSR1, snoozes)
