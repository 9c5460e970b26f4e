"""The scheduler loop when the wall clock steps: the daemon's real jobs in the real loop on a thread, the
wall clock moved by time-machine, which leaves CLOCK_BOOTTIME and the monotonic clock alone (checked
below), exactly as an NTP step or a clock set by hand does."""

from __future__ import annotations

import itertools
import logging
import os
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from functools import partial

import pytest
import time_machine

from handhabit.config.model import Reminder
from handhabit.daemon.coordinator import Daemon
from handhabit.daemon.steady import CAP, Reading, SteadyScheduler, clock_step, read_clocks, slept
from handhabit.store import Store
from tests.builders import BERLIN, BREAK, FakeNotifier, at_berlin, config_of, receive, scheduler_running
from tests.desktop import wait_for

MORNING = Reminder("morning", "hand-massage", "Morning hands.", frozenset(range(7)), at=(datetime(
    2025, 1, 1, 10, 45).time(),))
STEP_WARNING = "handhabit.daemon.steady", logging.WARNING, "the clock jumped {}: re-planning the reminders"


@pytest.mark.parametrize(
    ("wall", "steady", "counts_suspend", "step"),
    [
        (60, 60, True, None),  # a minute passed
        (62, 60, True, None),  # drift and the moment between the two readings: not a step
        (60 - 3000, 60, True, timedelta(minutes=-50)),  # set back 50 minutes during a one-minute wait
        (60 + 7200, 60, True, timedelta(hours=2)),  # set ahead two hours
        (7260, 7260, True, None),  # slept two hours: boottime counted them too
        (60 + 7200, 60, False, None),  # without boottime a jump ahead may have been a suspend
        (60 - 3000, 60, False, timedelta(minutes=-50)),  # a step back never is
    ],
)
def test_a_step_is_the_wall_clock_moving_apart_from_the_time_that_passed(
    wall: float, steady: float, counts_suspend: bool, step: timedelta | None
) -> None:
    before = Reading(wall=1_741_600_000.0, steady=500.0, awake=400.0)
    after = Reading(before.wall + wall, before.steady + steady, before.awake + 60)
    assert clock_step(before, after, counts_suspend) == step


@pytest.mark.parametrize(
    ("wall", "awake", "asleep"),
    [
        (60, 60, None),  # awake all along
        (69, 60, None),  # a busy moment, not a sleep
        (60 + 600, 60, timedelta(minutes=10)),  # the wall clock ran on while the monotonic one stood
    ],
)
def test_a_sleep_is_the_wall_clock_running_ahead_of_the_monotonic_clock(
    wall: float, awake: float, asleep: timedelta | None
) -> None:
    before = Reading(wall=1_741_600_000.0, steady=500.0, awake=400.0)
    after = Reading(before.wall + wall, before.steady + wall, before.awake + awake)
    assert slept(before, after) == asleep


def test_time_machine_moves_the_wall_clock_only() -> None:
    """What the tests below rely on: a travel is a step, not a suspend."""
    before = read_clocks()
    with time_machine.travel(datetime(2025, 3, 10, 10, tzinfo=timezone.utc), tick=True):
        after = read_clocks()
        monotonic = time.monotonic()
    assert after.wall == pytest.approx(datetime(2025, 3, 10, 10, tzinfo=timezone.utc).timestamp(), abs=1)
    assert 0 <= after.steady - before.steady < 1
    assert time.clock_gettime(time.CLOCK_BOOTTIME) >= after.steady and time.monotonic() >= monotonic
    assert clock_step(before, after) is not None


def quick(store: Store) -> Daemon:
    """The daemon with its real loop, waking every 0.2 s instead of every minute."""
    return Daemon(config_of(MORNING, BREAK), store, FakeNotifier(), BERLIN, partial(SteadyScheduler, cap=0.2))


def test_a_step_back_feeds_the_watchdog_at_once_and_plans_the_reminders_from_the_new_now(
    store: Store, listener: tuple[str, socket.socket], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    address, sock = listener
    monkeypatch.setenv("NOTIFY_SOCKET", address)
    monkeypatch.setenv("WATCHDOG_USEC", str(3 * 60 * 10**6))
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    daemon = quick(store)
    with time_machine.travel(at_berlin(2025, 3, 10, 11, 0), tick=True) as traveller, scheduler_running(daemon):
        assert daemon.next_times() == [("work-break", at_berlin(2025, 3, 10, 12, 0)),
                                       ("morning", at_berlin(2025, 3, 11, 10, 45))]
        traveller.move_to(at_berlin(2025, 3, 10, 10, 10))
        # A heartbeat planned by the wall clock would now be 51 minutes ahead; systemd kills a daemon
        # silent for 3.
        receive(sock, "WATCHDOG=1", 3)
        planned = daemon.next_times()
    assert planned == [("work-break", at_berlin(2025, 3, 10, 10, 30)), ("morning", at_berlin(2025, 3, 10, 10, 45))]
    assert (STEP_WARNING[0], STEP_WARNING[1], STEP_WARNING[2].format("back 50m")) in caplog.record_tuples


def test_a_jump_ahead_plans_from_the_new_now_instead_of_calling_reminders_missed(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    daemon = quick(store)
    expected = [("work-break", at_berlin(2025, 3, 10, 13, 30)), ("morning", at_berlin(2025, 3, 11, 10, 45))]
    with time_machine.travel(at_berlin(2025, 3, 10, 11, 0), tick=True) as traveller, scheduler_running(daemon):
        traveller.move_to(at_berlin(2025, 3, 10, 13, 0))  # the 12:00 break never came: the clock was behind
        wait_for(lambda: daemon.next_times() == expected, 3, "the reminders planned from 13:00")
        time.sleep(0.5)
    assert store.events() == []  # no break recorded as missed, none fired late
    assert (STEP_WARNING[0], STEP_WARNING[1], STEP_WARNING[2].format("ahead 2h")) in caplog.record_tuples


def test_the_idle_loop_wakes_once_per_cap_and_beats_on_its_own_thread(store: Store) -> None:
    """With the next reminder a day away, a step is still noticed within the cap; and that wake, on one
    thread, is the heartbeat's: an idle daemon wakes no other thread and no more often."""
    wakes: list[tuple[float, int]] = []
    beats: list[int] = []

    def clocks() -> Reading:
        wakes.append((time.monotonic(), threading.get_ident()))
        return read_clocks()

    daemon = Daemon(config_of(MORNING), store, FakeNotifier(), BERLIN, partial(SteadyScheduler, cap=0.1,
                                                                                clocks=clocks))
    heartbeat = daemon.scheduler.heartbeat

    def counted() -> None:
        beats.append(threading.get_ident())
        heartbeat()

    daemon.scheduler.heartbeat = counted
    with time_machine.travel(at_berlin(2025, 3, 10, 11, 0), tick=True), scheduler_running(daemon):
        time.sleep(1)
    gaps = [later - earlier for (earlier, _), (later, _) in itertools.pairwise(wakes)]
    assert len(gaps) >= 5 and max(gaps) < 0.1 + 0.2, gaps
    loop = {thread for _, thread in wakes}
    assert len(loop) == 1 and set(beats) == loop
    assert len(wakes) - len(beats) <= 3  # the first reading, the start's wakeup and the shutdown's
    running = Daemon(config_of(MORNING), store, FakeNotifier(), BERLIN).scheduler
    assert isinstance(running, SteadyScheduler) and running.cap == CAP <= 60
