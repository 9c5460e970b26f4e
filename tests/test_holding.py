"""Held, fired or missed: the decisions about a person who is away, with time as an input."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handhabit.config.model import Reminder
from handhabit.core.holding import FIRE, Outcome, Verdict, when_back, when_due, window_end
from tests.builders import BEDTIME, BERLIN, BREAK

NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")


def local(zone: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


@pytest.mark.parametrize(
    ("reminder", "away", "hold", "expected"),
    [
        (BREAK, "the screen is locked", True, Verdict(Outcome.HOLD, "the screen is locked")),
        (BREAK, "idle for 7 min", True, Verdict(Outcome.HOLD, "idle for 7 min")),
        (BREAK, None, True, FIRE),  # present
        (BREAK, "the screen is locked", False, FIRE),  # hold_while_away = false
        (BEDTIME, "the screen is locked", True, FIRE),  # a fixed time is an appointment: never held
    ],
)
def test_only_a_break_reminder_due_while_away_is_held(
    reminder: Reminder, away: str | None, hold: bool, expected: Verdict
) -> None:
    assert when_due(reminder, away, hold) == expected


@pytest.mark.parametrize("zone", [BERLIN, NEW_YORK, SYDNEY], ids=lambda z: z.key)
def test_a_held_break_comes_back_while_its_window_is_open_else_is_missed(zone: ZoneInfo) -> None:
    held = local(zone, 2025, 3, 10, 15, 0)  # window 09:00-17:30
    assert when_back(BREAK, zone, held, local(zone, 2025, 3, 10, 17, 30)) == FIRE  # the last moment
    late = when_back(BREAK, zone, held, local(zone, 2025, 3, 10, 17, 31))
    assert late == Verdict(Outcome.MISSED, "held while away until after its window closed at 17:30")
    # back the next morning, inside the next day's window: yesterday's reminder is not served up today
    assert when_back(BREAK, zone, held, local(zone, 2025, 3, 11, 10, 0)).outcome is Outcome.MISSED


@pytest.mark.parametrize(
    ("zone", "day"),
    [(BERLIN, (2025, 3, 30)), (BERLIN, (2025, 10, 26)), (NEW_YORK, (2025, 3, 9)), (NEW_YORK, (2025, 11, 2)),
     (SYDNEY, (2025, 4, 6)), (SYDNEY, (2025, 10, 5))],
    ids=lambda v: getattr(v, "key", None) or "-".join(map(str, v)),
)
def test_the_window_end_is_the_local_clock_time_on_a_dst_change_day(zone: ZoneInfo, day: tuple[int, int, int]) -> None:
    """On the days the clocks change, the window still ends at 17:30 on the wall clock, not 17:30 of
    yesterday's offset."""
    held = local(zone, *day, 12, 0)
    end = window_end(BREAK, zone, held)
    assert end is not None and end.astimezone(zone).time() == time(17, 30)
    assert when_back(BREAK, zone, held, end) == FIRE
    assert when_back(BREAK, zone, held, end + timedelta(minutes=1)).outcome is Outcome.MISSED


def test_a_window_that_ends_at_night_keeps_a_held_reminder_until_then() -> None:
    evening = replace(BREAK, between=(time(18), time(23, 30)))
    held = local(BERLIN, 2025, 3, 10, 20, 0)
    assert when_back(evening, BERLIN, held, local(BERLIN, 2025, 3, 10, 23, 0)) == FIRE
    assert when_back(evening, BERLIN, held, local(BERLIN, 2025, 3, 10, 23, 45)).outcome is Outcome.MISSED


def test_a_fixed_time_reminder_has_no_window() -> None:
    assert window_end(BEDTIME, BERLIN, local(BERLIN, 2025, 3, 10, 22, 30)) is None
