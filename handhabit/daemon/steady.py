"""A scheduler that stays on time when the wall clock steps back or jumps ahead.

APScheduler's BlockingScheduler sleeps until its next job's wall-clock time, as it stood when it went
to sleep. After the clock steps back an hour (NTP, a wrong clock fixed by hand) it would sleep an hour
more than it meant to: no heartbeat, so no systemd watchdog ping (WatchdogSec=3min kills the daemon)
and no config check; after a jump ahead it would call every reminder in between missed. This one wakes
at least once per `cap` of monotonic time, whatever the wall clock does, and when the wall clock moved
by more than the time that really passed, it plans every job again from the new now.

That wake is also the daemon's heartbeat, run on the loop's own thread and timed by the steady clock.
As an APScheduler job it would wake a pool thread besides the loop every idle minute (the first time
starting that thread and opening a database connection for it), and keep wall-clock time, which a step
back holds up. Here an idle daemon wakes one thread once a minute, a step can neither delay nor hasten
the heartbeat, and after a suspend it runs at the loop's first wake.

A suspend moves the wall clock ahead of the monotonic clock too, but that time really passed: reminders
due while the machine slept are APScheduler's missed-or-within-grace case, not a step. Linux's
CLOCK_BOOTTIME counts suspend, so a wall clock that kept pace with it did not step. Elsewhere the steady
clock may stand still during suspend, and only a step back is sure to be a step. The wait itself runs
on the monotonic clock, which stands still in suspend: logind's PrepareForSleep wakes the loop at once
(the daemon calls `wakeup`), and where that signal is missed or there is no logind, the capped wait ends
within a minute of waking and the loop says how long the machine slept.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.schedulers.blocking import BlockingScheduler

from handhabit.core.units import format_duration

log = logging.getLogger(__name__)
# How often the loop wakes, whatever the wall clock does, and runs the heartbeat: a step is noticed and
# systemd's watchdog (WatchdogSec=3min) fed within a minute, which the docs promise for a changed config.
CAP = 60.0
# Far above NTP's slewing (at most 0.5 ms per second) and the moment between reading the two clocks.
THRESHOLD = timedelta(seconds=3)
# Less than this between the wall and the monotonic clock is a busy machine, not a sleep.
SLEPT = timedelta(seconds=10)
COUNTS_SUSPEND = hasattr(time, "CLOCK_BOOTTIME")


@dataclass(frozen=True)
class Reading:
    """The wall clock, a steady clock (counting suspend where it can) and the monotonic clock (which
    stands still in suspend) read together, in seconds."""

    wall: float
    steady: float
    awake: float


def read_clocks() -> Reading:
    awake = time.monotonic()
    steady = time.clock_gettime(time.CLOCK_BOOTTIME) if COUNTS_SUSPEND else awake
    return Reading(time.time(), steady, awake)


def clock_step(
    before: Reading, after: Reading, counts_suspend: bool = COUNTS_SUSPEND, threshold: timedelta = THRESHOLD
) -> timedelta | None:
    """How far the wall clock stepped between two readings (negative: back), or None when it kept pace
    with the time that passed. With a steady clock that stands still in suspend, a wall clock ahead of
    it may have slept rather than stepped, so only a step back counts."""
    step = timedelta(seconds=(after.wall - before.wall) - (after.steady - before.steady))
    if step < -threshold or (counts_suspend and step > threshold):
        return step
    return None


def slept(before: Reading, after: Reading, threshold: timedelta = SLEPT) -> timedelta | None:
    """How long the machine was suspended between two readings with no step between them: the wall
    clock ran ahead of the monotonic one."""
    gap = timedelta(seconds=(after.wall - before.wall) - (after.awake - before.awake))
    return gap if gap >= threshold else None


class SteadyScheduler(BlockingScheduler):  # type: ignore[misc]
    def __init__(self, *, cap: float = CAP, clocks: Callable[[], Reading] = read_clocks,
                 heartbeat: Callable[[], None] | None = None, **options: Any) -> None:
        """`heartbeat` runs on the loop's thread once per `cap` (seconds) of steady time, the first time a
        `cap` after the start; `cap` and `clocks` let a test wake the loop often and play a suspend."""
        super().__init__(**options)
        self.cap, self.clocks, self.heartbeat = cap, clocks, heartbeat

    def _main_loop(self) -> None:
        """BlockingScheduler's loop, with every wait ending by the next heartbeat and a step of the wall
        clock checked for before the due jobs are run, so a jump ahead does not count as missed reminders.
        The heartbeat runs before the due jobs, so they see a config or a session it has just read."""
        with self._woken_by_signals():
            self._loop()

    @contextlib.contextmanager
    def _woken_by_signals(self) -> Iterator[None]:
        """Python runs a signal's handler in the main thread, between two bytecodes: a signal that comes just
        as the loop goes to sleep (SIGHUP right after READY=1) would wait for the next wake, up to a minute.
        The C handler also writes to a pipe, and a thread blocked on it wakes the loop, which then runs the
        handler. Only the main thread runs handlers, so only there is this needed (tests run the loop in
        others); the thread blocks in read(), so the idle daemon wakes no more often for it."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        read_end, write_end = os.pipe2(os.O_CLOEXEC)
        os.set_blocking(write_end, False)  # the C handler must never block
        previous = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)

        def relay() -> None:
            while os.read(read_end, 512):
                self._event.set()

        relaying = threading.Thread(target=relay, name="signals", daemon=True)
        relaying.start()
        try:
            yield
        finally:
            signal.set_wakeup_fd(previous)
            os.close(write_end)  # read() returns b"": the relay ends
            relaying.join()
            os.close(read_end)

    def _loop(self) -> None:
        wait: float | None = None
        last = self.clocks()
        beat = last.steady + self.cap
        while self.state != STATE_STOPPED:
            until_beat = beat - last.steady
            self._event.wait(until_beat if wait is None else min(wait, until_beat))
            reading = self.clocks()
            step = clock_step(last, reading)
            pause = slept(last, reading) if step is None else None
            last = reading
            if step is not None:
                self._replan(step)
            elif pause is not None:
                log.info("the machine slept for about %s: catching up on the reminders",
                         format_duration(timedelta(seconds=round(pause.total_seconds()))))
            if reading.steady >= beat:
                beat = reading.steady + self.cap
                self._beat()
            # After the heartbeat: the jobs it added or moved woke the loop, and are seen just below.
            self._event.clear()
            wait = self._process_jobs()

    def _beat(self) -> None:
        if self.heartbeat is None:
            return
        try:
            self.heartbeat()
        except Exception:  # the loop must outlive it: the reminders and the next heartbeat depend on it
            log.exception("the heartbeat failed")

    def _replan(self, step: timedelta) -> None:
        direction = "back" if step < timedelta(0) else "ahead"
        log.warning("the clock jumped %s %s: re-planning the reminders", direction,
                    format_duration(timedelta(seconds=round(abs(step.total_seconds())))))
        now = datetime.now(self.timezone)
        for job in self.get_jobs():
            with contextlib.suppress(JobLookupError):  # a reload running at this moment may have removed it
                self.modify_job(job.id, next_run_time=job.trigger.get_next_fire_time(None, now))
